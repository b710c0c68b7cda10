package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"gridgov/dispatch"
)

// KPIStore computes KPIs (data.KPIStore).
type KPIStore interface {
	// KPI is the KPI of a unit and its descendants over the cases reported in [from, to); an unknown unit is
	// geo.ErrNotFound.
	KPI(ctx context.Context, code string, from, to time.Time) (dispatch.KPI, error)
	// KPITable is the KPI of each child unit of parent, in code order.
	KPITable(ctx context.Context, parent string, from, to time.Time) ([]dispatch.KPI, error)
}

// Bounds of the KPI period.
const (
	defaultKPIPeriod = 30 * 24 * time.Hour
	maxKPIYears      = 3
)

// kpiZone is China Standard Time: dates without a time are days there, and answers give times there.
var kpiZone = time.FixedZone("CST", 8*3600)

// Times the KPI period may take, so that a typo such as year 20260 is an error rather than a long query.
var (
	kpiEarliest = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	kpiLatest   = time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC)
)

// kpiQuery is a parsed GET /api/v1/stats/kpi.
type kpiQuery struct {
	code     string
	from, to time.Time
	children bool
	format   string
}

// kpiResponse is the JSON answer: the unit's KPI, and its children's with by=children.
type kpiResponse struct {
	dispatch.KPI
	Children []dispatch.KPI `json:"children,omitzero"`
}

// handleKPI answers GET /api/v1/stats/kpi?code=…&from=…&to=…[&by=children][&format=json|csv|xlsx]: the KPI of a
// unit and everything below it over the cases reported in [from, to) (dispatch.KPI defines every figure). from and
// to are RFC 3339 times or dates (YYYY-MM-DD, days in China Standard Time; a date to includes its whole day);
// without them the period is the 30 days up to now; it may span at most 3 years. by=children adds one row per
// child unit. csv and xlsx are downloads of the same table: the unit first, then its children.
func handleKPI(log *slog.Logger, kpis KPIStore) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, err := parseKPIQuery(r.URL.Query(), time.Now())
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		k, err := kpis.KPI(r.Context(), q.code, q.from, q.to)
		if err != nil {
			writeError(w, r, log, err)
			return
		}
		var children []dispatch.KPI
		if q.children {
			if children, err = kpis.KPITable(r.Context(), q.code, q.from, q.to); err != nil {
				writeError(w, r, log, err)
				return
			}
			if children == nil {
				children = []dispatch.KPI{}
			}
		}
		if q.format == "json" {
			writeJSON(w, http.StatusOK, kpiResponse{KPI: k, Children: children})
			return
		}
		rows := make([][]any, 0, 1+len(children))
		for _, c := range append([]dispatch.KPI{k}, children...) {
			rows = append(rows, kpiRow(c))
		}
		name := fmt.Sprintf("kpi-%s-%s-%s.%s", fileSafe(q.code), q.from.In(kpiZone).Format("2006-01-02"),
			q.to.Add(-time.Nanosecond).In(kpiZone).Format("2006-01-02"), q.format)
		if err := writeTable(w, q.format, name, kpiHeader(), rows); err != nil {
			writeError(w, r, log, err)
		}
	}
}

