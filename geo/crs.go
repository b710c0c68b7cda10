package geo

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/paulmach/orb"
)

// CRS names a geographic coordinate system in which Chinese maps and apps give longitude and latitude. gridgov
// stores WGS-84; points from AMap, Tencent or WeChat arrive in GCJ-02 and points from Baidu in BD-09, and are
// converted at the edge with ToWGS84 (and back with FromWGS84 for clients that draw on those maps).
type CRS string

const (
	// WGS84 is the GPS datum (EPSG:4326), used by gridgov, OpenStreetMap and most maps outside China.
	WGS84 CRS = "wgs84"
	// GCJ02 is the national surveying bureau's obfuscated datum (国测局坐标, "Mars coordinates") used by AMap,
	// Tencent Maps and WeChat.
	GCJ02 CRS = "gcj02"
	// BD09 is Baidu's further shift of GCJ-02 (百度坐标).
	BD09 CRS = "bd09"
)

// ErrUnknownCRS is returned by ParseCRS.
var ErrUnknownCRS = errors.New("unknown coordinate system")

// ParseCRS reads a coordinate system name as given in a request or on the command line, ignoring case and
// surrounding space. The empty string means WGS84.
func ParseCRS(s string) (CRS, error) {
	switch c := CRS(strings.ToLower(strings.TrimSpace(s))); c {
	case "":
		return WGS84, nil
	case WGS84, GCJ02, BD09:
		return c, nil
	}
	return "", fmt.Errorf("%w %q (want one of wgs84, gcj02, bd09)", ErrUnknownCRS, s)
}

// The rough box of China outside which GCJ-02 and BD-09 are taken to coincide with WGS-84. It is the box the
// common open implementations use (eviltransform and its ports); it takes in parts of neighbouring countries and
// of the sea, so a point near its edge may be shifted although no Chinese map would shift it. The real boundary
// is not published.
const (
	chinaMinLon = 72.004
	chinaMaxLon = 137.8347
	chinaMinLat = 0.8293
	chinaMaxLat = 55.8271
)

// OutOfChina reports whether p ([lon, lat]) lies outside the rough box of China (longitude 72.004–137.8347,
// latitude 0.8293–55.8271), where the Chinese datums are not applied. A point with a NaN coordinate is outside.
func OutOfChina(p orb.Point) bool {
	lon, lat := p[0], p[1]
	return !(lon >= chinaMinLon && lon <= chinaMaxLon && lat >= chinaMinLat && lat <= chinaMaxLat)
}

// ToWGS84 converts p ([lon, lat]) from the coordinate system from to WGS-84. Points outside China (OutOfChina)
// are returned unchanged, as are points in a CRS this package does not know (use ParseCRS to check names).
//
// GCJ-02 has no closed-form inverse: the result is found by fixed-point iteration on the forward transform and is
// within 1e-9° (about 0.1 mm) of the exact inverse. Near the edge of the box a point whose GCJ-02 position is
// outside it but whose WGS-84 position is inside (or the reverse) is not round-tripped.
func ToWGS84(p orb.Point, from CRS) orb.Point {
	if OutOfChina(p) {
		return p
	}
	switch from {
	case GCJ02:
		return gcjToWGS(p)
	case BD09:
		return gcjToWGS(bdToGCJ(p))
	}
	return p
}

// FromWGS84 converts a WGS-84 point p ([lon, lat]) to the coordinate system to. Points outside China are returned
// unchanged, as are points for a CRS this package does not know.
func FromWGS84(p orb.Point, to CRS) orb.Point {
	if OutOfChina(p) {
		return p
	}
	switch to {
	case GCJ02:
		return wgsToGCJ(p)
	case BD09:
		return gcjToBD(wgsToGCJ(p))
	}
	return p
}

// Parameters of the GCJ-02 offset: the Krasovsky 1940 ellipsoid's semi-major axis and first eccentricity squared.
const (
	krasovskyA  = 6378245.0
	krasovskyEE = 0.00669342162296594323
)

// Iterative inverses stop when the last correction is below crsTolerance degrees in both coordinates (1e-9° is
// about 0.1 mm), or after crsMaxIterations steps. Each step shrinks the error by a factor of about 1000, so three
// or four steps are the rule.
const (
	crsTolerance     = 1e-9
	crsMaxIterations = 30
)

