package dispatch

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test city: one street, one community, two grids, the party organisations of the first grid's chain, two
// departments and one speak-and-discuss point in each of two streets.
const (
	wfStreet      = "370781006"
	wfCommunity   = "370781006033"
	wfGrid        = "370781006033001"
	wfOtherGrid   = "370781006033002"
	wfOtherStreet = "370781007"
	wfGroup       = "P370781006033001001" // building party group (楼栋党小组)
	wfBranch      = "P370781006033001"    // grid party branch (网格党支部)
	wfCommittee   = "P370781006033"       // community party committee (社区党委)
	wfDept        = "D01"
	wfOtherDept   = "D02"
	wfPoint       = "DP37078100603300101"
	wfFarPoint    = "DP37078100700100101" // hosted in another street
	wfReporter    = "resident-7"
	wfCategory    = "sanitation"
	wfCaseID      = 42
)

// wfEnv answers from fixed maps and counts working time with DefaultCalendar.
type wfEnv struct {
	cal    *Calendar
	cats   map[string]Category
	up     map[string]string
	known  map[string]bool
	points map[string]string
}

func newWfEnv() *wfEnv {
	return &wfEnv{
		cal: DefaultCalendar(),
		cats: map[string]Category{wfCategory: {Code: wfCategory, Level: HandleGrid, Deadlines: map[string]Deadline{
			"normal": {Amount: 2, Unit: "days"}, "urgent": {Amount: 4, Unit: "hours"}}}},
		up: map[string]string{wfGroup: wfBranch, wfBranch: wfCommittee, wfCommittee: wfStreet},
		known: map[string]bool{wfGroup: true, wfBranch: true, wfCommittee: true, wfStreet: true, wfDept: true,
			wfOtherDept: true},
		points: map[string]string{wfPoint: wfGrid, wfFarPoint: "370781007001001"},
	}
}

func (e *wfEnv) Category(code string) (Category, bool) { c, ok := e.cats[code]; return c, ok }
func (e *wfEnv) Up(c Case) (string, bool)              { u, ok := e.up[c.AssigneeCode]; return u, ok }
func (e *wfEnv) Known(code string) bool                { return e.known[code] }
func (e *wfEnv) Point(code string) (string, bool)      { h, ok := e.points[code]; return h, ok }
func (e *wfEnv) Due(from time.Time, d Deadline) (time.Time, error) {
	return e.cal.Add(from, d)
}
func (e *wfEnv) Working(a, b time.Time) time.Duration { return e.cal.WorkingBetween(a, b) }
func (e *wfEnv) AddWorking(t time.Time, d time.Duration) (time.Time, error) {
	return e.cal.AddWorking(t, d)
}

// wfNow is Monday 2026-03-02 09:00 in Shanghai.
func wfNow(t testing.TB) time.Time { return at(t, shanghai(t), "2026-03-02 09:00") }

// wfCase builds the same case in the given status every time it is called: reported by wfReporter in wfGrid,
// assigned to the grid's party branch (the building group before it), a heard case heard as immediate, a
// suspended case suspended from in_progress.
func wfCase(t testing.TB, s Status) Case {
	now := wfNow(t)
	c := Case{
		ID: wfCaseID, Category: wfCategory, Description: "垃圾桶满溢", Channel: "app", Urgency: "normal",
		StreetCode: wfStreet, CommunityCode: wfCommunity, GridCode: wfGrid, Status: s,
		Classification: ClassPending, AssigneeCode: wfBranch, PrevAssignee: wfGroup, Handler: wfBranch,
		ReporterID: wfReporter, CreatedAt: now.Add(-24 * time.Hour), DueAt: now.Add(48 * time.Hour),
		Events: []Event{{ID: 1, Action: "report", To: StatusReported, ActorRole: "resident",
			Data: map[string]any{"channel": "app"}, At: now.Add(-24 * time.Hour)}},
	}
	switch s {
	case StatusHeard:
		c.Classification = ClassImmediate
	case StatusVerified:
		c.VerifiedAt = now.Add(-time.Hour)
	case StatusSuspended:
		c.SuspendedFrom = StatusInProgress
	case StatusClosed, StatusCancelled:
		c.ClosedAt = now.Add(-time.Hour)
	}
	return c
}

// wfAction is an action of the given name with valid arguments for wfCase's cases.
func wfAction(name string) Action {
	yes := true
	switch name {
	case "hear":
		return Action{Name: name, Classification: ClassPending}
	case "schedule":
		return Action{Name: name, PointCode: wfPoint}
	case "decide":
		return Action{Name: name, Votes: Votes{Yes: 7, No: 2, Abstain: 1}, Owner: wfDept}
	case "dispatch":
		return Action{Name: name, To: wfDept}
	case "resolve":
		return Action{Name: name, Note: "已清运"}
	case "verify":
		return Action{Name: name, Passed: &yes, Note: "现场核实"}
	case "rate":
		return Action{Name: name, Rating: RatingSatisfied}
	case "escalate", "return", "suspend", "cancel":
		return Action{Name: name, Reason: "需要" + name}
	case "merge":
		return Action{Name: name, Into: wfCaseID - 1}
	}
	return Action{Name: name}
}

// wfActor is an actor of the role for whom wfCase's cases lie within scope (the department handles it, the
// resident reported it). Admin and system carry no unit: they need none.
func wfActor(role Role) Actor {
	switch role {
	case RoleResident:
		return Actor{Role: role, Unit: wfGrid, Subject: wfReporter}
	case RoleGridWorker:
		return Actor{Role: role, Unit: wfGrid, Subject: "worker-1"}
	case RoleGridChief:
		return Actor{Role: role, Unit: wfGrid, Subject: "chief-1"}
	case RoleDispatcher:
		return Actor{Role: role, Unit: wfStreet, Subject: "dispatcher-1"}
	case RoleDepartment:
		return Actor{Role: role, Unit: wfBranch, Subject: "officer-1"} // wfCase's assignee
	case RoleSystem:
		return Actor{Role: role, Subject: "system"}
	case RoleAdmin:
		return Actor{Role: role, Unit: wfStreet, Subject: "admin-1"}
	}
	return Actor{Role: role, Unit: wfStreet, Subject: "someone"}
}

var wfStatuses = []Status{StatusReported, StatusHeard, StatusDeliberating, StatusDecided, StatusDispatched,
	StatusInProgress, StatusResolved, StatusVerified, StatusClosed, StatusSuspended, StatusCancelled}

