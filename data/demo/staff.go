package demo

import (
	"cmp"
	"fmt"
	"slices"
)

// orgCode is the code of the party organisation bound to a unit: "P" and the unit's code.
func orgCode(unitCode string) string { return "P" + unitCode }

// orgs adds one party organisation per community (社区党委), grid (网格党支部) and compound (楼栋党小组), each
// under the org of the unit one level up. Committees come first, then branches, then groups, each in code order.
func (b *builder) orgs() {
	c := b.city
	c.Orgs = make([]Org, 0, len(c.Communities)+len(c.Grids)+len(c.Buildings))
	for _, u := range c.Communities {
		c.Orgs = append(c.Orgs, Org{Code: orgCode(u.Code), Name: u.Name + "党委", Kind: OrgCommunityCommittee,
			UnitCode: u.Code})
	}
	for _, u := range c.Grids {
		c.Orgs = append(c.Orgs, Org{Code: orgCode(u.Code), Name: u.Name + "党支部", Kind: OrgGridBranch,
			UnitCode: u.Code, ParentCode: orgCode(u.ParentCode)})
	}
	for _, u := range c.Buildings {
		c.Orgs = append(c.Orgs, Org{Code: orgCode(u.Code), Name: u.Name + "党小组", Kind: OrgBuildingGroup,
			UnitCode: u.Code, ParentCode: orgCode(u.ParentCode)})
	}
}

// staff appoints each district's grid chiefs and workers: one chief and two workers per grid, then the remaining
// chiefs (as deputies) and workers to the largest grids: most compounds, then most households, then lowest code.
// People are listed grid by grid in code order, chiefs first; codes are S000001, S000002, …; phone numbers are
// fictional, 170 followed by the person's number in eight digits.
func (b *builder) staff() {
	rng := newRand(b.opt.Seed, streamStaff)
	chiefs := make([]int, len(b.grids))
	workers := make([]int, len(b.grids))
	for _, d := range b.districts {
		var grids []*gridRec
		for _, g := range b.grids {
			if g.d == d {
				grids = append(grids, g)
			}
		}
		ranked := slices.Clone(grids)
		slices.SortStableFunc(ranked, func(x, y *gridRec) int {
			return cmp.Or(
				cmp.Compare(len(y.compounds), len(x.compounds)),
				cmp.Compare(y.households, x.households),
				cmp.Compare(b.city.Grids[x.unit].Code, b.city.Grids[y.unit].Code),
			)
		})
		extraChiefs := max(0, chiefsPerDistrict-len(grids))
		extraWorkers := max(0, workersPerDistrict-2*len(grids))
		for i, g := range ranked {
			chiefs[g.unit] = 1
			workers[g.unit] = 2
			if i < extraChiefs {
				chiefs[g.unit]++
			}
			if i < extraWorkers {
				workers[g.unit]++
			}
		}
	}
	c := b.city
	for _, g := range b.grids {
		code := c.Grids[g.unit].Code
		add := func(role string) int {
			n := len(c.People) + 1
			c.People = append(c.People, Person{Code: fmt.Sprintf("S%06d", n), Name: personName(rng),
				Phone: fmt.Sprintf("170%08d", n), Role: role, UnitCode: code})
			return n - 1
		}
		for range chiefs[g.unit] {
			g.chiefs = append(g.chiefs, add(RoleGridChief))
		}
		for range workers[g.unit] {
			g.workers = append(g.workers, add(RoleGridWorker))
		}
	}
}
