// Package dispatch holds gridgov's cases: the service catalogue, the six-step workflow's states and actions,
// routing, deadlines and KPIs. It imports geo and no storage or HTTP technology; the storage it needs is declared
// here as small interfaces and implemented in package data.
package dispatch

import (
	"errors"
	"time"

	"github.com/paulmach/orb"

	"gridgov/geo"
)

// Sentinel errors shared by the layers; package data translates database errors into these at its edge.
var (
	ErrNotFound          = geo.ErrNotFound
	ErrConflict          = errors.New("conflict")
	ErrInvalidTransition = errors.New("invalid transition")
	// ErrUnavailable means the database cannot be reached; the request may be retried.
	ErrUnavailable = errors.New("the database is unavailable")
)

// Status is where a case stands in the workflow (DESIGN.md §6 fixes the names).
type Status string

const (
	StatusReported     Status = "reported"
	StatusHeard        Status = "heard"
	StatusDeliberating Status = "deliberating"
	StatusDecided      Status = "decided"
	StatusDispatched   Status = "dispatched"
	StatusInProgress   Status = "in_progress"
	StatusResolved     Status = "resolved"
	StatusVerified     Status = "verified"
	StatusClosed       Status = "closed"
	StatusSuspended    Status = "suspended"
	StatusCancelled    Status = "cancelled"
)

// Open reports whether a case in this status still needs work.
func (s Status) Open() bool { return s != StatusClosed && s != StatusCancelled }

// Classification is how the grid hears a case (网格听事).
type Classification string

const (
	ClassImmediate  Classification = "immediate"  // 即办
	ClassPending    Classification = "pending"    // 待办
	ClassEscalate   Classification = "escalate"   // 上报
	ClassSuggestion Classification = "suggestion" // 建议
	ClassRedo       Classification = "redo"       // 重办
)

// Case is one resident's matter as gridgov tracks it. Coordinates are WGS-84; OrigLon/OrigLat/CRS keep what the
// reporter sent. Unit codes are those the locator found; AssigneeCode is the org unit or department handling it.
type Case struct {
	ID             int64
	Category       string
	Description    string
	Address        string
	Channel        string // app, wechat, hotline, walk_in, box, patrol, open311
	Urgency        string // normal, urgent
	Lon, Lat       float64
	OrigLon        float64
	OrigLat        float64
	CRS            string
	H3             int64 // the H3 cell at geo.CaseRes
	StreetCode     string
	CommunityCode  string
	GridCode       string
	BuildingCode   string
	Status         Status
	Classification Classification
	AssigneeCode   string
	ReporterName   string
	ReporterPhone  string
	Satisfaction   string // satisfied, basically_satisfied, unsatisfied, unrated, or "" while unrated
	Redone         int    // how many times the case was sent back as 重办
	Supporters     int    // duplicate reports linked to this case
	ReporterID     string // the token subject of the resident who reported it; "" for anonymous or hotline reports
	Deliberated    bool   // it was put on the agenda of a speak-and-discuss point (社区议事)
	SuspendedFrom  Status // while suspended: the status to resume to
	PrevAssignee   string // the handler before the current assignee (a redo goes back to the last handler)
	Handler        string // who last worked on it (dispatched to or resolved it): a redo returns to this one
	Escalations    int    // how many levels it has climbed
	Ratings        Ratings
	VerifiedAt     time.Time // when the evaluation began; zero before
	SuspendedAt    time.Time // while suspended: when it was suspended and its deadline's clock stopped; zero otherwise
	DuplicateOf    int64     // set when merged into another case
	CreatedAt      time.Time
	UpdatedAt      time.Time // the last change the store recorded
	DueAt          time.Time
	ClosedAt       time.Time // zero while open
	Events         []Event
}

// Ratings counts the residents' evaluations of a case (群众评事).
type Ratings struct {
	Satisfied          int `json:"satisfied"`
	BasicallySatisfied int `json:"basically_satisfied"`
	Unsatisfied        int `json:"unsatisfied"`
}

// Total is the number of ratings.
func (r Ratings) Total() int { return r.Satisfied + r.BasicallySatisfied + r.Unsatisfied }

// Satisfaction is (satisfied + basically satisfied) / ratings, or 0 without ratings.
func (r Ratings) Satisfaction() float64 {
	if r.Total() == 0 {
		return 0
	}
	return float64(r.Satisfied+r.BasicallySatisfied) / float64(r.Total())
}

// Event is one step in a case's history: who did what, when, from which status to which.
type Event struct {
	ID        int64
	Action    string
	From, To  Status
	Actor     string // the actor's subject (a person's code, a reporter id, "system")
	ActorRole string
	ActorUnit string
	Note      string
	Data      map[string]any // the action's arguments that matter later (classification, votes, rating, to, …)
	Photos    []Photo
	At        time.Time
}

// CaseFilter selects cases for a listing, newest first: by status, category, unit (the unit and its descendants,
// by code prefix), assignee, reporter, bounding box and last change; Before is the cursor (an id) and Limit the
// page size.
type CaseFilter struct {
	Status     string
	Category   string
	Unit       string
	Assignee   string
	ReporterID string
	BBox       *orb.Bound
	Since      time.Time
	Before     int64
	Limit      int
	// For Open311: only these ids or categories (when not empty), created within [CreatedFrom, CreatedTo] (zero
	// times are open ends), skipping the first Offset matches.
	IDs         []int64
	Statuses    []string
	Categories  []string
	CreatedFrom time.Time
	CreatedTo   time.Time
	Offset      int
}
