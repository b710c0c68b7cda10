package dispatch

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on a machine without system tzdata
)

// Working-time errors, wrapped with context; test with errors.Is.
var (
	ErrInvalidDeadline = errors.New("invalid deadline")
	ErrInvalidCalendar = errors.New("invalid calendar")
	// ErrNoWorkingTime is returned by Calendar.Add when the calendar has no working day left to count.
	ErrNoWorkingTime = errors.New("calendar has no working time")
)

// Deadline units.
const (
	deadlineHours = "hours"
	deadlineDays  = "days"
)

// Bounds of Deadline.Amount by unit.
const (
	maxDeadlineDays  = 365
	maxDeadlineHours = 2000
)

// Validate reports whether d is a deadline Calendar.Add can count: 1–365 working days or 1–2000 working hours.
func (d Deadline) Validate() error {
	switch d.Unit {
	case deadlineDays:
		if d.Amount < 1 || d.Amount > maxDeadlineDays {
			return fmt.Errorf("%w: %d days: amount must be 1–%d", ErrInvalidDeadline, d.Amount, maxDeadlineDays)
		}
	case deadlineHours:
		if d.Amount < 1 || d.Amount > maxDeadlineHours {
			return fmt.Errorf("%w: %d hours: amount must be 1–%d", ErrInvalidDeadline, d.Amount, maxDeadlineHours)
		}
	default:
		return fmt.Errorf("%w: unit %q: must be %q or %q", ErrInvalidDeadline, d.Unit, deadlineHours, deadlineDays)
	}
	return nil
}

// CalendarConfig is a Calendar as JSON (the form LoadCalendar reads and data/calendars/*.json hold). A member that
// is absent (nil) takes the DefaultCalendar value; an empty "periods" list is an error, an empty "weekend" list
// means every day of the week is a working day.
type CalendarConfig struct {
	Timezone string     `json:"timezone"`         // IANA name, e.g. "Asia/Shanghai"
	Periods  [][]string `json:"periods"`          // daily working periods, [["08:30","12:00"],…], in order
	Weekend  []string   `json:"weekend"`          // English weekday names, case ignored
	Holidays []string   `json:"holidays"`         // YYYY-MM-DD days off (放假), weekend days included or not
	Workdays []string   `json:"workdays"`         // YYYY-MM-DD weekend days that are worked (调休上班)
	Source   string     `json:"source,omitempty"` // where the holidays come from; not interpreted
	Note     string     `json:"note,omitempty"`   // free text; not interpreted
}

// DefaultCalendarConfig is the configuration of DefaultCalendar: Asia/Shanghai, Monday–Friday 08:30–12:00 and
// 13:30–17:30, no holidays.
func DefaultCalendarConfig() CalendarConfig {
	return CalendarConfig{
		Timezone: "Asia/Shanghai",
		Periods:  [][]string{{"08:30", "12:00"}, {"13:30", "17:30"}},
		Weekend:  []string{"saturday", "sunday"},
	}
}

// Calendar says when government offices work: daily working periods in a time zone, weekends, public holidays
// (放假) and the weekend days that are made working days (调休上班). A Calendar is immutable and safe for concurrent
// use. Build one with DefaultCalendar, NewCalendar or LoadCalendar.
//
// Deadlines are counted in the calendar's zone and Add returns moments in it. A day's working time is the sum of
// its periods; a moment exactly at the end of a period belongs to that period, so a deadline can fall due at
// 12:00 or 17:30 but never at the start of the next period.
type Calendar struct {
	loc      *time.Location
	periods  []workPeriod // in order, not overlapping
	weekend  [7]bool      // by time.Weekday
	holidays map[civilDate]bool
	workdays map[civilDate]bool
	first    civilDate // the earliest holiday or workday; before it the calendar repeats every week
	last     civilDate // the latest holiday or workday; after it the calendar repeats every week
}

// workPeriod is one daily working period in minutes after midnight; end may be 24*60.
type workPeriod struct{ start, end int }

