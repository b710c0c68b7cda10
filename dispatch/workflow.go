package dispatch

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The six-step workflow (六事工作法) as a pure state machine: Apply takes a case, one action and who takes it, and
// returns the changed case and the events to append. It reads no database and no clock; what it needs to know
// beyond the case (the catalogue, the chain of responsibility, the speak-and-discuss points, working time) it asks
// an Env.
//
//	reported ─hear→ heard ─schedule→ deliberating ─decide→ decided ─dispatch→ dispatched ─start→ in_progress
//	           heard ─dispatch→ dispatched              (a failed motion stays deliberating)
//	           heard ─resolve→ resolved                 (即办: immediate cases settled on the spot)
//	in_progress ─resolve→ resolved ─verify→ verified ─rate…→ verified ─conclude→ closed
//	                        └ verify (not passed) → in_progress          └ conclude (< 90 % satisfied) → dispatched (重办)
//	escalate: reported|heard|dispatched|in_progress → dispatched, one level up
//	return: dispatched|in_progress → heard · suspend ⇄ resume (挂账) · cancel, merge: any open status → cancelled

// Role is what an actor may do; a token carries one.
type Role string

// The roles. RoleSystem is the scheduler's and never in a token.
const (
	RoleResident   Role = "resident"
	RoleGridWorker Role = "grid_worker"
	RoleGridChief  Role = "grid_chief"
	RoleDispatcher Role = "dispatcher"
	RoleDepartment Role = "department"
	RolePlanner    Role = "planner"
	RoleAdmin      Role = "admin"
	RoleOpen311    Role = "open311"
	RoleSystem     Role = "system"
)

// Roles lists the roles a token may carry (every role but system).
var Roles = []Role{RoleResident, RoleGridWorker, RoleGridChief, RoleDispatcher, RoleDepartment, RolePlanner,
	RoleAdmin, RoleOpen311}

// Actor is who acts: a role scoped to a unit (a unit code — its descendants' codes start with it — or, for the
// department role, a department code), and a subject (a person's code, a resident's id, "system").
type Actor struct {
	Role    Role
	Unit    string
	Subject string
}

// Votes is the count of a motion's votes (民主定事).
type Votes struct {
	Yes     int `json:"yes"`
	No      int `json:"no"`
	Abstain int `json:"abstain"`
}

// Cast is the number of votes cast: yes, no and abstentions.
func (v Votes) Cast() int { return v.Yes + v.No + v.Abstain }

// Meeting is the record of the meeting at a speak-and-discuss point that voted on a case.
type Meeting struct {
	Date         time.Time `json:"date,omitzero"`
	Participants []string  `json:"participants,omitempty"`
	Minutes      string    `json:"minutes,omitempty"`
}

// Action is one workflow action with its arguments (only those of its kind are read). The JSON names are the
// contract's (DESIGN.md §6); photos arrive base64-encoded and are decoded and sniffed by the HTTP layer.
type Action struct {
	Name           string         `json:"action"`                   // one of Actions
	Classification Classification `json:"classification,omitempty"` // hear
	PointCode      string         `json:"point_code,omitempty"`     // schedule: the speak-and-discuss point
	Votes          Votes          `json:"votes"`                    // decide
	Owner          string         `json:"owner,omitempty"`          // decide: who carries the decision out (an org, street or department code)
	DueAt          time.Time      `json:"due_at,omitzero"`          // decide, dispatch: optional deadline
	Meeting        *Meeting       `json:"meeting,omitempty"`        // decide: optional meeting record
	To             string         `json:"to,omitempty"`             // dispatch
	Note           string         `json:"note,omitempty"`           // resolve, verify, and free text on any action
	Photos         []Photo        `json:"-"`                        // resolve
	Passed         *bool          `json:"passed,omitempty"`         // verify
	Rating         string         `json:"rating,omitempty"`         // rate: satisfied | basically_satisfied | unsatisfied
	Reason         string         `json:"reason,omitempty"`         // escalate, return, suspend, cancel (required there); merge
	Into           int64          `json:"into,omitempty"`           // merge: the case this one duplicates
}

