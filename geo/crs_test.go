package geo

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crsMetres is the great-circle distance between two [lon, lat] points in metres (haversine on a sphere of the
// Earth's mean radius; at centimetre scale the ellipsoid makes no difference that matters here).
func crsMetres(a, b orb.Point) float64 {
	const r = 6371008.8
	rad := math.Pi / 180
	dLat := (b[1] - a[1]) * rad
	dLon := (b[0] - a[0]) * rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a[1]*rad)*math.Cos(b[1]*rad)*math.Sin(dLon/2)*math.Sin(dLon/2)
	return 2 * r * math.Asin(math.Min(1, math.Sqrt(h)))
}

func TestParseCRS(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want CRS
		err  bool
	}{
		{"", WGS84, false},
		{"wgs84", WGS84, false},
		{"WGS84", WGS84, false},
		{" GCJ02 ", GCJ02, false},
		{"gcj02", GCJ02, false},
		{"Bd09", BD09, false},
		{"epsg:3857", "", true},
		{"bd09mc", "", true},
		{"gcj-02x", "", true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseCRS(tc.in)
			if tc.err {
				require.Error(t, err)
				assert.True(t, errors.Is(err, ErrUnknownCRS))
				assert.Contains(t, err.Error(), "wgs84, gcj02, bd09")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestOutOfChina(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    orb.Point
		out  bool
	}{
		{"Beijing", orb.Point{116.404, 39.915}, false},
		{"Qingzhou", orb.Point{118.48, 36.69}, false},
		{"Urumqi", orb.Point{87.62, 43.83}, false},
		{"Tokyo", orb.Point{139.6917, 35.6895}, true},
		{"Paris", orb.Point{2.3522, 48.8566}, true},
		{"south of the box", orb.Point{110, 0.5}, true},
		{"north of the box", orb.Point{120, 56}, true},
		{"NaN", orb.Point{math.NaN(), 39}, true},
		{"box corner", orb.Point{72.004, 0.8293}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.out, OutOfChina(tc.p))
		})
	}
}

// TestCRSReferenceVectors checks published conversions of other implementations of the same formulas.
func TestCRSReferenceVectors(t *testing.T) {
	// wandergis/coordtransform, README.md (and test/app.js): every conversion of (116.404, 39.915).
	// Its WGS→GCJ and GCJ→BD are the same closed formulas as ours, so they must agree to floating-point noise.
	in := orb.Point{116.404, 39.915}
	assertNear(t, orb.Point{116.41024449916938, 39.91640428150164}, FromWGS84(in, GCJ02), 1e-9, "wgs84togcj02")
	assertNear(t, orb.Point{116.41036949371029, 39.92133699351021}, gcjToBD(in), 1e-9, "gcj02tobd09")
	// Its GCJ→WGS is the one-step approximation (g − offset(g)) and its BD→GCJ the approximate closed inverse;
	// ours iterate to the exact inverse, which lies a few centimetres away. Check both: near the published value,
	// and exact in that the forward transform gives back the input.
	got := ToWGS84(in, GCJ02)
	assert.Less(t, crsMetres(got, orb.Point{116.39775550083061, 39.91359571849836}), 0.5, "gcj02towgs84")
	assertNear(t, in, FromWGS84(got, GCJ02), 1e-9, "gcj02towgs84 inverts wgs84togcj02")
	gotBD := bdToGCJ(in)
	assert.Less(t, crsMetres(gotBD, orb.Point{116.39762729119315, 39.90865673957631}), 0.5, "bd09togcj02")
	assertNear(t, in, gcjToBD(gotBD), 1e-9, "bd09togcj02 inverts gcj02tobd09")

	// googollee/eviltransform, go/transform_test.go (the same table is in its python/test.py and
	// php/EvilTransformTest.php): WGS-84 and GCJ-02 pairs, there given as (lat, lng).
	for _, tc := range []struct {
		name     string
		wgs, gcj orb.Point
	}{
		{"shanghai", orb.Point{121.5272106, 31.1774276}, orb.Point{121.531541859215, 31.17530398364597}},
		{"shenzhen", orb.Point{113.912316, 22.543847}, orb.Point{113.9171764808363, 22.540796131694766}},
		{"beijing", orb.Point{116.377817, 39.911954}, orb.Point{116.38404722455657, 39.91334545536069}},
	} {
		t.Run("eviltransform "+tc.name, func(t *testing.T) {
			assertNear(t, tc.gcj, FromWGS84(tc.wgs, GCJ02), 1e-9, "WGStoGCJ")
			// eviltransform's own exact inverse is only asked to come within 0.5 m; ours must within 1 cm.
			assert.Less(t, crsMetres(ToWGS84(tc.gcj, GCJ02), tc.wgs), 0.01, "GCJtoWGS")
		})
	}

	// hujiulong/gcoord, test/unit/crs/GCJ02.spec.js: GCJ-02 (123, 45) to WGS-84 and to BD-09, checked there with
	// toBeCloseTo(…, 5), that is within 5e-6°.
	assertNear(t, orb.Point{122.99395597, 44.99804071}, ToWGS84(orb.Point{123, 45}, GCJ02), 5e-6, "gcoord GCJ02→WGS84")
	assertNear(t, orb.Point{123.00636499, 45.00636899}, gcjToBD(orb.Point{123, 45}), 5e-6, "gcoord GCJ02→BD09")

	// BD-09 to WGS-84 goes through GCJ-02.
	assertNear(t, ToWGS84(bdToGCJ(in), GCJ02), ToWGS84(in, BD09), 1e-12, "BD09 via GCJ02")
	assertNear(t, gcjToBD(FromWGS84(in, GCJ02)), FromWGS84(in, BD09), 1e-12, "WGS84 to BD09 via GCJ02")
}

