package api

import (
	_ "embed"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/, in XML and JSON: the format is
// the path's suffix (services.json, requests/42.xml; XML when there is none). Services are the public categories
// of the catalogue; service requests are cases of public categories, shown without personal data: coordinates
// rounded to 4 decimals (about 10 m), the grid's name as the address, no reporter. POST requests needs an open311
// token as api_key and goes through the same intake as POST /api/v1/reports, with channel "open311". We never
// queue, so a token is the request id itself. Errors use Open311's format, [{"code","description"}].

//go:embed open311_openapi.json
var open311OpenAPI []byte

const (
	open311Spec        = "http://wiki.open311.org/GeoReport_v2"
	open311Changeset   = "2026-11-23T00:00:00+08:00"
	open311Window      = 90 * 24 * time.Hour // the longest span of start_date … end_date
	open311PageSize    = 1000                // requests per page by default and at most
	open311MaxIDs      = 200                 // service_request_id values in one query
	open311MaxOffset   = 100_000             // how deep page × page_size may reach: deeper, narrow the dates
	open311MaxForm     = 64 << 10            // a POSTed form (media are not accepted)
	open311UpdatesMax  = 500                 // cases whose updates one servicerequestupdates query reads
	open311CoordDigits = 4                   // about 10 m: coordinates are rounded for privacy
)

// open311 holds what the Open311 handlers need.
type open311 struct {
	log    *slog.Logger
	places *dispatch.Places
	intake Intake
	cases  CaseReader
	wf     Workflow
	tokens *Tokens
	now    func() time.Time
}

func (s *Server) open311() *open311 {
	return &open311{log: s.log, places: s.Places, intake: s.Intake, cases: s.Cases, wf: s.Workflow, tokens: s.Tokens,
		now: s.clock}
}

// o311Error is an error as Open311 clients see it.
type o311Error struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

func (e *o311Error) Error() string { return strconv.Itoa(e.Code) + ": " + e.Description }

func o311Errorf(code int, format string, args ...any) *o311Error {
	return &o311Error{Code: code, Description: fmt.Sprintf(format, args...)}
}

// splitFormat cuts the format suffix off a path segment: "services.json" → "services", "json".
func splitFormat(seg string) (name, format string, err error) {
	i := strings.LastIndexByte(seg, '.')
	if i < 0 {
		return seg, "xml", nil
	}
	name, format = seg[:i], seg[i+1:]
	switch format {
	case "json", "xml":
		return name, format, nil
	}
	return name, "xml", o311Errorf(http.StatusBadRequest, "format %q is not supported; use .json or .xml", truncate(format, 10))
}

// writeList answers a list: a JSON array, or <root><elem>…</elem>…</root>.
func writeList[T any](w http.ResponseWriter, format string, status int, root, elem string, items []T) {
	if items == nil {
		items = []T{}
	}
	if format == "json" {
		writeJSON(w, status, items)
		return
	}
	writeXMLStart(w, status)
	enc := xml.NewEncoder(w)
	start := xml.StartElement{Name: xml.Name{Local: root}}
	_ = enc.EncodeToken(start)
	for _, it := range items {
		_ = enc.EncodeElement(it, xml.StartElement{Name: xml.Name{Local: elem}})
	}
	_ = enc.EncodeToken(start.End())
	_ = enc.Flush()
}

// writeDoc answers one document: a JSON object, or <root>…</root>.
func writeDoc(w http.ResponseWriter, format string, status int, root string, v any) {
	if format == "json" {
		writeJSON(w, status, v)
		return
	}
	writeXMLStart(w, status)
	enc := xml.NewEncoder(w)
	_ = enc.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: root}})
	_ = enc.Flush()
}

func writeXMLStart(w http.ResponseWriter, status int) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(xml.Header))
}