// Actions lists the workflow's actions.
var Actions = []string{"hear", "schedule", "decide", "dispatch", "start", "resolve", "verify", "rate", "conclude",
	"escalate", "return", "suspend", "resume", "cancel", "merge"}

// ErrForbidden means the actor may not take the action on the case: its role may not, or the case lies outside
// its unit (HTTP 403).
var ErrForbidden = errors.New("forbidden")

// Ratings a resident may give.
const (
	RatingSatisfied          = "satisfied"
	RatingBasicallySatisfied = "basically_satisfied"
	RatingUnsatisfied        = "unsatisfied"
)

// Bounds of an action's arguments.
const (
	MaxNote         = 2000                     // runes of a note or reason
	MaxMinutes      = 20000                    // runes of a meeting's minutes
	MaxParticipants = 500                      // names in a meeting record
	MaxVotes        = 100000                   // votes of one kind in one motion
	MaxDueAhead     = 2 * 366 * 24 * time.Hour // how far ahead a due_at may lie
	maxCode         = 64                       // bytes of a unit, org, department or point code
	maxName         = 50                       // runes of a participant's name
)

// Rules are the workflow's tunable thresholds. A zero field takes its default (DefaultRules).
type Rules struct {
	PassShare float64 // a motion passes with MORE than this share of the votes cast (yes+no+abstain); default 2/3
	CloseAt   float64 // satisfaction (satisfied+basically)/ratings at or above which conclude closes; default 0.9
	RedoShare float64 // a redo's deadline is this share of the category's deadline (at least one working hour); default 0.5
}

// DefaultRules are the reference cities' thresholds: a motion needs more than two thirds of the votes cast, an
// evaluation closes at 90 % satisfied, and a redo gets half the category's deadline.
func DefaultRules() Rules { return Rules{PassShare: 2.0 / 3.0, CloseAt: 0.9, RedoShare: 0.5} }

func (r Rules) orDefaults() Rules {
	d := DefaultRules()
	if r.PassShare == 0 {
		r.PassShare = d.PassShare
	}
	if r.CloseAt == 0 {
		r.CloseAt = d.CloseAt
	}
	if r.RedoShare == 0 {
		r.RedoShare = d.RedoShare
	}
	return r
}

// Env is what the workflow needs to know beyond the case.
type Env interface {
	Category(code string) (Category, bool)
	// Up is the next level up from the case's assignee: building party group → grid party branch → community
	// party committee → street; a department → the street where the case lies, which coordinates departments
	// (街道吹哨、部门报到); false at the top.
	Up(c Case) (string, bool)
	// Known reports whether a case can be given to code: an org, unit or department code.
	Known(code string) bool
	// Point returns a speak-and-discuss point's host unit code.
	Point(code string) (host string, ok bool)
	// Due is working-time arithmetic (Calendar.Add).
	Due(from time.Time, d Deadline) (time.Time, error)
	// Working is the working time from a to b, negative when b is before a (Calendar.WorkingBetween).
	Working(a, b time.Time) time.Duration
	// AddWorking is the moment d of working time after t, or before it when d is negative (Calendar.AddWorking).
	AddWorking(t time.Time, d time.Duration) (time.Time, error)
}

