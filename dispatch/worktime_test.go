package dispatch

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCalendar is DefaultCalendar plus a holiday on Wednesday 2026-03-11 and a make-up working Saturday on
// 2026-03-14. March 2026 starts on a Sunday: Monday is the 2nd, 9th and 16th.
func testCalendar(t testing.TB) *Calendar {
	t.Helper()
	cfg := DefaultCalendarConfig()
	cfg.Holidays = []string{"2026-03-11"}
	cfg.Workdays = []string{"2026-03-14"}
	c, err := NewCalendar(cfg)
	require.NoError(t, err)
	return c
}

func shanghai(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	require.NoError(t, err)
	return loc
}

// at parses "2026-03-02 09:00" in loc.
func at(t testing.TB, loc *time.Location, s string) time.Time {
	t.Helper()
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	require.NoError(t, err)
	return v
}

func TestCalendarAdd(t *testing.T) {
	cal := testCalendar(t)
	loc := shanghai(t)
	h := func(n int) Deadline { return Deadline{Amount: n, Unit: "hours"} }
	d := func(n int) Deadline { return Deadline{Amount: n, Unit: "days"} }
	tests := []struct {
		name     string
		start    time.Time
		deadline Deadline
		want     string // in Asia/Shanghai
	}{
		// working hours
		{"inside the morning", at(t, loc, "2026-03-02 09:00"), h(1), "2026-03-02 10:00"},
		{"across lunch", at(t, loc, "2026-03-02 11:30"), h(1), "2026-03-02 14:00"},
		{"from lunch", at(t, loc, "2026-03-02 12:30"), h(1), "2026-03-02 14:30"},
		{"before work", at(t, loc, "2026-03-02 06:00"), h(1), "2026-03-02 09:30"},
		{"across the evening", at(t, loc, "2026-03-02 17:00"), h(2), "2026-03-03 10:00"},
		{"from the evening", at(t, loc, "2026-03-02 20:00"), h(1), "2026-03-03 09:30"},
		{"Friday 17:00, 1 hour", at(t, loc, "2026-03-06 17:00"), h(1), "2026-03-09 09:00"},
		{"Friday 17:00, 2 hours", at(t, loc, "2026-03-06 17:00"), h(2), "2026-03-09 10:00"},
		{"from Sunday", at(t, loc, "2026-03-08 10:00"), h(1), "2026-03-09 09:30"},
		{"over a holiday", at(t, loc, "2026-03-10 17:00"), h(1), "2026-03-12 09:00"},
		{"on a holiday", at(t, loc, "2026-03-11 10:00"), h(1), "2026-03-12 09:30"},
		{"into a make-up Saturday", at(t, loc, "2026-03-13 17:00"), h(1), "2026-03-14 09:00"},
		{"on a make-up Saturday", at(t, loc, "2026-03-14 11:00"), h(2), "2026-03-14 14:30"},
		{"from a make-up Saturday", at(t, loc, "2026-03-14 17:00"), h(1), "2026-03-16 09:00"},
		{"a whole day", at(t, loc, "2026-03-02 08:30"), h(15), "2026-03-03 17:30"},
		{"a week", at(t, loc, "2026-03-02 08:30"), h(38), "2026-03-09 09:00"}, // 5 × 7.5 h, then 0.5 h
		// period boundaries: the end of a period belongs to it
		{"at the start of the morning", at(t, loc, "2026-03-02 08:30"), h(1), "2026-03-02 09:30"},
		{"at the end of the morning", at(t, loc, "2026-03-02 12:00"), h(1), "2026-03-02 14:30"},
		{"at the start of the afternoon", at(t, loc, "2026-03-02 13:30"), h(1), "2026-03-02 14:30"},
		{"at the end of the day", at(t, loc, "2026-03-02 17:30"), h(1), "2026-03-03 09:30"},
		{"due at the end of the morning", at(t, loc, "2026-03-02 11:00"), h(1), "2026-03-02 12:00"},
		{"due at the end of the day", at(t, loc, "2026-03-02 16:30"), h(1), "2026-03-02 17:30"},
		// working days: the day of t never counts; due at the end of the Nth working day after it
		{"Monday morning, 1 day", at(t, loc, "2026-03-02 08:00"), d(1), "2026-03-03 17:30"},
		{"Monday midnight, 1 day", at(t, loc, "2026-03-02 00:00"), d(1), "2026-03-03 17:30"},
		{"Monday late, 1 day", at(t, loc, "2026-03-02 23:59"), d(1), "2026-03-03 17:30"},
		{"Monday, 5 days", at(t, loc, "2026-03-02 10:00"), d(5), "2026-03-09 17:30"},
		{"Friday, 1 day", at(t, loc, "2026-03-06 10:00"), d(1), "2026-03-09 17:30"},
		{"Saturday, 1 day", at(t, loc, "2026-03-07 10:00"), d(1), "2026-03-09 17:30"},
		{"Sunday, 1 day", at(t, loc, "2026-03-08 10:00"), d(1), "2026-03-09 17:30"},
		{"over a holiday, 1 day", at(t, loc, "2026-03-10 10:00"), d(1), "2026-03-12 17:30"},
		{"on a holiday, 1 day", at(t, loc, "2026-03-11 10:00"), d(1), "2026-03-12 17:30"},
		{"Monday, 3 days over a holiday", at(t, loc, "2026-03-09 10:00"), d(3), "2026-03-13 17:30"},
		{"into a make-up Saturday, 1 day", at(t, loc, "2026-03-13 10:00"), d(1), "2026-03-14 17:30"},
		{"over a make-up Saturday, 5 days", at(t, loc, "2026-03-12 10:00"), d(5), "2026-03-18 17:30"},
		// another zone: the day and the hours are those of Asia/Shanghai
		{"UTC, Friday 17:00 in Shanghai", time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC), h(1), "2026-03-09 09:00"},
		{"UTC Monday is Tuesday in Shanghai", time.Date(2026, 3, 2, 16, 30, 0, 0, time.UTC), d(1), "2026-03-04 17:30"},
		{"New York", time.Date(2026, 3, 1, 20, 30, 0, 0, mustZone(t, "America/New_York")), h(1), "2026-03-02 10:30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.Add(tt.start, tt.deadline)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.Format("2006-01-02 15:04"))
			assert.Equal(t, "Asia/Shanghai", got.Location().String())
			assert.True(t, got.Equal(at(t, loc, tt.want)))
		})
	}
}

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	require.NoError(t, err)
	return loc
}