func parseKPIQuery(v url.Values, now time.Time) (kpiQuery, error) {
	q := kpiQuery{code: v.Get("code"), format: "json"}
	if q.code == "" {
		return q, badRequest("code", "code is required: the unit whose KPIs are asked for")
	}
	if len(q.code) > 64 {
		return q, badRequest("code", "code must be 1 to 64 characters")
	}
	var err error
	var hasFrom, hasTo bool
	if s := v.Get("from"); s != "" {
		if q.from, err = parseKPITime(s, false); err != nil {
			return q, badRequest("from", "from: "+err.Error())
		}
		hasFrom = true
	}
	if s := v.Get("to"); s != "" {
		if q.to, err = parseKPITime(s, true); err != nil {
			return q, badRequest("to", "to: "+err.Error())
		}
		hasTo = true
	}
	switch {
	case !hasFrom && !hasTo:
		q.to = now.Truncate(time.Second).Add(time.Second) // up to and including now
		q.from = q.to.Add(-defaultKPIPeriod)
	case !hasTo:
		q.to = now.Truncate(time.Second).Add(time.Second) // up to and including now
	case !hasFrom:
		q.from = q.to.Add(-defaultKPIPeriod)
	}
	if !q.from.Before(q.to) {
		return q, badRequest("from", fmt.Sprintf("from (%s) must be before to (%s)",
			q.from.In(kpiZone).Format(time.RFC3339), q.to.In(kpiZone).Format(time.RFC3339)))
	}
	if q.to.After(q.from.AddDate(maxKPIYears, 0, 0)) {
		return q, badRequest("to", fmt.Sprintf("the period from %s to %s is longer than %d years",
			q.from.In(kpiZone).Format(time.RFC3339), q.to.In(kpiZone).Format(time.RFC3339), maxKPIYears))
	}
	q.from, q.to = q.from.In(kpiZone), q.to.In(kpiZone)
	switch by := v.Get("by"); by {
	case "":
	case "children":
		q.children = true
	default:
		return q, badRequest("by", fmt.Sprintf("by must be children, not %q", truncate(by, 32)))
	}
	switch f := v.Get("format"); f {
	case "", "json":
	case "csv", "xlsx":
		q.format = f
	default:
		return q, badRequest("format", fmt.Sprintf("format must be json, csv or xlsx, not %q", truncate(f, 32)))
	}
	return q, nil
}

// parseKPITime reads an RFC 3339 time or a date, a day in China Standard Time; a date that ends the period
// (end) stands for the end of its day.
func parseKPITime(s string, end bool) (time.Time, error) {
	if len(s) > 40 {
		return time.Time{}, fmt.Errorf("%q… is not an RFC 3339 time or a date YYYY-MM-DD", s[:20])
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		d, derr := time.ParseInLocation(time.DateOnly, s, kpiZone)
		if derr != nil {
			return time.Time{}, fmt.Errorf("%q is not an RFC 3339 time (2026-01-31T08:00:00+08:00) or a date "+
				"(2026-01-31)", s)
		}
		t = d
		if end {
			t = t.AddDate(0, 0, 1)
		}
	}
	if t.Before(kpiEarliest) || t.After(kpiLatest) {
		return time.Time{}, fmt.Errorf("%s is outside the years 2000 to 2100", s)
	}
	return t, nil
}

// kpiColumns are the columns of the KPI table: header (Chinese, then the JSON field), and the cell of a KPI.
var kpiColumns = []struct {
	header string
	cell   func(k *dispatch.KPI) any
}{
	{"单位代码 code", func(k *dispatch.KPI) any { return k.Code }},
	{"单位名称 name", func(k *dispatch.KPI) any { return k.Name }},
	{"起 from", func(k *dispatch.KPI) any { return k.From.In(kpiZone) }},
	{"止 to", func(k *dispatch.KPI) any { return k.To.In(kpiZone) }},
	{"案件数 cases", func(k *dispatch.KPI) any { return k.Cases }},
	{"结案数 closed", func(k *dispatch.KPI) any { return k.Closed }},
	{"结案率 closure_rate", func(k *dispatch.KPI) any { return percent(k.ClosureRate) }},
	{"按期结案数 on_time_closed", func(k *dispatch.KPI) any { return k.OnTimeClosed }},
	{"按期结案率 on_time_closure_rate", func(k *dispatch.KPI) any { return percent(k.OnTimeClosureRate) }},
	{"返工数 redone", func(k *dispatch.KPI) any { return k.Redone }},
	{"返工率 rework_rate", func(k *dispatch.KPI) any { return percent(k.ReworkRate) }},
	{"上提数 escalated", func(k *dispatch.KPI) any { return k.Escalated }},
	{"上提率 escalation_rate", func(k *dispatch.KPI) any { return percent(k.EscalationRate) }},
	{"参评数 rated", func(k *dispatch.KPI) any { return k.Rated }},
	{"满意数 satisfied", func(k *dispatch.KPI) any { return k.Satisfied }},
	{"满意率 satisfaction_rate", func(k *dispatch.KPI) any { return percent(k.SatisfactionRate) }},
	{"未评价数 unrated", func(k *dispatch.KPI) any { return k.Unrated }},
	{"首次响应时长中位数(小时) median_hours_to_first_response",
		func(k *dispatch.KPI) any { return k.MedianHoursToFirstResponse }},
	{"结案时长中位数(小时) median_hours_to_close", func(k *dispatch.KPI) any { return k.MedianHoursToClose }},
	{"24小时响应数 responded", func(k *dispatch.KPI) any { return k.Responded }},
	{"响应率 response_rate", func(k *dispatch.KPI) any { return percent(k.ResponseRate) }},
	{"解决率 resolution_rate", func(k *dispatch.KPI) any { return percent(k.ResolutionRate) }},
	{"撤销数 cancelled", func(k *dispatch.KPI) any { return k.Cancelled }},
}

