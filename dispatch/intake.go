package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/paulmach/orb"

	"gridgov/geo"
)

// Report is one resident's report as a channel submits it (居民提事). The location is Lat/Lon in CRS, or,
// for the hotline, only Address text matched against the gazetteer.
type Report struct {
	Category      string
	Description   string
	Lat, Lon      *float64
	CRS           string
	Address       string
	Channel       string
	Urgency       string
	ReporterName  string
	ReporterPhone string
	ReporterID    string // the resident's token subject, when a signed-in resident reports
	Photos        []Photo
}

// Photo is an image attached to a report or an event; ContentType is sniffed from the bytes.
type Photo struct {
	ContentType string
	SHA256      string
	Bytes       []byte
}

// Channels a report may arrive through.
var Channels = []string{"app", "wechat", "hotline", "walk_in", "box", "patrol", "open311"}

// Limits of a report's fields.
const (
	MaxDescription = 2000
	MaxAddress     = 200
	MaxPhotos      = 9
	MaxPhotoBytes  = 5 << 20
)

// FieldError is input that cannot be accepted, naming the field. Unprocessable marks input that is well formed
// but not acceptable (HTTP 422: an address nobody knows); otherwise it is invalid (HTTP 400).
type FieldError struct {
	Field         string
	Code          string
	Message       string
	Unprocessable bool
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func invalid(field, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: "invalid_argument", Message: fmt.Sprintf(format, args...)}
}

// NewCase is a case ready to be stored, with what the store needs to deduplicate and make the request idempotent.
type NewCase struct {
	Case           Case
	Photos         []Photo
	IdempotencyKey string
	RequestHash    string
	DedupRadius    float64       // metres; 0 disables de-duplication
	DedupWindow    time.Duration // how far back an open case counts as the same matter
	Points         int           // reporter points credited when the report becomes a case
}

// Created is what the store did with a NewCase: Case is the new case, or the open case the report was linked to
// as a supporter (DuplicateOf is then its id), or the case first answered for the same Idempotency-Key (Replayed).
type Created struct {
	Case        Case
	DuplicateOf int64
	Replayed    bool
}

// ErrIdempotencyMismatch is returned when an Idempotency-Key is reused with a different request.
var ErrIdempotencyMismatch = errors.New("this Idempotency-Key was used for a different request")

// CaseStore keeps cases. Create commits before it returns: a returned case is durable.
type CaseStore interface {
	Create(ctx context.Context, nc NewCase) (Created, error)
	Case(ctx context.Context, id int64) (Case, error)
}

// IntakeConfig tunes intake.
type IntakeConfig struct {
	DedupRadius float64       // metres, default 50 (the zero value); negative turns de-duplication off
	DedupWindow time.Duration // default 72 h
	Points      int           // reporter points per accepted case, default 1
}

// Intake turns reports into located, classified, routed cases with a deadline.
type Intake struct {
	places   *Places
	calendar *Calendar
	store    CaseStore
	clock    func() time.Time
	cfg      IntakeConfig
}

// NewIntake wires intake over the current places, the working-time calendar, the store and a clock.
func NewIntake(places *Places, cal *Calendar, store CaseStore, clock func() time.Time, cfg IntakeConfig) *Intake {
	if cfg.DedupRadius == 0 {
		cfg.DedupRadius = 50
	}
	if cfg.DedupWindow == 0 {
		cfg.DedupWindow = 72 * time.Hour
	}
	return &Intake{places: places, calendar: cal, store: store, clock: clock, cfg: cfg}
}

// Submit validates, locates, classifies and routes a report and stores it. The same idempotency key returns
// the first answer and creates nothing.
func (in *Intake) Submit(ctx context.Context, r Report, idempotencyKey string) (Created, error) {
	dir := in.places.Load()
	if dir == nil {
		return Created{}, errors.New("intake: places not loaded")
	}
	cat, err := checkReport(&r, dir)
	if err != nil {
		return Created{}, err
	}
	p, orig, loc, err := locateReport(&r, dir)
	if err != nil {
		return Created{}, err
	}
	assignee, err := route(cat, loc, dir)
	if err != nil {
		return Created{}, err
	}
	now := in.clock().UTC()
	deadline, ok := cat.Deadlines[r.Urgency]
	if !ok {
		deadline = cat.Deadlines["normal"]
	}
	due, err := in.calendar.Add(now, deadline)
	if err != nil {
		return Created{}, fmt.Errorf("category %s deadline: %w", cat.Code, err)
	}
	cell, err := geo.CellOf(p, geo.CaseRes)
	if err != nil {
		return Created{}, invalid("lat", "no H3 cell for this point: %v", err)
	}
	c := Case{
		Category: cat.Code, Description: r.Description, Address: r.Address, Channel: r.Channel, Urgency: r.Urgency,
		Lon: p[0], Lat: p[1], OrigLon: orig[0], OrigLat: orig[1], CRS: r.CRS, H3: int64(cell),
		StreetCode: code(loc.Street), CommunityCode: code(loc.Community), GridCode: code(loc.Grid),
		BuildingCode: code(loc.Building), Status: StatusReported, Classification: cat.Classification,
		AssigneeCode: assignee, Handler: assignee, ReporterName: r.ReporterName, ReporterPhone: r.ReporterPhone,
		ReporterID: r.ReporterID,
		CreatedAt:  now, DueAt: due,
		Events: []Event{{Action: "report", To: StatusReported, Actor: r.ReporterID, ActorRole: "resident", Note: r.Channel,
			At: now}},
	}
	return in.store.Create(ctx, NewCase{Case: c, Photos: r.Photos, IdempotencyKey: idempotencyKey,
		RequestHash: requestHash(r), DedupRadius: in.cfg.DedupRadius, DedupWindow: in.cfg.DedupWindow,
		Points: in.cfg.Points})
}

