// Package demo generates gridgov's demo city: the urban area of Qingzhou (青州市) with its real street and
// community codes, generated geometry that obeys the unit rules, party organisations, staff, departments, the
// service catalogue, a road network and a year of historical cases. It is pure Go: the same options always give
// the same city, and package data loads it into PostGIS.
package demo

import (
	"time"

	"gridgov/dispatch"
	"gridgov/geo"
)

// Options choose the city. Seed fixes every random choice; Scale multiplies units and cases (1 is Qingzhou's own
// size, 10 is for benchmarks); Now anchors the year of historical cases (their times fall in the 365 days before
// it); Cases overrides the number of historical cases (0 means about 23,000 × Scale).
type Options struct {
	Seed  int64
	Scale int
	Now   time.Time
	Cases int
}

// Org kinds, one party unit per community, grid and compound.
const (
	OrgCommunityCommittee = "community_party_committee" // 社区党委
	OrgGridBranch         = "grid_party_branch"         // 网格党支部
	OrgBuildingGroup      = "building_party_group"      // 楼栋党小组
)

// Org is a party organisation bound to a unit. ParentCode is the org one level up ("" for a community committee).
type Org struct {
	Code       string
	Name       string
	Kind       string
	UnitCode   string
	ParentCode string
}

// Person roles in the demo's staff.
const (
	RoleGridChief  = "grid_chief"
	RoleGridWorker = "grid_worker"
)

// Person is a member of staff with a role in a unit. Phone numbers are fictional.
type Person struct {
	Code     string
	Name     string
	Phone    string
	Role     string
	UnitCode string
}

// City is everything the demo generates. Units carry their parent codes and geometry as geo.Unit:
// Streets…Buildings are MultiPolygons, DiscussPoints are Points (Props: "schedule", "kind"), Roads are LineStrings
// (Props: "class": primary, secondary or branch).
type City struct {
	Options       Options
	Streets       []geo.Unit
	Communities   []geo.Unit
	Grids         []geo.Unit
	Buildings     []geo.Unit
	DiscussPoints []geo.Unit
	Roads         []geo.Unit
	Orgs          []Org
	People        []Person
	Departments   []dispatch.Department
	Categories    []dispatch.Category
	Cases         []dispatch.Case
}

// Units returns the units of one level.
func (c *City) Units(l geo.Level) []geo.Unit {
	switch l {
	case geo.LevelStreet:
		return c.Streets
	case geo.LevelCommunity:
		return c.Communities
	case geo.LevelGrid:
		return c.Grids
	case geo.LevelBuilding:
		return c.Buildings
	case geo.LevelDiscussPoint:
		return c.DiscussPoints
	case geo.LevelRoad:
		return c.Roads
	}
	return nil
}