// wfMatrix is the whole permission and transition table, written out: for each role and action, one character
// per status in wfStatuses' order — o allowed, x ErrForbidden, . ErrInvalidTransition.
//
//	reported heard deliberating decided dispatched in_progress resolved verified closed suspended cancelled
var wfMatrix = map[Role]map[string]string{
	RoleAdmin: {
		"hear":     "oo.........",
		"schedule": ".o.........",
		"decide":   "..o........",
		"dispatch": ".o.o.......",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "......o....",
		"rate":     ".......o...",
		"conclude": ".......o...",
		"escalate": "oo..oo.....",
		"return":   "....oo.....",
		"suspend":  "oooooooo...",
		"resume":   ".........o.",
		"cancel":   "oooooooo.o.",
		"merge":    "oooooooo.o.",
	},
	RoleSystem: {
		"hear":     "oo.........",
		"schedule": ".o.........",
		"decide":   "..o........",
		"dispatch": ".o.o.......",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "......o....",
		"rate":     ".......o...",
		"conclude": ".......o...",
		"escalate": "oo..oo.....",
		"return":   "....oo.....",
		"suspend":  "oooooooo...",
		"resume":   ".........o.",
		"cancel":   "oooooooo.o.",
		"merge":    "oooooooo.o.",
	},
	RoleDispatcher: {
		"hear":     "oo.........",
		"schedule": ".o.........",
		"decide":   "..o........",
		"dispatch": ".o.o.......",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "......o....",
		"rate":     "xxxxxxxxxxx",
		"conclude": ".......o...",
		"escalate": "oo..oo.....",
		"return":   "....oo.....",
		"suspend":  "oooooooo...",
		"resume":   ".........o.",
		"cancel":   "oooooooo.o.",
		"merge":    "oooooooo.o.",
	},
	RoleGridChief: {
		"hear":     "oo.........",
		"schedule": ".o.........",
		"decide":   "..o........",
		"dispatch": ".o.o.......",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "......o....",
		"rate":     "xxxxxxxxxxx",
		"conclude": ".......o...",
		"escalate": "oo..oo.....",
		"return":   "....oo.....",
		"suspend":  "oooooooo...",
		"resume":   ".........o.",
		"cancel":   "oooooooo.o.",
		"merge":    "oooooooo.o.",
	},
	RoleGridWorker: {
		"hear":     "oo.........",
		"schedule": "xxxxxxxxxxx",
		"decide":   "xxxxxxxxxxx",
		"dispatch": "xxxxxxxxxxx",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "......o....",
		"rate":     "xxxxxxxxxxx",
		"conclude": "xxxxxxxxxxx",
		"escalate": "oo..oo.....",
		"return":   "xxxxxxxxxxx",
		"suspend":  "xxxxxxxxxxx",
		"resume":   "xxxxxxxxxxx",
		"cancel":   "xxxxxxxxxxx",
		"merge":    "oooooooo.o.",
	},
	RoleDepartment: {
		"hear":     "xxxxxxxxxxx",
		"schedule": "xxxxxxxxxxx",
		"decide":   "xxxxxxxxxxx",
		"dispatch": "xxxxxxxxxxx",
		"start":    "....o......",
		"resolve":  ".o...o.....",
		"verify":   "xxxxxxxxxxx",
		"rate":     "xxxxxxxxxxx",
		"conclude": "xxxxxxxxxxx",
		"escalate": "oo..oo.....",
		"return":   "....oo.....",
		"suspend":  "xxxxxxxxxxx",
		"resume":   "xxxxxxxxxxx",
		"cancel":   "xxxxxxxxxxx",
		"merge":    "xxxxxxxxxxx",
	},
	RoleResident: {
		"hear":     "xxxxxxxxxxx",
		"schedule": "xxxxxxxxxxx",
		"decide":   "xxxxxxxxxxx",
		"dispatch": "xxxxxxxxxxx",
		"start":    "xxxxxxxxxxx",
		"resolve":  "xxxxxxxxxxx",
		"verify":   "xxxxxxxxxxx",
		"rate":     ".......o...",
		"conclude": "xxxxxxxxxxx",
		"escalate": "xxxxxxxxxxx",
		"return":   "xxxxxxxxxxx",
		"suspend":  "xxxxxxxxxxx",
		"resume":   "xxxxxxxxxxx",
		"cancel":   "oooooooo.o.",
		"merge":    "xxxxxxxxxxx",
	},
	RolePlanner: {
		"hear":     "xxxxxxxxxxx",
		"schedule": "xxxxxxxxxxx",
		"decide":   "xxxxxxxxxxx",
		"dispatch": "xxxxxxxxxxx",
		"start":    "xxxxxxxxxxx",
		"resolve":  "xxxxxxxxxxx",
		"verify":   "xxxxxxxxxxx",
		"rate":     "xxxxxxxxxxx",
		"conclude": "xxxxxxxxxxx",
		"escalate": "xxxxxxxxxxx",
		"return":   "xxxxxxxxxxx",
		"suspend":  "xxxxxxxxxxx",
		"resume":   "xxxxxxxxxxx",
		"cancel":   "xxxxxxxxxxx",
		"merge":    "xxxxxxxxxxx",
	},
	RoleOpen311: {
		"hear":     "xxxxxxxxxxx",
		"schedule": "xxxxxxxxxxx",
		"decide":   "xxxxxxxxxxx",
		"dispatch": "xxxxxxxxxxx",
		"start":    "xxxxxxxxxxx",
		"resolve":  "xxxxxxxxxxx",
		"verify":   "xxxxxxxxxxx",
		"rate":     "xxxxxxxxxxx",
		"conclude": "xxxxxxxxxxx",
		"escalate": "xxxxxxxxxxx",
		"return":   "xxxxxxxxxxx",
		"suspend":  "xxxxxxxxxxx",
		"resume":   "xxxxxxxxxxx",
		"cancel":   "xxxxxxxxxxx",
		"merge":    "xxxxxxxxxxx",
	},
}

// wfOutcome classifies Apply's error as a wfMatrix character.
func wfOutcome(t testing.TB, err error) byte {
	t.Helper()
	switch {
	case err == nil:
		return 'o'
	case errors.Is(err, ErrForbidden):
		return 'x'
	case errors.Is(err, ErrInvalidTransition):
		return '.'
	}
	t.Errorf("unexpected error: %v", err)
	return '?'
}

func TestWorkflowMatrix(t *testing.T) {
	require.Len(t, wfMatrix, len(Roles)+1, "every role, system included")
	env, now := newWfEnv(), wfNow(t)
	for _, role := range append(append([]Role{}, Roles...), RoleSystem) {
		require.Len(t, wfMatrix[role], len(Actions), "role %s", role)
		for _, action := range Actions {
			want := wfMatrix[role][action]
			require.Len(t, want, len(wfStatuses), "role %s action %s", role, action)
			t.Run(string(role)+"/"+action, func(t *testing.T) {
				for i, status := range wfStatuses {
					c, a, actor := wfCase(t, status), wfAction(action), wfActor(role)
					out, events, err := Apply(c, a, actor, now, env, DefaultRules())
					got := wfOutcome(t, err)
					if !assert.Equalf(t, string(want[i]), string(got), "%s %s on a %s case: %v", role, action, status, err) {
						continue
					}
					perr := Permitted(c, action, actor)
					assert.Equalf(t, want[i] == 'x', perr != nil, "Permitted(%s, %s, %s) = %v", status, action, role, perr)
					if got == '.' {
						assert.Contains(t, err.Error(), action)
						assert.Contains(t, err.Error(), string(status))
					}
					if got != 'o' {
						continue
					}
					require.NotEmpty(t, events)
					e := events[0]
					assert.Equal(t, action, e.Action)
					assert.Equal(t, status, e.From)
					assert.Equal(t, events[len(events)-1].To, out.Status)
					assert.Equal(t, actor.Subject, e.Actor)
					assert.Equal(t, string(role), e.ActorRole)
					assert.Equal(t, actor.Unit, e.ActorUnit)
					assert.Equal(t, now, e.At)
				}
			})
		}
	}
}

