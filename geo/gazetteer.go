package geo

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Errors of Gazetteer.Match.
var (
	ErrAddressNotFound  = errors.New("address not found")
	ErrAddressAmbiguous = errors.New("address is ambiguous")
	ErrAddressTooLong   = errors.New("address is too long")
)

// MaxAddressLen is the longest address text, in characters, that Gazetteer.Match reads.
const MaxAddressLen = 200

// Gazetteer finds a unit from free address text: street, community, grid and compound names and codes. Hotline
// (12345) operators often have nothing else. It is built once from the area units and is safe for concurrent use.
//
// Match reads the text by these rules:
//
//  1. Normalise: trim; drop whitespace, punctuation and symbols; turn full-width digits and letters into ASCII; write
//     Chinese numbers in front of 网格 and 号院 in digits ("第三网格" → "第3网格", "十二号院" → "12号院").
//  2. Codes: a run of digits (runs are split by anything that is not a digit, spaces and punctuation included) of 9,
//     12, 15 or 16 to 21 digits that is exactly a known unit's code wins over any names. Several codes must lie on
//     one chain of parents; the deepest is the answer.
//  3. Names: every unit name found in the text is a strong mention of the units of that name. Communities are also
//     found by Props["official_name"] (宝鼎社区居民委员会) and, as a weak mention, by their short name without 社区
//     (宝鼎); streets, weakly, by the name without 街道 (云门山). "3号院" is a strong mention of every compound whose
//     name ends in 3号院, "3网格" or "第3网格" of every grid whose name ends so. A mention inside a longer one is
//     dropped ("云门" inside "云门山街道", "3号院" inside "宝鼎社区3号院"), unless it is strong and the longer one
//     weak. A weak mention followed by 路, 街, 道 or 巷 is part of a road's name and dropped ("云门山路").
//  4. Resolve: every unit a mention names is a candidate. A candidate answers the text when every strong mention
//     names it or one of its ancestors by the ParentCode chain. Among those, the one that also fits the most weak
//     mentions wins, then the deepest ("宝鼎3号院" is compound 3 of 宝鼎社区; "宝鼎社区 云门山路" is 宝鼎社区
//     although 云门 is another community). So "3号院" alone, or a community name used in two streets, is resolved
//     by the street or community named beside it.
//
// Match fails with ErrAddressNotFound when nothing is named, or when no single unit fits all that is named (宝鼎社区
// has no 9号院); with ErrAddressAmbiguous, naming at most 5 candidates, when several units fit equally well; and
// with ErrAddressTooLong beyond MaxAddressLen characters.
type Gazetteer struct {
	byCode  map[string]*gazPlace
	byKey   map[string]*gazKey
	keyLens map[rune][]int // byte lengths of the keys starting with a rune, longest first
	byNum   map[gazNum][]*gazPlace
}

// gazPlace is one unit as the gazetteer sees it.
type gazPlace struct {
	unit  Unit
	depth int         // 0 for a street … 3 for a compound
	chain []*gazPlace // the place itself, then its parent, grandparent, … by ParentCode
	keys  []string    // normalised names it is found by
	num   int         // a grid's or compound's number taken from its name; 0 when it has none
}

// gazKey is a normalised name and the places it names. It is strong when it is a full name of at least one of them.
type gazKey struct {
	places []*gazPlace
	strong bool
}

type gazNum struct {
	level Level
	n     int
}

// Suffixes of numbered grid and compound names.
const (
	gazGridSuffix     = "网格"
	gazCompoundSuffix = "号院"
)

