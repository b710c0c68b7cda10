package demo

import (
	"slices"

	"gridgov/dispatch"
)

// Department codes are "D01".."D16", in the order below; cases and categories name a department by its code.
var departments = []dispatch.Department{
	{Code: "D01", Name: "青州市城市管理局", NameEn: "Urban Management Bureau"},
	{Code: "D02", Name: "青州市住房和城乡建设局", NameEn: "Housing and Urban-Rural Development Bureau"},
	{Code: "D03", Name: "潍坊市生态环境局青州分局", NameEn: "Ecology and Environment Bureau, Qingzhou Branch"},
	{Code: "D04", Name: "青州市市场监督管理局", NameEn: "Market Supervision Administration"},
	{Code: "D05", Name: "青州市公安局", NameEn: "Public Security Bureau"},
	{Code: "D06", Name: "青州市民政局", NameEn: "Civil Affairs Bureau"},
	{Code: "D07", Name: "青州市卫生健康局", NameEn: "Health Commission"},
	{Code: "D08", Name: "青州市应急管理局", NameEn: "Emergency Management Bureau"},
	{Code: "D09", Name: "青州市水务集团", NameEn: "Qingzhou Water Group (water supply and drainage)"},
	{Code: "D10", Name: "国网青州市供电公司", NameEn: "State Grid Qingzhou Power Supply Company"},
	{Code: "D11", Name: "青州市燃气公司", NameEn: "Qingzhou Gas Company"},
	{Code: "D12", Name: "青州市人力资源和社会保障局", NameEn: "Human Resources and Social Security Bureau"},
	{Code: "D13", Name: "青州市交通运输局", NameEn: "Transport Bureau"},
	{Code: "D14", Name: "青州市教育和体育局", NameEn: "Education and Sports Bureau"},
	{Code: "D15", Name: "青州市自然资源和规划局", NameEn: "Natural Resources and Planning Bureau"},
	{Code: "D16", Name: "青州市热力公司", NameEn: "Qingzhou Heating Company"},
}

// Departments returns the demo's city departments and partner companies. The slice is the caller's.
func Departments() []dispatch.Department { return slices.Clone(departments) }

// Catalogue returns the service catalogue: the categories of all seven domains with their handling level,
// default classification, deadlines and keywords. The slice and everything in it are the caller's.
func Catalogue() []dispatch.Category {
	out := make([]dispatch.Category, len(catalogue))
	for i, it := range catalogue {
		out[i] = cloneCategory(it.Category)
	}
	return out
}

func cloneCategory(c dispatch.Category) dispatch.Category {
	d := make(map[string]dispatch.Deadline, len(c.Deadlines))
	for k, v := range c.Deadlines {
		d[k] = v
	}
	c.Deadlines = d
	c.Keywords = slices.Clone(c.Keywords)
	return c
}

// season is a monthly profile of how often a category is reported.
type season int

const (
	seasonFlat season = iota
	seasonSummer
	seasonHeating // the heating period runs from mid-November to mid-March
	seasonPests
	seasonFlood // the rainy season, July and August
	seasonWinter
	seasonSpring // windy and dusty
	seasonHoliday
	seasonSchool
)

