package geo

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gazTestUnits is a small city shaped like the demo's: two streets, five communities (北门社区 in both streets),
// two grids per community and four compounds per community, numbered across the community (1号院 and 2号院 in
// grid 1, 3号院 and 4号院 in grid 2), plus a copy of 宝鼎社区 in a second district, whose names carry "(二区)".
func gazTestUnits() []Unit {
	var units []Unit
	street := func(code, name string) {
		units = append(units, Unit{Level: LevelStreet, Code: code, Name: name, Props: map[string]any{}})
	}
	community := func(street, code, name, official string) {
		units = append(units, Unit{Level: LevelCommunity, Code: code, Name: name, ParentCode: street,
			Props: map[string]any{"official_name": official}})
		no := 0
		for g := 1; g <= 2; g++ {
			grid := fmt.Sprintf("%s%03d", code, g)
			units = append(units, Unit{Level: LevelGrid, Code: grid, Name: fmt.Sprintf("%s第%d网格", name, g),
				ParentCode: code})
			for c := 1; c <= 2; c++ {
				no++
				units = append(units, Unit{Level: LevelBuilding, Code: fmt.Sprintf("%s%03d", grid, c),
					Name: fmt.Sprintf("%s%d号院", name, no), ParentCode: grid, Props: map[string]any{"no": no}})
			}
		}
	}
	street("370781006", "云门山街道")
	community("370781006", "370781006033", "宝鼎社区", "宝鼎社区居民委员会")
	community("370781006", "370781006034", "云门社区", "云门居委会")
	community("370781006", "370781006040", "北门社区", "北门社区居民委员会")
	street("370781001", "王府街道")
	community("370781001", "370781001025", "西关社区", "西关社区居民委员会")
	community("370781001", "370781001030", "北门社区", "北门社区居民委员会")
	street("370781101", "云门山街道(二区)")
	community("370781101", "370781101001", "宝鼎社区(二区)", "宝鼎社区居民委员会(二区)")
	// Not area units: ignored.
	units = append(units,
		Unit{Level: LevelDiscussPoint, Code: "DP370781006033001", Name: "宝鼎社区第1网格说事点",
			ParentCode: "370781006033001", Geometry: orb.Point{118.48, 36.69}},
		Unit{Level: LevelRoad, Code: "road-1", Name: "云门山路"})
	return units
}

func TestGazetteerMatch(t *testing.T) {
	g := NewGazetteer(gazTestUnits())
	for _, tc := range []struct {
		text string
		code string // the unit found, or
		err  error  // the error it wraps
		msg  string // and a part of its message
	}{
		// Compounds.
		{text: "云门山街道宝鼎社区3号院", code: "370781006033002001"},
		{text: "宝鼎社区3号院", code: "370781006033002001"},
		{text: "宝鼎社区 3号院", code: "370781006033002001"},
		{text: "宝鼎3号院", code: "370781006033002001"},
		{text: "宝鼎社区三号院", code: "370781006033002001"},
		{text: "宝鼎社区３号院", code: "370781006033002001"},
		{text: "宝鼎 ３ 号院", code: "370781006033002001"},
		{text: "宝鼎社区1号院", code: "370781006033001001"},
		{text: "西关4号院", code: "370781001025002002"},
		{text: "西关社区四号院", code: "370781001025002002"},
		{text: "山东省青州市云门山街道宝鼎社区3号院2单元501室", code: "370781006033002001"},
		{text: "宝鼎社区第2网格3号院", code: "370781006033002001"},
		{text: "  宝鼎社区，3号院。 ", code: "370781006033002001"},
		// Grids.
		{text: "宝鼎社区第2网格", code: "370781006033002"},
		{text: "宝鼎社区2网格", code: "370781006033002"},
		{text: "宝鼎社区第二网格", code: "370781006033002"},
		{text: "宝鼎第２网格", code: "370781006033002"},
		{text: "宝鼎社区 第 二 网格", code: "370781006033002"},
		{text: "云门社区第1网格网格员反映", code: "370781006034001"},
		// Communities and streets.
		{text: "宝鼎社区", code: "370781006033"},
		{text: "宝鼎", code: "370781006033"},
		{text: "宝鼎社区居民委员会", code: "370781006033"},
		{text: "云门居委会", code: "370781006034"},
		{text: "云门社区", code: "370781006034"},
		{text: "云门山街道", code: "370781006"},
		{text: "云门山街道办事处", code: "370781006"},
		{text: "云门山街道宝鼎社区", code: "370781006033"},
		{text: "宝鼎社区 云门山路12号", code: "370781006033"},
		// The second district's copies.
		{text: "宝鼎社区(二区)3号院", code: "370781101001002001"},
		{text: "云门山街道（二区）宝鼎社区（二区）第1网格", code: "370781101001001"},
		// A community name in two streets, disambiguated by the street.
		{text: "王府街道北门社区2号院", code: "370781001030001002"},
		{text: "云门山街道北门社区", code: "370781006040"},
		{text: "北门社区，王府街道", code: "370781001030"},
		{text: "北门社区", err: ErrAddressAmbiguous, msg: "北门社区 (370781001030, 王府街道), 北门社区 (370781006040, 云门山街道)"},
		{text: "北门社区2号院", err: ErrAddressAmbiguous, msg: "北门社区2号院 (370781001030001002, 王府街道)"},
		{text: "3号院", err: ErrAddressAmbiguous, msg: "宝鼎社区3号院 (370781006033002001, 云门山街道)"},
		{text: "第1网格", err: ErrAddressAmbiguous, msg: "and 1 more"},
		// Codes.
		{text: "370781006033", code: "370781006033"},
		{text: "工单：370781006033002001，漏水", code: "370781006033002001"},
		{text: "３７０７８１００６０３３", code: "370781006033"},
		{text: "370781006 370781006033001 西关社区", code: "370781006033001"},
		{text: "370781006033 370781001025", err: ErrAddressAmbiguous, msg: "西关社区 (370781001025, 王府街道)"},
		{text: "3707810060339", err: ErrAddressNotFound},
		{text: "370781006999宝鼎社区", code: "370781006033"},
		// Nothing there.
		{text: "火星路1号", err: ErrAddressNotFound, msg: `no street, community, grid or compound named in "火星路1号"`},
		{text: "云门山路12号", err: ErrAddressNotFound},
		{text: "", err: ErrAddressNotFound},
		{text: "宝鼎社区9号院", err: ErrAddressNotFound, msg: "is 宝鼎社区 and 9号院"},
		{text: "宝鼎社区第1网格3号院", err: ErrAddressNotFound},
		{text: "西关社区第十二网格", err: ErrAddressNotFound},
		{text: "宝鼎社区和西关社区交界处", err: ErrAddressNotFound},
		{text: strings.Repeat("宝", MaxAddressLen+1), err: ErrAddressTooLong},
	} {
		t.Run(tc.text, func(t *testing.T) {
			u, err := g.Match(tc.text)
			if tc.err != nil {
				require.Error(t, err, "found %s %s", u.Code, u.Name)
				assert.ErrorIs(t, err, tc.err)
				assert.Contains(t, err.Error(), tc.msg)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.code, u.Code, u.Name)
		})
	}
}