// Permitted says whether the actor may take the action on the case at all: its role may take that action, and
// the case is within its scope. It does not look at the status. Returns nil or an error wrapping ErrForbidden.
//
//	admin           every action on the cases within its unit
//	system          every action on every case (the scheduler)
//	dispatcher      every action but rate, on cases within its unit
//	grid_chief      every action but rate, on cases within its unit
//	grid_worker     hear start resolve verify escalate merge, on cases within its unit
//	department      start resolve return escalate, on cases assigned to it (AssigneeCode == its unit)
//	resident        rate: as the case's reporter, or on a deliberated case within its unit (residents'
//	                representatives); cancel: its own case only
//	planner, open311 nothing
//
// A case is within a unit when the unit's code is a prefix of the case's grid code (or, without a grid, of its
// community or street code); an actor without a unit has no case within it.
func Permitted(c Case, action string, actor Actor) error {
	if !slices.Contains(Actions, action) {
		return fmt.Errorf("%w: there is no action %q", ErrForbidden, truncate(action, 20))
	}
	denied := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrForbidden, fmt.Sprintf(format, args...))
	}
	switch actor.Role {
	case RoleSystem:
		return nil
	case RoleAdmin:
		// An admin's token is scoped like anyone's: a county admin reaches every case of the county.
		return withinUnit(c, actor)
	case RoleDispatcher, RoleGridChief:
		if action == "rate" {
			return denied("a %s does not rate cases; residents do", actor.Role)
		}
		return withinUnit(c, actor)
	case RoleGridWorker:
		switch action {
		case "hear", "start", "resolve", "verify", "escalate", "merge":
			return withinUnit(c, actor)
		}
		return denied("a grid worker may not %s a case", action)
	case RoleDepartment:
		switch action {
		case "start", "resolve", "return", "escalate":
			if actor.Unit == "" || c.AssigneeCode != actor.Unit {
				return denied("case %d is not assigned to department %s", c.ID, truncate(actor.Unit, maxCode))
			}
			return nil
		}
		return denied("a department may not %s a case", action)
	case RoleResident:
		switch action {
		case "rate":
			if isReporter(c, actor) {
				return nil
			}
			if !c.Deliberated {
				return denied("only the reporter rates case %d", c.ID)
			}
			return withinUnit(c, actor)
		case "cancel":
			if isReporter(c, actor) {
				return nil
			}
			return denied("only the reporter may cancel case %d", c.ID)
		}
		return denied("a resident may not %s a case", action)
	case RolePlanner, RoleOpen311:
		return denied("a %s takes no workflow action", actor.Role)
	}
	return denied("unknown role %q", truncate(string(actor.Role), 20))
}

// isReporter reports whether the actor is the resident who reported the case.
func isReporter(c Case, actor Actor) bool {
	return actor.Role == RoleResident && c.ReporterID != "" && actor.Subject == c.ReporterID
}

// caseUnit is the most specific unit code of a case's location.
func caseUnit(c Case) string {
	for _, code := range []string{c.GridCode, c.CommunityCode, c.StreetCode} {
		if code != "" {
			return code
		}
	}
	return ""
}

// withinUnit returns nil when the case lies within the actor's unit, by code prefix.
func withinUnit(c Case, actor Actor) error {
	if actor.Unit == "" {
		return fmt.Errorf("%w: a %s without a unit acts on no case", ErrForbidden, actor.Role)
	}
	if code := caseUnit(c); code == "" || !strings.HasPrefix(code, actor.Unit) {
		return fmt.Errorf("%w: case %d is outside unit %s", ErrForbidden, c.ID, truncate(actor.Unit, maxCode))
	}
	return nil
}

// allowedFrom lists the statuses each action may be taken from. resolve from heard also needs an immediate case.
func allowedFrom(action string) []Status {
	switch action {
	case "hear":
		return []Status{StatusReported, StatusHeard}
	case "schedule":
		return []Status{StatusHeard}
	case "decide":
		return []Status{StatusDeliberating}
	case "dispatch":
		return []Status{StatusHeard, StatusDecided}
	case "start":
		return []Status{StatusDispatched}
	case "resolve":
		return []Status{StatusInProgress, StatusHeard}
	case "verify":
		return []Status{StatusResolved}
	case "rate", "conclude":
		return []Status{StatusVerified}
	case "escalate":
		return []Status{StatusReported, StatusHeard, StatusDispatched, StatusInProgress}
	case "return":
		return []Status{StatusDispatched, StatusInProgress}
	case "suspend":
		return []Status{StatusReported, StatusHeard, StatusDeliberating, StatusDecided, StatusDispatched,
			StatusInProgress, StatusResolved, StatusVerified}
	case "resume":
		return []Status{StatusSuspended}
	case "cancel", "merge":
		return []Status{StatusReported, StatusHeard, StatusDeliberating, StatusDecided, StatusDispatched,
			StatusInProgress, StatusResolved, StatusVerified, StatusSuspended}
	}
	return nil
}