func TestCalendarAddInvalidDeadline(t *testing.T) {
	cal := DefaultCalendar()
	for _, d := range []Deadline{
		{0, "hours"}, {-1, "hours"}, {2001, "hours"},
		{0, "days"}, {366, "days"},
		{1, ""}, {1, "weeks"}, {1, "Hours"},
	} {
		t.Run(d.String(), func(t *testing.T) {
			_, err := cal.Add(time.Now(), d)
			assert.ErrorIs(t, err, ErrInvalidDeadline)
			assert.ErrorIs(t, d.Validate(), ErrInvalidDeadline)
		})
	}
	for _, d := range []Deadline{{1, "hours"}, {2000, "hours"}, {1, "days"}, {365, "days"}} {
		t.Run(d.String(), func(t *testing.T) {
			require.NoError(t, d.Validate())
			_, err := cal.Add(time.Now(), d)
			assert.NoError(t, err)
		})
	}
}

func TestCalendarAddNoWorkingTime(t *testing.T) {
	all := []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		cfg      CalendarConfig
		deadline Deadline
	}{
		{"no working day at all", CalendarConfig{Weekend: all}, Deadline{1, "hours"}},
		{"no working day at all, days", CalendarConfig{Weekend: all}, Deadline{365, "days"}},
		{"one make-up day, 2 days", CalendarConfig{Weekend: all, Workdays: []string{"2026-03-04"}}, Deadline{2, "days"}},
		{"one make-up day, 8 hours", CalendarConfig{Weekend: all, Workdays: []string{"2026-03-04"}}, Deadline{8, "hours"}},
		{"a make-up day in the past", CalendarConfig{Weekend: all, Workdays: []string{"2020-03-04"}}, Deadline{1, "days"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cal, err := NewCalendar(tt.cfg)
			require.NoError(t, err)
			_, err = cal.Add(start, tt.deadline)
			assert.ErrorIs(t, err, ErrNoWorkingTime)
		})
	}

	// The make-up day itself is counted.
	cal, err := NewCalendar(CalendarConfig{Weekend: all, Workdays: []string{"2026-03-04"}})
	require.NoError(t, err)
	got, err := cal.Add(start, Deadline{1, "days"})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-04 17:30", got.Format("2006-01-02 15:04"))

	// Only Fridays work; the first three are holidays.
	cal, err = NewCalendar(CalendarConfig{Weekend: []string{"monday", "tuesday", "wednesday", "thursday", "saturday", "sunday"}, Holidays: []string{"2026-03-06", "2026-03-13", "2026-03-20"}})
	require.NoError(t, err)
	got, err = cal.Add(start, Deadline{1, "days"})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-27 17:30", got.Format("2006-01-02 15:04"))

	assert.ErrorIs(t, func() error { _, err := (&Calendar{}).Add(start, Deadline{1, "hours"}); return err }(), ErrNoWorkingTime)
}