func TestGazetteerAmbiguousListsAtMostFive(t *testing.T) {
	var units []Unit
	for i := range 7 {
		street := fmt.Sprintf("37078100%d", i)
		units = append(units,
			Unit{Level: LevelStreet, Code: street, Name: fmt.Sprintf("第%d街道", i)},
			Unit{Level: LevelCommunity, Code: street + "001", Name: "新村社区", ParentCode: street})
	}
	_, err := NewGazetteer(units).Match("新村社区")
	require.ErrorIs(t, err, ErrAddressAmbiguous)
	assert.Equal(t, 5, strings.Count(err.Error(), "新村社区 ("))
	assert.Contains(t, err.Error(), "and 2 more")
}

func TestGazetteerEmptyAndBadData(t *testing.T) {
	_, err := NewGazetteer(nil).Match("宝鼎社区")
	assert.ErrorIs(t, err, ErrAddressNotFound)

	// A parent cycle and a duplicate code do not hang or panic; the first unit of a code wins.
	g := NewGazetteer([]Unit{
		{Level: LevelCommunity, Code: "370781006033", Name: "宝鼎社区", ParentCode: "370781006033001"},
		{Level: LevelGrid, Code: "370781006033001", Name: "宝鼎社区第1网格", ParentCode: "370781006033"},
		{Level: LevelGrid, Code: "370781006033001", Name: "别的网格", ParentCode: "370781006033"},
	})
	u, err := g.Match("宝鼎社区第1网格")
	require.NoError(t, err)
	assert.Equal(t, "370781006033001", u.Code)
	_, err = g.Match("别的网格")
	assert.ErrorIs(t, err, ErrAddressNotFound)
}

func TestGazNormalise(t *testing.T) {
	for _, tc := range []struct {
		in, flat string
		runs     []string
	}{
		{"宝鼎社区 3号院", "宝鼎社区3号院", []string{"3"}},
		{"宝鼎社区第三网格", "宝鼎社区第3网格", nil},
		{"十二号院", "12号院", nil},
		{"二十号院", "20号院", nil},
		{"一百零五号院", "105号院", nil},
		{"一〇五号院", "105号院", nil},
		{"两号院", "2号院", nil},
		{"第十网格", "第10网格", nil},
		{"三里河社区二号院", "三里河社区2号院", nil},
		{"八一社区三十一号院", "八一社区31号院", nil},
		{"网格员", "网格员", nil},
		{"三网格", "3网格", nil},
		{"十十号院", "十10号院", nil},
		{"ＡＢＣ１２３", "ABC123", []string{"123"}},
		{"370781006033，3号院", "3707810060333号院", []string{"370781006033", "3"}},
		{"（二区）·—「」", "二区", nil},
		{"a\tb\u3000c\n", "abc", nil},
	} {
		t.Run(tc.in, func(t *testing.T) {
			flat, runs := gazNormalise(tc.in)
			assert.Equal(t, tc.flat, flat)
			assert.Equal(t, tc.runs, runs)
		})
	}
}