func kpiHeader() []string {
	h := make([]string, len(kpiColumns))
	for i, c := range kpiColumns {
		h[i] = c.header
	}
	return h
}

func kpiRow(k dispatch.KPI) []any {
	row := make([]any, len(kpiColumns))
	for i, c := range kpiColumns {
		row[i] = c.cell(&k)
	}
	return row
}

// Percent is a table cell holding a fraction (0.25) that spreadsheets show as a percentage (25.00%); CSV writes
// the fraction itself.
type Percent float64

// percent is the cell of a rate: a Percent, or nil (an empty cell) when the rate is undefined.
func percent(r *float64) any {
	if r == nil {
		return nil
	}
	return Percent(*r)
}

// fileSafe keeps letters, digits, '.', '_' and '-' of s for a file name, replacing anything else with '_'.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (r == '.' || r == '_' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' ||
			r >= 'A' && r <= 'Z') {
			return r
		}
		return '_'
	}, s)
}

// Table formats and their content types.
const (
	contentTypeCSV  = "text/csv; charset=utf-8"
	contentTypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// writeTable answers a table as a download named filename (an ASCII name without a directory): format "csv" is
// UTF-8 with a byte-order mark (so that Excel reads Chinese correctly) and CRLF line ends; "xlsx" is one worksheet
// with a bold, frozen header row. A cell may be a string, an integer, a float64 or *float64, a Percent (xlsx shows
// it as a percentage), a time.Time (CSV: RFC 3339; xlsx: a date in the time's own zone), a bool, or nil (empty).
// A CSV string that a spreadsheet would take for a formula (=, +, -, @) is prefixed with an apostrophe; xlsx cells
// are typed and need no such care. The table is built in memory first, so an error leaves the response unwritten
// for the caller to answer.
func writeTable(w http.ResponseWriter, format, filename string, header []string, rows [][]any) error {
	var body []byte
	var contentType string
	var err error
	switch format {
	case "csv":
		body, err = tableCSV(header, rows)
		contentType = contentTypeCSV
	case "xlsx":
		body, err = tableXLSX(sheetName(filename), header, rows)
		contentType = contentTypeXLSX
	default:
		err = fmt.Errorf("table format %q", format)
	}
	if err != nil {
		return fmt.Errorf("table %s: %w", filename, err)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+fileSafe(filename)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
	return nil
}

// utf8BOM makes Excel read a CSV file as UTF-8.
const utf8BOM = "\uFEFF"

func tableCSV(header []string, rows [][]any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(utf8BOM)
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	if err := cw.Write(header); err != nil {
		return nil, err
	}
	rec := make([]string, len(header))
	for i, row := range rows {
		if len(row) != len(header) {
			return nil, fmt.Errorf("row %d has %d cells for %d columns", i+1, len(row), len(header))
		}
		for j, v := range row {
			s, err := csvCell(v)
			if err != nil {
				return nil, fmt.Errorf("row %d column %d: %w", i+1, j+1, err)
			}
			rec[j] = s
		}
		if err := cw.Write(rec); err != nil {
			return nil, err
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

func csvCell(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			return "'" + v, nil
		}
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case int32:
		return strconv.FormatInt(int64(v), 10), nil
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), nil
	case *float64:
		if v == nil {
			return "", nil
		}
		return strconv.FormatFloat(*v, 'f', -1, 64), nil
	case Percent:
		return strconv.FormatFloat(float64(v), 'f', -1, 64), nil
	case time.Time:
		return v.Format(time.RFC3339), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("cannot write a %T", v)
}

// sheetName is the worksheet's name: the file name up to its first '-' or '.', at most 31 characters (Excel's
// limit).
func sheetName(filename string) string {
	name := filename
	if i := strings.IndexAny(name, "-."); i > 0 {
		name = name[:i]
	}
	name = fileSafe(name)
	if name == "" {
		name = "Sheet1"
	}
	return name[:min(len(name), 31)]
}

// Built-in number format 10 is "0.00%".
const xlsxPercentFormat = 10

func tableXLSX(sheet string, header []string, rows [][]any) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return nil, err
	}
	headStyle, err := f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Border:    []excelize.Border{{Type: "bottom", Color: "5B9BD5", Style: 1}},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true},
	})
	if err != nil {
		return nil, err
	}
	pctStyle, err := f.NewStyle(&excelize.Style{NumFmt: xlsxPercentFormat})
	if err != nil {
		return nil, err
	}
	numFmt, timeFmt := "0.00", "yyyy-mm-dd hh:mm:ss"
	numStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &numFmt})
	if err != nil {
		return nil, err
	}
	timeStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	// Column widths in characters, a Chinese character counting as two.
	for j, h := range header {
		width := 10.0
		for _, part := range strings.Fields(h) {
			width = max(width, float64(displayWidth(part))+2)
		}
		for _, row := range rows {
			if j < len(row) {
				if s, ok := row[j].(string); ok {
					width = max(width, float64(displayWidth(s))+2)
				}
				if _, ok := row[j].(time.Time); ok {
					width = max(width, 20)
				}
			}
		}
		if err := sw.SetColWidth(j+1, j+1, min(width, 50)); err != nil {
			return nil, err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return nil, err
	}
	cells := make([]any, len(header))
	for j, h := range header {
		cells[j] = excelize.Cell{StyleID: headStyle, Value: h}
	}
	if err := sw.SetRow("A1", cells, excelize.RowOpts{Height: 32}); err != nil {
		return nil, err
	}
	for i, row := range rows {
		if len(row) != len(header) {
			return nil, fmt.Errorf("row %d has %d cells for %d columns", i+1, len(row), len(header))
		}
		cells := make([]any, len(row))
		for j, v := range row {
			switch v := v.(type) {
			case nil, string, int, int32, int64, bool:
				cells[j] = v
			case float64:
				cells[j] = excelize.Cell{StyleID: numStyle, Value: v}
			case *float64:
				if v != nil {
					cells[j] = excelize.Cell{StyleID: numStyle, Value: *v}
				}
			case Percent:
				cells[j] = excelize.Cell{StyleID: pctStyle, Value: float64(v)}
			case time.Time:
				cells[j] = excelize.Cell{StyleID: timeStyle, Value: v}
			default:
				return nil, fmt.Errorf("row %d column %d: cannot write a %T", i+1, j+1, v)
			}
		}
		cell, err := excelize.CoordinatesToCellName(1, i+2)
		if err != nil {
			return nil, err
		}
		if err := sw.SetRow(cell, cells); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	buf, err := f.WriteToBuffer()
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// displayWidth counts a character beyond Latin as two columns, roughly as a spreadsheet shows CJK text.
func displayWidth(s string) int {
	n := 0
	for _, r := range s {
		if r < 0x1100 {
			n++
		} else {
			n += 2
		}
	}
	return n
}