func TestWorkflowScope(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	communityCase := wfCase(t, StatusReported)
	communityCase.GridCode = "" // a matter located only to its community
	deliberated := wfCase(t, StatusVerified)
	deliberated.Deliberated = true
	anonymous := wfCase(t, StatusReported)
	anonymous.ReporterID = ""
	deptCase := wfCase(t, StatusDispatched)
	deptCase.AssigneeCode = wfDept
	tests := []struct {
		name      string
		c         Case
		action    string
		actor     Actor
		forbidden bool
	}{
		{"grid worker of another grid", wfCase(t, StatusReported), "hear", Actor{RoleGridWorker, wfOtherGrid, "w2"}, true},
		{"grid chief of another grid", wfCase(t, StatusReported), "cancel", Actor{RoleGridChief, wfOtherGrid, "c2"}, true},
		{"grid worker of the grid", wfCase(t, StatusReported), "hear", Actor{RoleGridWorker, wfGrid, "w1"}, false},
		{"dispatcher of the community", wfCase(t, StatusReported), "hear", Actor{RoleDispatcher, wfCommunity, "d1"}, false},
		{"dispatcher of the street", wfCase(t, StatusReported), "hear", Actor{RoleDispatcher, wfStreet, "d1"}, false},
		{"dispatcher of another street", wfCase(t, StatusReported), "hear", Actor{RoleDispatcher, wfOtherStreet, "d2"}, true},
		{"a unit below the case's grid", wfCase(t, StatusReported), "hear", Actor{RoleGridWorker, wfGrid + "001", "w1"}, true},
		{"no unit", wfCase(t, StatusReported), "hear", Actor{RoleDispatcher, "", "d0"}, true},
		{"community case, grid worker", communityCase, "hear", Actor{RoleGridWorker, wfGrid, "w1"}, true},
		{"community case, community dispatcher", communityCase, "hear", Actor{RoleDispatcher, wfCommunity, "d1"}, false},
		{"department on its case", deptCase, "start", Actor{RoleDepartment, wfDept, "o1"}, false},
		{"department on another department's case", deptCase, "start", Actor{RoleDepartment, wfOtherDept, "o2"}, true},
		{"department without a unit", func() Case { c := deptCase; c.AssigneeCode = ""; return c }(), "start",
			Actor{RoleDepartment, "", "o0"}, true},
		{"department by grid scope", deptCase, "start", Actor{RoleDepartment, wfGrid, "o3"}, true},
		{"resident cancels own case", wfCase(t, StatusReported), "cancel", Actor{RoleResident, wfGrid, wfReporter}, false},
		{"resident cancels another resident's case", wfCase(t, StatusReported), "cancel",
			Actor{RoleResident, wfGrid, "resident-8"}, true},
		{"resident cancels an anonymous case", anonymous, "cancel", Actor{RoleResident, wfGrid, ""}, true},
		{"resident rates another resident's case", wfCase(t, StatusVerified), "rate",
			Actor{RoleResident, wfGrid, "resident-8"}, true},
		{"representative rates a deliberated case", deliberated, "rate", Actor{RoleResident, wfGrid, "resident-8"}, false},
		{"representative of another grid", deliberated, "rate", Actor{RoleResident, wfOtherGrid, "resident-9"}, true},
		{"reporter rates out of scope", wfCase(t, StatusVerified), "rate", Actor{RoleResident, wfOtherStreet, wfReporter}, false},
		{"reporter id under another role", wfCase(t, StatusReported), "cancel", Actor{RoleGridWorker, wfGrid, wfReporter}, true},
		{"admin without a unit", wfCase(t, StatusReported), "hear", Actor{RoleAdmin, "", "a1"}, true},
		{"admin of another street", wfCase(t, StatusReported), "hear", Actor{RoleAdmin, wfOtherStreet, "a1"}, true},
		{"planner", wfCase(t, StatusReported), "hear", Actor{RolePlanner, wfStreet, "p1"}, true},
		{"open311 client", wfCase(t, StatusReported), "cancel", Actor{RoleOpen311, wfStreet, "k1"}, true},
		{"unknown role", wfCase(t, StatusReported), "hear", Actor{"mayor", wfStreet, "m1"}, true},
		{"empty role", wfCase(t, StatusReported), "hear", Actor{"", wfStreet, "m1"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, events, err := Apply(tt.c, wfAction(tt.action), tt.actor, now, env, DefaultRules())
			perr := Permitted(tt.c, tt.action, tt.actor)
			if tt.forbidden {
				assert.ErrorIs(t, err, ErrForbidden)
				assert.ErrorIs(t, perr, ErrForbidden)
				assert.Empty(t, events)
				return
			}
			assert.NoError(t, err)
			assert.NoError(t, perr)
			assert.NotEmpty(t, events)
		})
	}
}