// fail answers err in Open311's error format: 400, 403 and 404 say what was wrong; anything else is logged and
// answered without its details.
func (o *open311) fail(w http.ResponseWriter, r *http.Request, format string, err error) {
	var oe *o311Error
	var e *Error
	var fe *dispatch.FieldError
	var out *geo.OutsideError
	switch {
	case errors.As(err, &oe):
	case errors.As(err, &fe):
		oe = o311Errorf(http.StatusBadRequest, "%s: %s", open311Field(fe.Field), fe.Message)
	case errors.As(err, &out):
		oe = o311Errorf(http.StatusBadRequest, "the location lies outside every grid of this city")
	case errors.As(err, &e) && e.Status < 500:
		oe = o311Errorf(e.Status, "%s", e.Message)
	case errors.Is(err, geo.ErrNotFound):
		oe = o311Errorf(http.StatusNotFound, "not found")
	case errors.Is(err, dispatch.ErrUnavailable):
		oe = o311Errorf(http.StatusServiceUnavailable, "the service is unavailable; try again later")
	default:
		oe = o311Errorf(http.StatusInternalServerError, "internal error")
	}
	if oe.Code >= 500 {
		o.log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if oe.Code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeList(w, format, oe.Code, "errors", "error", []*o311Error{oe})
}

// open311Field names an intake field as Open311 clients know it.
func open311Field(f string) string {
	switch f {
	case "category":
		return "service_code"
	case "lon":
		return "long"
	case "address":
		return "address_string"
	case "reporter.name":
		return "first_name"
	case "reporter.phone":
		return "phone"
	case "urgency":
		return "attribute[urgency]"
	}
	return f
}

// param is a query or form value; an empty one counts as missing.
func param(r *http.Request, name string) string { return strings.TrimSpace(r.Form.Get(name)) }

// parseForm reads the query and, for POST, a urlencoded or multipart form of bounded size.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, open311MaxForm)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(open311MaxForm)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		return o311Errorf(http.StatusBadRequest, "the request is not a valid form of at most %d bytes", open311MaxForm)
	}
	return nil
}

// --- discovery and services ---

type o311Discovery struct {
	Changeset  string         `json:"changeset" xml:"changeset"`
	Contact    string         `json:"contact" xml:"contact"`
	KeyService string         `json:"key_service" xml:"key_service"`
	Endpoints  []o311Endpoint `json:"endpoints" xml:"endpoints>endpoint"`
	Extensions []string       `json:"extensions" xml:"extensions>extension"`
}

type o311Endpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type o311Service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type o311Definition struct {
	ServiceCode string          `json:"service_code" xml:"service_code"`
	Attributes  []o311Attribute `json:"attributes" xml:"attributes>attribute"`
}

type o311Attribute struct {
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []o311Value `json:"values" xml:"values>value"`
}

type o311Value struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// publicCategory finds a category Open311 may show.
func publicCategory(dir *dispatch.Directory, code string) (dispatch.Category, bool) {
	c, ok := dir.Categories[code]
	return c, ok && c.Public
}

// categoryAttributes are a category's questions: the urgency when it has an urgent deadline, and the building
// compound for matters settled at the building.
func categoryAttributes(c dispatch.Category) []o311Attribute {
	var out []o311Attribute
	if d, ok := c.Deadlines["urgent"]; ok {
		out = append(out, o311Attribute{Variable: true, Code: "urgency", Datatype: "singlevaluelist",
			DatatypeDescription: "normal or urgent", Order: len(out) + 1,
			Description: fmt.Sprintf("紧急程度 urgency: normal (%s) or urgent (%s)", c.Deadlines["normal"], d),
			Values:      []o311Value{{Key: "normal", Name: "一般 normal"}, {Key: "urgent", Name: "紧急 urgent"}}})
	}
	if c.Level == dispatch.HandleBuilding {
		out = append(out, o311Attribute{Variable: true, Code: "compound", Datatype: "string",
			DatatypeDescription: "a building compound's name or code",
			Order:               len(out) + 1, Description: "楼院 building compound, where no lat/long or address is given",
			Values: []o311Value{}})
	}
	return out
}

func serviceOf(c dispatch.Category) o311Service {
	desc := c.NameEn
	if d, ok := c.Deadlines["normal"]; ok {
		desc += fmt.Sprintf(" — settled at the %s level within %s", c.Level, d)
	}
	return o311Service{ServiceCode: c.Code, ServiceName: c.Name, Description: desc,
		Metadata: len(categoryAttributes(c)) > 0, Type: "realtime", Keywords: strings.Join(c.Keywords, ","),
		Group: string(c.Domain)}
}

