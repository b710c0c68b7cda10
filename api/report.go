package api

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/uber/h3-go/v4"

	"gridgov/dispatch"
	"gridgov/geo"
)

// maxReportBody bounds a report: nine photos of at most 5 MB, base64-encoded, would not fit, and need not: photos
// over a few hundred kilobytes should be resized by the client.
const maxReportBody = 8 << 20

// Intake is what the report handler needs of dispatch.
type Intake interface {
	Submit(ctx context.Context, r dispatch.Report, idempotencyKey string) (dispatch.Created, error)
}

type reportRequest struct {
	Category    string   `json:"category"`
	Description string   `json:"description"`
	Lat         *float64 `json:"lat"`
	Lon         *float64 `json:"lon"`
	CRS         string   `json:"crs"`
	Address     string   `json:"address"`
	Channel     string   `json:"channel"`
	Urgency     string   `json:"urgency"`
	Reporter    *struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"reporter"`
	Photos []string `json:"photos"`
}

// caseJSON is a case as the API shows it; reporters' names and phones are never included.
type caseJSON struct {
	ID             int64              `json:"id"`
	Status         string             `json:"status"`
	Classification string             `json:"classification"`
	Category       string             `json:"category"`
	CategoryName   string             `json:"category_name,omitempty"`
	Description    string             `json:"description"`
	Address        string             `json:"address,omitempty"`
	Channel        string             `json:"channel"`
	Urgency        string             `json:"urgency"`
	Lat            float64            `json:"lat"`
	Lon            float64            `json:"lon"`
	CRS            string             `json:"crs"`
	OrigLat        float64            `json:"orig_lat"`
	OrigLon        float64            `json:"orig_lon"`
	H3             string             `json:"h3"`
	Street         *geo.Ref           `json:"street"`
	Community      *geo.Ref           `json:"community"`
	Grid           *geo.Ref           `json:"grid"`
	Building       *geo.Ref           `json:"building"`
	Assignee       *dispatch.Assignee `json:"assignee"`
	DueAt          *time.Time         `json:"due_at"`
	CreatedAt      time.Time          `json:"created_at"`
	ClosedAt       *time.Time         `json:"closed_at,omitempty"`
	DuplicateOf    *int64             `json:"duplicate_of"`
	Supporters     int                `json:"supporters"`
	Redone         int                `json:"redone"`
	Escalations    int                `json:"escalations"`
	Deliberated    bool               `json:"deliberated"`
	Overdue        bool               `json:"overdue"`
	Satisfaction   string             `json:"satisfaction,omitempty"`
	Ratings        *dispatch.Ratings  `json:"ratings,omitempty"`
	Reporter       *reporterJSON      `json:"reporter,omitempty"`
	// Actions are the workflow actions the viewer may take now (dispatch.Available); only for a viewer with a
	// token, so that clients need not repeat the workflow's rules.
	Actions []string `json:"actions,omitempty"`
	// Photos are the URLs of the case's photos (GET /api/v1/reports/{id}/photos/{n}), only in GET
	// /api/v1/reports/{id} and only for a viewer who sees the case in full.
	Photos []string `json:"photos,omitempty"`
}

// reporterJSON is shown only to the reporter and to staff responsible for the case.
type reporterJSON struct {
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// renderCaseFor renders a case for a viewer: personal data only for those who may see it.
func renderCaseFor(c dispatch.Case, dir *dispatch.Directory, viewer dispatch.Actor, known bool) caseJSON {
	out := renderCase(c, dir, 0)
	full := known && seesInFull(c, viewer)
	if full && (c.ReporterName != "" || c.ReporterPhone != "") {
		out.Reporter = &reporterJSON{Name: c.ReporterName, Phone: c.ReporterPhone}
	}
	if !full {
		hideLocation(&out, c)
	}
	if known {
		out.Actions = dispatch.Available(c, viewer)
	}
	return out
}

func renderCase(c dispatch.Case, dir *dispatch.Directory, duplicateOf int64) caseJSON {
	ref := func(code string) *geo.Ref {
		if code == "" {
			return nil
		}
		if u, ok := dir.Locator.Unit(code); ok {
			return &geo.Ref{Code: u.Code, Name: u.Name}
		}
		return &geo.Ref{Code: code}
	}
	out := caseJSON{ID: c.ID, Status: string(c.Status), Classification: string(c.Classification), Category: c.Category,
		Description: c.Description, Address: c.Address, Channel: c.Channel, Urgency: c.Urgency, Lat: c.Lat, Lon: c.Lon,
		CRS: c.CRS, OrigLat: c.OrigLat, OrigLon: c.OrigLon, H3: h3.Cell(c.H3).String(), Street: ref(c.StreetCode),
		Community: ref(c.CommunityCode), Grid: ref(c.GridCode), Building: ref(c.BuildingCode),
		Assignee: dir.Assignee(c.AssigneeCode), CreatedAt: c.CreatedAt, Supporters: c.Supporters}
	if cat, ok := dir.Categories[c.Category]; ok {
		out.CategoryName = cat.Name
	}
	if !c.DueAt.IsZero() {
		out.DueAt = &c.DueAt
	}
	if !c.ClosedAt.IsZero() {
		out.ClosedAt = &c.ClosedAt
	}
	if duplicateOf == 0 {
		duplicateOf = c.DuplicateOf
	}
	if duplicateOf != 0 {
		out.DuplicateOf = &duplicateOf
	}
	out.Redone, out.Escalations, out.Deliberated, out.Satisfaction = c.Redone, c.Escalations, c.Deliberated, c.Satisfaction
	out.Overdue = c.Status.Open() && !c.DueAt.IsZero() && c.DueAt.Before(time.Now())
	if c.Ratings.Total() > 0 {
		r := c.Ratings
		out.Ratings = &r
	}
	return out
}

// handleCreateReport answers POST /api/v1/reports: 201 with the case once it is committed. The same
// Idempotency-Key returns the first answer (with Idempotent-Replayed: true) and creates nothing.
func handleCreateReport(log *slog.Logger, places *dispatch.Places, intake Intake, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		actor, known, err := actorOf(r)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		key := r.Header.Get("Idempotency-Key")
		if len(key) > 200 || strings.ContainsFunc(key, func(c rune) bool { return c < 0x21 || c > 0x7e }) {
			writeError(w, r, log, badRequest("Idempotency-Key", "Idempotency-Key must be at most 200 visible ASCII characters"))
			return
		}
		var req reportRequest
		if err := decodeJSON(w, r, maxReportBody, &req); err != nil {
			writeError(w, r, log, err)
			return
		}
		rep := dispatch.Report{Category: req.Category, Description: req.Description, Lat: req.Lat, Lon: req.Lon,
			CRS: req.CRS, Address: req.Address, Channel: req.Channel, Urgency: req.Urgency}
		if req.Reporter != nil {
			rep.ReporterName, rep.ReporterPhone = req.Reporter.Name, req.Reporter.Phone
		}
		if known && actor.Role == dispatch.RoleResident {
			rep.ReporterID = actor.Subject
		}
		if len(req.Photos) > dispatch.MaxPhotos {
			writeError(w, r, log, badRequest("photos", fmt.Sprintf("at most %d photos", dispatch.MaxPhotos)))
			return
		}
		for i, s := range req.Photos {
			p, err := decodePhoto(s, fmt.Sprintf("photos[%d]", i))
			if err != nil {
				writeError(w, r, log, err)
				return
			}
			rep.Photos = append(rep.Photos, p)
		}
		created, err := intake.Submit(r.Context(), rep, key)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		if created.Replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Location", "/api/v1/reports/"+strconv.FormatInt(created.Case.ID, 10))
		out := renderCase(created.Case, places.Load(), created.DuplicateOf)
		if created.DuplicateOf == 0 && known && seesInFull(created.Case, actor) {
			out.Reporter = &reporterJSON{Name: created.Case.ReporterName, Phone: created.Case.ReporterPhone}
		}
		if created.DuplicateOf != 0 && !(known && seesInFull(created.Case, actor)) {
			hideLocation(&out, created.Case) // another resident's case: shown as the public sees it
		}
		writeJSON(w, http.StatusCreated, out)
	}
}

// decodePhoto reads a photo sent as a data URI (data:image/jpeg;base64,…); the type is sniffed from the bytes.
func decodePhoto(s, field string) (dispatch.Photo, error) {
	const prefix = "data:"
	comma := strings.IndexByte(s, ',')
	if !strings.HasPrefix(s, prefix) || comma < 0 || !strings.HasSuffix(s[:comma], ";base64") {
		return dispatch.Photo{}, badRequest(field, field+" must be a data URI: data:image/jpeg;base64,…")
	}
	// Refused before decoding when even the encoded text is too long (base64 is 4 characters per 3 bytes).
	if n := base64.StdEncoding.DecodedLen(len(s) - comma - 1); n > dispatch.MaxPhotoBytes+2 {
		return dispatch.Photo{}, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: field,
			Message: fmt.Sprintf("%s is larger than %d bytes", field, dispatch.MaxPhotoBytes)}
	}
	b, err := base64.StdEncoding.DecodeString(s[comma+1:])
	if err != nil {
		return dispatch.Photo{}, badRequest(field, field+" is not valid base64")
	}
	if len(b) > dispatch.MaxPhotoBytes {
		return dispatch.Photo{}, &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large", Field: field,
			Message: fmt.Sprintf("%s is larger than %d bytes", field, dispatch.MaxPhotoBytes)}
	}
	ct := http.DetectContentType(b)
	switch ct {
	case "image/jpeg", "image/png", "image/webp":
	default:
		return dispatch.Photo{}, badRequest(field, fmt.Sprintf("%s is %s; only JPEG, PNG and WebP images are accepted", field, ct))
	}
	sum := sha256.Sum256(b)
	return dispatch.Photo{ContentType: ct, SHA256: hex.EncodeToString(sum[:]), Bytes: b}, nil
}

// CaseReader reads stored cases.
type CaseReader interface {
	Case(ctx context.Context, id int64) (dispatch.Case, error)
}

// requestedCase reads the case named by the path's {id} and who asks for it. A case the asker may not see (a
// non-public category outside their reach, see mayRead) is geo.ErrNotFound, as if it did not exist.
func requestedCase(r *http.Request, places *dispatch.Places, cases CaseReader, actorOf actorFunc) (dispatch.Case, dispatch.Actor, bool, error) {
	id, err := caseID(r)
	if err != nil {
		return dispatch.Case{}, dispatch.Actor{}, false, err
	}
	actor, known, err := actorOf(r)
	if err != nil {
		return dispatch.Case{}, dispatch.Actor{}, false, err
	}
	c, err := cases.Case(r.Context(), id)
	if err == nil && !mayRead(c, places.Load(), actor, known) {
		return dispatch.Case{}, actor, known, fmt.Errorf("case %d: %w", id, geo.ErrNotFound)
	}
	return c, actor, known, err
}

// handleGetReport answers GET /api/v1/reports/{id}; a viewer who sees the case in full also gets its photos' URLs.
func handleGetReport(log *slog.Logger, places *dispatch.Places, cases CaseReader, photos PhotoStore, actorOf actorFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, actor, known, err := requestedCase(r, places, cases, actorOf)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		out := renderCaseFor(c, places.Load(), actor, known)
		if known && seesInFull(c, actor) {
			if out.Photos, err = casePhotoURLs(r.Context(), photos, c); err != nil {
				writeError(w, r, log, err)
				return
			}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

// handleCategories answers GET /api/v1/categories with the service catalogue.
func handleCategories(places *dispatch.Places) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		list := places.Load().CategoryList
		if list == nil {
			list = []dispatch.Category{}
		}
		writeJSON(w, http.StatusOK, list)
	}
}