func assertNear(t *testing.T, want, got orb.Point, tol float64, msg string) {
	t.Helper()
	assert.InDelta(t, want[0], got[0], tol, "%s: longitude", msg)
	assert.InDelta(t, want[1], got[1], tol, "%s: latitude", msg)
}

// TestCRSRoundTrip converts many random points over China out of WGS-84 and back and measures the error in metres.
func TestCRSRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(2024, 12345))
	const n = 20000
	worst := map[string]float64{}
	for range n {
		// Stay 0.05° (about 5 km) inside the box, so that no point crosses its edge when shifted (the shifts are
		// under 1 km).
		w := orb.Point{chinaMinLon + 0.05 + rng.Float64()*(chinaMaxLon-chinaMinLon-0.1),
			chinaMinLat + 0.05 + rng.Float64()*(chinaMaxLat-chinaMinLat-0.1)}
		for _, c := range []CRS{GCJ02, BD09} {
			shifted := FromWGS84(w, c)
			require.False(t, OutOfChina(shifted))
			d := crsMetres(w, ToWGS84(shifted, c))
			worst["WGS84→"+string(c)+"→WGS84"] = math.Max(worst["WGS84→"+string(c)+"→WGS84"], d)
			// The other way round: read w as a point of c.
			d = crsMetres(w, FromWGS84(ToWGS84(w, c), c))
			worst[string(c)+"→WGS84→"+string(c)] = math.Max(worst[string(c)+"→WGS84→"+string(c)], d)
		}
	}
	for k, v := range worst {
		t.Logf("%s: worst error over %d points %.3g m", k, n, v)
		assert.Less(t, v, 0.01, k)
	}
}

func TestCRSOutsideChinaUnchanged(t *testing.T) {
	for _, p := range []orb.Point{
		{139.6917, 35.6895}, // Tokyo
		{2.3522, 48.8566},   // Paris
		{-74.006, 40.7128},  // New York
		{180, -90},
	} {
		for _, c := range []CRS{WGS84, GCJ02, BD09} {
			assert.Equal(t, p, ToWGS84(p, c), "%v from %s", p, c)
			assert.Equal(t, p, FromWGS84(p, c), "%v to %s", p, c)
		}
	}
	// An unknown CRS leaves the point alone.
	p := orb.Point{116.404, 39.915}
	assert.Equal(t, p, ToWGS84(p, CRS("bd09mc")))
	assert.Equal(t, p, FromWGS84(p, CRS("bd09mc")))
}

func TestCRSShiftsInsideChina(t *testing.T) {
	// Sanity: inside China the datums differ by tens to hundreds of metres, never by kilometres.
	p := orb.Point{118.48, 36.69} // Qingzhou
	g := FromWGS84(p, GCJ02)
	b := FromWGS84(p, BD09)
	assert.InDelta(t, 500, crsMetres(p, g), 490)
	assert.InDelta(t, 1000, crsMetres(p, b), 990)
	assert.Greater(t, crsMetres(g, b), 100.0)
}

func FuzzCRS(f *testing.F) {
	f.Add(116.404, 39.915, "gcj02")
	f.Add(139.6917, 35.6895, "bd09")
	f.Add(72.004, 0.8293, "BD09")
	f.Add(137.8347, 55.8271, "wgs84")
	f.Add(0.0, 0.0, "")
	f.Add(1e308, -1e308, "GCJ02")
	f.Add(105.0, 35.0, "x")
	f.Fuzz(func(t *testing.T, lon, lat float64, name string) {
		c, err := ParseCRS(name)
		if err != nil {
			if !errors.Is(err, ErrUnknownCRS) {
				t.Fatalf("ParseCRS(%q): error %v does not wrap ErrUnknownCRS", name, err)
			}
			c = CRS(name)
		}
		p := orb.Point{lon, lat}
		finite := !math.IsNaN(lon) && !math.IsInf(lon, 0) && !math.IsNaN(lat) && !math.IsInf(lat, 0)
		for _, q := range []orb.Point{ToWGS84(p, c), FromWGS84(p, c)} {
			if finite && (math.IsNaN(q[0]) || math.IsInf(q[0], 0) || math.IsNaN(q[1]) || math.IsInf(q[1], 0)) {
				t.Fatalf("%v in %q gave %v", p, c, q)
			}
			if OutOfChina(p) && q != p && !(math.IsNaN(lon) || math.IsNaN(lat)) {
				t.Fatalf("%v is outside China but became %v", p, q)
			}
		}
	})
}

func BenchmarkGCJ02ToWGS84(b *testing.B) {
	p := orb.Point{121.531541859215, 31.17530398364597}
	var sink orb.Point
	for b.Loop() {
		sink = ToWGS84(p, GCJ02)
	}
	_ = sink
}

func BenchmarkBD09ToWGS84(b *testing.B) {
	p := orb.Point{116.404, 39.915}
	var sink orb.Point
	for b.Loop() {
		sink = ToWGS84(p, BD09)
	}
	_ = sink
}

func BenchmarkWGS84ToGCJ02(b *testing.B) {
	p := orb.Point{121.5272106, 31.1774276}
	var sink orb.Point
	for b.Loop() {
		sink = FromWGS84(p, GCJ02)
	}
	_ = sink
}