// NewGazetteer indexes the area units (street, community, grid, building); other units are ignored, as is a unit
// whose code was seen before. Units are matched by Name, so their names should be unique within their parent.
func NewGazetteer(units []Unit) *Gazetteer {
	g := &Gazetteer{
		byCode:  map[string]*gazPlace{},
		byKey:   map[string]*gazKey{},
		keyLens: map[rune][]int{},
		byNum:   map[gazNum][]*gazPlace{},
	}
	var places []*gazPlace
	for _, u := range units {
		if !u.Level.IsArea() || u.Code == "" || g.byCode[u.Code] != nil {
			continue
		}
		p := &gazPlace{unit: u, depth: slices.Index(AreaLevels, u.Level)}
		g.byCode[u.Code] = p
		places = append(places, p)
	}
	for _, p := range places {
		p.chain = []*gazPlace{p}
		for parent := g.byCode[p.unit.ParentCode]; parent != nil && len(p.chain) <= len(AreaLevels); parent = g.byCode[parent.unit.ParentCode] {
			if slices.Contains(p.chain, parent) {
				break // a cycle in bad data
			}
			p.chain = append(p.chain, parent)
		}
		name, _ := gazNormalise(p.unit.Name)
		g.addKey(p, name, true)
		switch p.unit.Level {
		case LevelStreet:
			if short, ok := strings.CutSuffix(name, "街道"); ok {
				g.addKey(p, short, false)
			}
		case LevelCommunity:
			if official, ok := p.unit.Props["official_name"].(string); ok {
				o, _ := gazNormalise(official)
				g.addKey(p, o, true)
			}
			if i := strings.LastIndex(name, "社区"); i >= 0 {
				g.addKey(p, name[:i]+name[i+len("社区"):], false)
			}
		case LevelGrid:
			p.num = gazTrailingNumber(name, gazGridSuffix)
		case LevelBuilding:
			p.num = gazTrailingNumber(name, gazCompoundSuffix)
		}
		if p.num > 0 {
			k := gazNum{p.unit.Level, p.num}
			g.byNum[k] = append(g.byNum[k], p)
		}
	}
	for k := range g.byKey {
		r, _ := utf8.DecodeRuneInString(k)
		g.keyLens[r] = append(g.keyLens[r], len(k))
	}
	for r, lens := range g.keyLens {
		slices.Sort(lens)
		slices.Reverse(lens)
		g.keyLens[r] = slices.Compact(lens)
	}
	return g
}

// addKey indexes p under the normalised name key. Keys of fewer than two characters would match almost anything
// and are left out.
func (g *Gazetteer) addKey(p *gazPlace, key string, strong bool) {
	if utf8.RuneCountInString(key) < 2 {
		return
	}
	k := g.byKey[key]
	if k == nil {
		k = &gazKey{}
		g.byKey[key] = k
	}
	k.strong = k.strong || strong
	if !slices.Contains(k.places, p) {
		k.places = append(k.places, p)
	}
	if !slices.Contains(p.keys, key) {
		p.keys = append(p.keys, key)
	}
}

// gazTrailingNumber reads n from a normalised name ending in "<n><suffix>" ("宝鼎社区第3网格", "宝鼎社区3号院"),
// or gives 0.
func gazTrailingNumber(name, suffix string) int {
	s, ok := strings.CutSuffix(name, suffix)
	if !ok {
		return 0
	}
	i := len(s)
	for i > 0 && s[i-1] >= '0' && s[i-1] <= '9' {
		i--
	}
	return gazAtoi(s[i:])
}