func TestWorkflowArguments(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	no := false
	long := strings.Repeat("字", MaxNote+1)
	pending := wfCase(t, StatusHeard)
	pending.Classification = ClassPending
	decided := wfCase(t, StatusDecided)
	decided.AssigneeCode = ""
	tests := []struct {
		name   string
		status Status
		c      *Case // instead of wfCase(status)
		a      Action
		field  string
	}{
		{"unknown action", StatusReported, nil, Action{Name: "approve"}, "action"},
		{"no action", StatusReported, nil, Action{}, "action"},
		{"hear without classification", StatusReported, nil, Action{Name: "hear"}, "classification"},
		{"hear as redo", StatusReported, nil, Action{Name: "hear", Classification: ClassRedo}, "classification"},
		{"hear as nonsense", StatusReported, nil, Action{Name: "hear", Classification: "urgent"}, "classification"},
		{"note too long", StatusReported, nil, Action{Name: "hear", Classification: ClassPending, Note: long}, "note"},
		{"schedule without point", StatusHeard, nil, Action{Name: "schedule"}, "point_code"},
		{"schedule at unknown point", StatusHeard, nil, Action{Name: "schedule", PointCode: "DP0"}, "point_code"},
		{"schedule in another street", StatusHeard, nil, Action{Name: "schedule", PointCode: wfFarPoint}, "point_code"},
		{"decide without votes", StatusDeliberating, nil, Action{Name: "decide", Owner: wfDept}, "votes"},
		{"decide with negative votes", StatusDeliberating, nil,
			Action{Name: "decide", Votes: Votes{Yes: 10, No: -1}, Owner: wfDept}, "votes"},
		{"decide with too many votes", StatusDeliberating, nil,
			Action{Name: "decide", Votes: Votes{Yes: MaxVotes + 1}, Owner: wfDept}, "votes"},
		{"decide without owner", StatusDeliberating, nil, Action{Name: "decide", Votes: Votes{Yes: 9}}, "owner"},
		{"decide for unknown owner", StatusDeliberating, nil,
			Action{Name: "decide", Votes: Votes{Yes: 9}, Owner: "D99"}, "owner"},
		{"decide due in the past", StatusDeliberating, nil,
			Action{Name: "decide", Votes: Votes{Yes: 9}, Owner: wfDept, DueAt: now.Add(-time.Minute)}, "due_at"},
		{"decide due in ten years", StatusDeliberating, nil,
			Action{Name: "decide", Votes: Votes{Yes: 9}, Owner: wfDept, DueAt: now.AddDate(10, 0, 0)}, "due_at"},
		{"meeting in the future", StatusDeliberating, nil, Action{Name: "decide", Votes: Votes{Yes: 9}, Owner: wfDept,
			Meeting: &Meeting{Date: now.Add(time.Hour)}}, "meeting.date"},
		{"meeting with a blank participant", StatusDeliberating, nil, Action{Name: "decide", Votes: Votes{Yes: 9},
			Owner: wfDept, Meeting: &Meeting{Participants: []string{"张三", " "}}}, "meeting.participants"},
		{"dispatch from heard without to", StatusHeard, &pending, Action{Name: "dispatch"}, "to"},
		{"dispatch to unknown", StatusHeard, &pending, Action{Name: "dispatch", To: "nobody"}, "to"},
		{"dispatch from decided without owner or to", StatusDecided, &decided, Action{Name: "dispatch"}, "to"},
		{"dispatch due now", StatusHeard, &pending, Action{Name: "dispatch", To: wfDept, DueAt: now}, "due_at"},
		{"resolve without note", StatusInProgress, nil, Action{Name: "resolve", Note: "  "}, "note"},
		{"resolve with ten photos", StatusInProgress, nil,
			Action{Name: "resolve", Note: "ok", Photos: make([]Photo, MaxPhotos+1)}, "photos"},
		{"resolve with an empty photo", StatusInProgress, nil,
			Action{Name: "resolve", Note: "ok", Photos: []Photo{{ContentType: "image/jpeg"}}}, "photos"},
		{"verify without passed", StatusResolved, nil, Action{Name: "verify", Note: "ok"}, "passed"},
		{"verify failed without note", StatusResolved, nil, Action{Name: "verify", Passed: &no}, "note"},
		{"rate without rating", StatusVerified, nil, Action{Name: "rate"}, "rating"},
		{"rate five stars", StatusVerified, nil, Action{Name: "rate", Rating: "5"}, "rating"},
		{"escalate without reason", StatusDispatched, nil, Action{Name: "escalate"}, "reason"},
		{"return without reason", StatusDispatched, nil, Action{Name: "return", Reason: " "}, "reason"},
		{"suspend without reason", StatusInProgress, nil, Action{Name: "suspend", Note: "a note is no reason"}, "reason"},
		{"cancel without reason", StatusReported, nil, Action{Name: "cancel"}, "reason"},
		{"cancel with a long reason", StatusReported, nil, Action{Name: "cancel", Reason: long}, "reason"},
		{"merge without into", StatusReported, nil, Action{Name: "merge"}, "into"},
		{"merge into a negative id", StatusReported, nil, Action{Name: "merge", Into: -3}, "into"},
		{"merge into itself", StatusReported, nil, Action{Name: "merge", Into: wfCaseID}, "into"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wfCase(t, tt.status)
			if tt.c != nil {
				c = *tt.c
			}
			_, events, err := Apply(c, tt.a, Actor{Role: RoleAdmin, Unit: wfStreet, Subject: "a1"}, now, env, DefaultRules())
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.Equal(t, tt.field, fe.Field)
			assert.NotEmpty(t, fe.Message)
			assert.Empty(t, events)
		})
	}
}

func TestWorkflowDecideTwoThirds(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	chief := wfActor(RoleGridChief)
	tests := []struct {
		votes  Votes
		passed bool
	}{
		{Votes{Yes: 6, No: 3}, false},             // exactly two thirds is not more than two thirds
		{Votes{Yes: 7, No: 3}, true},              // 70 %
		{Votes{Yes: 6, No: 2, Abstain: 1}, false}, // abstentions count as cast: 6/9
		{Votes{Yes: 6, Abstain: 3}, false},        // 6/9 with no one against
		{Votes{Yes: 7, Abstain: 3}, true},         // 7/10
		{Votes{Yes: 2, No: 1}, false},
		{Votes{Yes: 3, No: 1}, true},
		{Votes{Yes: 20, No: 10}, false},
		{Votes{Yes: 21, No: 10}, true},
		{Votes{Yes: 1}, true},
		{Votes{Abstain: 5}, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d-%d-%d", tt.votes.Yes, tt.votes.No, tt.votes.Abstain), func(t *testing.T) {
			c := wfCase(t, StatusDeliberating)
			out, events, err := Apply(c, Action{Name: "decide", Votes: tt.votes, Owner: wfDept}, chief, now, env, DefaultRules())
			require.NoError(t, err)
			if tt.passed {
				require.Len(t, events, 2, "a passed motion: decide, then dispatch to the owner")
				assert.Equal(t, "dispatch", events[1].Action)
				assert.Equal(t, StatusDecided, events[1].From)
				assert.Equal(t, StatusDispatched, events[1].To)
				assert.Equal(t, wfDept, events[1].Data["to"])
			} else {
				require.Len(t, events, 1)
			}
			e := events[0]
			assert.Equal(t, "decide", e.Action)
			assert.Equal(t, tt.passed, e.Data["passed"])
			assert.Equal(t, tt.votes, e.Data["votes"])
			assert.Equal(t, wfDept, e.Data["owner"])
			if !tt.passed {
				assert.Equal(t, StatusDeliberating, out.Status)
				assert.Equal(t, StatusDeliberating, e.To)
				assert.Equal(t, c.AssigneeCode, out.AssigneeCode)
				assert.Equal(t, c.DueAt, out.DueAt)
				return
			}
			due, err := env.Due(now, Deadline{Amount: 2, Unit: "days"})
			require.NoError(t, err)
			assert.Equal(t, StatusDecided, e.To)
			assert.Equal(t, StatusDispatched, out.Status)
			assert.Equal(t, wfDept, out.AssigneeCode)
			assert.Equal(t, wfDept, out.Handler)
			assert.Equal(t, due, out.DueAt)
			assert.Equal(t, due, e.Data["due_at"])
		})
	}

	t.Run("rules: simple majority", func(t *testing.T) {
		out, _, err := Apply(wfCase(t, StatusDeliberating), Action{Name: "decide", Votes: Votes{Yes: 6, No: 3},
			Owner: wfDept}, chief, now, env, Rules{PassShare: 0.5})
		require.NoError(t, err)
		assert.Equal(t, StatusDispatched, out.Status)
	})
	t.Run("due_at and meeting", func(t *testing.T) {
		due := now.Add(30 * 24 * time.Hour)
		m := &Meeting{Date: now.Add(-2 * time.Hour), Participants: []string{" 张三 ", "李四"}, Minutes: "同意加装"}
		a := Action{Name: "decide", Votes: Votes{Yes: 9, No: 1}, Owner: wfCommittee, DueAt: due, Meeting: m}
		out, events, err := Apply(wfCase(t, StatusDeliberating), a, chief, now, env, DefaultRules())
		require.NoError(t, err)
		assert.Equal(t, due, out.DueAt)
		assert.Equal(t, wfCommittee, out.AssigneeCode)
		got, ok := events[0].Data["meeting"].(*Meeting)
		require.True(t, ok, "the store reads the meeting as *Meeting")
		assert.Equal(t, []string{"张三", "李四"}, got.Participants)
		assert.Equal(t, []string{" 张三 ", "李四"}, m.Participants, "the action is not changed")
		assert.Equal(t, "同意加装", got.Minutes)

		// The decision goes straight to its owner by the decision's deadline.
		require.Len(t, events, 2)
		assert.Equal(t, StatusDispatched, out.Status)
		assert.Equal(t, wfCommittee, out.AssigneeCode)
		assert.Equal(t, wfCommittee, out.Handler)
		assert.Equal(t, wfCommittee, out.PrevAssignee)
		assert.Equal(t, due, out.DueAt)
		assert.Equal(t, wfCommittee, events[1].Data["to"])
	})
}

