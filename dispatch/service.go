package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// WorkflowStore keeps cases for the workflow. Update locks the case, lets fn decide, and writes the new state and
// its events in one transaction.
type WorkflowStore interface {
	Update(ctx context.Context, id int64, fn func(Case) (Case, []Event, error)) (Case, []Event, error)
	Events(ctx context.Context, id int64) ([]Event, error)
	// Histories is Events for several cases in one read, by case id; a case with no events has no entry.
	Histories(ctx context.Context, ids []int64) (map[int64][]Event, error)
	List(ctx context.Context, f CaseFilter) ([]Case, int64, error)
	Overdue(ctx context.Context, now time.Time, limit int) ([]int64, error)
	Evaluating(ctx context.Context, before time.Time, limit int) ([]int64, error)
}

// Workflow runs the six-step method over stored cases: actions from people, escalation of overdue cases and the
// closing of evaluations nobody finished.
type Workflow struct {
	places       *Places
	calendar     *Calendar
	store        WorkflowStore
	clock        func() time.Time
	rules        Rules
	unratedAfter time.Duration
	ticked       func(escalated, concluded int)
}

// NewWorkflow wires the workflow. Cases left unrated for unratedAfter after verification close as "unrated".
func NewWorkflow(places *Places, cal *Calendar, store WorkflowStore, clock func() time.Time, rules Rules,
	unratedAfter time.Duration) *Workflow {
	return &Workflow{places: places, calendar: cal, store: store, clock: clock, rules: rules, unratedAfter: unratedAfter}
}

// Act takes one action on a case for an actor.
func (w *Workflow) Act(ctx context.Context, id int64, a Action, actor Actor) (Case, []Event, error) {
	env := w.env()
	now := w.clock().UTC()
	return w.store.Update(ctx, id, func(c Case) (Case, []Event, error) {
		return Apply(c, a, actor, now, env, w.rules)
	})
}

// Events is a case's history.
func (w *Workflow) Events(ctx context.Context, id int64) ([]Event, error) {
	return w.store.Events(ctx, id)
}

// Histories is the histories of several cases, read at once: by case id, each oldest first.
func (w *Workflow) Histories(ctx context.Context, ids []int64) (map[int64][]Event, error) {
	return w.store.Histories(ctx, ids)
}

// List returns a page of cases and the cursor of the next.
func (w *Workflow) List(ctx context.Context, f CaseFilter) ([]Case, int64, error) {
	return w.store.List(ctx, f)
}

// System is the actor of the scheduler's actions.
var System = Actor{Role: RoleSystem, Subject: "system"}

// Tick escalates every overdue case one level (grid → community → street) and concludes the evaluations left
// open longer than unratedAfter. Several servers may tick at once: each case is re-checked under its row lock, so
// a case climbs once per missed deadline.
func (w *Workflow) Tick(ctx context.Context) (escalated, concluded int, err error) {
	now := w.clock().UTC()
	ids, err := w.store.Overdue(ctx, now, 500)
	if err != nil {
		return 0, 0, err
	}
	env := w.env()
	for _, id := range ids {
		_, events, err := w.store.Update(ctx, id, func(c Case) (Case, []Event, error) {
			if !c.Status.Open() || c.DueAt.IsZero() || !c.DueAt.Before(now) || c.Status == StatusSuspended {
				return c, nil, nil // another server got here first
			}
			if _, up := env.Up(c); !up {
				return c, nil, nil // at the top already: stays overdue and counts as such
			}
			return Apply(c, Action{Name: "escalate", Reason: "overdue: deadline " + c.DueAt.Format(time.RFC3339) + " passed"},
				System, now, env, w.rules)
		})
		if err != nil && !errors.Is(err, ErrInvalidTransition) {
			return escalated, concluded, fmt.Errorf("escalate case %d: %w", id, err)
		}
		if len(events) > 0 {
			escalated++
		}
	}
	if w.unratedAfter > 0 {
		ids, err = w.store.Evaluating(ctx, now.Add(-w.unratedAfter), 500)
		if err != nil {
			return escalated, concluded, err
		}
		for _, id := range ids {
			_, events, err := w.store.Update(ctx, id, func(c Case) (Case, []Event, error) {
				if c.Status != StatusVerified || c.VerifiedAt.After(now.Add(-w.unratedAfter)) {
					return c, nil, nil
				}
				return Apply(c, Action{Name: "conclude", Note: "evaluation period ended"}, System, now, env, w.rules)
			})
			if err != nil && !errors.Is(err, ErrInvalidTransition) {
				return escalated, concluded, fmt.Errorf("conclude case %d: %w", id, err)
			}
			if len(events) > 0 {
				concluded++
			}
		}
	}
	return escalated, concluded, nil
}