func transitionError(action string, s Status, why string) error {
	if why != "" {
		why = ": " + why
	}
	return fmt.Errorf("%w: %s is not allowed in status %s%s", ErrInvalidTransition, action, s, why)
}

// Apply takes one action: it checks Permitted (ErrForbidden), that the status allows it (an error wrapping
// ErrInvalidTransition naming the status and action), and the arguments (*FieldError, Field named after the
// contract's JSON field, e.g. "classification", "votes", "to", "rating", "reason", "passed", "point_code", "into"),
// and returns the changed case and the events to append (usually one; a reporter's rating that concludes at once
// gives two: rate, then conclude). It never changes its input; the returned case's Events are the input's, and
// the caller appends the returned events. An unknown action is a *FieldError on "action".
//
// Apply does not know other cases: that a merge's target exists and is open is the store's to check.
func Apply(c Case, a Action, actor Actor, now time.Time, env Env, rules Rules) (Case, []Event, error) {
	if !slices.Contains(Actions, a.Name) {
		return Case{}, nil, invalid("action", "action %q is not one of %s", truncate(a.Name, 20),
			strings.Join(Actions, ", "))
	}
	if err := Permitted(c, a.Name, actor); err != nil {
		return Case{}, nil, err
	}
	if !slices.Contains(allowedFrom(a.Name), c.Status) {
		return Case{}, nil, transitionError(a.Name, c.Status, "")
	}
	if a.Name == "resolve" && c.Status == StatusHeard && c.Classification != ClassImmediate {
		return Case{}, nil, transitionError(a.Name, c.Status, "only a case heard as immediate (即办) is resolved on the spot")
	}
	note, err := freeText("note", a.Note, MaxNote)
	if err != nil {
		return Case{}, nil, err
	}
	s := &applying{in: c, c: c, a: a, actor: actor, now: now, env: env, rules: rules.orDefaults(), note: note}
	if err := s.run(); err != nil {
		return Case{}, nil, err
	}
	if s.c.Status != StatusSuspended {
		s.c.SuspendedAt = time.Time{} // the clock runs again (resume), or has stopped for good (cancel, merge)
	}
	return s.c, s.events, nil
}

// applying is one Apply in progress: in is the case as it was, c the case as it becomes.
type applying struct {
	in, c  Case
	a      Action
	actor  Actor
	now    time.Time
	env    Env
	rules  Rules
	note   string
	events []Event
}

// emit appends an event from the case's previous status to its current one.
func (s *applying) emit(action string, from Status, note string, data map[string]any) {
	s.events = append(s.events, Event{Action: action, From: from, To: s.c.Status, Actor: s.actor.Subject,
		ActorRole: string(s.actor.Role), ActorUnit: s.actor.Unit, Note: note, Data: data, At: s.now})
}

func (s *applying) run() error {
	switch s.a.Name {
	case "hear":
		return s.hear()
	case "schedule":
		return s.schedule()
	case "decide":
		return s.decide()
	case "dispatch":
		return s.dispatch()
	case "start":
		s.c.Status = StatusInProgress
		s.emit("start", s.in.Status, s.note, nil)
	case "resolve":
		return s.resolve()
	case "verify":
		return s.verify()
	case "rate":
		return s.rate()
	case "conclude":
		return s.conclude(s.note)
	case "escalate":
		return s.escalate()
	case "return":
		return s.giveBack()
	case "suspend":
		reason, err := s.reason()
		if err != nil {
			return err
		}
		s.c.Status, s.c.SuspendedFrom, s.c.SuspendedAt = StatusSuspended, s.in.Status, s.now
		s.emit("suspend", s.in.Status, reason, nil)
	case "resume":
		return s.resume()
	case "cancel":
		reason, err := s.reason()
		if err != nil {
			return err
		}
		s.c.Status, s.c.SuspendedFrom, s.c.ClosedAt = StatusCancelled, "", s.now
		s.emit("cancel", s.in.Status, reason, nil)
	case "merge":
		return s.merge()
	}
	return nil
}

