package tiles

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/maptile"
)

// mercator is a WGS-84 point in Web Mercator world coordinates: x and y in [0, 1), y down, as tiles count them.
func mercator(p orb.Point) orb.Point {
	lat := math.Max(math.Min(p[1], 85.0511287798), -85.0511287798) * math.Pi / 180
	return orb.Point{(p[0] + 180) / 360, (1 - math.Log(math.Tan(lat)+1/math.Cos(lat))/math.Pi) / 2}
}

// encodeHexagons writes the hotspot layer of tile t directly as MVT 2 protobuf. Hexagons are far smaller than the
// tiles they are drawn in (ResForZoom), so they are not clipped: a hexagon across the tile's edge keeps its
// vertices in the buffer or a little beyond, which MVT allows. The hexagons' Mercator rings are computed once
// per cell, so a tile costs a scale, a round and the protobuf bytes per vertex — about ten times less than
// going through orb's geojson → project → clip → gogo/protobuf path, which this replaced.
func encodeHexagons(hexes []Hex, res int, t maptile.Tile) []byte {
	scale := float64(uint64(1)<<t.Z) * Extent
	ox, oy := float64(t.X)*Extent, float64(t.Y)*Extent
	vals := map[string]uint32{}
	var values, features, geom []byte
	var tags []uint32
	var ring [][2]int64
	value := func(key string, enc func([]byte) []byte) uint32 {
		if i, ok := vals[key]; ok {
			return i
		}
		i := uint32(len(vals))
		vals[key] = i
		values = appendBytes(values, 4, enc(nil))
		return i
	}
	resVal := value("r", func(b []byte) []byte { return appendVarintField(b, 5, uint64(res)) })
	for i := range hexes {
		hx := &hexes[i]
		ring = ring[:0]
		for _, p := range hx.merc {
			q := [2]int64{int64(math.Round(p[0]*scale - ox)), int64(math.Round(p[1]*scale - oy))}
			if len(ring) == 0 || ring[len(ring)-1] != q {
				ring = append(ring, q)
			}
		}
		if len(ring) > 1 && ring[0] == ring[len(ring)-1] {
			ring = ring[:len(ring)-1]
		}
		var area int64
		for j := range ring {
			k := (j + 1) % len(ring)
			area += ring[j][0]*ring[k][1] - ring[k][0]*ring[j][1]
		}
		if len(ring) < 3 || area == 0 {
			continue
		}
		if area < 0 { // exterior rings are clockwise on screen: positive area in tile coordinates
			for a, b := 0, len(ring)-1; a < b; a, b = a+1, b-1 {
				ring[a], ring[b] = ring[b], ring[a]
			}
		}
		geom = geom[:0]
		geom = binary.AppendUvarint(geom, 1|1<<3) // MoveTo × 1
		geom = binary.AppendUvarint(geom, zigzag(ring[0][0]))
		geom = binary.AppendUvarint(geom, zigzag(ring[0][1]))
		geom = binary.AppendUvarint(geom, uint64(2|(len(ring)-1)<<3)) // LineTo × n−1
		for j := 1; j < len(ring); j++ {
			geom = binary.AppendUvarint(geom, zigzag(ring[j][0]-ring[j-1][0]))
			geom = binary.AppendUvarint(geom, zigzag(ring[j][1]-ring[j-1][1]))
		}
		geom = binary.AppendUvarint(geom, 7|1<<3) // ClosePath
		cell := hx.Cell.String()
		z := math.Round(hx.Z*1000) / 1000
		hot := Hot(z)
		tags = append(tags[:0],
			0, value("s"+cell, func(b []byte) []byte { return appendBytes(b, 1, []byte(cell)) }),
			1, resVal,
			2, value("c"+strconv.Itoa(hx.Count), func(b []byte) []byte { return appendVarintField(b, 5, uint64(hx.Count)) }),
			3, value("d"+strconv.FormatFloat(z, 'g', -1, 64), func(b []byte) []byte {
				b = append(b, 3<<3|1)
				return binary.LittleEndian.AppendUint64(b, math.Float64bits(z))
			}),
			4, value("s"+hot, func(b []byte) []byte { return appendBytes(b, 1, []byte(hot)) }))
		var f []byte
		f = appendVarintField(f, 1, uint64(hx.Cell))
		var packed []byte
		for _, tg := range tags {
			packed = binary.AppendUvarint(packed, uint64(tg))
		}
		f = appendBytes(f, 2, packed)
		f = appendVarintField(f, 3, 3) // POLYGON
		f = appendBytes(f, 4, geom)
		features = appendBytes(features, 2, f)
	}
	if len(features) == 0 {
		return nil
	}
	var l []byte
	l = appendVarintField(l, 15, 2)
	l = appendBytes(l, 1, []byte(HotspotLayer))
	l = append(l, features...)
	for _, k := range []string{"h3", "res", "count", "gi_z", "hot"} {
		l = appendBytes(l, 3, []byte(k))
	}
	l = append(l, values...)
	l = appendVarintField(l, 5, Extent)
	return appendBytes(nil, 3, l)
}

func zigzag(v int64) uint64 { return uint64((v << 1) ^ (v >> 63)) }

func appendVarintField(b []byte, field int, v uint64) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3))
	return binary.AppendUvarint(b, v)
}

func appendBytes(b []byte, field int, v []byte) []byte {
	b = binary.AppendUvarint(b, uint64(field<<3|2))
	b = binary.AppendUvarint(b, uint64(len(v)))
	return append(b, v...)
}
