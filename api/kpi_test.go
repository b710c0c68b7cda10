package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"gridgov/dispatch"
	"gridgov/geo"
)

// fakeKPIs is a KPIStore for handler tests: the real one is tested against PostGIS in data.
type fakeKPIs struct {
	calls    []string
	from, to time.Time
	err      error
}

func (f *fakeKPIs) KPI(_ context.Context, code string, from, to time.Time) (dispatch.KPI, error) {
	f.calls = append(f.calls, "kpi "+code)
	f.from, f.to = from, to
	if f.err != nil {
		return dispatch.KPI{}, f.err
	}
	switch code {
	case "370781006":
		k := dispatch.KPI{Code: code, Name: "云门山街道", From: from, To: to, Cases: 10, Closed: 9, OnTimeClosed: 6,
			Redone: 1, Escalated: 2, Rated: 8, Satisfied: 7, Unrated: 1, Responded: 10, Cancelled: 1,
			MedianHoursToFirstResponse: ptr(0.5), MedianHoursToClose: ptr(72.25)}
		k.SetRates()
		return k, nil
	case "370781006038003001":
		return dispatch.KPI{Code: code, Name: "宝鼎1号院", From: from, To: to}, nil
	}
	return dispatch.KPI{}, geo.ErrNotFound
}

func (f *fakeKPIs) KPITable(_ context.Context, parent string, from, to time.Time) ([]dispatch.KPI, error) {
	f.calls = append(f.calls, "table "+parent)
	if parent != "370781006" {
		return []dispatch.KPI{}, nil
	}
	a := dispatch.KPI{Code: "370781006038", Name: "宝鼎社区", From: from, To: to, Cases: 6, Closed: 6,
		OnTimeClosed: 4, Rated: 5, Satisfied: 5, Unrated: 1, Responded: 6}
	a.SetRates()
	b := dispatch.KPI{Code: "", Name: "不在任何下级单元内", From: from, To: to, Cases: 4, Closed: 3,
		OnTimeClosed: 2, Redone: 1, Escalated: 2, Rated: 3, Satisfied: 2, Responded: 4, Cancelled: 1}
	b.SetRates()
	return []dispatch.KPI{a, b}, nil
}

func ptr(f float64) *float64 { return &f }

func getKPI(t *testing.T, store KPIStore, query string) *httptest.ResponseRecorder {
	t.Helper()
	h := handleKPI(slog.New(slog.NewTextHandler(io.Discard, nil)), store)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/stats/kpi?"+query, nil))
	return rec
}

func TestKPIJSON(t *testing.T) {
	store := &fakeKPIs{}
	rec := getKPI(t, store, "code=370781006&from=2026-01-01&to=2026-01-31")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "application/json; charset=utf-8", rec.Header().Get("Content-Type"))
	// Dates are days in China Standard Time; a date to includes its whole day.
	assert.Equal(t, "2026-01-01T00:00:00+08:00", store.from.Format(time.RFC3339))
	assert.Equal(t, "2026-02-01T00:00:00+08:00", store.to.Format(time.RFC3339))
	assert.Equal(t, []string{"kpi 370781006"}, store.calls)

	var got map[string]any
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
	for _, key := range []string{"code", "name", "from", "to", "cases", "closed", "closure_rate", "on_time_closed",
		"on_time_closure_rate", "redone", "rework_rate", "escalated", "escalation_rate", "rated", "satisfied",
		"satisfaction_rate", "unrated", "median_hours_to_first_response", "median_hours_to_close", "response_rate",
		"resolution_rate"} {
		assert.Contains(t, got, key)
	}
	assert.NotContains(t, got, "children")
	assert.Equal(t, "云门山街道", got["name"])
	assert.Equal(t, "2026-01-01T00:00:00+08:00", got["from"])
	assert.Equal(t, "2026-02-01T00:00:00+08:00", got["to"])
	assert.EqualValues(t, 10, got["cases"])
	assert.InDelta(t, 0.9, got["closure_rate"], 1e-12)
	assert.InDelta(t, 6.0/9, got["on_time_closure_rate"], 1e-12)
	assert.InDelta(t, 7.0/8, got["satisfaction_rate"], 1e-12)
	assert.InDelta(t, 1.0, got["response_rate"], 1e-12)
	assert.InDelta(t, 0.9, got["resolution_rate"], 1e-12)
	assert.InDelta(t, 72.25, got["median_hours_to_close"], 1e-12)

	t.Run("children", func(t *testing.T) {
		store := &fakeKPIs{}
		rec := getKPI(t, store, "code=370781006&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z&by=children")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Equal(t, []string{"kpi 370781006", "table 370781006"}, store.calls)
		assert.Equal(t, "2026-01-01T08:00:00+08:00", store.from.Format(time.RFC3339))
		var got struct {
			Code     string           `json:"code"`
			Children []map[string]any `json:"children"`
		}
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &got))
		assert.Equal(t, "370781006", got.Code)
		require.Len(t, got.Children, 2)
		assert.Equal(t, "370781006038", got.Children[0]["code"])
		assert.EqualValues(t, 0, got.Children[0]["rework_rate"], "0 of 6 is 0, not null")
		assert.Nil(t, got.Children[0]["median_hours_to_close"])
		assert.Equal(t, "", got.Children[1]["code"])
	})

	t.Run("no children, null rates", func(t *testing.T) {
		rec := getKPI(t, &fakeKPIs{}, "code=370781006038003001&by=children")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Contains(t, rec.Body.String(), `"children":[]`)
		assert.Contains(t, rec.Body.String(), `"closure_rate":null`)
		assert.Contains(t, rec.Body.String(), `"median_hours_to_close":null`)
	})

	t.Run("default period: the last 30 days", func(t *testing.T) {
		store := &fakeKPIs{}
		before := time.Now()
		rec := getKPI(t, store, "code=370781006")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.WithinDuration(t, before, store.to, 2*time.Second)
		assert.Equal(t, 30*24*time.Hour, store.to.Sub(store.from))
		store = &fakeKPIs{}
		rec = getKPI(t, store, "code=370781006&to=2026-03-01")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Equal(t, "2026-01-31T00:00:00+08:00", store.from.Format(time.RFC3339))
	})

	t.Run("unknown unit", func(t *testing.T) {
		rec := getKPI(t, &fakeKPIs{}, "code=370781999")
		assert.Equal(t, http.StatusNotFound, rec.Code)
		assert.Contains(t, rec.Body.String(), `"code":"not_found"`)
	})

	t.Run("store failure", func(t *testing.T) {
		rec := getKPI(t, &fakeKPIs{err: errors.New("connection reset by peer at 10.0.0.7")}, "code=370781006")
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.NotContains(t, rec.Body.String(), "10.0.0.7")
	})
}