// resume ends a suspension (挂账). The deadline's clock stopped while the case was suspended: the working time
// that was left at suspension is counted again from now, so the deadline moves later by the working time the case
// spent suspended. A case suspended after its deadline stays overdue by as much working time as it was then. A
// case without a deadline or without its moment of suspension (suspended before gridgov recorded it) keeps its
// deadline.
func (s *applying) resume() error {
	if !slices.Contains(allowedFrom("suspend"), s.in.SuspendedFrom) {
		return transitionError("resume", s.in.Status, fmt.Sprintf("no status to resume to (%q)", s.in.SuspendedFrom))
	}
	s.c.Status, s.c.SuspendedFrom = s.in.SuspendedFrom, ""
	var data map[string]any
	if old, held := s.in.DueAt, s.in.SuspendedAt; !old.IsZero() {
		if !held.IsZero() && s.now.After(held) {
			due, err := s.env.AddWorking(s.now, s.env.Working(held, old))
			if err != nil {
				return fmt.Errorf("case %d: deadline on resume: %w", s.in.ID, err)
			}
			s.c.DueAt = due
		}
		data = map[string]any{"old_due_at": old, "due_at": s.c.DueAt}
		if !held.IsZero() {
			data["suspended_at"] = held
		}
	}
	s.emit("resume", s.in.Status, s.note, data)
	return nil
}

func (s *applying) hear() error {
	switch cl := s.a.Classification; cl {
	case ClassImmediate, ClassPending, ClassEscalate, ClassSuggestion:
		s.c.Status, s.c.Classification = StatusHeard, cl
		s.emit("hear", s.in.Status, s.note, map[string]any{"classification": string(cl)})
		return nil
	case "":
		return invalid("classification", "classification is required: immediate, pending, escalate or suggestion")
	default:
		return invalid("classification", "classification %q is not one of immediate, pending, escalate, suggestion "+
			"(redo is set by the workflow)", truncate(string(cl), 20))
	}
}

func (s *applying) schedule() error {
	point, err := codeArg("point_code", s.a.PointCode)
	if err != nil {
		return err
	}
	host, ok := s.env.Point(point)
	if !ok {
		return invalid("point_code", "no speak-and-discuss point %q", point)
	}
	if street := s.in.StreetCode; street != "" && !strings.HasPrefix(host, street) {
		return &FieldError{Field: "point_code", Code: "invalid_argument", Unprocessable: true,
			Message: fmt.Sprintf("point %s is hosted by %s, outside the case's street %s", point, host, street)}
	}
	s.c.Status, s.c.Deliberated = StatusDeliberating, true
	s.emit("schedule", s.in.Status, s.note, map[string]any{"point_code": point, "host": host})
	return nil
}

func (s *applying) decide() error {
	v := s.a.Votes
	if v.Yes < 0 || v.No < 0 || v.Abstain < 0 {
		return invalid("votes", "votes cannot be negative")
	}
	if v.Yes > MaxVotes || v.No > MaxVotes || v.Abstain > MaxVotes {
		return invalid("votes", "at most %d votes of each kind", MaxVotes)
	}
	if v.Cast() == 0 {
		return invalid("votes", "no votes were cast")
	}
	owner, err := s.known("owner", s.a.Owner)
	if err != nil {
		return err
	}
	due, err := s.dueAt()
	if err != nil {
		return err
	}
	meeting, err := s.meeting()
	if err != nil {
		return err
	}
	share := float64(v.Yes) / float64(v.Cast())
	passed := share > s.rules.PassShare
	data := map[string]any{"votes": v, "passed": passed, "share": share, "owner": owner}
	if meeting != nil {
		data["meeting"] = meeting
	}
	if passed {
		if due.IsZero() {
			if due, err = s.categoryDue(); err != nil {
				return err
			}
		}
		s.c.Status = StatusDecided
		s.c.PrevAssignee, s.c.AssigneeCode, s.c.DueAt = s.in.AssigneeCode, owner, due
		data["due_at"] = due
	}
	s.emit("decide", s.in.Status, s.note, data)
	if !passed {
		return nil
	}
	// The decision names who does what by when, so the case goes straight on to its owner (协同办事): a second
	// event, dispatch, from decided to dispatched.
	s.in = s.c
	s.a.To, s.a.DueAt = "", time.Time{}
	return s.dispatch()
}