// get answers GET /open311/v2/{resource}: discovery, services, requests and servicerequestupdates.
func (o *open311) get() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, format, err := splitFormat(r.PathValue("resource"))
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		if err := parseForm(w, r); err != nil {
			o.fail(w, r, format, err)
			return
		}
		switch name {
		case "discovery":
			o.discovery(w, r, format)
		case "services":
			var out []o311Service
			for _, c := range o.places.Load().CategoryList {
				if c.Public {
					out = append(out, serviceOf(c))
				}
			}
			writeList(w, format, http.StatusOK, "services", "service", out)
		case "requests":
			o.requests(w, r, format)
		case "servicerequestupdates":
			o.updates(w, r, format)
		default:
			o.fail(w, r, format, o311Errorf(http.StatusNotFound, "no resource %q", truncate(name, 40)))
		}
	}
}

func (o *open311) discovery(w http.ResponseWriter, r *http.Request, format string) {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	writeDoc(w, format, http.StatusOK, "discovery", o311Discovery{
		Changeset: open311Changeset, Contact: "the city's grid governance office (网格化治理中心)",
		KeyService: "an api_key is an open311 token: gridgov token --role open311 --unit CODE",
		Endpoints: []o311Endpoint{{Specification: open311Spec, URL: scheme + "://" + r.Host + "/open311/v2",
			Changeset: open311Changeset, Type: "production", Formats: []string{"text/xml", "application/json"}}},
		Extensions: []string{"extensions=true (extended_attributes)", "page, page_size",
			"servicerequestupdates (mySociety)"},
	})
}

// definition answers GET /open311/v2/services/{code}: the category's questions.
func (o *open311) definition() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		code, format, err := splitFormat(r.PathValue("code"))
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		c, ok := publicCategory(o.places.Load(), code)
		if !ok {
			o.fail(w, r, format, o311Errorf(http.StatusNotFound, "service_code %q was not found", truncate(code, 40)))
			return
		}
		attrs := categoryAttributes(c)
		if attrs == nil {
			attrs = []o311Attribute{}
		}
		writeDoc(w, format, http.StatusOK, "service_definition", o311Definition{ServiceCode: c.Code, Attributes: attrs})
	}
}

// --- service requests ---

type o311Request struct {
	ServiceRequestID   string        `json:"service_request_id" xml:"service_request_id"`
	Status             string        `json:"status" xml:"status"`
	StatusNotes        string        `json:"status_notes" xml:"status_notes"`
	ServiceName        string        `json:"service_name" xml:"service_name"`
	ServiceCode        string        `json:"service_code" xml:"service_code"`
	Description        string        `json:"description" xml:"description"`
	AgencyResponsible  string        `json:"agency_responsible" xml:"agency_responsible"`
	ServiceNotice      string        `json:"service_notice" xml:"service_notice"`
	RequestedDatetime  string        `json:"requested_datetime" xml:"requested_datetime"`
	UpdatedDatetime    string        `json:"updated_datetime" xml:"updated_datetime"`
	ExpectedDatetime   string        `json:"expected_datetime" xml:"expected_datetime"`
	Address            string        `json:"address" xml:"address"`
	AddressID          string        `json:"address_id" xml:"address_id"`
	Zipcode            string        `json:"zipcode" xml:"zipcode"`
	Lat                float64       `json:"lat" xml:"lat"`
	Long               float64       `json:"long" xml:"long"`
	MediaURL           string        `json:"media_url" xml:"media_url"`
	ExtendedAttributes *o311Extended `json:"extended_attributes,omitempty" xml:"extended_attributes,omitempty"`
}

// o311Extended is our own picture of a request, with extensions=true.
type o311Extended struct {
	Status         string     `json:"status" xml:"status"`
	Classification string     `json:"classification" xml:"classification"`
	Urgency        string     `json:"urgency" xml:"urgency"`
	Channel        string     `json:"channel" xml:"channel"`
	Street         *geo.Ref   `json:"street" xml:"street,omitempty"`
	Community      *geo.Ref   `json:"community" xml:"community,omitempty"`
	Grid           *geo.Ref   `json:"grid" xml:"grid,omitempty"`
	Supporters     int        `json:"supporters" xml:"supporters"`
	Overdue        bool       `json:"overdue" xml:"overdue"`
	History        []o311Note `json:"history" xml:"history>note"`
}

// o311Note is one step of a request's history: no person's name, and only staff notes.
type o311Note struct {
	Action   string `json:"action" xml:"action"`
	Status   string `json:"status" xml:"status"`
	Role     string `json:"role" xml:"role"`
	Note     string `json:"note" xml:"note"`
	Datetime string `json:"datetime" xml:"datetime"`
}