// wfApply applies an action that must succeed.
func wfApply(t *testing.T, c Case, a Action, actor Actor, now time.Time, env Env) (Case, []Event) {
	t.Helper()
	out, events, err := Apply(c, a, actor, now, env, DefaultRules())
	require.NoError(t, err, "%s on a %s case", a.Name, c.Status)
	require.NotEmpty(t, events)
	return out, events
}

func TestWorkflowEvaluationRedo(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	worker, chief := wfActor(RoleGridWorker), wfActor(RoleGridChief)
	dept := Actor{Role: RoleDepartment, Unit: wfDept, Subject: "officer-1"}
	rep := func(n string) Actor { return Actor{Role: RoleResident, Unit: wfGrid, Subject: "rep-" + n} }
	yes := true

	c := wfCase(t, StatusReported)
	c, _ = wfApply(t, c, Action{Name: "hear", Classification: ClassSuggestion}, worker, now, env)
	c, _ = wfApply(t, c, Action{Name: "schedule", PointCode: wfPoint}, chief, now, env)
	assert.True(t, c.Deliberated)
	c, decided := wfApply(t, c, Action{Name: "decide", Votes: Votes{Yes: 20, No: 3, Abstain: 2}, Owner: wfDept}, chief, now, env)
	require.Len(t, decided, 2, "a decision goes straight on to its owner")
	assert.Equal(t, StatusDispatched, c.Status)
	require.Equal(t, wfDept, c.AssigneeCode)
	c, _ = wfApply(t, c, Action{Name: "start"}, dept, now, env)
	photo := Photo{ContentType: "image/jpeg", SHA256: "ab", Bytes: []byte{0xff, 0xd8, 0xff}}
	c, events := wfApply(t, c, Action{Name: "resolve", Note: "已清理", Photos: []Photo{photo}}, dept, now, env)
	assert.Equal(t, []Photo{photo}, events[0].Photos)
	assert.Equal(t, wfDept, c.Handler)
	c, _ = wfApply(t, c, Action{Name: "verify", Passed: &yes, Note: "现场核实"}, worker, now, env)
	assert.Equal(t, now, c.VerifiedAt)

	for i, r := range []string{RatingSatisfied, RatingSatisfied, RatingUnsatisfied} {
		var evs []Event
		c, evs = wfApply(t, c, Action{Name: "rate", Rating: r}, rep(strconv.Itoa(i+1)), now, env)
		require.Len(t, evs, 1, "a representative's rating does not conclude")
		assert.Equal(t, StatusVerified, c.Status)
	}
	assert.Equal(t, Ratings{Satisfied: 2, Unsatisfied: 1}, c.Ratings)

	later := at(t, shanghai(t), "2026-03-04 10:00") // Wednesday
	c, events = wfApply(t, c, Action{Name: "conclude"}, chief, later, env)
	require.Len(t, events, 1)
	e := events[0]
	assert.Equal(t, StatusVerified, e.From)
	assert.Equal(t, StatusDispatched, e.To)
	assert.Equal(t, "redo", e.Data["result"])
	assert.InDelta(t, 2.0/3.0, e.Data["satisfaction"], 1e-9)
	assert.Equal(t, Ratings{Satisfied: 2, Unsatisfied: 1}, e.Data["ratings"])
	assert.Equal(t, StatusDispatched, c.Status)
	assert.Equal(t, ClassRedo, c.Classification)
	assert.Equal(t, 1, c.Redone)
	assert.Equal(t, wfDept, c.AssigneeCode, "back to the department that handled it")
	assert.Equal(t, Ratings{}, c.Ratings)
	assert.True(t, c.VerifiedAt.IsZero())
	assert.True(t, c.ClosedAt.IsZero())
	// Half of 2 working days is 1 working day: Thursday at the close of business.
	assert.Equal(t, at(t, shanghai(t), "2026-03-05 17:30"), c.DueAt)

	c, _ = wfApply(t, c, Action{Name: "start"}, dept, later, env)
	c, _ = wfApply(t, c, Action{Name: "resolve", Note: "重新清理"}, dept, later, env)
	c, _ = wfApply(t, c, Action{Name: "verify", Passed: &yes}, worker, later, env)
	c, _ = wfApply(t, c, Action{Name: "rate", Rating: RatingSatisfied}, rep("1"), later, env)
	c, events = wfApply(t, c, Action{Name: "conclude"}, chief, later, env)
	assert.Equal(t, StatusClosed, c.Status)
	assert.Equal(t, "satisfied", c.Satisfaction)
	assert.Equal(t, later, c.ClosedAt)
	assert.Equal(t, 1, c.Redone)
	assert.Equal(t, "closed", events[0].Data["result"])
}