func TestKPICSV(t *testing.T) {
	rec := getKPI(t, &fakeKPIs{}, "code=370781006&from=2026-01-01&to=2026-01-31&by=children&format=csv")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "text/csv; charset=utf-8", rec.Header().Get("Content-Type"))
	assert.Equal(t, `attachment; filename="kpi-370781006-2026-01-01-2026-01-31.csv"`,
		rec.Header().Get("Content-Disposition"))
	body := rec.Body.Bytes()
	require.True(t, bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}), "UTF-8 byte-order mark")
	assert.Contains(t, string(body), "\r\n")

	records, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 4) // header, the street, a community, the rest
	assert.Equal(t, kpiHeader(), records[0])
	col := map[string]int{}
	for i, h := range records[0] {
		col[h[strings.LastIndex(h, " ")+1:]] = i
	}
	street := records[1]
	assert.Equal(t, "370781006", street[col["code"]])
	assert.Equal(t, "云门山街道", street[col["name"]])
	assert.Equal(t, "2026-01-01T00:00:00+08:00", street[col["from"]])
	assert.Equal(t, "2026-02-01T00:00:00+08:00", street[col["to"]])
	assert.Equal(t, "10", street[col["cases"]])
	assert.Equal(t, "0.9", street[col["closure_rate"]])
	assert.Equal(t, "0.875", street[col["satisfaction_rate"]])
	assert.Equal(t, "72.25", street[col["median_hours_to_close"]])
	assert.Equal(t, "370781006038", records[2][col["code"]])
	assert.Equal(t, "0", records[2][col["rework_rate"]])
	assert.Equal(t, "", records[2][col["median_hours_to_close"]], "no median: empty")
	assert.Equal(t, "", records[3][col["code"]])
	assert.Equal(t, "不在任何下级单元内", records[3][col["name"]])

	t.Run("without children", func(t *testing.T) {
		rec := getKPI(t, &fakeKPIs{}, "code=370781006038003001&format=csv")
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll()
		require.NoError(t, err)
		require.Len(t, records, 2)
		assert.Equal(t, "", records[1][col["closure_rate"]], "undefined rate: empty")
	})
}

