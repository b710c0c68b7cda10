// Package geo holds gridgov's places: the unit hierarchy (street → community → grid → building), speak-and-discuss
// points and roads, code rules, GeoJSON parsing and validation, and H3 coverage. It imports nothing else of gridgov
// and no storage technology.
package geo

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/paulmach/orb"
)

// Level is a kind of place. The four area levels nest: street ⊃ community ⊃ grid ⊃ building (a building compound,
// 楼院). Discuss points (说事议事点) are points hosted by a grid or community; roads are lines.
type Level string

const (
	LevelStreet       Level = "street"
	LevelCommunity    Level = "community"
	LevelGrid         Level = "grid"
	LevelBuilding     Level = "building"
	LevelDiscussPoint Level = "discuss_point"
	LevelRoad         Level = "road"
)

// Levels lists every level, the area levels first, from the top down.
var Levels = []Level{LevelStreet, LevelCommunity, LevelGrid, LevelBuilding, LevelDiscussPoint, LevelRoad}

// AreaLevels lists the nested polygon levels from the top down.
var AreaLevels = []Level{LevelStreet, LevelCommunity, LevelGrid, LevelBuilding}

// ErrUnknownLevel is returned by ParseLevel.
var ErrUnknownLevel = errors.New("unknown level")

// ParseLevel accepts a level name as used in URLs and on the command line.
func ParseLevel(s string) (Level, error) {
	for _, l := range Levels {
		if string(l) == s {
			return l, nil
		}
	}
	return "", fmt.Errorf("%w %q (want one of street, community, grid, building, discuss_point, road)", ErrUnknownLevel, s)
}

// IsArea reports whether units of this level are polygons that nest in the hierarchy.
func (l Level) IsArea() bool {
	switch l {
	case LevelStreet, LevelCommunity, LevelGrid, LevelBuilding:
		return true
	}
	return false
}

// Parent is the level a unit of this level hangs under: a grid's parent is a community. Streets hang under the
// county, which gridgov does not store, so their parent level is "". A discuss point is hosted by a grid.
// Roads have no parent.
func (l Level) Parent() Level {
	switch l {
	case LevelCommunity:
		return LevelStreet
	case LevelGrid:
		return LevelCommunity
	case LevelBuilding:
		return LevelGrid
	case LevelDiscussPoint:
		return LevelGrid
	}
	return ""
}

// Chinese gives the level's Chinese name, for reports and the interface.
func (l Level) Chinese() string {
	switch l {
	case LevelStreet:
		return "街道"
	case LevelCommunity:
		return "社区"
	case LevelGrid:
		return "网格"
	case LevelBuilding:
		return "楼院"
	case LevelDiscussPoint:
		return "说事议事点"
	case LevelRoad:
		return "道路"
	}
	return string(l)
}

// Unit is one place of any level. Geometry is WGS-84 longitude/latitude: a MultiPolygon for area levels, a Point
// for discuss points and a LineString (or MultiLineString) for roads. Props carries the level's extra attributes
// (a discuss point's schedule, a road's class, …) as they travel in GeoJSON.
type Unit struct {
	Level      Level
	Code       string
	Name       string
	ParentCode string
	Geometry   orb.Geometry
	Props      map[string]any
}

var (
	digits    = regexp.MustCompile(`^[0-9]+$`)
	freeCodes = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)
)

// Code lengths of the national statistical division codes (统计用区划代码) and gridgov's extensions of them.
const (
	CountyCodeLen    = 6
	StreetCodeLen    = 9
	CommunityCodeLen = 12
	GridCodeLen      = 15 // community code + 3-digit sequence, numbered west to east, north to south
	BuildingCodeMin  = 16 // grid code + 1 to 6 more digits
	BuildingCodeMax  = 21
)

// CheckCode says what is wrong with a unit code for its level, or nil. When parent is not empty, an area unit's
// code must extend its parent's code (a grid's code begins with its community's).
func CheckCode(l Level, code, parent string) error {
	if code == "" {
		return errors.New("code is empty")
	}
	switch l {
	case LevelStreet, LevelCommunity, LevelGrid:
		want := map[Level]int{LevelStreet: StreetCodeLen, LevelCommunity: CommunityCodeLen, LevelGrid: GridCodeLen}[l]
		if !digits.MatchString(code) || len(code) != want {
			return fmt.Errorf("code %q is not a %d-digit %s code", code, want, l)
		}
	case LevelBuilding:
		if !digits.MatchString(code) || len(code) < BuildingCodeMin || len(code) > BuildingCodeMax {
			return fmt.Errorf("code %q is not a building code (its grid's 15 digits and 1 to 6 more)", code)
		}
	default:
		if !freeCodes.MatchString(code) {
			return fmt.Errorf("code %q must be 1 to 64 letters, digits, '.', '_' or '-'", code)
		}
		return nil
	}
	if parent != "" && !strings.HasPrefix(code, parent) {
		return fmt.Errorf("code %q does not extend its parent's code %q", code, parent)
	}
	return nil
}

// ErrNotFound is returned when a place asked for by code does not exist.
var ErrNotFound = errors.New("not found")

// UnitFilter selects units for a listing: one level ("" for all four area levels), those intersecting BBox when it
// is set, in code order after the cursor After, at most Limit of them.
type UnitFilter struct {
	Level Level
	BBox  *orb.Bound
	After string
	Limit int
}

// UnitPage is one page of a listing; Next is the cursor of the following page, "" on the last.
type UnitPage struct {
	Units []Unit
	Next  string
}