func TestWorkflowRedoGoesToHandler(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	c := wfCase(t, StatusVerified)
	c.AssigneeCode, c.Handler, c.Ratings = wfCommittee, wfDept, Ratings{Satisfied: 8, BasicallySatisfied: 1, Unsatisfied: 2}
	c.Urgency = "urgent"
	out, _ := wfApply(t, c, Action{Name: "conclude"}, wfActor(RoleSystem), now, env)
	assert.Equal(t, StatusDispatched, out.Status)
	assert.Equal(t, wfDept, out.AssigneeCode)
	assert.Equal(t, wfCommittee, out.PrevAssignee)
	assert.Equal(t, wfDept, out.Handler)
	// Half of 4 working hours from Monday 09:00.
	assert.Equal(t, at(t, shanghai(t), "2026-03-02 11:00"), out.DueAt)

	// 9 of 10 satisfied or basically satisfied is enough.
	c.Ratings = Ratings{Satisfied: 5, BasicallySatisfied: 4, Unsatisfied: 1}
	out, _ = wfApply(t, c, Action{Name: "conclude"}, wfActor(RoleSystem), now, env)
	assert.Equal(t, StatusClosed, out.Status)
	assert.Equal(t, "satisfied", out.Satisfaction)
}

func TestWorkflowReporterRating(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	reporter := wfActor(RoleResident)
	tests := []struct {
		name        string
		rating      string
		deliberated bool
		want        Status
	}{
		{"satisfied closes", RatingSatisfied, false, StatusClosed},
		{"basically satisfied closes", RatingBasicallySatisfied, false, StatusClosed},
		{"unsatisfied redoes", RatingUnsatisfied, false, StatusDispatched},
		{"a deliberated case waits for conclude", RatingSatisfied, true, StatusVerified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := wfCase(t, StatusVerified)
			c.Deliberated = tt.deliberated
			out, events, err := Apply(c, Action{Name: "rate", Rating: tt.rating}, reporter, now, env, DefaultRules())
			require.NoError(t, err)
			assert.Equal(t, tt.want, out.Status)
			assert.Equal(t, "rate", events[0].Action)
			assert.Equal(t, StatusVerified, events[0].To)
			assert.Equal(t, tt.rating, events[0].Data["rating"])
			if tt.deliberated {
				require.Len(t, events, 1)
				assert.Equal(t, 1, out.Ratings.Total())
				return
			}
			require.Len(t, events, 2)
			assert.Equal(t, "conclude", events[1].Action)
			assert.Equal(t, StatusVerified, events[1].From)
			assert.Equal(t, tt.want, events[1].To)
			assert.Equal(t, wfReporter, events[1].Actor)
			if tt.want == StatusClosed {
				assert.Equal(t, "satisfied", out.Satisfaction)
				assert.Equal(t, now, out.ClosedAt)
				assert.Equal(t, 1, out.Ratings.Total())
			} else {
				assert.Equal(t, ClassRedo, out.Classification)
				assert.Equal(t, 1, out.Redone)
				assert.Equal(t, 0, out.Ratings.Total())
			}
		})
	}
}

func TestWorkflowConcludeUnrated(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	c := wfCase(t, StatusVerified)
	out, events := wfApply(t, c, Action{Name: "conclude", Note: "evaluation period ended"}, wfActor(RoleSystem), now, env)
	assert.Equal(t, StatusClosed, out.Status)
	assert.Equal(t, "unrated", out.Satisfaction)
	assert.Equal(t, now, out.ClosedAt)
	require.Len(t, events, 1)
	assert.Equal(t, "evaluation period ended", events[0].Note)
	assert.Equal(t, "closed", events[0].Data["result"])
}

func TestWorkflowEscalateToTheStreet(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	c := wfCase(t, StatusReported)
	c.AssigneeCode, c.PrevAssignee = wfGroup, ""
	due, err := env.Due(now, Deadline{Amount: 2, Unit: "days"})
	require.NoError(t, err)
	chain := []string{wfGroup, wfBranch, wfCommittee, wfStreet}
	for i := 1; i < len(chain); i++ {
		var events []Event
		c, events = wfApply(t, c, Action{Name: "escalate", Reason: "逾期未办结"}, wfActor(RoleSystem), now, env)
		assert.Equal(t, StatusDispatched, c.Status)
		assert.Equal(t, chain[i], c.AssigneeCode)
		assert.Equal(t, chain[i-1], c.PrevAssignee)
		assert.Equal(t, i, c.Escalations)
		assert.Equal(t, ClassEscalate, c.Classification)
		assert.Equal(t, due, c.DueAt)
		assert.Equal(t, "逾期未办结", events[0].Note)
		assert.Equal(t, chain[i], events[0].Data["to"])
	}
	_, events, err := Apply(c, Action{Name: "escalate", Reason: "逾期未办结"}, wfActor(RoleSystem), now, env, DefaultRules())
	assert.ErrorIs(t, err, ErrInvalidTransition)
	assert.ErrorContains(t, err, "already at the top level")
	assert.Empty(t, events)
}

func TestWorkflowSuspendResume(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	chief := wfActor(RoleGridChief)
	for _, s := range []Status{StatusReported, StatusHeard, StatusDeliberating, StatusDecided, StatusDispatched,
		StatusInProgress, StatusResolved, StatusVerified} {
		t.Run(string(s), func(t *testing.T) {
			c := wfCase(t, s)
			c.SuspendedFrom = ""
			held, events := wfApply(t, c, Action{Name: "suspend", Reason: "等待产权单位答复"}, chief, now, env)
			assert.Equal(t, StatusSuspended, held.Status)
			assert.Equal(t, s, held.SuspendedFrom)
			assert.Equal(t, "等待产权单位答复", events[0].Note)
			back, events := wfApply(t, held, Action{Name: "resume"}, chief, now, env)
			assert.Equal(t, StatusSuspended, events[0].From)
			assert.Equal(t, s, events[0].To)
			assert.Equal(t, c, back, "resume restores the case as it was")
		})
	}
	t.Run("cancel while suspended", func(t *testing.T) {
		out, _ := wfApply(t, wfCase(t, StatusSuspended), Action{Name: "cancel", Reason: "居民撤诉"}, chief, now, env)
		assert.Equal(t, StatusCancelled, out.Status)
		assert.Empty(t, out.SuspendedFrom)
		assert.Equal(t, now, out.ClosedAt)
	})
	t.Run("resume without a status to resume to", func(t *testing.T) {
		c := wfCase(t, StatusSuspended)
		c.SuspendedFrom = ""
		_, _, err := Apply(c, Action{Name: "resume"}, chief, now, env, DefaultRules())
		assert.ErrorIs(t, err, ErrInvalidTransition)
	})
}