func TestCalendarWorkingBetween(t *testing.T) {
	cal := testCalendar(t)
	loc := shanghai(t)
	tests := []struct {
		name string
		a, b string
		want time.Duration
	}{
		{"same moment", "2026-03-02 09:00", "2026-03-02 09:00", 0},
		{"inside a period", "2026-03-02 09:00", "2026-03-02 10:15", 75 * time.Minute},
		{"across lunch", "2026-03-02 11:00", "2026-03-02 14:00", 90 * time.Minute},
		{"inside lunch", "2026-03-02 12:10", "2026-03-02 13:20", 0},
		{"a whole day", "2026-03-02 00:00", "2026-03-03 00:00", 450 * time.Minute},
		{"a week", "2026-03-02 00:00", "2026-03-09 00:00", 5 * 450 * time.Minute},
		{"over a weekend", "2026-03-06 17:00", "2026-03-09 09:00", 60 * time.Minute},
		{"a weekend", "2026-03-07 00:00", "2026-03-09 00:00", 0},
		{"a holiday", "2026-03-11 00:00", "2026-03-12 00:00", 0},
		{"a make-up Saturday", "2026-03-14 00:00", "2026-03-15 00:00", 450 * time.Minute},
		{"backwards", "2026-03-02 10:15", "2026-03-02 09:00", -75 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, cal.WorkingBetween(at(t, loc, tt.a), at(t, loc, tt.b)))
		})
	}

	t.Run("any zone", func(t *testing.T) {
		a := time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)            // Friday 17:00 in Shanghai
		b := time.Date(2026, 3, 8, 20, 0, 0, 0, mustZone(t, "UTC")) // Monday 04:00
		assert.Equal(t, 30*time.Minute, cal.WorkingBetween(a, b))
	})
	t.Run("saturates", func(t *testing.T) {
		got := cal.WorkingBetween(time.Time{}, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		assert.Equal(t, time.Duration(1<<63-1), got)
	})
}

// TestCalendarWorkingBetweenInvertsAdd checks WorkingBetween(t, Add(t, N hours)) == N hours for random t and N.
func TestCalendarWorkingBetweenInvertsAdd(t *testing.T) {
	cal := testCalendar(t)
	rng := rand.New(rand.NewPCG(2026, 3))
	from := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	for range 2000 {
		start := from.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		if rng.IntN(4) == 0 { // often land on the minute, to hit period boundaries
			start = start.Truncate(30 * time.Minute)
		}
		n := 1 + rng.IntN(100)
		if rng.IntN(20) == 0 {
			n = 1 + rng.IntN(2000)
		}
		due, err := cal.Add(start, Deadline{n, "hours"})
		require.NoError(t, err)
		require.Equal(t, time.Duration(n)*time.Hour, cal.WorkingBetween(start, due), "start %v, %d hours", start, n)
		require.True(t, cal.IsWorkday(due), "due %v on a day off", due)
	}
}

