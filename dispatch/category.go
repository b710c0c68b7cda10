package dispatch

import "fmt"

// Domain is one of the seven service domains the reference cities group their items into.
type Domain string

const (
	DomainPartyBuilding Domain = "party_building"           // 网格党建
	DomainEconomy       Domain = "economic_development"     // 经济发展
	DomainGovernance    Domain = "social_governance"        // 社会治理
	DomainEnvironment   Domain = "environmental_protection" // 环境保护
	DomainMarket        Domain = "market_supervision"       // 市场监管
	DomainPublic        Domain = "public_services"          // 公共服务
	DomainSafety        Domain = "emergency_safety"         // 应急安全
)

// Domains lists the seven domains in the reference material's order.
var Domains = []Domain{DomainPartyBuilding, DomainEconomy, DomainGovernance, DomainEnvironment, DomainMarket,
	DomainPublic, DomainSafety}

// Deadline is a time limit counted in working time: Unit is "hours" (working hours) or "days" (working days).
type Deadline struct {
	Amount int    `json:"amount"`
	Unit   string `json:"unit"`
}

func (d Deadline) String() string { return fmt.Sprintf("%d working %s", d.Amount, d.Unit) }

// Handling levels: the level that normally settles a category. A category settled by a department names it in
// Category.Department.
const (
	HandleBuilding   = "building"
	HandleGrid       = "grid"
	HandleCommunity  = "community"
	HandleStreet     = "street"
	HandleDepartment = "department"
)

// Category is one service of the catalogue (an Open311 service).
type Category struct {
	Code           string              `json:"code"`
	Name           string              `json:"name"`
	NameEn         string              `json:"name_en"`
	Domain         Domain              `json:"domain"`
	Level          string              `json:"level"`
	Department     string              `json:"department,omitempty"`
	Classification Classification      `json:"classification"`
	Deadlines      map[string]Deadline `json:"deadlines"` // by urgency: "normal", "urgent"
	Public         bool                `json:"public"`
	Keywords       []string            `json:"keywords,omitempty"`
}

// Department is a city department or partner that handles dispatched cases.
type Department struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en"`
}