func code(r *geo.Ref) string {
	if r == nil {
		return ""
	}
	return r.Code
}

// checkReport validates everything but the location and fills defaults.
func checkReport(r *Report, dir *Directory) (Category, error) {
	r.Category = strings.TrimSpace(r.Category)
	if r.Category == "" {
		return Category{}, invalid("category", "category is required")
	}
	cat, ok := dir.Categories[r.Category]
	if !ok {
		return Category{}, invalid("category", "unknown category %q (GET /api/v1/categories lists them)", truncate(r.Category, 40))
	}
	r.Description = strings.TrimSpace(r.Description)
	switch n := utf8.RuneCountInString(r.Description); {
	case n == 0:
		return cat, invalid("description", "description is required")
	case n > MaxDescription:
		return cat, invalid("description", "description is longer than %d characters", MaxDescription)
	}
	if r.Channel == "" {
		r.Channel = "app"
	}
	if !contains(Channels, r.Channel) {
		return cat, invalid("channel", "channel %q is not one of %s", truncate(r.Channel, 20), strings.Join(Channels, ", "))
	}
	switch r.Urgency {
	case "":
		r.Urgency = "normal"
	case "normal", "urgent":
	default:
		return cat, invalid("urgency", "urgency must be normal or urgent")
	}
	r.Address = strings.TrimSpace(r.Address)
	if utf8.RuneCountInString(r.Address) > MaxAddress {
		return cat, invalid("address", "address is longer than %d characters", MaxAddress)
	}
	r.ReporterName = strings.TrimSpace(r.ReporterName)
	if utf8.RuneCountInString(r.ReporterName) > 50 {
		return cat, invalid("reporter.name", "reporter name is longer than 50 characters")
	}
	r.ReporterPhone = strings.TrimSpace(r.ReporterPhone)
	if len(r.ReporterPhone) > 20 || strings.Trim(r.ReporterPhone, "0123456789+- ") != "" {
		return cat, invalid("reporter.phone", "reporter phone must be at most 20 digits, spaces, '+' or '-'")
	}
	if len(r.Photos) > MaxPhotos {
		return cat, invalid("photos", "at most %d photos", MaxPhotos)
	}
	return cat, nil
}

// locateReport finds the WGS-84 point, the original coordinates and the units of a report.
func locateReport(r *Report, dir *Directory) (p, orig orb.Point, loc geo.Location, err error) {
	crs, err := geo.ParseCRS(r.CRS)
	if err != nil {
		return p, orig, loc, invalid("crs", "%v", err)
	}
	r.CRS = string(crs)
	switch {
	case r.Lat != nil && r.Lon != nil:
		if err := geo.CheckLonLat(*r.Lon, 0); err != nil {
			return p, orig, loc, invalid("lon", "%v", err)
		}
		if err := geo.CheckLonLat(0, *r.Lat); err != nil {
			return p, orig, loc, invalid("lat", "%v", err)
		}
		orig = orb.Point{*r.Lon, *r.Lat}
		p = geo.ToWGS84(orig, crs)
	case r.Lat != nil || r.Lon != nil:
		field := "lon"
		if r.Lat == nil {
			field = "lat"
		}
		return p, orig, loc, invalid(field, "lat and lon go together; %s is missing", field)
	case r.Address != "":
		u, err := dir.Gazetteer.Match(r.Address)
		if err != nil {
			return p, orig, loc, &FieldError{Field: "address", Code: "address_not_found", Message: err.Error(),
				Unprocessable: true}
		}
		p = geo.InteriorPoint(u.Geometry.(orb.MultiPolygon))
		orig, r.CRS = p, string(geo.WGS84)
	default:
		return p, orig, loc, invalid("lat", "a location is required: lat and lon, or address")
	}
	loc = dir.Locator.Locate(p)
	if loc.Grid == nil {
		return p, orig, loc, dir.Locator.Outside(p)
	}
	return p, orig, loc, nil
}

// route finds who answers for a category at a location: the level's party organisation, the street, or the
// category's department. A building-level matter outside any compound goes to the grid party branch.
func route(cat Category, loc geo.Location, dir *Directory) (string, error) {
	org := func(r *geo.Ref) (string, bool) {
		if r == nil {
			return "", false
		}
		o, ok := dir.OrgsByUnit[r.Code]
		return o.Code, ok
	}
	switch cat.Level {
	case HandleBuilding:
		if c, ok := org(loc.Building); ok {
			return c, nil
		}
		fallthrough
	case HandleGrid:
		if c, ok := org(loc.Grid); ok {
			return c, nil
		}
		fallthrough
	case HandleCommunity:
		if c, ok := org(loc.Community); ok {
			return c, nil
		}
		fallthrough
	case HandleStreet:
		if loc.Street != nil {
			return loc.Street.Code, nil
		}
	case HandleDepartment:
		if _, ok := dir.Departments[cat.Department]; ok {
			return cat.Department, nil
		}
		return "", fmt.Errorf("category %s names unknown department %q", cat.Code, cat.Department)
	}
	return "", fmt.Errorf("category %s: nobody answers for level %s here", cat.Code, cat.Level)
}

// requestHash identifies a request's content, to tell a retry from a different request under the same key.
func requestHash(r Report) string {
	type photo struct{ SHA256 string }
	v := struct {
		Report
		Photos []photo
	}{Report: r}
	v.Report.Photos = nil
	for _, p := range r.Photos {
		v.Photos = append(v.Photos, photo{p.SHA256})
	}
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