func TestCalendarAddWorking(t *testing.T) {
	cal := testCalendar(t)
	loc := shanghai(t)
	tests := []struct {
		name  string
		start string
		d     time.Duration
		want  string // in Asia/Shanghai
	}{
		{"zero", "2026-03-07 20:00", 0, "2026-03-07 20:00"},
		{"inside a period", "2026-03-02 09:00", 75 * time.Minute, "2026-03-02 10:15"},
		{"to the end of a period", "2026-03-02 11:00", time.Hour, "2026-03-02 12:00"},
		{"across lunch", "2026-03-02 11:30", time.Hour, "2026-03-02 14:00"},
		{"over a weekend", "2026-03-06 17:00", time.Hour, "2026-03-09 09:00"},
		{"over a holiday", "2026-03-10 17:00", time.Hour, "2026-03-12 09:00"},
		{"onto a make-up Saturday", "2026-03-13 17:00", time.Hour, "2026-03-14 09:00"},
		{"back inside a period", "2026-03-02 10:15", -75 * time.Minute, "2026-03-02 09:00"},
		{"back to the start of a period", "2026-03-02 14:30", -time.Hour, "2026-03-02 13:30"},
		{"back across lunch", "2026-03-02 14:00", -time.Hour, "2026-03-02 11:30"},
		{"back over a weekend", "2026-03-09 09:00", -time.Hour, "2026-03-06 17:00"},
		{"back over a holiday", "2026-03-12 09:00", -time.Hour, "2026-03-10 17:00"},
		{"back from a day off", "2026-03-08 15:00", -30 * time.Minute, "2026-03-06 17:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := cal.AddWorking(at(t, loc, tt.start), tt.d)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got.In(loc).Format("2006-01-02 15:04"))
			assert.Equal(t, loc.String(), got.Location().String(), "in the calendar's zone")
		})
	}

	t.Run("no working time", func(t *testing.T) {
		cfg := DefaultCalendarConfig()
		cfg.Weekend = []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
		none, err := NewCalendar(cfg)
		require.NoError(t, err)
		for _, d := range []time.Duration{time.Hour, -time.Hour} {
			_, err := none.AddWorking(at(t, loc, "2026-03-02 09:00"), d)
			assert.ErrorIs(t, err, ErrNoWorkingTime, "%v", d)
		}
		_, err = (&Calendar{}).AddWorking(at(t, loc, "2026-03-02 09:00"), -time.Hour)
		assert.ErrorIs(t, err, ErrNoWorkingTime, "zero calendar")
	})
	t.Run("a holiday before the make-up days", func(t *testing.T) {
		cfg := DefaultCalendarConfig()
		cfg.Holidays = []string{"2026-01-01", "2026-01-02"}
		cfg.Workdays = []string{"2026-01-04"}
		c, err := NewCalendar(cfg)
		require.NoError(t, err)
		got, err := c.AddWorking(at(t, loc, "2026-01-05 09:00"), -time.Hour)
		require.NoError(t, err)
		assert.Equal(t, "2026-01-04 17:00", got.In(loc).Format("2006-01-02 15:04"))
		got, err = c.AddWorking(at(t, loc, "2026-01-04 09:00"), -time.Hour)
		require.NoError(t, err)
		assert.Equal(t, "2025-12-31 17:00", got.In(loc).Format("2006-01-02 15:04"))
	})
}

// TestCalendarAddWorkingInvertsWorkingBetween checks WorkingBetween(t, AddWorking(t, d)) == d, forwards and
// backwards, for random t and d, and that AddWorking agrees with Add for whole hours.
func TestCalendarAddWorkingInvertsWorkingBetween(t *testing.T) {
	cal := testCalendar(t)
	rng := rand.New(rand.NewPCG(2026, 4))
	from := time.Date(2026, 2, 20, 0, 0, 0, 0, time.UTC)
	for range 2000 {
		start := from.Add(time.Duration(rng.Int64N(int64(40 * 24 * time.Hour))))
		if rng.IntN(4) == 0 {
			start = start.Truncate(30 * time.Minute)
		}
		d := time.Duration(rng.Int64N(int64(200*time.Hour))) - 100*time.Hour
		if rng.IntN(4) == 0 {
			d = d.Truncate(30 * time.Minute)
		}
		got, err := cal.AddWorking(start, d)
		require.NoError(t, err)
		require.Equal(t, d, cal.WorkingBetween(start, got), "start %v, %v", start, d)
		if d > 0 && d%time.Hour == 0 {
			want, err := cal.Add(start, Deadline{int(d / time.Hour), "hours"})
			require.NoError(t, err)
			require.True(t, want.Equal(got), "start %v, %v: Add %v, AddWorking %v", start, d, want, got)
		}
	}
}

func TestCalendarIsWorkday(t *testing.T) {
	cal := testCalendar(t)
	loc := shanghai(t)
	tests := []struct {
		day  string
		want bool
	}{
		{"2026-03-02", true},  // Monday
		{"2026-03-07", false}, // Saturday
		{"2026-03-08", false}, // Sunday
		{"2026-03-11", false}, // holiday
		{"2026-03-14", true},  // make-up Saturday
		{"2026-03-15", false}, // Sunday after it
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			assert.Equal(t, tt.want, cal.IsWorkday(at(t, loc, tt.day+" 12:00")))
		})
	}
	// The day is the one in the calendar's zone: Friday 20:00 UTC is Saturday in Shanghai.
	assert.False(t, cal.IsWorkday(time.Date(2026, 3, 6, 20, 0, 0, 0, time.UTC)))
	assert.True(t, cal.IsWorkday(time.Date(2026, 3, 8, 20, 0, 0, 0, time.UTC)))
}