func (s *applying) dispatch() error {
	to := s.a.To
	if strings.TrimSpace(to) == "" && s.in.Status == StatusDecided && s.in.AssigneeCode != "" {
		to = s.in.AssigneeCode // the decision's owner
	}
	to, err := s.known("to", to)
	if err != nil {
		return err
	}
	due, err := s.dueAt()
	if err != nil {
		return err
	}
	switch {
	case !due.IsZero():
	case s.in.Status == StatusDecided && !s.in.DueAt.IsZero():
		due = s.in.DueAt // the decision's deadline
	default:
		if due, err = s.categoryDue(); err != nil {
			return err
		}
	}
	s.c.Status = StatusDispatched
	s.c.PrevAssignee, s.c.AssigneeCode, s.c.Handler, s.c.DueAt = s.in.AssigneeCode, to, to, due
	s.emit("dispatch", s.in.Status, s.note, map[string]any{"to": to, "from": s.in.AssigneeCode, "due_at": due})
	return nil
}

func (s *applying) resolve() error {
	if s.note == "" {
		return invalid("note", "a note on what was done is required")
	}
	if len(s.a.Photos) > MaxPhotos {
		return invalid("photos", "at most %d photos", MaxPhotos)
	}
	for i, p := range s.a.Photos {
		if len(p.Bytes) == 0 || len(p.Bytes) > MaxPhotoBytes {
			return invalid("photos", "photo %d must have 1 byte to %d MB", i+1, MaxPhotoBytes>>20)
		}
	}
	s.c.Status, s.c.Handler = StatusResolved, s.in.AssigneeCode
	s.emit("resolve", s.in.Status, s.note, map[string]any{"handler": s.in.AssigneeCode, "photos": len(s.a.Photos)})
	s.events[0].Photos = slices.Clone(s.a.Photos)
	return nil
}

func (s *applying) verify() error {
	if s.a.Passed == nil {
		return invalid("passed", "passed is required: true when the work is done, false to send it back")
	}
	passed := *s.a.Passed
	if passed {
		s.c.Status, s.c.VerifiedAt = StatusVerified, s.now
	} else {
		if s.note == "" {
			return invalid("note", "a note on what is still wrong is required when verification fails")
		}
		s.c.Status = StatusInProgress
	}
	s.emit("verify", s.in.Status, s.note, map[string]any{"passed": passed})
	return nil
}

func (s *applying) rate() error {
	r := s.a.Rating
	switch r {
	case RatingSatisfied:
		s.c.Ratings.Satisfied++
	case RatingBasicallySatisfied:
		s.c.Ratings.BasicallySatisfied++
	case RatingUnsatisfied:
		s.c.Ratings.Unsatisfied++
	case "":
		return invalid("rating", "rating is required: satisfied, basically_satisfied or unsatisfied")
	default:
		return invalid("rating", "rating %q is not one of satisfied, basically_satisfied, unsatisfied", truncate(r, 30))
	}
	s.emit("rate", s.in.Status, s.note, map[string]any{"rating": r, "ratings": s.c.Ratings})
	if isReporter(s.in, s.actor) && !s.in.Deliberated {
		// An ordinary case is judged by its reporter alone: the reporter's rating ends the evaluation.
		return s.conclude("")
	}
	return nil
}