func TestKPIXLSX(t *testing.T) {
	rec := getKPI(t, &fakeKPIs{}, "code=370781006&from=2026-01-01&to=2026-01-31&by=children&format=xlsx")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	assert.Equal(t, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		rec.Header().Get("Content-Type"))
	assert.Equal(t, `attachment; filename="kpi-370781006-2026-01-01-2026-01-31.xlsx"`,
		rec.Header().Get("Content-Disposition"))

	f, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	require.NoError(t, err)
	defer f.Close()
	require.Equal(t, []string{"kpi"}, f.GetSheetList())
	rows, err := f.GetRows("kpi", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, kpiHeader(), rows[0])
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h[strings.LastIndex(h, " ")+1:]] = i
	}
	assert.Equal(t, "370781006", rows[1][col["code"]])
	assert.Equal(t, "云门山街道", rows[1][col["name"]])
	assert.Equal(t, "10", rows[1][col["cases"]])
	assert.Equal(t, "0.9", rows[1][col["closure_rate"]])
	assert.Equal(t, "72.25", rows[1][col["median_hours_to_close"]])
	assert.Equal(t, "370781006038", rows[2][col["code"]])
	assert.Equal(t, "不在任何下级单元内", rows[3][col["name"]])

	cell := func(c, r int) string {
		name, err := excelize.CoordinatesToCellName(c+1, r)
		require.NoError(t, err)
		return name
	}
	// Rates are numbers shown as percentages; counts are numbers; the header is bold.
	v, err := f.GetCellValue("kpi", cell(col["closure_rate"], 2))
	require.NoError(t, err)
	assert.Equal(t, "90.00%", v)
	isNumber := func(c, r int) bool { // a numeric cell has no type attribute, or "n"
		typ, err := f.GetCellType("kpi", cell(c, r))
		require.NoError(t, err)
		return typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
	}
	assert.True(t, isNumber(col["cases"], 2))
	assert.True(t, isNumber(col["closure_rate"], 2))
	assert.True(t, isNumber(col["median_hours_to_close"], 2))
	assert.False(t, isNumber(col["code"], 2), "codes are text: leading digits stay as they are")
	id, err := f.GetCellStyle("kpi", cell(col["closure_rate"], 2))
	require.NoError(t, err)
	style, err := f.GetStyle(id)
	require.NoError(t, err)
	assert.Equal(t, 10, style.NumFmt, "0.00%")
	v, err = f.GetCellValue("kpi", cell(col["from"], 2))
	require.NoError(t, err)
	assert.Equal(t, "2026-01-01 00:00:00", v)
	id, err = f.GetCellStyle("kpi", "A1")
	require.NoError(t, err)
	style, err = f.GetStyle(id)
	require.NoError(t, err)
	require.NotNil(t, style.Font)
	assert.True(t, style.Font.Bold)
}

func TestKPIBadInput(t *testing.T) {
	for _, tc := range []struct{ query, field string }{
		{"", "code"},
		{"from=2026-01-01", "code"},
		{"code=" + strings.Repeat("1", 65), "code"},
		{"code=370781006&from=2026-13-01", "from"},
		{"code=370781006&from=yesterday", "from"},
		{"code=370781006&from=2026-01-01T08:00:00", "from"}, // no zone
		{"code=370781006&to=2026-02-30", "to"},
		{"code=370781006&to=" + strings.Repeat("2", 100), "to"},
		{"code=370781006&from=1999-12-31", "from"},
		{"code=370781006&from=2026-02-01&to=2026-01-01", "from"},
		{"code=370781006&from=2026-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from"},
		{"code=370781006&from=2021-01-01&to=2024-01-02", "to"},
		{"code=370781006&format=pdf", "format"},
		{"code=370781006&format=CSV", "format"},
		{"code=370781006&by=parent", "by"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			store := &fakeKPIs{}
			rec := getKPI(t, store, tc.query)
			require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
			var body struct {
				Error Error `json:"error"`
			}
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
			assert.Equal(t, "invalid_argument", body.Error.Code)
			assert.Equal(t, tc.field, body.Error.Field, body.Error.Message)
			assert.Empty(t, store.calls, "bad input never reaches the store")
		})
	}
	// Exactly three years is allowed.
	rec := getKPI(t, &fakeKPIs{}, "code=370781006&from=2021-01-01&to=2023-12-31")
	assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
}

func TestKPIWriteTable(t *testing.T) {
	header := []string{"文本", "数", "率", "时间"}
	rows := [][]any{{"=HYPERLINK(\"http://x\")", int64(3), Percent(0.5), time.Date(2026, 1, 2, 3, 4, 5, 0, kpiZone)},
		{"-1", nil, (*float64)(nil), true}}
	rec := httptest.NewRecorder()
	require.NoError(t, writeTable(rec, "csv", "cases-1.csv", header, rows))
	records, err := csv.NewReader(bytes.NewReader(rec.Body.Bytes()[3:])).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, [][]string{header, {`'=HYPERLINK("http://x")`, "3", "0.5", "2026-01-02T03:04:05+08:00"},
		{"'-1", "", "", "true"}}, records, "text a spreadsheet would run as a formula is quoted")

	rec = httptest.NewRecorder()
	require.NoError(t, writeTable(rec, "xlsx", "cases-1.xlsx", header, rows))
	f, err := excelize.OpenReader(rec.Body)
	require.NoError(t, err)
	defer f.Close()
	v, err := f.GetCellValue("cases", "A2")
	require.NoError(t, err)
	assert.Equal(t, `=HYPERLINK("http://x")`, v, "stored as text, not as a formula")
	formula, err := f.GetCellFormula("cases", "A2")
	require.NoError(t, err)
	assert.Empty(t, formula)

	rec = httptest.NewRecorder()
	assert.Error(t, writeTable(rec, "pdf", "x.pdf", header, rows))
	assert.Error(t, writeTable(rec, "csv", "x.csv", header, [][]any{{"short"}}))
	assert.Error(t, writeTable(rec, "csv", "x.csv", []string{"a"}, [][]any{{struct{}{}}}))
	assert.Equal(t, 0, rec.Body.Len(), "nothing written on error")
}