func TestLoadCalendar(t *testing.T) {
	c, err := LoadCalendar(strings.NewReader(`{"timezone":"Asia/Shanghai","periods":[["09:00","17:00"]],
		"weekend":["Sunday"],"holidays":["2026-03-11"],"workdays":["2026-03-15"]}`))
	require.NoError(t, err)
	loc := shanghai(t)
	assert.True(t, c.IsWorkday(at(t, loc, "2026-03-07 12:00")), "Saturday is a working day")
	assert.False(t, c.IsWorkday(at(t, loc, "2026-03-08 12:00")))
	assert.True(t, c.IsWorkday(at(t, loc, "2026-03-15 12:00")))
	assert.False(t, c.IsWorkday(at(t, loc, "2026-03-11 12:00")))
	due, err := c.Add(at(t, loc, "2026-03-02 16:00"), Deadline{2, "hours"})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-03 10:00", due.Format("2006-01-02 15:04"))

	// Absent members take the default.
	c, err = LoadCalendar(strings.NewReader(`{"holidays":["2026-03-11"]}`))
	require.NoError(t, err)
	assert.Equal(t, "Asia/Shanghai", c.Location().String())
	assert.False(t, c.IsWorkday(at(t, loc, "2026-03-07 12:00")))
	due, err = c.Add(at(t, loc, "2026-03-10 17:00"), Deadline{1, "hours"})
	require.NoError(t, err)
	assert.Equal(t, "2026-03-12 09:00", due.Format("2006-01-02 15:04"))

	// A period may end at midnight.
	c, err = LoadCalendar(strings.NewReader(`{"timezone":"UTC","periods":[["00:00","24:00"]],"weekend":[]}`))
	require.NoError(t, err)
	due, err = c.Add(time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC), Deadline{25, "hours"})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), due)
	due, err = c.Add(time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC), Deadline{1, "days"})
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC), due)
}

func TestLoadCalendarErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not JSON", `{`, "unexpected EOF"},
		{"not an object", `[]`, "cannot unmarshal"},
		{"null", `null`, "want a JSON object"},
		{"empty", ``, "EOF"},
		{"unknown member", `{"holiday":["2026-01-01"]}`, `unknown field "holiday"`},
		{"trailing data", `{} {}`, "data after the calendar object"},
		{"bad zone", `{"timezone":"Asia/Beijing"}`, `timezone "Asia/Beijing"`},
		{"local zone", `{"timezone":"Local"}`, `timezone "Local"`},
		{"no periods", `{"periods":[]}`, "at least one working period"},
		{"period of one time", `{"periods":[["08:30"]]}`, "periods[0]: want"},
		{"period of three times", `{"periods":[["08:30","12:00","13:00"]]}`, "periods[0]: want"},
		{"bad time", `{"periods":[["8:30","12:00"]]}`, `"8:30" is not an HH:MM`},
		{"bad minute", `{"periods":[["08:60","12:00"]]}`, `"08:60" is not an HH:MM`},
		{"after midnight", `{"periods":[["08:00","24:01"]]}`, `"24:01" is not an HH:MM`},
		{"start at midnight", `{"periods":[["24:00","24:00"]]}`, "cannot start at 24:00"},
		{"empty period", `{"periods":[["08:30","08:30"]]}`, "is not after start"},
		{"backwards period", `{"periods":[["12:00","08:30"]]}`, "is not after start"},
		{"overlap", `{"periods":[["08:30","12:00"],["11:00","17:00"]]}`, "periods[1]: starts at 11:00"},
		{"out of order", `{"periods":[["13:30","17:30"],["08:30","12:00"]]}`, "periods[1]: starts at 08:30"},
		{"bad weekday", `{"weekend":["sat"]}`, `"sat" is not a weekday name`},
		{"weekday twice", `{"weekend":["sunday","Sunday"]}`, `"Sunday" is listed twice`},
		{"bad date", `{"holidays":["2026-02-30"]}`, `"2026-02-30" is not a YYYY-MM-DD date`},
		{"date with time", `{"holidays":["2026-02-16T00:00:00Z"]}`, "is not a YYYY-MM-DD date"},
		{"old date", `{"holidays":["1066-10-14"]}`, "year out of range"},
		{"holiday twice", `{"holidays":["2026-02-16","2026-02-16"]}`, "2026-02-16 is listed twice"},
		{"workday twice", `{"workdays":["2026-02-14","2026-02-14"]}`, "2026-02-14 is listed twice"},
		{"holiday and workday", `{"holidays":["2026-02-14"],"workdays":["2026-02-14"]}`, "both a holiday and a workday"},
		{"workday on a weekday", `{"workdays":["2026-02-16"]}`, "2026-02-16 is a Monday, not a weekend day"},
		{"wrong type", `{"holidays":"2026-02-16"}`, "cannot unmarshal"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadCalendar(strings.NewReader(tt.json))
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidCalendar)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestCalendarCN2026(t *testing.T) {
	f, err := os.Open("../data/calendars/cn-2026.json")
	require.NoError(t, err)
	defer f.Close()
	cal, err := LoadCalendar(f)
	require.NoError(t, err)
	loc := shanghai(t)

	off := []string{"2026-01-01", "2026-01-02", "2026-02-16", "2026-02-23", "2026-04-06", "2026-05-04", "2026-05-05",
		"2026-06-19", "2026-09-25", "2026-10-01", "2026-10-07", "2026-02-15", "2026-02-21"}
	work := []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10",
		"2026-01-05", "2026-02-13", "2026-02-24", "2026-10-08"}
	for _, d := range off {
		assert.False(t, cal.IsWorkday(at(t, loc, d+" 12:00")), "%s should be a day off", d)
	}
	for _, d := range work {
		assert.True(t, cal.IsWorkday(at(t, loc, d+" 12:00")), "%s should be a working day", d)
	}

	// Counted over the Spring Festival: Friday 13 Feb, 2 working days → Saturday 14 (调休上班), then Tuesday 24.
	due, err := cal.Add(at(t, loc, "2026-02-13 10:00"), Deadline{2, "days"})
	require.NoError(t, err)
	assert.Equal(t, "2026-02-24 17:30", due.Format("2006-01-02 15:04"))
	// Over National Day: Wednesday 30 Sep 16:00 + 4 working hours → 1.5 h that day, then 2.5 h on Thursday 8 Oct.
	due, err = cal.Add(at(t, loc, "2026-09-30 16:00"), Deadline{4, "hours"})
	require.NoError(t, err)
	assert.Equal(t, "2026-10-08 11:00", due.Format("2006-01-02 15:04"))
}

func FuzzLoadCalendar(f *testing.F) {
	for _, s := range []string{
		`{"timezone":"Asia/Shanghai","periods":[["08:30","12:00"],["13:30","17:30"]],"weekend":["saturday","sunday"],"holidays":["2026-01-01"],"workdays":["2026-01-04"]}`,
		`{"timezone":"UTC","periods":[["00:00","24:00"]],"weekend":[]}`,
		`{"weekend":["monday","tuesday","wednesday","thursday","friday","saturday","sunday"],"workdays":["2199-12-31"]}`,
		`{"timezone":"America/New_York","periods":[["01:30","02:30"]]}`,
		`{"periods":[["08:30"]]}`,
		`{}`, `[]`, `null`, `{"holidays":null}`, ``,
	} {
		f.Add(s)
	}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		cal, err := LoadCalendar(strings.NewReader(s))
		if err != nil {
			return
		}
		for _, d := range []Deadline{{3, "days"}, {20, "hours"}} {
			due, err := cal.Add(start, d)
			if err != nil {
				continue
			}
			if due.Before(start) {
				t.Fatalf("%v from %v is due before it starts: %v", d, start, due)
			}
			if d.Unit == "hours" {
				if got := cal.WorkingBetween(start, due); got != 20*time.Hour {
					t.Fatalf("WorkingBetween(%v, %v) = %v, want 20h", start, due, got)
				}
			}
		}
		cal.IsWorkday(start)
	})
}

func BenchmarkCalendarAdd(b *testing.B) {
	cal := testCalendar(b)
	start := time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)
	d := Deadline{3, "days"}
	for b.Loop() {
		if _, err := cal.Add(start, d); err != nil {
			b.Fatal(err)
		}
	}
}