// conclude ends the evaluation: it closes the case when it is unrated or satisfied enough, and otherwise sends
// it back to its handler as a redo (重办) with a share of the category's deadline.
func (s *applying) conclude(note string) error {
	r := s.c.Ratings
	was := s.c.Status
	data := map[string]any{"ratings": r}
	switch {
	case r.Total() == 0:
		s.c.Status, s.c.Satisfaction, s.c.ClosedAt = StatusClosed, "unrated", s.now
		data["result"] = "closed"
	case r.Satisfaction() >= s.rules.CloseAt:
		s.c.Status, s.c.Satisfaction, s.c.ClosedAt = StatusClosed, RatingSatisfied, s.now
		data["result"], data["satisfaction"] = "closed", r.Satisfaction()
	default:
		d, err := s.deadline()
		if err != nil {
			return err
		}
		due, err := s.env.Due(s.now, redoDeadline(d, s.rules.RedoShare))
		if err != nil {
			return fmt.Errorf("case %d: redo deadline: %w", s.in.ID, err)
		}
		to := s.c.Handler
		if to == "" {
			to = s.c.AssigneeCode
		}
		s.c.Status, s.c.Classification, s.c.Redone = StatusDispatched, ClassRedo, s.c.Redone+1
		s.c.PrevAssignee, s.c.AssigneeCode, s.c.DueAt = s.c.AssigneeCode, to, due
		s.c.Ratings, s.c.VerifiedAt, s.c.Satisfaction = Ratings{}, time.Time{}, ""
		data["result"], data["satisfaction"], data["to"], data["due_at"] = "redo", r.Satisfaction(), to, due
	}
	s.emit("conclude", was, note, data)
	return nil
}

func (s *applying) escalate() error {
	reason, err := s.reason()
	if err != nil {
		return err
	}
	up, ok := s.env.Up(s.in)
	if !ok {
		why := "already at the top level"
		if s.in.AssigneeCode == "" {
			why = "the case has no assignee to escalate from"
		}
		return transitionError("escalate", s.in.Status, why)
	}
	due, err := s.categoryDue()
	if err != nil {
		return err
	}
	s.c.Status, s.c.Classification, s.c.Escalations = StatusDispatched, ClassEscalate, s.in.Escalations+1
	s.c.PrevAssignee, s.c.AssigneeCode, s.c.DueAt = s.in.AssigneeCode, up, due
	s.emit("escalate", s.in.Status, reason, map[string]any{"from": s.in.AssigneeCode, "to": up,
		"level": s.c.Escalations, "due_at": due})
	return nil
}

// giveBack is the return action: the assignee hands the case back to whoever gave it, to be heard again.
func (s *applying) giveBack() error {
	reason, err := s.reason()
	if err != nil {
		return err
	}
	s.c.Status = StatusHeard
	if s.in.PrevAssignee != "" {
		s.c.AssigneeCode, s.c.PrevAssignee = s.in.PrevAssignee, s.in.AssigneeCode
	}
	s.emit("return", s.in.Status, reason, map[string]any{"from": s.in.AssigneeCode, "to": s.c.AssigneeCode})
	return nil
}

func (s *applying) merge() error {
	switch {
	case s.a.Into <= 0:
		return invalid("into", "into must be the id of the case this one duplicates")
	case s.a.Into == s.in.ID:
		return invalid("into", "a case cannot be merged into itself")
	}
	reason, err := freeText("reason", s.a.Reason, MaxNote)
	if err != nil {
		return err
	}
	if reason == "" {
		reason = s.note
	}
	s.c.Status, s.c.DuplicateOf, s.c.SuspendedFrom, s.c.ClosedAt = StatusCancelled, s.a.Into, "", s.now
	s.emit("merge", s.in.Status, reason, map[string]any{"into": s.a.Into})
	return nil
}

// reason returns the action's required reason.
func (s *applying) reason() (string, error) {
	r, err := freeText("reason", s.a.Reason, MaxNote)
	if err == nil && r == "" {
		err = invalid("reason", "a reason is required to %s a case", s.a.Name)
	}
	return r, err
}

// known checks a code a case may be given to.
func (s *applying) known(field, v string) (string, error) {
	v, err := codeArg(field, v)
	if err != nil {
		return "", err
	}
	if !s.env.Known(v) {
		return "", invalid(field, "%q is no org, unit or department a case can be given to", v)
	}
	return v, nil
}