func TestGazChineseNumber(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"一", 1, true}, {"十", 10, true}, {"十一", 11, true}, {"二十", 20, true}, {"九十九", 99, true},
		{"一百", 100, true}, {"一百零五", 105, true}, {"一百一十", 110, true}, {"一百十", 110, true},
		{"三百二十一", 321, true}, {"一二", 12, true}, {"〇七", 7, true},
		{"零", 0, false}, {"百", 0, false}, {"十十", 0, false}, {"二三十", 0, false}, {"一千", 0, false},
		{"", 0, false}, {"一二三四五六七", 0, false}, {"一十百", 0, false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			n, ok := gazChineseNumber([]rune(tc.in))
			assert.Equal(t, tc.ok, ok)
			if tc.ok {
				assert.Equal(t, tc.want, n)
			}
		})
	}
}

func FuzzGazetteerMatch(f *testing.F) {
	units := gazTestUnits()
	g := NewGazetteer(units)
	codes := map[string]bool{}
	for _, u := range units {
		codes[u.Code] = true
	}
	for _, s := range []string{"云门山街道宝鼎社区3号院", "宝鼎3号院", "宝鼎社区第二网格", "３号院", "370781006033",
		"北门社区", "火星路1号", "一百零五号院", "十十网格", "第网格号院", "\xff\xfe号院", "宝鼎社区(二区)3号院",
		"云门山路", "9999999999号院"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		u, err := g.Match(text)
		if err != nil {
			if !errors.Is(err, ErrAddressNotFound) && !errors.Is(err, ErrAddressAmbiguous) &&
				!errors.Is(err, ErrAddressTooLong) {
				t.Fatalf("Match(%q): unexpected error %v", text, err)
			}
			return
		}
		if !codes[u.Code] || !u.Level.IsArea() {
			t.Fatalf("Match(%q) = %q, not an area unit of the gazetteer", text, u.Code)
		}
	})
}

// gazBenchUnits is a city the size of one demo district: 4 streets, 28 communities, 6 grids and 4 compounds each.
func gazBenchUnits() []Unit {
	stems := []string{"马驿山", "西关", "松林院", "范公亭", "偕园", "表海", "北门", "南门", "通衢", "旗城", "驿店",
		"义和", "卞万", "红庙", "北阁", "海岱苑", "益王府", "平章府", "宝鼎", "云门", "云门山花园", "烟厂东宿舍",
		"圣水泉", "黄楼", "迎宾", "东圣水", "阳溪", "冶源"}
	var units []Unit
	for s := range 4 {
		street := fmt.Sprintf("370781%03d", s+1)
		units = append(units, Unit{Level: LevelStreet, Code: street, Name: []string{"王府街道", "益都街道", "云门山街道", "黄楼街道"}[s]})
		for c := range 7 {
			stem := stems[s*7+c]
			community := fmt.Sprintf("%s%03d", street, c+1)
			units = append(units, Unit{Level: LevelCommunity, Code: community, Name: stem + "社区", ParentCode: street,
				Props: map[string]any{"official_name": stem + "社区居民委员会"}})
			no := 0
			for gr := 1; gr <= 6; gr++ {
				grid := fmt.Sprintf("%s%03d", community, gr)
				units = append(units, Unit{Level: LevelGrid, Code: grid, Name: fmt.Sprintf("%s社区第%d网格", stem, gr),
					ParentCode: community})
				for b := 1; b <= 4; b++ {
					no++
					units = append(units, Unit{Level: LevelBuilding, Code: fmt.Sprintf("%s%03d", grid, b),
						Name: fmt.Sprintf("%s社区%d号院", stem, no), ParentCode: grid})
				}
			}
		}
	}
	return units
}

func BenchmarkGazetteerMatch(b *testing.B) {
	g := NewGazetteer(gazBenchUnits())
	for _, text := range []string{
		"山东省青州市云门山街道宝鼎社区3号院2单元501室楼上漏水",
		"宝鼎三号院",
		"370781003005002003",
		"火星路1号",
	} {
		b.Run(text, func(b *testing.B) {
			if _, err := g.Match(text); err != nil && !errors.Is(err, ErrAddressNotFound) {
				b.Fatal(err)
			}
			for b.Loop() {
				_, _ = g.Match(text)
			}
		})
	}
}

func BenchmarkNewGazetteer(b *testing.B) {
	units := gazBenchUnits()
	for b.Loop() {
		NewGazetteer(units)
	}
}