// DefaultCalendar returns the calendar of DefaultCalendarConfig.
func DefaultCalendar() *Calendar {
	cfg := DefaultCalendarConfig()
	c, err := NewCalendar(cfg)
	if err != nil {
		// Unreachable: the configuration is fixed and time/tzdata is linked in. Stay correct regardless:
		// China Standard Time has been UTC+8 without daylight saving since 1991.
		cfg.Timezone = "UTC"
		c, _ = NewCalendar(cfg)
		c.loc = time.FixedZone("CST", 8*60*60)
	}
	return c
}

// LoadCalendar reads a JSON calendar such as
//
//	{"timezone":"Asia/Shanghai","periods":[["08:30","12:00"],["13:30","17:30"]],
//	 "weekend":["saturday","sunday"],"holidays":["2026-01-01"],"workdays":["2026-01-04"]}
//
// Unknown members and trailing data are errors; see CalendarConfig for absent members and NewCalendar for the
// rules.
func LoadCalendar(r io.Reader) (*Calendar, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var cfg *CalendarConfig
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidCalendar, err)
	}
	if cfg == nil {
		return nil, fmt.Errorf("%w: null, want a JSON object", ErrInvalidCalendar)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: data after the calendar object", ErrInvalidCalendar)
	}
	return NewCalendar(*cfg)
}

// NewCalendar checks cfg and builds its Calendar. The time zone must be an IANA name (not "Local"); periods are
// "HH:MM" pairs (end may be "24:00"), each non-empty, in order and not overlapping; weekend days are English
// weekday names, each at most once; holidays and workdays are YYYY-MM-DD dates in 1990–2199, each listed once, no
// date in both lists, and a workday must fall on a weekend day (otherwise it changes nothing and is likely a typo).
func NewCalendar(cfg CalendarConfig) (*Calendar, error) {
	def := DefaultCalendarConfig()
	if cfg.Timezone == "" {
		cfg.Timezone = def.Timezone
	}
	if cfg.Periods == nil {
		cfg.Periods = def.Periods
	}
	if cfg.Weekend == nil {
		cfg.Weekend = def.Weekend
	}
	c := &Calendar{holidays: map[civilDate]bool{}, workdays: map[civilDate]bool{}}

	if cfg.Timezone == "Local" {
		return nil, fmt.Errorf("%w: timezone %q: name a zone, e.g. \"Asia/Shanghai\"", ErrInvalidCalendar, cfg.Timezone)
	}
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		return nil, fmt.Errorf("%w: timezone %q: %w", ErrInvalidCalendar, cfg.Timezone, err)
	}
	c.loc = loc

	if len(cfg.Periods) == 0 {
		return nil, fmt.Errorf("%w: periods: at least one working period is needed", ErrInvalidCalendar)
	}
	for i, p := range cfg.Periods {
		if len(p) != 2 {
			return nil, fmt.Errorf("%w: periods[%d]: want [\"HH:MM\",\"HH:MM\"], got %d values", ErrInvalidCalendar, i, len(p))
		}
		start, err := parseClock(p[0])
		if err != nil {
			return nil, fmt.Errorf("%w: periods[%d] start: %w", ErrInvalidCalendar, i, err)
		}
		end, err := parseClock(p[1])
		if err != nil {
			return nil, fmt.Errorf("%w: periods[%d] end: %w", ErrInvalidCalendar, i, err)
		}
		if start >= 24*60 {
			return nil, fmt.Errorf("%w: periods[%d]: start %s: a period cannot start at 24:00", ErrInvalidCalendar, i, p[0])
		}
		if end <= start {
			return nil, fmt.Errorf("%w: periods[%d]: end %s is not after start %s", ErrInvalidCalendar, i, p[1], p[0])
		}
		if i > 0 && start < c.periods[i-1].end {
			return nil, fmt.Errorf("%w: periods[%d]: starts at %s, before the previous period ends: list periods in order, without overlap",
				ErrInvalidCalendar, i, p[0])
		}
		c.periods = append(c.periods, workPeriod{start, end})
	}

	for _, name := range cfg.Weekend {
		wd, ok := parseWeekday(name)
		if !ok {
			return nil, fmt.Errorf("%w: weekend: %q is not a weekday name (monday … sunday)", ErrInvalidCalendar, name)
		}
		if c.weekend[wd] {
			return nil, fmt.Errorf("%w: weekend: %q is listed twice", ErrInvalidCalendar, name)
		}
		c.weekend[wd] = true
	}

	for _, s := range cfg.Holidays {
		d, err := parseCivilDate(s)
		if err != nil {
			return nil, fmt.Errorf("%w: holidays: %w", ErrInvalidCalendar, err)
		}
		if c.holidays[d] {
			return nil, fmt.Errorf("%w: holidays: %s is listed twice", ErrInvalidCalendar, s)
		}
		c.holidays[d] = true
		c.first, c.last = c.minOverride(d), maxDate(c.last, d)
	}
	for _, s := range cfg.Workdays {
		d, err := parseCivilDate(s)
		if err != nil {
			return nil, fmt.Errorf("%w: workdays: %w", ErrInvalidCalendar, err)
		}
		switch {
		case c.workdays[d]:
			return nil, fmt.Errorf("%w: workdays: %s is listed twice", ErrInvalidCalendar, s)
		case c.holidays[d]:
			return nil, fmt.Errorf("%w: %s is both a holiday and a workday", ErrInvalidCalendar, s)
		case !c.weekend[d.weekday()]:
			return nil, fmt.Errorf("%w: workdays: %s is a %s, not a weekend day", ErrInvalidCalendar, s, d.weekday())
		}
		c.workdays[d] = true
		c.first, c.last = c.minOverride(d), maxDate(c.last, d)
	}
	return c, nil
}