// statusNotes says in words where a case stands; closed and cancelled cases are Open311's closed.
var statusNotes = map[dispatch.Status]string{
	dispatch.StatusReported:     "已受理 reported, waiting for the grid to hear it",
	dispatch.StatusHeard:        "已听事 heard by the grid",
	dispatch.StatusDeliberating: "议事中 on the agenda of a speak-and-discuss point",
	dispatch.StatusDecided:      "已定事 decided by the residents' meeting",
	dispatch.StatusDispatched:   "已派单 dispatched to the unit that handles it",
	dispatch.StatusInProgress:   "办理中 in progress",
	dispatch.StatusResolved:     "已办结 resolved, waiting for verification",
	dispatch.StatusVerified:     "已核实 verified, residents are rating it",
	dispatch.StatusClosed:       "已结案 closed",
	dispatch.StatusSuspended:    "挂账 suspended",
	dispatch.StatusCancelled:    "已撤销 cancelled",
}

func open311Status(s dispatch.Status) string {
	if s.Open() {
		return "open"
	}
	return "closed"
}

func open311Time(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(kpiZone).Format(time.RFC3339)
}

func roundCoord(v float64) float64 {
	p := math.Pow(10, open311CoordDigits)
	return math.Round(v*p) / p
}

// renderRequest shows a case to Open311 clients: no reporter, no address text (residents' homes), coordinates
// rounded to about 10 m; the address is the grid and community the case lies in.
func renderRequest(c dispatch.Case, dir *dispatch.Directory) o311Request {
	name := func(code string) string {
		if u, ok := dir.Locator.Unit(code); ok {
			return u.Name
		}
		return ""
	}
	out := o311Request{ServiceRequestID: strconv.FormatInt(c.ID, 10), Status: open311Status(c.Status),
		StatusNotes: statusNotes[c.Status], ServiceCode: c.Category, Description: c.Description,
		RequestedDatetime: open311Time(c.CreatedAt), UpdatedDatetime: open311Time(c.UpdatedAt),
		ExpectedDatetime: open311Time(c.DueAt), AddressID: c.GridCode, Lat: roundCoord(c.Lat), Long: roundCoord(c.Lon)}
	if out.UpdatedDatetime == "" {
		out.UpdatedDatetime = out.RequestedDatetime
	}
	if out.StatusNotes == "" {
		out.StatusNotes = string(c.Status)
	}
	if cat, ok := dir.Categories[c.Category]; ok {
		out.ServiceName = cat.Name
	}
	if a := dir.Assignee(c.AssigneeCode); a != nil {
		out.AgencyResponsible = a.Name
	}
	out.Address = strings.TrimSpace(name(c.StreetCode) + name(c.CommunityCode) + name(c.GridCode))
	if c.DuplicateOf != 0 {
		out.ServiceNotice = fmt.Sprintf("并入 merged into request %d", c.DuplicateOf)
	} else if c.Supporters > 0 {
		out.ServiceNotice = fmt.Sprintf("%d 位居民也反映了此事 %d other reports of the same matter", c.Supporters, c.Supporters)
	}
	return out
}

func extendedOf(c dispatch.Case, dir *dispatch.Directory, events []dispatch.Event) *o311Extended {
	ref := func(code string) *geo.Ref {
		if u, ok := dir.Locator.Unit(code); ok {
			return &geo.Ref{Code: u.Code, Name: u.Name}
		}
		return nil
	}
	ext := &o311Extended{Status: string(c.Status), Classification: string(c.Classification), Urgency: c.Urgency,
		Channel: c.Channel, Street: ref(c.StreetCode), Community: ref(c.CommunityCode), Grid: ref(c.GridCode),
		Supporters: c.Supporters, Overdue: c.Status.Open() && !c.DueAt.IsZero() && c.DueAt.Before(time.Now()),
		History: []o311Note{}}
	for _, e := range events {
		n := o311Note{Action: e.Action, Status: string(e.To), Role: e.ActorRole, Datetime: open311Time(e.At)}
		if staffRole(e.ActorRole) {
			n.Note = e.Note
		}
		ext.History = append(ext.History, n)
	}
	return ext
}