// TestWorkflowSuspendStopsTheClock: the deadline does not run while a case is suspended (挂账): on resume the working
// time left at suspension is counted again from the moment of resumption.
func TestWorkflowSuspendStopsTheClock(t *testing.T) {
	env, loc := newWfEnv(), shanghai(t)
	chief := wfActor(RoleGridChief)
	t1 := at(t, loc, "2026-03-02 09:00") // Monday
	t2 := at(t, loc, "2026-03-05 14:00") // Thursday
	suspend := func(t *testing.T, due, when time.Time) Case {
		c := wfCase(t, StatusInProgress)
		c.DueAt = due
		held, _ := wfApply(t, c, Action{Name: "suspend", Reason: "等待产权单位答复"}, chief, when, env)
		require.Equal(t, StatusSuspended, held.Status)
		assert.Equal(t, when, held.SuspendedAt, "the clock stops at suspension")
		assert.Equal(t, due, held.DueAt, "suspending leaves the deadline")
		return held
	}

	t.Run("ten working hours left", func(t *testing.T) {
		// Monday 09:00 → 17:30 is 7 working hours, Tuesday 08:30 → 11:30 three more.
		due := at(t, loc, "2026-03-03 11:30")
		require.Equal(t, 10*time.Hour, env.cal.WorkingBetween(t1, due))
		held := suspend(t, due, t1)

		back, events := wfApply(t, held, Action{Name: "resume"}, chief, t2, env)
		// Thursday 14:00 → 17:30 is 3.5 working hours, Friday 08:30 → 12:00 3.5, 13:30 → 16:30 the last 3.
		assert.Equal(t, "2026-03-06 16:30", back.DueAt.In(loc).Format("2006-01-02 15:04"))
		want, err := env.cal.Add(t2, Deadline{Amount: 10, Unit: "hours"})
		require.NoError(t, err)
		assert.True(t, want.Equal(back.DueAt), "t2 + 10 working hours: want %v, got %v", want, back.DueAt)
		assert.Equal(t, StatusInProgress, back.Status)
		assert.True(t, back.SuspendedAt.IsZero(), "resume clears SuspendedAt")
		assert.Empty(t, back.SuspendedFrom)
		require.Len(t, events, 1)
		assert.Equal(t, due, events[0].Data["old_due_at"])
		assert.Equal(t, back.DueAt, events[0].Data["due_at"])
		assert.Equal(t, t1, events[0].Data["suspended_at"])
	})

	t.Run("suspended after its deadline stays overdue", func(t *testing.T) {
		due := at(t, loc, "2026-03-02 10:00")
		when := at(t, loc, "2026-03-02 15:00") // 2 + 1.5 working hours late
		held := suspend(t, due, when)

		back, events := wfApply(t, held, Action{Name: "resume"}, chief, t2, env)
		assert.True(t, back.DueAt.Before(t2), "still overdue: due %v", back.DueAt)
		assert.Equal(t, 210*time.Minute, env.cal.WorkingBetween(back.DueAt, t2), "overdue by as much as at suspension")
		assert.Equal(t, "2026-03-05 09:00", back.DueAt.In(loc).Format("2006-01-02 15:04"))
		assert.Equal(t, due, events[0].Data["old_due_at"])
	})

	t.Run("suspended at its deadline is due at resumption", func(t *testing.T) {
		due := at(t, loc, "2026-03-02 17:30")
		held := suspend(t, due, at(t, loc, "2026-03-02 19:00"))
		back, _ := wfApply(t, held, Action{Name: "resume"}, chief, t2, env)
		assert.True(t, t2.Equal(back.DueAt), "due %v", back.DueAt)
	})

	t.Run("suspended over a weekend only", func(t *testing.T) {
		due := at(t, loc, "2026-03-09 10:00")
		held := suspend(t, due, at(t, loc, "2026-03-06 18:00")) // Friday evening
		back, _ := wfApply(t, held, Action{Name: "resume"}, chief, at(t, loc, "2026-03-08 20:00"), env)
		assert.True(t, due.Equal(back.DueAt), "no working time passed: due %v", back.DueAt)
	})

	t.Run("suspended before gridgov recorded when", func(t *testing.T) {
		c := wfCase(t, StatusSuspended) // SuspendedAt zero
		back, events := wfApply(t, c, Action{Name: "resume"}, chief, t2, env)
		assert.Equal(t, c.DueAt, back.DueAt, "the deadline is kept")
		assert.Equal(t, c.DueAt, events[0].Data["old_due_at"])
		assert.Equal(t, c.DueAt, events[0].Data["due_at"])
		assert.NotContains(t, events[0].Data, "suspended_at")
	})

	t.Run("without a deadline", func(t *testing.T) {
		held := suspend(t, time.Time{}, t1)
		back, events := wfApply(t, held, Action{Name: "resume"}, chief, t2, env)
		assert.True(t, back.DueAt.IsZero())
		assert.Nil(t, events[0].Data)
	})

	for _, a := range []Action{{Name: "cancel", Reason: "居民撤诉"}, {Name: "merge", Into: wfCaseID - 1}} {
		t.Run(a.Name+" clears SuspendedAt", func(t *testing.T) {
			held := suspend(t, at(t, loc, "2026-03-03 11:30"), t1)
			out, _ := wfApply(t, held, a, chief, t2, env)
			assert.Equal(t, StatusCancelled, out.Status)
			assert.True(t, out.SuspendedAt.IsZero())
		})
	}
}