// parseWeekday parses an English weekday name, ignoring case.
func parseWeekday(name string) (time.Weekday, bool) {
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		if strings.EqualFold(name, wd.String()) {
			return wd, true
		}
	}
	return 0, false
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.zone() }

// zone is c.loc, or UTC in a zero Calendar (which has no working time but should not panic).
func (c *Calendar) zone() *time.Location {
	if c.loc == nil {
		return time.UTC
	}
	return c.loc
}

// IsWorkday reports whether the calendar day on which day falls, in the calendar's zone, is a working day: a
// workday (调休上班), or neither a holiday nor a weekend day.
func (c *Calendar) IsWorkday(day time.Time) bool { return c.isWorkday(dateOf(day.In(c.zone()))) }

func (c *Calendar) isWorkday(d civilDate) bool {
	if c.holidays[d] {
		return false
	}
	return c.workdays[d] || !c.weekend[d.weekday()]
}

// Add returns the moment, in the calendar's zone, at which a deadline d starting at t falls due.
//
// "hours" counts working time inside the periods from t on: with DefaultCalendar, 1 working hour from Friday
// 17:00 is Monday 09:00, and 2 working hours are Monday 10:00.
//
// "days" counts whole working days after the day of t (期间开始的当日不计入): the day on which t falls, in the
// calendar's zone, is never counted, whatever the hour and whether or not it is a working day, and the deadline
// falls due at the end of the last period of the Nth working day after it. One working day from any time on a
// Monday is Tuesday 17:30; from a Saturday or Sunday, Monday 17:30.
//
// Add returns an error wrapping ErrInvalidDeadline for a deadline that fails Validate, and ErrNoWorkingTime when the
// calendar runs out of working days.
func (c *Calendar) Add(t time.Time, d Deadline) (time.Time, error) {
	if err := d.Validate(); err != nil {
		return time.Time{}, err
	}
	if len(c.periods) == 0 {
		return time.Time{}, ErrNoWorkingTime
	}
	t = t.In(c.zone())
	if d.Unit == deadlineDays {
		day := dateOf(t)
		for range d.Amount {
			var err error
			if day, err = c.nextWorkday(day.next()); err != nil {
				return time.Time{}, err
			}
		}
		last := c.periods[len(c.periods)-1]
		_, end := c.bounds(day, last)
		return end, nil
	}

	rem := time.Duration(d.Amount) * time.Hour
	for w := range c.spans(t) {
		avail := w.end.Sub(w.start)
		if rem <= avail {
			return w.start.Add(rem), nil
		}
		rem -= avail
	}
	return time.Time{}, ErrNoWorkingTime
}