// gazAtoi reads 1 to 6 ASCII digits as a positive number, or gives 0.
func gazAtoi(s string) int {
	if len(s) == 0 || len(s) > 6 {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 {
		return 0
	}
	return n
}

// gazMention is a span of the normalised text that names units: by key (literal), by number (n > 0), or both.
type gazMention struct {
	start, end int // byte offsets in the normalised text
	text       string
	literal    bool
	level      Level // LevelGrid or LevelBuilding for a number
	n          int
	strong     bool
	road       bool // a weak name followed by 路, 街, 道 or 巷: part of a road's name
}

// fits reports whether the mention names p.
func (m *gazMention) fits(p *gazPlace) bool {
	if m.literal && slices.Contains(p.keys, m.text) {
		return true
	}
	return m.n > 0 && p.num == m.n && p.unit.Level == m.level
}

// Match returns the deepest unit the text names, consistent with the other units it names, or an error saying
// what was not found. The rules are in the Gazetteer's doc comment.
func (g *Gazetteer) Match(text string) (Unit, error) {
	text = strings.TrimSpace(text)
	if n := utf8.RuneCountInString(text); n > MaxAddressLen {
		return Unit{}, fmt.Errorf("%w: %d characters, at most %d", ErrAddressTooLong, n, MaxAddressLen)
	}
	flat, runs := gazNormalise(text)

	var coded []*gazPlace
	for _, r := range runs {
		if gazCodeLen(len(r)) {
			if p := g.byCode[r]; p != nil && !slices.Contains(coded, p) {
				coded = append(coded, p)
			}
		}
	}
	if len(coded) > 0 {
		return g.byCodes(text, coded)
	}

	mentions := g.mentions(flat)
	if len(mentions) == 0 {
		return Unit{}, fmt.Errorf("%w: no street, community, grid or compound named in %q", ErrAddressNotFound, text)
	}
	var candidates []*gazPlace
	seen := map[*gazPlace]bool{}
	for i := range mentions {
		for _, p := range g.candidates(&mentions[i]) {
			if !seen[p] {
				seen[p] = true
				candidates = append(candidates, p)
			}
		}
	}
	var best []*gazPlace
	bestWeak, bestDepth := -1, -1
	for _, p := range candidates {
		weak, ok := 0, true
		for i := range mentions {
			m := &mentions[i]
			fit := slices.ContainsFunc(p.chain, m.fits)
			if m.strong && !fit {
				ok = false
				break
			}
			if !m.strong && fit {
				weak++
			}
		}
		if !ok {
			continue
		}
		switch c := cmp.Or(cmp.Compare(weak, bestWeak), cmp.Compare(p.depth, bestDepth)); {
		case c > 0:
			best, bestWeak, bestDepth = []*gazPlace{p}, weak, p.depth
		case c == 0:
			best = append(best, p)
		}
	}
	switch len(best) {
	case 0:
		var named []string
		for _, m := range mentions {
			if m.strong {
				named = append(named, m.text)
			}
		}
		return Unit{}, fmt.Errorf("%w: no street, community, grid or compound is %s in %q", ErrAddressNotFound,
			strings.Join(named, " and "), text)
	case 1:
		return best[0].unit, nil
	}
	return Unit{}, gazAmbiguous(text, best)
}

// gazCodeLen reports whether n is the length of a street, community, grid or compound code.
func gazCodeLen(n int) bool {
	return n == StreetCodeLen || n == CommunityCodeLen || n == GridCodeLen ||
		(n >= BuildingCodeMin && n <= BuildingCodeMax)
}

// byCodes resolves the units whose codes appear in the text: the deepest, when the others are its ancestors.
func (g *Gazetteer) byCodes(text string, coded []*gazPlace) (Unit, error) {
	deepest := slices.MaxFunc(coded, func(a, b *gazPlace) int { return cmp.Compare(a.depth, b.depth) })
	for _, p := range coded {
		if !slices.Contains(deepest.chain, p) {
			return Unit{}, gazAmbiguous(text, coded)
		}
	}
	return deepest.unit, nil
}

func gazAmbiguous(text string, places []*gazPlace) error {
	places = slices.Clone(places)
	slices.SortFunc(places, func(a, b *gazPlace) int { return strings.Compare(a.unit.Code, b.unit.Code) })
	const show = 5
	var b strings.Builder
	for i, p := range places[:min(show, len(places))] {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.unit.Name)
		b.WriteString(" (")
		b.WriteString(p.unit.Code)
		if top := p.chain[len(p.chain)-1]; top != p {
			b.WriteString(", ")
			b.WriteString(top.unit.Name)
		}
		b.WriteString(")")
	}
	if len(places) > show {
		fmt.Fprintf(&b, " and %d more", len(places)-show)
	}
	return fmt.Errorf("%w: %q could be %s", ErrAddressAmbiguous, text, b.String())
}

func (g *Gazetteer) candidates(m *gazMention) []*gazPlace {
	var out []*gazPlace
	if m.literal {
		out = g.byKey[m.text].places
	}
	if m.n > 0 {
		if nums := g.byNum[gazNum{m.level, m.n}]; len(out) == 0 {
			out = nums
		} else {
			out = append(slices.Clone(out), nums...)
		}
	}
	return out
}