func TestWorkflowTransitions(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	chief := wfActor(RoleGridChief)
	no := false
	t.Run("dispatch from heard takes the category's deadline for the urgency", func(t *testing.T) {
		c := wfCase(t, StatusHeard)
		c.Urgency = "urgent"
		out, events := wfApply(t, c, Action{Name: "dispatch", To: wfDept}, chief, now, env)
		assert.Equal(t, wfDept, out.AssigneeCode)
		assert.Equal(t, wfDept, out.Handler)
		assert.Equal(t, wfBranch, out.PrevAssignee)
		assert.Equal(t, at(t, shanghai(t), "2026-03-02 14:30"), out.DueAt) // 4 working hours: 09:00–12:00, 13:30–14:30
		assert.Equal(t, out.DueAt, events[0].Data["due_at"])
	})
	t.Run("dispatch with due_at", func(t *testing.T) {
		due := now.Add(72 * time.Hour)
		out, _ := wfApply(t, wfCase(t, StatusHeard), Action{Name: "dispatch", To: wfDept, DueAt: due}, chief, now, env)
		assert.Equal(t, due, out.DueAt)
	})
	t.Run("immediate case resolved on the spot", func(t *testing.T) {
		out, _ := wfApply(t, wfCase(t, StatusHeard), Action{Name: "resolve", Note: "当场处理"}, wfActor(RoleGridWorker), now, env)
		assert.Equal(t, StatusResolved, out.Status)
		assert.Equal(t, wfBranch, out.Handler)
	})
	t.Run("a pending case is not resolved on the spot", func(t *testing.T) {
		c := wfCase(t, StatusHeard)
		c.Classification = ClassPending
		_, _, err := Apply(c, Action{Name: "resolve", Note: "当场处理"}, chief, now, env, DefaultRules())
		assert.ErrorIs(t, err, ErrInvalidTransition)
	})
	t.Run("hear sets the classification", func(t *testing.T) {
		out, events := wfApply(t, wfCase(t, StatusReported), Action{Name: "hear", Classification: ClassEscalate}, chief, now, env)
		assert.Equal(t, StatusHeard, out.Status)
		assert.Equal(t, ClassEscalate, out.Classification)
		assert.Equal(t, "escalate", events[0].Data["classification"])
	})
	t.Run("schedule records the point and its host", func(t *testing.T) {
		out, events := wfApply(t, wfCase(t, StatusHeard), Action{Name: "schedule", PointCode: " " + wfPoint}, chief, now, env)
		assert.Equal(t, StatusDeliberating, out.Status)
		assert.True(t, out.Deliberated)
		assert.Equal(t, map[string]any{"point_code": wfPoint, "host": wfGrid}, events[0].Data)
	})
	t.Run("failed verification is rework", func(t *testing.T) {
		out, events := wfApply(t, wfCase(t, StatusResolved), Action{Name: "verify", Passed: &no, Note: "仍有垃圾"}, chief, now, env)
		assert.Equal(t, StatusInProgress, out.Status)
		assert.True(t, out.VerifiedAt.IsZero())
		assert.Equal(t, false, events[0].Data["passed"])
		assert.Equal(t, "仍有垃圾", events[0].Note)
	})
	t.Run("return goes back to the previous assignee", func(t *testing.T) {
		out, events := wfApply(t, wfCase(t, StatusInProgress), Action{Name: "return", Reason: "不属本部门"}, chief, now, env)
		assert.Equal(t, StatusHeard, out.Status)
		assert.Equal(t, wfGroup, out.AssigneeCode)
		assert.Equal(t, wfBranch, out.PrevAssignee)
		assert.Equal(t, "不属本部门", events[0].Note)
	})
	t.Run("return without a previous assignee keeps the assignee", func(t *testing.T) {
		c := wfCase(t, StatusDispatched)
		c.PrevAssignee = ""
		out, _ := wfApply(t, c, Action{Name: "return", Reason: "不属本部门"}, chief, now, env)
		assert.Equal(t, StatusHeard, out.Status)
		assert.Equal(t, wfBranch, out.AssigneeCode)
	})
	t.Run("merge", func(t *testing.T) {
		out, events := wfApply(t, wfCase(t, StatusHeard), Action{Name: "merge", Into: 7}, wfActor(RoleGridWorker), now, env)
		assert.Equal(t, StatusCancelled, out.Status)
		assert.Equal(t, int64(7), out.DuplicateOf)
		assert.Equal(t, now, out.ClosedAt)
		assert.Equal(t, int64(7), events[0].Data["into"])
	})
	t.Run("escalate without an assignee", func(t *testing.T) {
		c := wfCase(t, StatusReported)
		c.AssigneeCode = ""
		_, _, err := Apply(c, wfAction("escalate"), chief, now, env, DefaultRules())
		assert.ErrorIs(t, err, ErrInvalidTransition)
	})
	t.Run("a category missing from the catalogue is an internal error", func(t *testing.T) {
		c := wfCase(t, StatusReported)
		c.Category = "gone"
		_, _, err := Apply(c, wfAction("escalate"), chief, now, env, DefaultRules())
		require.Error(t, err)
		var fe *FieldError
		assert.False(t, errors.As(err, &fe))
		assert.False(t, errors.Is(err, ErrInvalidTransition) || errors.Is(err, ErrForbidden))
	})
}

func TestRedoDeadline(t *testing.T) {
	tests := []struct {
		d     Deadline
		share float64
		want  Deadline
	}{
		{Deadline{2, "days"}, 0.5, Deadline{1, "days"}},
		{Deadline{10, "days"}, 0.5, Deadline{5, "days"}},
		{Deadline{5, "days"}, 0.5, Deadline{20, "hours"}}, // 2.5 days of 8 working hours
		{Deadline{1, "days"}, 0.5, Deadline{4, "hours"}},
		{Deadline{4, "hours"}, 0.5, Deadline{2, "hours"}},
		{Deadline{3, "hours"}, 0.5, Deadline{2, "hours"}}, // rounded up
		{Deadline{1, "hours"}, 0.5, Deadline{1, "hours"}}, // at least one hour
		{Deadline{24, "hours"}, 0.25, Deadline{6, "hours"}},
		{Deadline{1, "days"}, 0.01, Deadline{1, "hours"}},
		{Deadline{365, "days"}, 0.99, Deadline{2000, "hours"}}, // capped at the most Calendar.Add counts
	}
	for _, tt := range tests {
		got := redoDeadline(tt.d, tt.share)
		assert.Equal(t, tt.want, got, "%v × %v", tt.d, tt.share)
		assert.NoError(t, got.Validate())
	}
}

func TestApplyDoesNotChangeItsInput(t *testing.T) {
	env, now := newWfEnv(), wfNow(t)
	admin := wfActor(RoleAdmin)
	for _, s := range wfStatuses {
		for _, name := range Actions {
			c, want := wfCase(t, s), wfCase(t, s)
			c.Ratings, want.Ratings = Ratings{Satisfied: 1, Unsatisfied: 1}, Ratings{Satisfied: 1, Unsatisfied: 1}
			a := wfAction(name)
			if name == "decide" {
				a.Meeting = &Meeting{Participants: []string{" 张三 "}}
			}
			_, _, _ = Apply(c, a, admin, now, env, DefaultRules())
			assert.Equal(t, want, c, "%s on a %s case", name, s)
		}
	}
	// The full redo path changes the most fields at once.
	c := wfCase(t, StatusVerified)
	c.Ratings = Ratings{Unsatisfied: 3}
	c.Events = append(make([]Event, 0, 8), c.Events...) // room to append into
	want := wfCase(t, StatusVerified)
	want.Ratings = Ratings{Unsatisfied: 3}
	out, _ := wfApply(t, c, Action{Name: "conclude"}, admin, now, env)
	assert.Equal(t, StatusDispatched, out.Status)
	assert.Equal(t, want, c)
	assert.Empty(t, c.Events[:cap(c.Events)][1].Action, "nothing written past the input's events")
}

func TestDefaultRulesAndRoles(t *testing.T) {
	r := DefaultRules()
	assert.InDelta(t, 2.0/3.0, r.PassShare, 1e-12)
	assert.Equal(t, 0.9, r.CloseAt)
	assert.Equal(t, 0.5, r.RedoShare)
	assert.Equal(t, r, Rules{}.orDefaults())
	assert.NotContains(t, Roles, RoleSystem)
	assert.Len(t, Roles, 8)
	assert.Len(t, Actions, 15)
}