// WorkingBetween returns the working time from a to b: the length of the parts of the working periods that lie
// between them. It is negative when b is before a, so WorkingBetween(due, now) is how long a case is overdue, or
// minus how long it has left. For every valid hours deadline h, WorkingBetween(t, Add(t, h)) is h. A span too long
// for a time.Duration (some thousand years of work) saturates.
func (c *Calendar) WorkingBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.WorkingBetween(b, a)
	}
	var total time.Duration
	for w := range c.spans(a) {
		if !w.start.Before(b) {
			break
		}
		end := w.end
		if end.After(b) {
			end = b
		}
		d := end.Sub(w.start)
		if total > math.MaxInt64-d {
			return math.MaxInt64
		}
		total += d
	}
	return total
}

// AddWorking returns the moment, in the calendar's zone, d of working time after t, or before t when d is negative:
// the moment m with WorkingBetween(t, m) == d. A positive d is counted like an hours deadline of Add (it may fall
// due at the end of a period, never at the start of the next); a negative d is counted back to the start of a
// period at the earliest, never to the end of the one before; zero is t itself. It returns ErrNoWorkingTime when
// the calendar runs out of working days.
func (c *Calendar) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	t = t.In(c.zone())
	switch {
	case d > 0:
		for w := range c.spans(t) {
			if avail := w.end.Sub(w.start); d > avail {
				d -= avail
				continue
			}
			return w.start.Add(d), nil
		}
	case d < 0:
		d = -d
		for w := range c.spansBefore(t) {
			if avail := w.end.Sub(w.start); d > avail {
				d -= avail
				continue
			}
			return w.end.Add(-d), nil
		}
	default:
		return t, nil
	}
	return time.Time{}, ErrNoWorkingTime
}

// workSpan is a stretch of working time.
type workSpan struct{ start, end time.Time }

// spans yields the working time from t on, in order, as disjoint non-empty spans, the first starting no earlier
// than t. It stops only when the calendar has no working day left. Add and WorkingBetween both walk it, which keeps
// them consistent even where a time-zone transition shifts a period.
func (c *Calendar) spans(t time.Time) iter.Seq[workSpan] {
	return func(yield func(workSpan) bool) {
		if len(c.periods) == 0 {
			return
		}
		t = t.In(c.zone())
		prev := t
		for day := dateOf(t); ; day = day.next() {
			var err error
			if day, err = c.nextWorkday(day); err != nil {
				return
			}
			for _, p := range c.periods {
				start, end := c.bounds(day, p)
				if start.Before(prev) {
					start = prev
				}
				if !end.After(start) {
					continue
				}
				if !yield(workSpan{start, end}) {
					return
				}
				prev = end
			}
		}
	}
}

// spansBefore yields the working time before t, latest first, as disjoint non-empty spans, the first ending no
// later than t: spans run backwards.
func (c *Calendar) spansBefore(t time.Time) iter.Seq[workSpan] {
	return func(yield func(workSpan) bool) {
		if len(c.periods) == 0 {
			return
		}
		t = t.In(c.zone())
		next := t
		for day := dateOf(t); ; day = day.prev() {
			var err error
			if day, err = c.prevWorkday(day); err != nil {
				return
			}
			for i := len(c.periods) - 1; i >= 0; i-- {
				start, end := c.bounds(day, c.periods[i])
				if end.After(next) {
					end = next
				}
				if !end.After(start) {
					continue
				}
				if !yield(workSpan{start, end}) {
					return
				}
				next = start
			}
		}
	}
}