// OnTick has fn told, after each tick of Run, how many cases it escalated and concluded (for metrics). Call it
// before Run.
func (w *Workflow) OnTick(fn func(escalated, concluded int)) { w.ticked = fn }

// Run ticks every interval until ctx ends.
func (w *Workflow) Run(ctx context.Context, every time.Duration, log *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Bounded, so that a database that stops answering holds the scheduler for one round at most.
		tctx, cancel := context.WithTimeout(ctx, max(every, time.Minute))
		esc, con, err := w.Tick(tctx)
		cancel()
		if w.ticked != nil {
			w.ticked(esc, con)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("scheduler", "err", err)
		}
		if esc+con > 0 {
			log.Info("scheduler", "escalated", esc, "concluded", con)
		}
	}
}

func (w *Workflow) env() Env { return dirEnv{dir: w.places.Load(), cal: w.calendar} }

// dirEnv answers the workflow's questions from the directory and the calendar.
type dirEnv struct {
	dir *Directory
	cal *Calendar
}

func (e dirEnv) Category(code string) (Category, bool) {
	c, ok := e.dir.Categories[code]
	return c, ok
}

// Up is the next level up: a building party group → its grid's party branch → its community's party committee →
// its street; a department's case → the street where the case lies (its party working committee when it has
// one), which then coordinates the departments.
func (e dirEnv) Up(c Case) (string, bool) {
	assignee := c.AssigneeCode
	if _, ok := e.dir.Departments[assignee]; ok {
		if c.StreetCode == "" {
			return "", false
		}
		if o, ok := e.dir.OrgsByUnit[c.StreetCode]; ok {
			return o.Code, true
		}
		if _, ok := e.dir.Locator.Unit(c.StreetCode); ok {
			return c.StreetCode, true
		}
		return "", false
	}
	unit := assignee
	if o, ok := e.dir.OrgsByCode[assignee]; ok {
		unit = o.UnitCode
	}
	u, ok := e.dir.Locator.Unit(unit)
	if !ok || u.ParentCode == "" {
		return "", false
	}
	parent, ok := e.dir.Locator.Unit(u.ParentCode)
	if !ok {
		return "", false
	}
	if o, ok := e.dir.OrgsByUnit[parent.Code]; ok {
		return o.Code, true
	}
	return parent.Code, true
}

func (e dirEnv) Known(code string) bool {
	if _, ok := e.dir.OrgsByCode[code]; ok {
		return true
	}
	if _, ok := e.dir.Departments[code]; ok {
		return true
	}
	_, ok := e.dir.Locator.Unit(code)
	return ok
}

func (e dirEnv) Point(code string) (string, bool) {
	host, ok := e.dir.DiscussPoints[code]
	return host, ok
}

func (e dirEnv) Due(from time.Time, d Deadline) (time.Time, error) { return e.cal.Add(from, d) }
func (e dirEnv) Working(a, b time.Time) time.Duration              { return e.cal.WorkingBetween(a, b) }
func (e dirEnv) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	return e.cal.AddWorking(t, d)
}