// mentions finds the names and numbers in the normalised text, merges those with the same span, drops those
// inside a longer one (a strong one only inside a longer strong one), and then the weak ones that are part of a
// road's name (after, so that "云门" inside "云门山路" goes with "云门山").
func (g *Gazetteer) mentions(flat string) []gazMention {
	var ms []gazMention
	add := func(m gazMention) {
		for i := range ms {
			if ms[i].start == m.start && ms[i].end == m.end {
				ms[i].literal = ms[i].literal || m.literal
				ms[i].strong = ms[i].strong || m.strong
				ms[i].road = ms[i].road && m.road
				if m.n > 0 {
					ms[i].level, ms[i].n = m.level, m.n
				}
				return
			}
		}
		ms = append(ms, m)
	}
	for i, r := range flat {
		for _, l := range g.keyLens[r] {
			if i+l > len(flat) {
				continue
			}
			if k := g.byKey[flat[i:i+l]]; k != nil {
				next, _ := utf8.DecodeRuneInString(flat[i+l:])
				add(gazMention{start: i, end: i + l, text: flat[i : i+l], literal: true, strong: k.strong,
					road: !k.strong && strings.ContainsRune("路街道巷", next)})
			}
		}
	}
	for _, suffix := range []string{gazGridSuffix, gazCompoundSuffix} {
		level := LevelGrid
		if suffix == gazCompoundSuffix {
			level = LevelBuilding
		}
		for off := 0; ; {
			j := strings.Index(flat[off:], suffix)
			if j < 0 {
				break
			}
			j += off
			off = j + len(suffix)
			k := j
			for k > 0 && flat[k-1] >= '0' && flat[k-1] <= '9' {
				k--
			}
			n := gazAtoi(flat[k:j])
			if n == 0 {
				continue
			}
			if level == LevelGrid && strings.HasSuffix(flat[:k], "第") {
				k -= len("第")
			}
			add(gazMention{start: k, end: off, text: flat[k:off], level: level, n: n, strong: true})
		}
	}
	kept := ms[:0:0]
	for _, m := range ms {
		inside := slices.ContainsFunc(ms, func(o gazMention) bool {
			return o.start <= m.start && m.end <= o.end && o.end-o.start > m.end-m.start && (o.strong || !m.strong)
		})
		if !inside && !m.road {
			kept = append(kept, m)
		}
	}
	return kept
}

// gazNormalise gives the text as names are matched (full-width folded, no space, punctuation or symbols, Chinese
// numbers before 网格 and 号院 in digits) and its runs of ASCII digits as split by anything else.
func gazNormalise(s string) (flat string, runs []string) {
	out := make([]rune, 0, len(s))
	run := -1 // start of the current digit run in out
	endRun := func() {
		if run >= 0 {
			runs = append(runs, string(out[run:]))
			run = -1
		}
	}
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII
			r -= 0xFEE0
		case r == 0x3000: // ideographic space
			r = ' '
		}
		if r >= '0' && r <= '9' {
			if run < 0 {
				run = len(out)
			}
			out = append(out, r)
			continue
		}
		endRun()
		if unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsControl(r) ||
			r == utf8.RuneError {
			continue
		}
		out = append(out, r)
	}
	endRun()

	// Chinese numbers in front of 网格 and 号院.
	res := make([]rune, 0, len(out))
	for i := 0; i < len(out); i++ {
		if i+1 < len(out) && (out[i] == '网' && out[i+1] == '格' || out[i] == '号' && out[i+1] == '院') {
			j := len(res)
			for j > 0 && strings.ContainsRune(gazChineseDigits, res[j-1]) {
				j--
			}
			for ; j < len(res); j++ { // the longest tail that reads as a number
				if n, ok := gazChineseNumber(res[j:]); ok {
					res = append(res[:j], []rune(strconv.Itoa(n))...)
					break
				}
			}
		}
		res = append(res, out[i])
	}
	return string(res), runs
}

const gazChineseDigits = "零〇一二两三四五六七八九十百"

// gazChineseNumber reads a Chinese number from 1 to 999, written with 十 and 百 ("十二", "二十", "一百零五") or
// digit by digit ("一〇五"), of at most 6 characters.
func gazChineseNumber(rs []rune) (int, bool) {
	if len(rs) == 0 || len(rs) > 6 {
		return 0, false
	}
	digit := func(r rune) int {
		switch r {
		case '零', '〇':
			return 0
		case '两':
			return 2
		}
		if i := strings.IndexRune("一二三四五六七八九", r); i >= 0 {
			return i/len("一") + 1
		}
		return -1
	}
	if !slices.Contains(rs, '十') && !slices.Contains(rs, '百') {
		n := 0
		for _, r := range rs {
			d := digit(r)
			if d < 0 {
				return 0, false
			}
			n = n*10 + d
		}
		return n, n > 0 && n < 1000
	}
	total, cur, prevDigit := 0, 0, false
	seenTen, seenHundred := false, false
	for i, r := range rs {
		switch r {
		case '十':
			if seenTen || (cur == 0 && i > 0 && !seenHundred) {
				return 0, false
			}
			if cur == 0 {
				cur = 1 // 十二, 一百十
			}
			total += cur * 10
			cur, prevDigit, seenTen = 0, false, true
		case '百':
			if seenHundred || seenTen || cur == 0 {
				return 0, false
			}
			total += cur * 100
			cur, prevDigit, seenHundred = 0, false, true
		default:
			d := digit(r)
			if d < 0 || (prevDigit && cur != 0) {
				return 0, false
			}
			cur, prevDigit = d, true
		}
	}
	total += cur
	return total, total > 0 && total < 1000
}
