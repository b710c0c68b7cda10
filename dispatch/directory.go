package dispatch

import (
	"sync/atomic"

	"gridgov/geo"
)

// Org is a party organisation bound to a unit: a community party committee (社区党委), grid party branch
// (网格党支部) or building party group (楼栋党小组).
type Org struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Kind     string `json:"kind"`
	UnitCode string `json:"unit_code"`
}

// Directory is the in-memory picture that intake routes with: the locator and gazetteer over the units, the
// party organisations by unit, departments and the service catalogue. Each server process builds one from
// PostGIS at start and swaps in a new one when units change (LISTEN units_changed), so readers never lock.
type Directory struct {
	Locator     *geo.Locator
	Gazetteer   *geo.Gazetteer
	OrgsByUnit  map[string]Org
	OrgsByCode  map[string]Org
	Departments map[string]Department
	Categories  map[string]Category
	// DiscussPoints maps each speak-and-discuss point to its host unit.
	DiscussPoints map[string]string
	// CategoryList keeps the catalogue's order for listings.
	CategoryList []Category
}

// Places holds the current Directory.
type Places struct {
	dir atomic.Pointer[Directory]
}

// Load returns the current directory; it is never nil once Store has been called.
func (p *Places) Load() *Directory { return p.dir.Load() }

// Store replaces the directory.
func (p *Places) Store(d *Directory) { p.dir.Store(d) }

// Responsible lists the organisations answerable for a location, from the building up: the building party
// group, the grid party branch, the community party committee.
func (d *Directory) Responsible(loc geo.Location) []Org {
	var out []Org
	for _, r := range []*geo.Ref{loc.Building, loc.Grid, loc.Community} {
		if r == nil {
			continue
		}
		if o, ok := d.OrgsByUnit[r.Code]; ok {
			out = append(out, o)
		}
	}
	return out
}

// Assignee names whoever a case is assigned to: a party organisation, a street or a department.
type Assignee struct {
	Code string `json:"code"`
	Name string `json:"name"`
	Kind string `json:"kind"` // an org kind, "street" or "department"
}

// Assignee resolves an assignee code.
func (d *Directory) Assignee(code string) *Assignee {
	if code == "" {
		return nil
	}
	if o, ok := d.OrgsByCode[code]; ok {
		return &Assignee{Code: o.Code, Name: o.Name, Kind: o.Kind}
	}
	if dep, ok := d.Departments[code]; ok {
		return &Assignee{Code: dep.Code, Name: dep.Name, Kind: "department"}
	}
	if u, ok := d.Locator.Unit(code); ok {
		return &Assignee{Code: u.Code, Name: u.Name, Kind: string(u.Level)}
	}
	return &Assignee{Code: code, Name: code, Kind: "unknown"}
}