// staffRole says whether notes by this role may be shown: those of residents (and of the system, which quotes
// nobody but may carry what residents wrote) are left out.
func staffRole(role string) bool {
	switch dispatch.Role(role) {
	case dispatch.RoleGridWorker, dispatch.RoleGridChief, dispatch.RoleDispatcher, dispatch.RoleDepartment,
		dispatch.RoleAdmin:
		return true
	}
	return false
}

// parseO311Time reads an ISO 8601 time with a zone, or a date (midnight China time).
func parseO311Time(name, s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", s, kpiZone); err == nil {
		return t, nil
	}
	return time.Time{}, o311Errorf(http.StatusBadRequest,
		"%s must be an ISO 8601 time with a zone, such as 2026-01-02T15:04:05+08:00, or a date", name)
}

// dateRange reads start_date and end_date: at most 90 days apart; one alone reaches 90 days from it; neither is
// the last 90 days.
func dateRange(r *http.Request, now time.Time) (from, to time.Time, err error) {
	s, e := param(r, "start_date"), param(r, "end_date")
	if s != "" {
		if from, err = parseO311Time("start_date", s); err != nil {
			return
		}
	}
	if e != "" {
		if to, err = parseO311Time("end_date", e); err != nil {
			return
		}
	}
	switch {
	case s == "" && e == "":
		to, from = now, now.Add(-open311Window)
	case e == "":
		to = from.Add(open311Window)
	case s == "":
		from = to.Add(-open311Window)
	}
	if to.Before(from) {
		return from, to, o311Errorf(http.StatusBadRequest, "end_date is before start_date")
	}
	if to.Sub(from) > open311Window {
		return from, to, o311Errorf(http.StatusBadRequest, "start_date and end_date may be at most 90 days apart")
	}
	return from, to, nil
}

// publicCodes lists the public categories, which alone Open311 shows.
func publicCodes(dir *dispatch.Directory) []string {
	var out []string
	for _, c := range dir.CategoryList {
		if c.Public {
			out = append(out, c.Code)
		}
	}
	return out
}

// requestFilter reads the GET requests parameters.
func (o *open311) requestFilter(r *http.Request, dir *dispatch.Directory) (dispatch.CaseFilter, error) {
	f := dispatch.CaseFilter{Limit: open311PageSize, Categories: publicCodes(dir)}
	if len(f.Categories) == 0 {
		f.Categories = []string{""} // nothing is public: match nothing
	}
	if ids := param(r, "service_request_id"); ids != "" {
		for _, s := range strings.Split(ids, ",") {
			id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
			if err != nil || id < 1 {
				return f, o311Errorf(http.StatusBadRequest, "service_request_id must be request ids separated by commas")
			}
			f.IDs = append(f.IDs, id)
		}
		if len(f.IDs) > open311MaxIDs {
			return f, o311Errorf(http.StatusBadRequest, "at most %d service_request_id values", open311MaxIDs)
		}
		return f, nil // the ids override every other parameter
	}
	if codes := param(r, "service_code"); codes != "" {
		var want []string
		for _, s := range strings.Split(codes, ",") {
			s = strings.TrimSpace(s)
			if _, ok := publicCategory(dir, s); !ok {
				return f, o311Errorf(http.StatusBadRequest, "service_code %q was not found", truncate(s, 40))
			}
			want = append(want, s)
		}
		f.Categories = want
	}
	from, to, err := dateRange(r, o.now())
	if err != nil {
		return f, err
	}
	f.CreatedFrom, f.CreatedTo = from, to
	if st := param(r, "status"); st != "" {
		for _, s := range strings.Split(st, ",") {
			switch strings.TrimSpace(s) {
			case "open":
				f.Statuses = append(f.Statuses, string(dispatch.StatusReported), string(dispatch.StatusHeard),
					string(dispatch.StatusDeliberating), string(dispatch.StatusDecided),
					string(dispatch.StatusDispatched), string(dispatch.StatusInProgress),
					string(dispatch.StatusResolved), string(dispatch.StatusVerified), string(dispatch.StatusSuspended))
			case "closed":
				f.Statuses = append(f.Statuses, string(dispatch.StatusClosed), string(dispatch.StatusCancelled))
			default:
				return f, o311Errorf(http.StatusBadRequest, "status must be open or closed (or both, comma-separated)")
			}
		}
	}
	page, size := 1, open311PageSize
	if s := param(r, "page_size"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > open311PageSize {
			return f, o311Errorf(http.StatusBadRequest, "page_size must be a whole number from 1 to %d", open311PageSize)
		}
		size = n
	}
	if s := param(r, "page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, o311Errorf(http.StatusBadRequest, "page must be a whole number from 1")
		}
		page = n
	}
	if (page-1)*size > open311MaxOffset {
		return f, o311Errorf(http.StatusBadRequest, "page %d of %d reaches past request %d; narrow start_date and end_date instead",
			page, size, open311MaxOffset)
	}
	f.Limit, f.Offset = size, (page-1)*size
	return f, nil
}