// gcjOffset is the GCJ-02 shift at the WGS-84 point (lon, lat), in degrees.
func gcjOffset(lon, lat float64) (dLon, dLat float64) {
	x, y := lon-105.0, lat-35.0
	sx := math.Sqrt(math.Abs(x))
	common := (20.0*math.Sin(6.0*x*math.Pi) + 20.0*math.Sin(2.0*x*math.Pi)) * 2.0 / 3.0

	mLat := -100.0 + 2.0*x + 3.0*y + 0.2*y*y + 0.1*x*y + 0.2*sx + common
	mLat += (20.0*math.Sin(y*math.Pi) + 40.0*math.Sin(y/3.0*math.Pi)) * 2.0 / 3.0
	mLat += (160.0*math.Sin(y/12.0*math.Pi) + 320.0*math.Sin(y*math.Pi/30.0)) * 2.0 / 3.0

	mLon := 300.0 + x + 2.0*y + 0.1*x*x + 0.1*x*y + 0.1*sx + common
	mLon += (20.0*math.Sin(x*math.Pi) + 40.0*math.Sin(x/3.0*math.Pi)) * 2.0 / 3.0
	mLon += (150.0*math.Sin(x/12.0*math.Pi) + 300.0*math.Sin(x/30.0*math.Pi)) * 2.0 / 3.0

	// The offsets above are metres on the ellipsoid; turn them into degrees at this latitude.
	rad := lat / 180.0 * math.Pi
	s := math.Sin(rad)
	magic := 1 - krasovskyEE*s*s
	sqrtMagic := math.Sqrt(magic)
	dLat = (mLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * math.Pi)
	dLon = (mLon * 180.0) / (krasovskyA / sqrtMagic * math.Cos(rad) * math.Pi)
	return dLon, dLat
}

func wgsToGCJ(p orb.Point) orb.Point {
	dLon, dLat := gcjOffset(p[0], p[1])
	return orb.Point{p[0] + dLon, p[1] + dLat}
}

// gcjToWGS inverts wgsToGCJ by fixed-point iteration: w ← w − (wgsToGCJ(w) − g), starting from g minus the
// offset at g (the one-step approximation most libraries stop at, good to a metre or two).
func gcjToWGS(g orb.Point) orb.Point {
	dLon, dLat := gcjOffset(g[0], g[1])
	w := orb.Point{g[0] - dLon, g[1] - dLat}
	for range crsMaxIterations {
		f := wgsToGCJ(w)
		cLon, cLat := f[0]-g[0], f[1]-g[1]
		w[0] -= cLon
		w[1] -= cLat
		if math.Abs(cLon) < crsTolerance && math.Abs(cLat) < crsTolerance {
			break
		}
	}
	return w
}

// bdXPi is Baidu's constant: π · 3000 / 180.
const bdXPi = math.Pi * 3000.0 / 180.0

// gcjToBD is Baidu's published shift from GCJ-02 to BD-09: a small rotation and scaling about the origin, then a
// translation by (0.0065°, 0.006°).
func gcjToBD(g orb.Point) orb.Point {
	x, y := g[0], g[1]
	z := math.Hypot(x, y) + 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) + 0.000003*math.Cos(x*bdXPi)
	return orb.Point{z*math.Cos(theta) + 0.0065, z*math.Sin(theta) + 0.006}
}

// bdToGCJ inverts gcjToBD. The inverse formula everyone copies (used here as the first guess) is itself only
// approximate, off by up to 20 cm over China, so it is refined by fixed-point iteration like gcjToWGS.
func bdToGCJ(b orb.Point) orb.Point {
	x, y := b[0]-0.0065, b[1]-0.006
	z := math.Hypot(x, y) - 0.00002*math.Sin(y*bdXPi)
	theta := math.Atan2(y, x) - 0.000003*math.Cos(x*bdXPi)
	g := orb.Point{z * math.Cos(theta), z * math.Sin(theta)}
	for range crsMaxIterations {
		f := gcjToBD(g)
		cLon, cLat := f[0]-b[0], f[1]-b[1]
		g[0] -= cLon
		g[1] -= cLat
		if math.Abs(cLon) < crsTolerance && math.Abs(cLat) < crsTolerance {
			break
		}
	}
	return g
}
