package dispatch

import "time"

// KPI is how one unit (a street, community, grid or building compound, with everything below it) handled the cases
// reported in [From, To). It carries the rates of the national digital urban-management standard GB/T 30428
// (数字化城市管理信息系统) — closure rate 结案率, on-time closure rate 按期结案率, rework rate 返工率 — and the three
// rates by which the 12345 hotline rules, such as Beijing's 接诉即办 regulation (北京市接诉即办工作条例), judge a
// unit: response rate 响应率, resolution rate 解决率 and satisfaction rate 满意率.
//
// The population is a cohort: every case whose report (created_at) falls in [From, To) and whose street, community,
// grid or building code is the unit's code, cancelled ones included. Each case is counted in its state when the KPI
// is computed, not its state at To, so the figures of a recent period still improve as its cases are closed.
// Durations are clock hours (not working hours).
//
//   - Cases: cases reported in the period. Cancelled: those cancelled (重复上报, withdrawn, out of scope); they stay
//     in Cases so that every rate below has the same base, and are shown so that a reader can take them out.
//   - Closed (结案数): cases whose status is closed — handled, verified and evaluated.
//     ClosureRate (结案率, GB/T 30428) = Closed / Cases.
//   - OnTimeClosed (按期结案数): closed cases with closed_at ≤ due_at (the deadline in force at closing; a case
//     without a deadline is not counted as on time). OnTimeClosureRate (按期结案率, GB/T 30428) =
//     OnTimeClosed / Closed. closed_at is the end of the evaluation, so verification and rating time count.
//   - Redone (返工数): cases sent back to their handler as 重办 at least once, because residents were not
//     satisfied. ReworkRate (返工率, GB/T 30428) = Redone / Cases.
//   - Escalated: cases with at least one escalate event (climbed a level because their deadline passed or their
//     handler could not settle them). EscalationRate = Escalated / Cases.
//   - Rated: closed cases whose final rating is satisfied, basically_satisfied or unsatisfied. Satisfied: those
//     rated satisfied or basically_satisfied. SatisfactionRate (满意率, 接诉即办) = Satisfied / Rated.
//     Unrated: closed cases that closed without a rating (satisfaction unrated, or none recorded); they are
//     counted apart and are in neither Rated nor Satisfied.
//   - Responded: cases whose first response — the first hear event (网格听事) — came within 24 hours of the
//     report. ResponseRate (响应率, 接诉即办) = Responded / Cases.
//   - ResolutionRate (解决率, 接诉即办) = Closed / Cases: gridgov counts a matter as resolved when it is closed,
//     that is, handled, verified on site and evaluated by residents (a rejected result is redone, not closed).
//   - MedianHoursToFirstResponse: the median, over cases with a hear event, of the hours from the report to the
//     first hear event. MedianHoursToClose: the median, over closed cases, of the hours from report to closing.
//
// A rate is a fraction from 0 to 1, and nil (JSON null) when its denominator is 0; a median is nil when no case
// has the duration. Code and Name identify the unit (Name from the unit register).
type KPI struct {
	Code  string    `json:"code"`
	Name  string    `json:"name"`
	From  time.Time `json:"from"`
	To    time.Time `json:"to"`
	Cases int       `json:"cases"`

	Closed            int      `json:"closed"`
	ClosureRate       *float64 `json:"closure_rate"`
	OnTimeClosed      int      `json:"on_time_closed"`
	OnTimeClosureRate *float64 `json:"on_time_closure_rate"`
	Redone            int      `json:"redone"`
	ReworkRate        *float64 `json:"rework_rate"`
	Escalated         int      `json:"escalated"`
	EscalationRate    *float64 `json:"escalation_rate"`
	Rated             int      `json:"rated"`
	Satisfied         int      `json:"satisfied"`
	SatisfactionRate  *float64 `json:"satisfaction_rate"`
	Unrated           int      `json:"unrated"`

	MedianHoursToFirstResponse *float64 `json:"median_hours_to_first_response"`
	MedianHoursToClose         *float64 `json:"median_hours_to_close"`

	Responded      int      `json:"responded"`
	ResponseRate   *float64 `json:"response_rate"`
	ResolutionRate *float64 `json:"resolution_rate"`
	Cancelled      int      `json:"cancelled"`
}

// SetRates computes every rate from the counts, by the definitions above.
func (k *KPI) SetRates() {
	k.ClosureRate = Rate(k.Closed, k.Cases)
	k.OnTimeClosureRate = Rate(k.OnTimeClosed, k.Closed)
	k.ReworkRate = Rate(k.Redone, k.Cases)
	k.EscalationRate = Rate(k.Escalated, k.Cases)
	k.SatisfactionRate = Rate(k.Satisfied, k.Rated)
	k.ResponseRate = Rate(k.Responded, k.Cases)
	k.ResolutionRate = Rate(k.Closed, k.Cases)
}

// Rate is n / d, or nil when d is 0.
func Rate(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// ResponseWindow is how soon after a report its first hearing must come to count as a response (响应).
const ResponseWindow = 24 * time.Hour