// prevWorkday returns the last working day on or before d. Before c.first the calendar repeats every week, so seven
// days without work there mean there never was any.
func (c *Calendar) prevWorkday(d civilDate) (civilDate, error) {
	idle := 0
	noOverrides := len(c.holidays)+len(c.workdays) == 0
	for ; !c.isWorkday(d); d = d.prev() {
		if noOverrides || d.before(c.first) {
			if idle++; idle == 7 {
				return civilDate{}, ErrNoWorkingTime
			}
		}
	}
	return d, nil
}

// minOverride is the earlier of d and c.first, the earliest holiday or workday so far (none before the first).
func (c *Calendar) minOverride(d civilDate) civilDate {
	if len(c.holidays)+len(c.workdays) <= 1 || d.before(c.first) {
		return d
	}
	return c.first
}

// nextWorkday returns the first working day on or after d. Past c.last the calendar repeats every week, so seven
// days without work there mean there will never be any.
func (c *Calendar) nextWorkday(d civilDate) (civilDate, error) {
	idle := 0
	for ; !c.isWorkday(d); d = d.next() {
		if c.last.before(d) {
			if idle++; idle == 7 {
				return civilDate{}, ErrNoWorkingTime
			}
		}
	}
	return d, nil
}

// bounds returns the moments at which period p starts and ends on day d.
func (c *Calendar) bounds(d civilDate, p workPeriod) (start, end time.Time) {
	start = time.Date(d.y, d.m, d.d, 0, p.start, 0, 0, c.zone())
	end = time.Date(d.y, d.m, d.d, 0, p.end, 0, 0, c.zone())
	return start, end
}

// civilDate is a day of the calendar, without a zone.
type civilDate struct {
	y int
	m time.Month
	d int
}

func dateOf(t time.Time) civilDate {
	y, m, d := t.Date()
	return civilDate{y, m, d}
}

func (d civilDate) next() civilDate {
	return dateOf(time.Date(d.y, d.m, d.d+1, 0, 0, 0, 0, time.UTC))
}

func (d civilDate) prev() civilDate {
	return dateOf(time.Date(d.y, d.m, d.d-1, 0, 0, 0, 0, time.UTC))
}

func (d civilDate) weekday() time.Weekday {
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC).Weekday()
}

func (d civilDate) before(o civilDate) bool {
	if d.y != o.y {
		return d.y < o.y
	}
	if d.m != o.m {
		return d.m < o.m
	}
	return d.d < o.d
}

func maxDate(a, b civilDate) civilDate {
	if a.before(b) {
		return b
	}
	return a
}

// parseCivilDate parses YYYY-MM-DD in the years 1990–2199.
func parseCivilDate(s string) (civilDate, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return civilDate{}, fmt.Errorf("%q is not a YYYY-MM-DD date", s)
	}
	if y := t.Year(); y < 1990 || y > 2199 {
		return civilDate{}, fmt.Errorf("%s: year out of range 1990–2199", s)
	}
	return dateOf(t), nil
}

// parseClock parses "HH:MM", 00:00–24:00, into minutes after midnight.
func parseClock(s string) (int, error) {
	bad := fmt.Errorf("%q is not an HH:MM time of day", s)
	if len(s) != 5 || s[2] != ':' {
		return 0, bad
	}
	var n [4]int
	for i, j := range [4]int{0, 1, 3, 4} {
		if s[j] < '0' || s[j] > '9' {
			return 0, bad
		}
		n[i] = int(s[j] - '0')
	}
	h, m := n[0]*10+n[1], n[2]*10+n[3]
	if m > 59 || h > 24 || h == 24 && m != 0 {
		return 0, bad
	}
	return h*60 + m, nil
}