// dueAt checks the optional due_at argument: zero, or after now and at most MaxDueAhead ahead.
func (s *applying) dueAt() (time.Time, error) {
	d := s.a.DueAt
	switch {
	case d.IsZero():
	case !d.After(s.now):
		return time.Time{}, invalid("due_at", "due_at must lie in the future")
	case d.Sub(s.now) > MaxDueAhead:
		return time.Time{}, invalid("due_at", "due_at must lie within %d days", MaxDueAhead/(24*time.Hour))
	}
	return d, nil
}

func (s *applying) meeting() (*Meeting, error) {
	m := s.a.Meeting
	if m == nil {
		return nil, nil
	}
	out := &Meeting{Date: m.Date}
	if !m.Date.IsZero() && m.Date.After(s.now) {
		return nil, invalid("meeting.date", "the meeting cannot lie in the future")
	}
	if len(m.Participants) > MaxParticipants {
		return nil, invalid("meeting.participants", "at most %d participants", MaxParticipants)
	}
	for _, p := range m.Participants {
		p = strings.TrimSpace(p)
		if p == "" || utf8.RuneCountInString(p) > maxName {
			return nil, invalid("meeting.participants", "each participant is a name of 1–%d characters", maxName)
		}
		out.Participants = append(out.Participants, p)
	}
	var err error
	if out.Minutes, err = freeText("meeting.minutes", m.Minutes, MaxMinutes); err != nil {
		return nil, err
	}
	return out, nil
}

// deadline is the category's deadline for the case's urgency (normal when it has none for that urgency).
func (s *applying) deadline() (Deadline, error) {
	cat, ok := s.env.Category(s.in.Category)
	if !ok {
		return Deadline{}, fmt.Errorf("case %d: category %q is not in the catalogue", s.in.ID, s.in.Category)
	}
	d, ok := cat.Deadlines[s.in.Urgency]
	if !ok {
		d, ok = cat.Deadlines["normal"]
	}
	if !ok {
		return Deadline{}, fmt.Errorf("case %d: category %s has no deadline", s.in.ID, cat.Code)
	}
	return d, nil
}

// categoryDue is the category's deadline counted from now in working time.
func (s *applying) categoryDue() (time.Time, error) {
	d, err := s.deadline()
	if err != nil {
		return time.Time{}, err
	}
	due, err := s.env.Due(s.now, d)
	if err != nil {
		return time.Time{}, fmt.Errorf("case %d: deadline %s: %w", s.in.ID, d, err)
	}
	return due, nil
}

// workdayHours is how many working hours a working day counts for when a share of a days deadline is not a whole
// number of days: the statutory eight-hour working day.
const workdayHours = 8

// redoDeadline is share × d: in days when that is a whole number of days, otherwise in working hours (a working
// day counting workdayHours), rounded up, at least one hour.
func redoDeadline(d Deadline, share float64) Deadline {
	x := float64(d.Amount) * share
	if d.Unit == deadlineDays {
		if w := math.Round(x); w >= 1 && math.Abs(x-w) < 1e-9 {
			return Deadline{Amount: int(w), Unit: deadlineDays}
		}
		x *= workdayHours
	}
	h := int(math.Ceil(x - 1e-9))
	return Deadline{Amount: min(max(h, 1), maxDeadlineHours), Unit: deadlineHours}
}

// freeText trims free text and bounds its length.
func freeText(field, v string, limit int) (string, error) {
	v = strings.TrimSpace(v)
	if !utf8.ValidString(v) {
		return "", invalid(field, "%s is not valid UTF-8", field)
	}
	if utf8.RuneCountInString(v) > limit {
		return "", invalid(field, "%s is longer than %d characters", field, limit)
	}
	return v, nil
}

// codeArg trims a required code and bounds its length.
func codeArg(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", invalid(field, "%s is required", field)
	case len(v) > maxCode || !utf8.ValidString(v):
		return "", invalid(field, "%s is not a code", field)
	}
	return v, nil
}