// seasonFactors gives each season's factor per month, January first.
var seasonFactors = [][12]float64{
	seasonFlat:    {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	seasonSummer:  {0.7, 0.7, 0.8, 0.9, 1.1, 1.4, 1.6, 1.6, 1.2, 0.9, 0.8, 0.7},
	seasonHeating: {1.4, 1.1, 0.6, 0.05, 0.02, 0.02, 0.02, 0.02, 0.02, 0.15, 0.9, 1.3},
	seasonPests:   {0.15, 0.15, 0.3, 0.6, 1.4, 2.4, 3, 2.8, 1.8, 0.8, 0.3, 0.15},
	seasonFlood:   {0.2, 0.2, 0.3, 0.4, 0.6, 1.5, 5, 4.5, 1.2, 0.4, 0.2, 0.2},
	seasonWinter:  {1.6, 1.5, 1.1, 0.9, 0.7, 0.6, 0.6, 0.6, 0.7, 0.9, 1.2, 1.5},
	seasonSpring:  {0.7, 0.9, 1.5, 1.7, 1.4, 1, 0.8, 0.8, 0.9, 1, 0.8, 0.7},
	seasonHoliday: {2.2, 1.6, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 0.9, 1.3, 2.2},
	seasonSchool:  {0.5, 0.6, 0.8, 0.9, 1.2, 2, 2.5, 2.8, 1.4, 0.5, 0.4, 0.4},
}

// catalogueItem is a category with what the case generator needs to invent believable cases of it.
type catalogueItem struct {
	dispatch.Category
	weight     float64  // relative frequency among historical cases
	season     season   // monthly profile
	night      bool     // reported mostly in the evening and at night
	inCompound float64  // share of cases inside a compound; building-level categories are always inside one
	urgent     float64  // share of urgent cases
	templates  []string // descriptions; {place} and {when} are filled in
}

func deadlines(normal, urgent dispatch.Deadline) map[string]dispatch.Deadline {
	return map[string]dispatch.Deadline{"normal": normal, "urgent": urgent}
}

func days(n int) dispatch.Deadline  { return dispatch.Deadline{Amount: n, Unit: "days"} }
func hours(n int) dispatch.Deadline { return dispatch.Deadline{Amount: n, Unit: "hours"} }

// category builds a catalogue entry's category. dept is the department code when level is "department".
func category(code, name, nameEn string, domain dispatch.Domain, level, dept string, class dispatch.Classification,
	normal, urgent dispatch.Deadline, public bool, keywords ...string) dispatch.Category {
	return dispatch.Category{Code: code, Name: name, NameEn: nameEn, Domain: domain, Level: level, Department: dept,
		Classification: class, Deadlines: deadlines(normal, urgent), Public: public, Keywords: keywords}
}

const (
	lvBuilding  = dispatch.HandleBuilding
	lvGrid      = dispatch.HandleGrid
	lvCommunity = dispatch.HandleCommunity
	lvStreet    = dispatch.HandleStreet
	lvDept      = dispatch.HandleDepartment

	clImmediate  = dispatch.ClassImmediate
	clPending    = dispatch.ClassPending
	clEscalate   = dispatch.ClassEscalate
	clSuggestion = dispatch.ClassSuggestion
)

// catalogue is the demo's service catalogue, grouped by domain.
var catalogue = []catalogueItem{
	// 网格党建 party building
	{Category: category("party_member_service", "党员志愿服务需求", "Party-member volunteer service request",
		dispatch.DomainPartyBuilding, lvGrid, "", clPending, days(5), days(1), true, "党员", "志愿服务", "帮扶", "结对"),
		weight: 0.6, inCompound: 0.9, urgent: 0.05, templates: []string{
			"{place}独居老人行动不便，希望党员志愿者{when}上门帮忙买菜取药",
			"{place}有困难家庭希望结对帮扶，请网格党支部安排党员联系",
			"{place}居民想请党员志愿者帮忙辅导孩子功课",
		}},
	{Category: category("party_activity", "党群活动场地预约", "Party and community activity venue",
		dispatch.DomainPartyBuilding, lvCommunity, "", clPending, days(3), days(1), true, "党群服务中心", "活动室", "场地", "预约"),
		weight: 0.3, inCompound: 0.3, urgent: 0.03, templates: []string{
			"想预约社区党群服务中心活动室，{when}组织{place}居民开展读书会",
			"{place}老年合唱队希望借用党群服务站场地排练",
		}},
	{Category: category("party_membership", "党组织关系转接", "Transfer of party membership",
		dispatch.DomainPartyBuilding, lvCommunity, "", clPending, days(5), days(2), false, "组织关系", "转接", "党费", "流动党员"),
		weight: 0.15, inCompound: 0.9, urgent: 0.02, templates: []string{
			"{place}居民外出务工返乡，咨询党组织关系转入社区的手续",
			"流动党员咨询在{place}附近如何参加组织生活、缴纳党费",
		}},
	{Category: category("party_household", "党员中心户联系", "Party-member household liaison",
		dispatch.DomainPartyBuilding, lvBuilding, "", clPending, days(3), days(1), true, "党员中心户", "联系户", "楼栋长"),
		weight: 0.4, inCompound: 1, urgent: 0.03, templates: []string{
			"{place}党员中心户反映联系户近期困难较多，请楼栋党小组跟进",
			"{place}居民希望党员中心户{when}召集楼栋议事，商量楼道整治",
		}},
	{Category: category("volunteer_service", "志愿服务对接", "Volunteer service matching",
		dispatch.DomainPartyBuilding, lvCommunity, "", clSuggestion, days(5), days(2), true, "志愿者", "志愿服务", "爱心", "义工"),
		weight: 0.4, inCompound: 0.6, urgent: 0.02, templates: []string{
			"{place}居民报名参加社区志愿服务队，希望安排{when}的岗位",
			"建议在{place}组织志愿者定期清理小广告",
		}},

	// 经济发展 economic development
	{Category: category("enterprise_service", "企业服务诉求", "Business service request",
		dispatch.DomainEconomy, lvStreet, "", clPending, days(5), days(2), true, "企业", "营商环境", "审批", "办事难"),
		weight: 0.4, inCompound: 0.1, urgent: 0.05, templates: []string{
			"{place}一家小微企业反映办理审批手续材料反复提交，希望街道协调",
			"{place}商户反映周边施工围挡影响经营，希望帮助协调",
		}},
	{Category: category("employment_help", "就业援助", "Employment assistance",
		dispatch.DomainEconomy, lvDept, "D12", clPending, days(5), days(2), true, "就业", "失业", "招聘", "技能培训", "再就业"),
		weight: 0.5, inCompound: 0.85, urgent: 0.03, templates: []string{
			"{place}居民失业在家，希望社区推荐就业岗位或技能培训",
			"{place}大学毕业生咨询灵活就业社保补贴怎么申请",
		}},
	{Category: category("wage_arrears", "拖欠工资", "Unpaid wages",
		dispatch.DomainEconomy, lvDept, "D12", clEscalate, days(5), days(1), false, "欠薪", "拖欠工资", "讨薪", "农民工"),
		weight: 0.35, season: seasonHoliday, inCompound: 0.4, urgent: 0.15, templates: []string{
			"在{place}附近工地干活的工人反映被拖欠工资三个月",
			"{place}居民反映所在公司拖欠工资，多次讨要未果",
		}},
	{Category: category("startup_support", "创业扶持咨询", "Start-up support",
		dispatch.DomainEconomy, lvDept, "D12", clSuggestion, days(5), days(3), true, "创业", "贷款", "补贴", "个体户"),
		weight: 0.15, inCompound: 0.8, urgent: 0.02, templates: []string{
			"{place}居民想开早餐店，咨询创业担保贷款政策",
			"{place}返乡青年咨询创业补贴申请条件",
		}},
	{Category: category("shop_signboard", "店招广告设置", "Shop signs and advertising",
		dispatch.DomainEconomy, lvDept, "D01", clPending, days(3), days(1), true, "店招", "广告牌", "招牌", "门头"),
		weight: 0.4, inCompound: 0.05, urgent: 0.1, templates: []string{
			"{place}商户咨询更换门头招牌需要办理什么手续",
			"{place}有店招广告牌松动，担心刮风掉落",
		}},
	{Category: category("business_license", "个体工商户办照", "Sole-trader licensing",
		dispatch.DomainEconomy, lvDept, "D04", clPending, days(5), days(2), true, "营业执照", "个体工商户", "办照", "注册"),
		weight: 0.2, inCompound: 0.3, urgent: 0.02, templates: []string{
			"{place}居民咨询在家开网店是否需要办理营业执照",
			"{place}个体户咨询营业执照变更经营范围",
		}},

	// 社会治理 social governance
	{Category: category("neighbour_dispute", "邻里纠纷", "Neighbour dispute",
		dispatch.DomainGovernance, lvGrid, "", clPending, days(3), days(1), false, "邻里", "纠纷", "矛盾", "吵架", "漏水到楼下"),
		weight: 3, inCompound: 0.95, urgent: 0.05, templates: []string{
			"{place}楼上住户卫生间漏水到楼下，双方协商不成发生争吵",
			"{place}两户居民因楼道堆放杂物产生矛盾，请网格员调解",
			"{place}邻居在公共区域私装摄像头对着别人家门，引发纠纷",
		}},
	{Category: category("family_dispute", "家庭矛盾", "Domestic dispute",
		dispatch.DomainGovernance, lvGrid, "", clPending, days(3), hours(4), false, "家庭", "矛盾", "家暴", "赡养", "婚姻"),
		weight: 0.6, night: true, inCompound: 1, urgent: 0.2, templates: []string{
			"{place}一户家庭因老人赡养问题兄弟之间矛盾激化",
			"{place}{when}一户家中传出激烈争吵声，担心发生家庭暴力",
		}},
	{Category: category("property_management", "物业管理", "Property management",
		dispatch.DomainGovernance, lvCommunity, "", clPending, days(5), days(1), true, "物业", "物业费", "保洁", "门禁", "业委会"),
		weight: 7, inCompound: 1, urgent: 0.05, templates: []string{
			"{place}物业长期不打扫楼道，垃圾清运不及时",
			"{place}门禁坏了半个月，物业一直没修",
			"{place}居民对物业费上涨有意见，希望社区组织业主协商",
			"{place}小区监控大面积损坏，物业推诿不处理",
		}},
	{Category: category("illegal_construction", "违法建设", "Illegal construction",
		dispatch.DomainGovernance, lvStreet, "", clEscalate, days(10), days(2), true, "违建", "私搭乱建", "加盖", "圈占"),
		weight: 2, inCompound: 0.7, urgent: 0.08, templates: []string{
			"{place}一楼住户私自圈占公共绿地搭建阳光房",
			"{place}顶楼住户在楼顶加盖彩钢房，存在安全隐患",
			"{place}有人{when}在院内私搭乱建，请尽快制止",
		}},
	{Category: category("parking", "停车秩序", "Parking problems",
		dispatch.DomainGovernance, lvGrid, "", clImmediate, days(1), hours(2), true, "停车", "乱停", "占道", "堵车", "车位"),
		weight: 10, inCompound: 0.6, urgent: 0.08, templates: []string{
			"{place}车辆乱停乱放，堵住消防通道和出入口",
			"{place}{when}有车辆长期占用人行道停放",
			"{place}僵尸车长期停放无人管理",
			"{place}停车位不足，车辆双排停放影响通行",
		}},
	{Category: category("pet_nuisance", "宠物扰民", "Pet nuisance",
		dispatch.DomainGovernance, lvGrid, "", clImmediate, days(2), hours(4), true, "狗", "宠物", "遛狗", "犬吠", "狗粪"),
		weight: 2.2, inCompound: 0.85, urgent: 0.05, templates: []string{
			"{place}有人遛狗不牵绳，吓到老人孩子",
			"{place}住户养的狗{when}一直叫，影响休息",
			"{place}狗粪随处可见，无人清理",
		}},
	{Category: category("group_rental", "群租房", "Overcrowded rental",
		dispatch.DomainGovernance, lvCommunity, "", clPending, days(5), days(2), true, "群租", "出租屋", "隔断", "租客"),
		weight: 0.5, inCompound: 1, urgent: 0.05, templates: []string{
			"{place}一套房子被隔成多间出租，人员进出频繁",
			"{place}出租屋租客多，存在消防隐患",
		}},
	{Category: category("public_order", "治安隐患", "Public order concern",
		dispatch.DomainGovernance, lvDept, "D05", clEscalate, days(3), hours(2), false, "治安", "偷盗", "可疑人员", "打架", "诈骗"),
		weight: 0.8, night: true, inCompound: 0.5, urgent: 0.25, templates: []string{
			"{place}{when}电动车电瓶被盗，希望加强巡逻",
			"{place}附近有陌生人挨家推销保健品，疑似诈骗老人",
			"{place}{when}有人聚集酗酒滋事",
		}},
	{Category: category("petition", "信访诉求", "Petition",
		dispatch.DomainGovernance, lvStreet, "", clEscalate, days(15), days(5), false, "信访", "上访", "诉求", "反映"),
		weight: 0.5, inCompound: 0.5, urgent: 0.03, templates: []string{
			"{place}居民就房屋拆迁补偿问题多次反映，要求答复",
			"{place}居民对老旧小区改造方案有异议，联名反映",
		}},
	{Category: category("migrant_registration", "流动人口登记", "Migrant registration",
		dispatch.DomainGovernance, lvGrid, "", clPending, days(3), days(1), true, "流动人口", "居住证", "登记", "租房"),
		weight: 0.4, inCompound: 0.9, urgent: 0.02, templates: []string{
			"{place}新搬来的租户咨询办理居住证",
			"{place}房东咨询出租房屋租客登记流程",
		}},

	// 环境保护 environmental protection
	{Category: category("sanitation", "环境卫生", "Sanitation",
		dispatch.DomainEnvironment, lvGrid, "", clImmediate, days(1), hours(4), true, "垃圾", "卫生", "脏乱", "清理", "堆放"),
		weight: 14, season: seasonSummer, inCompound: 0.75, urgent: 0.06, templates: []string{
			"{place}垃圾堆放多日无人清理，气味很大",
			"{place}{when}有人乱倒建筑垃圾",
			"{place}路边卫生死角脏乱差，希望清理",
			"{place}垃圾桶满溢，周围污水横流",
		}},
	{Category: category("garbage_sorting", "垃圾分类", "Waste sorting",
		dispatch.DomainEnvironment, lvBuilding, "", clImmediate, days(2), days(1), true, "垃圾分类", "垃圾桶", "厨余", "满溢"),
		weight: 3, season: seasonSummer, inCompound: 1, urgent: 0.03, templates: []string{
			"{place}分类垃圾桶混投严重，厨余垃圾到处都是",
			"{place}垃圾分类投放点位置不合理，希望调整",
			"{place}缺少可回收物垃圾桶",
		}},
	{Category: category("noise", "噪声扰民", "Noise",
		dispatch.DomainEnvironment, lvGrid, "", clPending, days(2), hours(4), true, "噪音", "扰民", "广场舞", "装修", "施工噪声"),
		weight: 8, season: seasonSummer, night: true, inCompound: 0.8, urgent: 0.1, templates: []string{
			"{place}{when}广场舞音响声音太大，影响休息",
			"{place}有住户{when}装修施工，噪音扰民",
			"{place}附近烧烤店{when}喧哗吵闹",
			"{place}{when}有车辆改装排气管轰鸣",
		}},
	{Category: category("oil_fume", "餐饮油烟", "Restaurant cooking fumes",
		dispatch.DomainEnvironment, lvDept, "D03", clPending, days(5), days(1), true, "油烟", "烧烤", "饭店", "排烟"),
		weight: 1.5, season: seasonSummer, night: true, inCompound: 0.15, urgent: 0.05, templates: []string{
			"{place}饭店油烟直排，熏得住户不敢开窗",
			"{place}露天烧烤{when}烟雾很大",
		}},
	{Category: category("construction_dust", "工地扬尘", "Construction dust",
		dispatch.DomainEnvironment, lvDept, "D01", clPending, days(2), hours(4), true, "扬尘", "工地", "渣土", "洒水"),
		weight: 1.2, season: seasonSpring, inCompound: 0.1, urgent: 0.1, templates: []string{
			"{place}附近工地未覆盖防尘网，扬尘严重",
			"{place}渣土车{when}沿路撒漏",
		}},
	{Category: category("air_pollution", "大气污染", "Air pollution",
		dispatch.DomainEnvironment, lvDept, "D03", clEscalate, days(5), days(1), true, "烟尘", "焚烧", "异味", "废气", "秸秆"),
		weight: 0.7, season: seasonWinter, inCompound: 0.2, urgent: 0.1, templates: []string{
			"{place}{when}有人焚烧垃圾，烟很大",
			"{place}附近有刺鼻异味，怀疑有企业偷排废气",
		}},
	{Category: category("water_pollution", "水体污染", "Water pollution",
		dispatch.DomainEnvironment, lvDept, "D03", clEscalate, days(5), days(1), true, "污水", "河道", "南阳河", "排污", "发臭"),
		weight: 0.5, season: seasonSummer, inCompound: 0, urgent: 0.1, templates: []string{
			"{place}附近河道水面发黑发臭",
			"{place}有管道向河道排放污水",
		}},
	{Category: category("green_space", "绿化养护", "Green space upkeep",
		dispatch.DomainEnvironment, lvCommunity, "", clPending, days(5), days(2), true, "绿化", "树木", "修剪", "毁绿", "草坪"),
		weight: 2, season: seasonSpring, inCompound: 0.6, urgent: 0.03, templates: []string{
			"{place}树枝太长挡住窗户和路灯，希望修剪",
			"{place}绿地被改成菜园，希望恢复",
			"{place}草坪长期无人养护，杂草丛生",
		}},
	{Category: category("pests", "病媒生物", "Pests (mosquitoes, rats, cockroaches)",
		dispatch.DomainEnvironment, lvCommunity, "", clPending, days(3), days(1), true, "蚊子", "老鼠", "蟑螂", "消杀"),
		weight: 1.5, season: seasonPests, inCompound: 0.8, urgent: 0.03, templates: []string{
			"{place}蚊子特别多，希望安排消杀",
			"{place}地下室老鼠成群",
			"{place}垃圾房附近蟑螂多，需要消杀",
		}},
	{Category: category("fallen_tree", "树木倒伏", "Fallen or dangerous trees",
		dispatch.DomainEnvironment, lvDept, "D01", clImmediate, days(1), hours(2), true, "树", "倒伏", "断枝", "枯树"),
		weight: 0.5, season: seasonFlood, inCompound: 0.3, urgent: 0.3, templates: []string{
			"{place}大风后树木倒伏压在路上",
			"{place}枯树随时可能倒下，存在危险",
		}},

	// 市场监管 market supervision
	{Category: category("food_safety", "食品安全", "Food safety",
		dispatch.DomainMarket, lvDept, "D04", clEscalate, days(5), hours(4), true, "食品", "变质", "过期", "食物中毒", "卫生许可"),
		weight: 1.2, season: seasonSummer, inCompound: 0.1, urgent: 0.15, templates: []string{
			"{place}超市出售过期食品",
			"{place}小吃店后厨卫生条件差，{when}吃完后肚子不舒服",
			"{place}早餐摊没有健康证，卫生堪忧",
		}},
	{Category: category("price_gouging", "价格违法", "Price gouging",
		dispatch.DomainMarket, lvDept, "D04", clPending, days(5), days(1), true, "价格", "乱收费", "涨价", "明码标价"),
		weight: 0.7, inCompound: 0.2, urgent: 0.05, templates: []string{
			"{place}商户不明码标价，结账时乱要价",
			"{place}停车场收费标准与公示不符",
		}},
	{Category: category("counterfeit", "假冒伪劣", "Counterfeit goods",
		dispatch.DomainMarket, lvDept, "D04", clPending, days(10), days(3), true, "假货", "伪劣", "三无产品", "质量"),
		weight: 0.4, inCompound: 0.1, urgent: 0.03, templates: []string{
			"{place}小店售卖三无产品",
			"{place}商户出售假冒品牌白酒",
		}},
	{Category: category("unlicensed_business", "无证经营", "Unlicensed business",
		dispatch.DomainMarket, lvDept, "D04", clPending, days(5), days(2), true, "无证", "无照", "黑作坊", "经营"),
		weight: 0.6, inCompound: 0.5, urgent: 0.05, templates: []string{
			"{place}居民楼里有人开黑作坊加工食品",
			"{place}一家美容店无证经营",
		}},
	{Category: category("street_vendor", "占道经营", "Street vending on the roadway",
		dispatch.DomainMarket, lvGrid, "", clImmediate, days(1), hours(2), true, "摊贩", "占道", "出店经营", "夜市", "流动摊"),
		weight: 5, season: seasonSummer, night: true, inCompound: 0.05, urgent: 0.05, templates: []string{
			"{place}流动摊贩占道经营，影响通行",
			"{place}商户出店经营，把货物摆到人行道上",
			"{place}夜市摊点占用车道，影响通行",
		}},
	{Category: category("consumer_complaint", "消费投诉", "Consumer complaint",
		dispatch.DomainMarket, lvDept, "D04", clPending, days(7), days(2), true, "消费", "退款", "预付卡", "售后", "维权"),
		weight: 0.8, inCompound: 0.1, urgent: 0.03, templates: []string{
			"{place}健身房关门跑路，预付卡无法退款",
			"{place}家电维修乱收费，售后推诿",
		}},

	// 公共服务 public services
	{Category: category("street_light", "路灯不亮", "Street light out",
		dispatch.DomainPublic, lvDept, "D01", clImmediate, days(2), hours(8), true, "路灯", "不亮", "照明", "灯坏"),
		weight: 3, season: seasonWinter, night: true, inCompound: 0.2, urgent: 0.05, templates: []string{
			"{place}路灯{when}不亮，走路不安全",
			"{place}一排路灯坏了好几天",
			"{place}路灯白天也亮着，浪费电",
		}},
	{Category: category("pothole", "道路破损", "Road damage and potholes",
		dispatch.DomainPublic, lvDept, "D02", clPending, days(3), hours(8), true, "坑洼", "路面", "破损", "塌陷"),
		weight: 2.5, season: seasonFlood, inCompound: 0.15, urgent: 0.1, templates: []string{
			"{place}路面坑洼不平，电动车容易摔倒",
			"{place}人行道地砖松动破损",
			"{place}路面出现塌陷，需要尽快修补",
		}},
	{Category: category("water_leak", "供水漏水", "Water main leak",
		dispatch.DomainPublic, lvDept, "D09", clImmediate, days(1), hours(4), true, "漏水", "水管", "爆管", "跑水"),
		weight: 2, season: seasonWinter, inCompound: 0.6, urgent: 0.25, templates: []string{
			"{place}供水管道漏水，路面一直冒水",
			"{place}{when}水管冻裂跑水",
			"{place}水表井漏水多日",
		}},
	{Category: category("water_outage", "停水与水压", "Water outage or low pressure",
		dispatch.DomainPublic, lvDept, "D09", clPending, days(2), hours(4), true, "停水", "水压", "没水", "水质"),
		weight: 1.2, season: seasonSummer, inCompound: 0.9, urgent: 0.2, templates: []string{
			"{place}高层水压低，{when}用不上水",
			"{place}突然停水没有提前通知",
			"{place}自来水发黄有异味",
		}},
	{Category: category("power_outage", "停电", "Power outage",
		dispatch.DomainPublic, lvDept, "D10", clImmediate, days(1), hours(2), true, "停电", "跳闸", "电压", "电线"),
		weight: 1.2, season: seasonSummer, inCompound: 0.8, urgent: 0.3, templates: []string{
			"{place}{when}突然停电，至今未恢复",
			"{place}电压不稳，空调带不动",
			"{place}电线老化经常跳闸",
		}},
	{Category: category("heating", "供暖问题", "Heating problems",
		dispatch.DomainPublic, lvDept, "D16", clPending, days(2), hours(8), true, "暖气", "供暖", "不热", "温度低", "暖气片"),
		weight: 6, season: seasonHeating, inCompound: 1, urgent: 0.12, templates: []string{
			"{place}暖气不热，室温只有十四五度",
			"{place}暖气管道漏水",
			"{place}供暖开始后一直不热，需要排气检修",
		}},
	{Category: category("drainage", "排水与积水", "Drainage and standing water",
		dispatch.DomainPublic, lvDept, "D09", clPending, days(2), hours(4), true, "积水", "下水道", "堵塞", "内涝", "排水"),
		weight: 1.8, season: seasonFlood, inCompound: 0.5, urgent: 0.2, templates: []string{
			"{place}下雨后严重积水，行人无法通过",
			"{place}下水道堵塞，污水外溢",
			"{place}雨水井堵了，一下雨就积水",
		}},
	{Category: category("elderly_care", "养老服务", "Elderly care",
		dispatch.DomainPublic, lvCommunity, "", clPending, days(5), days(1), true, "老人", "养老", "独居", "助餐", "居家养老"),
		weight: 1.2, inCompound: 0.95, urgent: 0.08, templates: []string{
			"{place}独居老人希望申请助餐服务",
			"{place}高龄老人咨询居家养老上门服务",
			"{place}子女不在身边的老人{when}联系不上，请网格员上门看看",
		}},
	{Category: category("social_assistance", "困难救助", "Hardship assistance",
		dispatch.DomainPublic, lvDept, "D06", clPending, days(10), days(2), false, "低保", "救助", "困难", "特困", "临时救助"),
		weight: 0.5, season: seasonHoliday, inCompound: 0.95, urgent: 0.05, templates: []string{
			"{place}家庭因病致困，咨询临时救助",
			"{place}居民咨询低保申请条件",
		}},
	{Category: category("healthcare", "医疗卫生服务", "Health services",
		dispatch.DomainPublic, lvDept, "D07", clPending, days(5), days(1), true, "医保", "社区卫生", "疫苗", "家庭医生", "看病"),
		weight: 0.6, inCompound: 0.5, urgent: 0.05, templates: []string{
			"{place}居民咨询签约家庭医生",
			"{place}附近社区卫生服务站{when}没人值班",
		}},
	{Category: category("school_enrolment", "入学咨询", "School enrolment",
		dispatch.DomainPublic, lvDept, "D14", clPending, days(5), days(2), true, "入学", "学区", "上学", "转学"),
		weight: 0.5, season: seasonSchool, inCompound: 0.8, urgent: 0.03, templates: []string{
			"{place}居民咨询孩子入学划片",
			"{place}随迁子女咨询转学手续",
		}},
	{Category: category("bus_service", "公交出行", "Bus services",
		dispatch.DomainPublic, lvDept, "D13", clSuggestion, days(5), days(2), true, "公交", "站牌", "线路", "班次"),
		weight: 0.5, inCompound: 0.05, urgent: 0.02, templates: []string{
			"建议在{place}附近增设公交站点",
			"{place}公交站牌损坏，看不清线路",
		}},
	{Category: category("ev_charging", "充电设施", "EV and e-bike charging points",
		dispatch.DomainPublic, lvCommunity, "", clSuggestion, days(10), days(3), true, "充电桩", "电动车", "充电", "车棚"),
		weight: 1.2, inCompound: 1, urgent: 0.02, templates: []string{
			"{place}电动车充电桩不够用，希望增设",
			"{place}充电车棚的充电桩坏了",
			"建议{place}建设集中充电车棚，解决飞线充电",
		}},
	{Category: category("building_facility", "楼道设施维修", "Stairwell and shared facilities",
		dispatch.DomainPublic, lvBuilding, "", clImmediate, days(2), hours(8), true, "楼道灯", "单元门", "楼梯", "扶手", "信报箱"),
		weight: 3.5, inCompound: 1, urgent: 0.05, templates: []string{
			"{place}楼道灯坏了，{when}上下楼看不见",
			"{place}单元门锁坏了关不上",
			"{place}楼梯扶手松动",
		}},
	{Category: category("social_security", "社保医保办理", "Social insurance",
		dispatch.DomainPublic, lvDept, "D12", clPending, days(5), days(2), true, "社保", "养老保险", "医保", "缴费"),
		weight: 0.4, inCompound: 0.85, urgent: 0.02, templates: []string{
			"{place}居民咨询灵活就业人员养老保险缴费",
			"{place}老人咨询居民医保报销流程",
		}},
	{Category: category("suggestion", "意见建议", "Suggestions",
		dispatch.DomainPublic, lvCommunity, "", clSuggestion, days(10), days(5), true, "建议", "意见", "希望", "增设"),
		weight: 1, inCompound: 0.6, urgent: 0.01, templates: []string{
			"建议在{place}增设健身器材",
			"建议{place}设置老年人休息座椅",
			"希望在{place}增加便民服务点",
		}},

	// 应急安全 emergency safety
	{Category: category("safety_hazard", "安全隐患", "Safety hazard",
		dispatch.DomainSafety, lvGrid, "", clPending, days(2), hours(2), true, "隐患", "安全", "危险", "松动", "脱落"),
		weight: 1.5, inCompound: 0.6, urgent: 0.3, templates: []string{
			"{place}外墙瓷砖脱落，下面经常有人经过",
			"{place}施工围挡倾斜，存在倒塌危险",
			"{place}护栏松动，孩子容易翻越",
		}},
	{Category: category("gas_smell", "燃气泄漏", "Gas smell or leak",
		dispatch.DomainSafety, lvDept, "D11", clImmediate, hours(4), hours(1), true, "燃气", "煤气", "天然气", "漏气", "异味"),
		weight: 0.6, season: seasonWinter, inCompound: 0.9, urgent: 0.7, templates: []string{
			"{place}楼道里有很浓的燃气味",
			"{place}{when}闻到天然气味，怀疑管道泄漏",
		}},
	{Category: category("fire_lane", "消防通道堵塞", "Blocked fire lane",
		dispatch.DomainSafety, lvGrid, "", clImmediate, days(1), hours(2), true, "消防通道", "堵塞", "占用", "楼道杂物"),
		weight: 2, inCompound: 0.9, urgent: 0.15, templates: []string{
			"{place}消防通道被车辆和杂物堵死",
			"{place}楼道堆满杂物，存在火灾隐患",
		}},
	{Category: category("flying_wire", "飞线充电", "Charging e-bikes with trailing cables",
		dispatch.DomainSafety, lvBuilding, "", clImmediate, days(1), hours(2), true, "飞线", "充电", "电动车", "楼道充电", "私拉电线"),
		weight: 1.5, inCompound: 1, urgent: 0.15, templates: []string{
			"{place}有住户从窗户私拉电线给电动车充电",
			"{place}电动车推进楼道充电，{when}一直没人管",
		}},
	{Category: category("dangerous_building", "危房", "Unsafe building",
		dispatch.DomainSafety, lvDept, "D02", clEscalate, days(5), days(1), true, "危房", "裂缝", "墙体", "倾斜"),
		weight: 0.3, season: seasonFlood, inCompound: 1, urgent: 0.3, templates: []string{
			"{place}老楼墙体出现明显裂缝",
			"{place}平房屋顶漏雨，房梁有些倾斜",
		}},
	{Category: category("elevator_fault", "电梯故障", "Lift fault",
		dispatch.DomainSafety, lvDept, "D04", clImmediate, days(1), hours(2), true, "电梯", "困人", "故障", "停运"),
		weight: 1, inCompound: 1, urgent: 0.35, templates: []string{
			"{place}电梯停运好几天，老人上下楼困难",
			"{place}电梯{when}困人，维保单位迟迟不到",
			"{place}电梯运行时异响抖动",
		}},
	{Category: category("flood_prevention", "防汛隐患", "Flood risk",
		dispatch.DomainSafety, lvDept, "D08", clEscalate, days(2), hours(2), true, "防汛", "汛期", "河道", "漫水", "地下室进水"),
		weight: 0.5, season: seasonFlood, inCompound: 0.4, urgent: 0.4, templates: []string{
			"{place}地下室进水，担心配电设施被淹",
			"{place}附近河道水位上涨，护坡有垮塌迹象",
		}},
	{Category: category("manhole_cover", "井盖缺失", "Missing or broken manhole cover",
		dispatch.DomainSafety, lvDept, "D01", clImmediate, days(1), hours(2), true, "井盖", "缺失", "破损", "下水井"),
		weight: 1, inCompound: 0.2, urgent: 0.35, templates: []string{
			"{place}井盖丢失，容易有人掉下去",
			"{place}井盖破损下陷，车辆经过咣当响",
		}},
	{Category: category("falling_objects", "高空坠物", "Objects falling from heights",
		dispatch.DomainSafety, lvCommunity, "", clPending, days(2), hours(4), true, "高空抛物", "坠物", "外墙", "空调架"),
		weight: 0.5, inCompound: 1, urgent: 0.25, templates: []string{
			"{place}有人高空抛物，差点砸到人",
			"{place}空调外机支架锈蚀，担心坠落",
		}},
}
