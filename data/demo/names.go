package demo

import (
	"math/rand/v2"
	"strings"
)

// The tables in this file are read-only: nothing writes to them after compilation.

// surnames are common surnames of Shandong, the frequent ones listed more than once so that a uniform draw gives a
// believable mix.
var surnames = []string{
	"王", "王", "王", "李", "李", "李", "张", "张", "张", "刘", "刘", "陈", "杨", "赵", "赵", "孙", "孙", "周", "吴",
	"徐", "马", "朱", "胡", "郭", "高", "林", "宋", "韩", "冯", "曹", "田", "董", "于", "于", "蔡", "杜", "程", "魏",
	"吕", "丁", "任", "姚", "姜", "姜", "崔", "谭", "范", "石", "贾", "付", "房", "葛", "隋", "臧", "牟", "衣", "鞠",
	"逄", "滕", "栾", "孟", "秦", "尹", "薛", "闫", "段", "侯", "邵", "钱", "武", "孔", "刁", "窦", "郝", "袁", "邢",
}

// givenChars are characters of given names; a given name is one or two of them.
var givenChars = []string{
	"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平",
	"刚", "华", "建", "国", "红", "玉", "兰", "凤", "英", "志", "海", "波", "宁", "斌", "鹏", "飞", "辉", "鑫", "浩",
	"宇", "晨", "欣", "悦", "琳", "雪", "梅", "婷", "倩", "颖", "博", "文", "清", "瑞", "泽", "成", "庆", "德", "福",
	"振", "东", "峰", "亮", "春", "燕", "晓", "丹", "秀", "桂", "新", "立", "永", "金", "光", "民", "荣", "学", "彬",
}

// personName draws a Chinese name: a surname and a given name of one or two characters.
func personName(rng *rand.Rand) string {
	var b strings.Builder
	b.WriteString(surnames[rng.IntN(len(surnames))])
	b.WriteString(givenChars[rng.IntN(len(givenChars))])
	if rng.IntN(10) < 6 {
		b.WriteString(givenChars[rng.IntN(len(givenChars))])
	}
	return b.String()
}

// eastWestRoads name the horizontal lattice lines, north to south; northSouthRoads the vertical ones, west to
// east. The names are Qingzhou's or sound like them; their placement is invented.
var (
	eastWestRoads = []string{
		"北关路", "北城路", "范公亭路", "昭德路", "益王府路", "衡王府路", "偶园街", "东关街",
		"人民路", "府前街", "宋池路", "南阳河路", "万年桥路", "通衢路", "驿店路", "卞万路",
	}
	northSouthRoads = []string{
		"益都路", "云门山路", "海岱路", "驼山路", "旗城路", "玲珑山路", "尧王山路", "仰天山路", "凤凰山路",
		"泰华路", "瀑水涧路", "弥河路", "阳溪路", "冶源路", "王坟路", "黄楼路", "迎宾路",
	}
)

// generatedCommunities name the communities the map needs beyond those in the embedded CSV, by street code.
var generatedCommunities = map[string][]string{
	"370781007": {"黄楼社区", "迎宾社区", "东圣水社区"},
}

// shortCommunityName turns an official residents' committee name into the short name used on maps and in
// addresses: "宝鼎社区居民委员会" → "宝鼎社区", "云门居委会" → "云门社区", "烟厂东宿舍区居委会" → "烟厂东宿舍社区"
// (a stem ending in 区 drops it, so the name does not read "…区社区").
func shortCommunityName(official string) string {
	stem := official
	for _, suffix := range []string{"社区居民委员会", "居民委员会", "社区居委会", "居委会", "社区"} {
		if s, ok := strings.CutSuffix(stem, suffix); ok {
			stem = s
			break
		}
	}
	stem = strings.TrimSuffix(stem, "区")
	return stem + "社区"
}

var chineseDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// chineseNumber writes 1 ≤ n ≤ 999 in Chinese numerals: 2 → 二, 10 → 十, 12 → 十二, 105 → 一百零五.
func chineseNumber(n int) string {
	if n <= 0 || n > 999 {
		return ""
	}
	var b strings.Builder
	h, t, u := n/100, n/10%10, n%10
	if h > 0 {
		b.WriteString(chineseDigits[h] + "百")
		if t == 0 && u > 0 {
			b.WriteString("零")
		}
	}
	if t > 0 {
		if t > 1 || h > 0 {
			b.WriteString(chineseDigits[t])
		}
		b.WriteString("十")
	}
	if u > 0 {
		b.WriteString(chineseDigits[u])
	}
	return b.String()
}

// districtSuffix is the name suffix of the k-th copy of the city (k = 0 is Qingzhou itself and has none).
func districtSuffix(k int) string {
	if k == 0 {
		return ""
	}
	return "(" + chineseNumber(k+1) + "区)"
}