// requests answers GET /open311/v2/requests: newest first, at most 1,000 a page.
func (o *open311) requests(w http.ResponseWriter, r *http.Request, format string) {
	dir := o.places.Load()
	f, err := o.requestFilter(r, dir)
	if err != nil {
		o.fail(w, r, format, err)
		return
	}
	cases, _, err := o.wf.List(r.Context(), f)
	if err != nil {
		o.fail(w, r, format, err)
		return
	}
	out, err := o.render(r, dir, cases, param(r, "extensions") == "true")
	if err != nil {
		o.fail(w, r, format, err)
		return
	}
	writeList(w, format, http.StatusOK, "service_requests", "request", out)
}

// render shows the cases of public categories; with ext, each with its history, all read in one query.
func (o *open311) render(r *http.Request, dir *dispatch.Directory, cases []dispatch.Case, ext bool) ([]o311Request, error) {
	shown := make([]dispatch.Case, 0, len(cases))
	for _, c := range cases {
		if _, ok := publicCategory(dir, c.Category); ok {
			shown = append(shown, c)
		}
	}
	var histories map[int64][]dispatch.Event
	if ext && len(shown) > 0 {
		var err error
		if histories, err = o.wf.Histories(r.Context(), caseIDs(shown)); err != nil {
			return nil, err
		}
	}
	out := make([]o311Request, 0, len(shown))
	for _, c := range shown {
		req := renderRequest(c, dir)
		if ext {
			req.ExtendedAttributes = extendedOf(c, dir, histories[c.ID])
		}
		out = append(out, req)
	}
	return out, nil
}

func caseIDs(cases []dispatch.Case) []int64 {
	ids := make([]int64, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	return ids
}

// request answers GET /open311/v2/requests/{id}: a list of one.
func (o *open311) request() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, format, err := splitFormat(r.PathValue("id"))
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		c, ok, err := o.publicCase(r, s)
		if err != nil || !ok {
			if err == nil {
				err = o311Errorf(http.StatusNotFound, "service_request_id %q was not found", truncate(s, 40))
			}
			o.fail(w, r, format, err)
			return
		}
		dir := o.places.Load()
		out, err := o.render(r, dir, []dispatch.Case{c}, param(r, "extensions") == "true")
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		writeList(w, format, http.StatusOK, "service_requests", "request", out)
	}
}

// publicCase reads the case an id names, if Open311 may show it.
func (o *open311) publicCase(r *http.Request, s string) (dispatch.Case, bool, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return dispatch.Case{}, false, nil
	}
	c, err := o.cases.Case(r.Context(), id)
	if errors.Is(err, geo.ErrNotFound) {
		return c, false, nil
	}
	if err != nil {
		return c, false, err
	}
	_, ok := publicCategory(o.places.Load(), c.Category)
	return c, ok, nil
}

type o311Token struct {
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Token            string `json:"token" xml:"token"`
}

// token answers GET /open311/v2/tokens/{token}. We never queue: the token of a request is its id.
func (o *open311) token() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, format, err := splitFormat(r.PathValue("token"))
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		c, ok, err := o.publicCase(r, s)
		if err != nil || !ok {
			if err == nil {
				err = o311Errorf(http.StatusNotFound, "token %q was not found", truncate(s, 40))
			}
			o.fail(w, r, format, err)
			return
		}
		id := strconv.FormatInt(c.ID, 10)
		writeList(w, format, http.StatusOK, "service_requests", "request", []o311Token{{ServiceRequestID: id, Token: id}})
	}
}

type o311Created struct {
	ServiceRequestID string  `json:"service_request_id" xml:"service_request_id"`
	ServiceNotice    string  `json:"service_notice" xml:"service_notice"`
	AccountID        *string `json:"account_id" xml:"account_id,omitempty"`
}

// post answers POST /open311/v2/requests: a new service request through the same intake as the API's.
func (o *open311) post() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, format, err := splitFormat(r.PathValue("resource"))
		if err == nil && name != "requests" {
			err = o311Errorf(http.StatusNotFound, "POST is only for requests")
		}
		if err == nil {
			err = parseForm(w, r)
		}
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		if err := o.checkKey(param(r, "api_key")); err != nil {
			o.fail(w, r, format, err)
			return
		}
		dir := o.places.Load()
		rep, err := reportFromForm(r, dir)
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		created, err := o.intake.Submit(r.Context(), rep, "")
		if err != nil {
			o.fail(w, r, format, err)
			return
		}
		c := created.Case
		notice := fmt.Sprintf("已受理 accepted; due by %s", open311Time(c.DueAt))
		if a := dir.Assignee(c.AssigneeCode); a != nil {
			notice = fmt.Sprintf("已受理，由%s办理 accepted, handled by %s; due by %s", a.Name, a.Name, open311Time(c.DueAt))
		}
		if created.DuplicateOf != 0 {
			notice = fmt.Sprintf("此事已有人反映，已并入请求 %d the same matter is already open as request %d",
				created.DuplicateOf, created.DuplicateOf)
		}
		writeList(w, format, http.StatusOK, "service_requests", "request",
			[]o311Created{{ServiceRequestID: strconv.FormatInt(c.ID, 10), ServiceNotice: notice}})
	}
}

// checkKey accepts only a valid, unexpired open311 token: anything else is 403, as Open311 says.
func (o *open311) checkKey(key string) error {
	if key == "" {
		return o311Errorf(http.StatusForbidden, "api_key is required: ask for an open311 key")
	}
	a, err := o.tokens.Verify(key, o.now())
	switch {
	case errors.Is(err, ErrTokenExpired):
		return o311Errorf(http.StatusForbidden, "api_key has expired")
	case err != nil:
		return o311Errorf(http.StatusForbidden, "api_key is not valid")
	case a.Role != dispatch.RoleOpen311:
		return o311Errorf(http.StatusForbidden, "api_key is not an open311 key")
	}
	return nil
}

// reportFromForm reads a POSTed service request into a report. Names and phone are kept as the reporter's (and
// never shown); email has nowhere to go in a case and is dropped.
func reportFromForm(r *http.Request, dir *dispatch.Directory) (dispatch.Report, error) {
	code := param(r, "service_code")
	if code == "" {
		return dispatch.Report{}, o311Errorf(http.StatusBadRequest, "service_code is required")
	}
	cat, ok := publicCategory(dir, code)
	if !ok {
		return dispatch.Report{}, o311Errorf(http.StatusBadRequest, "service_code %q was not found", truncate(code, 40))
	}
	rep := dispatch.Report{Category: cat.Code, Description: param(r, "description"), Channel: "open311",
		ReporterPhone: param(r, "phone"),
		ReporterName:  strings.TrimSpace(param(r, "last_name") + param(r, "first_name"))}
	if rep.Description == "" {
		rep.Description = cat.Name
	}
	attrs := categoryAttributes(cat)
	for k, v := range r.Form {
		if !strings.HasPrefix(k, "attribute[") || !strings.HasSuffix(k, "]") {
			continue
		}
		name := k[len("attribute[") : len(k)-1]
		if !slices.ContainsFunc(attrs, func(a o311Attribute) bool { return a.Code == name }) {
			return rep, o311Errorf(http.StatusBadRequest, "attribute[%s] is not a question of service %s",
				truncate(name, 40), cat.Code)
		}
		val := ""
		if len(v) > 0 {
			val = strings.TrimSpace(v[0])
		}
		switch name {
		case "urgency":
			if val != "" && val != "normal" && val != "urgent" {
				return rep, o311Errorf(http.StatusBadRequest, "attribute[urgency] must be normal or urgent")
			}
			rep.Urgency = val
		case "compound":
			rep.Address = val
		}
	}
	lat, long := param(r, "lat"), param(r, "long")
	switch {
	case lat != "" || long != "":
		if lat == "" || long == "" {
			return rep, o311Errorf(http.StatusBadRequest, "lat and long go together")
		}
		la, err1 := strconv.ParseFloat(lat, 64)
		lo, err2 := strconv.ParseFloat(long, 64)
		if err1 != nil || err2 != nil || math.IsNaN(la) || math.IsNaN(lo) || math.IsInf(la, 0) || math.IsInf(lo, 0) {
			return rep, o311Errorf(http.StatusBadRequest, "lat and long must be decimal degrees (WGS-84)")
		}
		rep.Lat, rep.Lon, rep.Address = &la, &lo, ""
	case param(r, "address_string") != "":
		rep.Address = param(r, "address_string")
	case param(r, "address_id") != "":
		id := param(r, "address_id")
		if _, ok := dir.Locator.Unit(id); !ok {
			return rep, o311Errorf(http.StatusBadRequest, "address_id %q is not a unit code of this city", truncate(id, 40))
		}
		rep.Address = id
	case rep.Address != "": // the compound attribute
	default:
		return rep, o311Errorf(http.StatusBadRequest, "a location is required: lat and long, address_string or address_id")
	}
	return rep, nil
}

// --- the mySociety extension: updates ---

type o311Update struct {
	UpdateID         string `json:"update_id" xml:"update_id"`
	ServiceRequestID string `json:"service_request_id" xml:"service_request_id"`
	Status           string `json:"status" xml:"status"`
	UpdatedDatetime  string `json:"updated_datetime" xml:"updated_datetime"`
	Description      string `json:"description" xml:"description"`
	MediaURL         string `json:"media_url" xml:"media_url"`
}

// updates answers GET /open311/v2/servicerequestupdates?start_date=&end_date=: each change of a public request in
// that span (by default the last day), oldest first.
func (o *open311) updates(w http.ResponseWriter, r *http.Request, format string) {
	now := o.now()
	from, to := now.Add(-24*time.Hour), now
	var err error
	if s := param(r, "start_date"); s != "" {
		if from, err = parseO311Time("start_date", s); err != nil {
			o.fail(w, r, format, err)
			return
		}
	}
	if s := param(r, "end_date"); s != "" {
		if to, err = parseO311Time("end_date", s); err != nil {
			o.fail(w, r, format, err)
			return
		}
	}
	if to.Before(from) || to.Sub(from) > open311Window {
		o.fail(w, r, format, o311Errorf(http.StatusBadRequest, "start_date and end_date must be in order and at most 90 days apart"))
		return
	}
	dir := o.places.Load()
	cats := publicCodes(dir)
	if len(cats) == 0 {
		cats = []string{""}
	}
	cases, _, err := o.wf.List(r.Context(), dispatch.CaseFilter{Since: from, Categories: cats, Limit: open311UpdatesMax})
	if err != nil {
		o.fail(w, r, format, err)
		return
	}
	var histories map[int64][]dispatch.Event
	if len(cases) > 0 {
		if histories, err = o.wf.Histories(r.Context(), caseIDs(cases)); err != nil {
			o.fail(w, r, format, err)
			return
		}
	}
	var out []o311Update
	var at []time.Time
	for _, c := range cases {
		for _, e := range histories[c.ID] {
			if e.At.Before(from) || e.At.After(to) {
				continue
			}
			desc := e.Action + " — " + statusNotes[e.To]
			if staffRole(e.ActorRole) && e.Note != "" {
				desc += ": " + e.Note
			}
			out = append(out, o311Update{UpdateID: strconv.FormatInt(e.ID, 10),
				ServiceRequestID: strconv.FormatInt(c.ID, 10), Status: open311Status(e.To),
				UpdatedDatetime: open311Time(e.At), Description: desc})
			at = append(at, e.At)
		}
	}
	idx := make([]int, len(out))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return at[a].Compare(at[b]) })
	sorted := make([]o311Update, len(out))
	for i, j := range idx {
		sorted[i] = out[j]
	}
	writeList(w, format, http.StatusOK, "service_requests_updates", "request_update", sorted)
}

// handleOpen311OpenAPI serves the OpenAPI 3 description of /open311/v2/.
func handleOpen311OpenAPI() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = w.Write(open311OpenAPI)
	}
}

// noRoute answers anything else under /open311/ with a 404 in Open311's format.
func (o *open311) noRoute() http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := "xml"
		if strings.HasSuffix(r.URL.Path, ".json") {
			format = "json"
		}
		o.fail(w, r, format, o311Errorf(http.StatusNotFound, "no route %s %s", r.Method, truncate(r.URL.Path, 80)))
	}
}
