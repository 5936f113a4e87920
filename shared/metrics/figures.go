package metrics

import (
	"maps"
	"math"
	"slices"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
)

// Dimensions a Result can be broken down by (the by parameter).
const (
	ByDepartment     = "department"
	ByRole           = "role"
	ByEmploymentType = "employment_type"
	ByVendor         = "vendor"
	ByEngagement     = "engagement"
	ByManager        = "manager"
)

// Dimensions lists every dimension, in the order the API documents them.
var Dimensions = []string{ByDepartment, ByRole, ByEmploymentType, ByVendor, ByEngagement, ByManager}

// IsDimension reports whether by names a dimension.
func IsDimension(by string) bool { return slices.Contains(Dimensions, by) }

// None is the group of the people with no value for a dimension (no
// department, no vendor, no role, no engagement).
const None = "(none)"

// Scope of a Result over everyone; a Result filtered to one engagement has
// the scope "engagement:<key>".
const ScopeOrganisation = "organisation"

// NewStarterDays is the number of days after their start date by which a
// new starter's hire training counts as done in time.
const NewStarterDays = 30

// Result is the answer of GET /api/metrics: the figures of the period over
// the scope, and by dimension when asked.
type Result struct {
	AsOf    string `json:"asOf"`
	Quarter string `json:"quarter"`
	// Frozen is true when the figures come from the quarter's frozen
	// snapshot; the Builder leaves it false and the caller sets it.
	Frozen bool   `json:"frozen"`
	Scope  string `json:"scope"`
	// End is E: only what was recorded before it counts.
	End time.Time `json:"end"`
	Figures
	// By holds, for the dimension asked, the figures over the people of
	// each value; nil when no dimension was asked.
	By map[string]map[string]Figures `json:"by,omitempty"`
}

// Figures are the figures over a set of people. Rates are fractions 0..1
// rounded to 4 decimals, nil (null) when their denominator is 0; Counts
// holds every numerator and denominator. docs/METRICS.md defines each.
type Figures struct {
	CompletionRate       *float64            `json:"completionRate"`
	OverdueCount         int                 `json:"overdueCount"`
	OnTimeRate           *float64            `json:"onTimeRate"`
	AckRate              *float64            `json:"ackRate"`
	MedianDaysToComplete *float64            `json:"medianDaysToComplete"`
	OverdueAge           OverdueAge          `json:"overdueAge"`
	NewStarterRate       *float64            `json:"newStarterRate"`
	FirstAttemptPassRate *float64            `json:"firstAttemptPassRate"`
	AveragePassingScore  *float64            `json:"averagePassingScore"`
	AckRateByPolicy      map[string]*float64 `json:"ackRateByPolicy"`
	Counts               Counts              `json:"counts"`
}

// OverdueAge counts the overdue rows by how many days overdue they are at E.
type OverdueAge struct {
	Days1To7   int `json:"1-7"`
	Days8To30  int `json:"8-30"`
	Days31To90 int `json:"31-90"`
	Over90     int `json:"over90"`
}

// Counts are the numerators and denominators behind the figures, so that
// every figure can be recomputed from them.
type Counts struct {
	People    int `json:"people"`
	Completed int `json:"completed"`
	OnTrack   int `json:"onTrack"`
	Overdue   int `json:"overdue"`
	Waived    int `json:"waived"`
	// DueInPeriod counts the non-waived rows due in the period; those
	// completed by their due instant are CompletedOnTime (onTimeRate).
	DueInPeriod     int `json:"dueInPeriod"`
	CompletedOnTime int `json:"completedOnTime"`
	// CompletedInPeriod counts the rows completed in the period (the
	// population of medianDaysToComplete).
	CompletedInPeriod int `json:"completedInPeriod"`
	// AcksRequired counts the ack rows not waived, Acknowledged those of
	// them acknowledged before E (ackRate); AcksWaived the waived ones.
	AcksRequired int `json:"acksRequired"`
	Acknowledged int `json:"acknowledged"`
	AcksWaived   int `json:"acksWaived"`
	// NewStarters counts the people whose 30-day window closed in the
	// period, NewStartersTrained those who did all their hire training in it.
	NewStarters        int `json:"newStarters"`
	NewStartersTrained int `json:"newStartersTrained"`
	// FirstAttempts counts the first attempts made in the period,
	// FirstAttemptsPassed those that passed.
	FirstAttempts       int `json:"firstAttempts"`
	FirstAttemptsPassed int `json:"firstAttemptsPassed"`
	// PassingAttempts counts the passing attempts made in the period;
	// PassingScoreSum adds their scores up.
	PassingAttempts int `json:"passingAttempts"`
	PassingScoreSum int `json:"passingScoreSum"`
	// AcksByPolicy holds AcksRequired and Acknowledged per policy.
	AcksByPolicy map[string]AckCount `json:"acksByPolicy"`
}

// AckCount is the ack rows of one policy: not waived, and acknowledged.
type AckCount struct {
	Required     int `json:"required"`
	Acknowledged int `json:"acknowledged"`
}

// tally is the additive, fixed-size state behind Figures: adding people
// never makes it grow except by distinct policies and days.
type tally struct {
	c Counts
	// days is the histogram of whole days from assignment to completion.
	days map[int]int
	age  OverdueAge
}

// add adds o into t.
func (t *tally) add(o *tally) {
	a, b := &t.c, &o.c
	a.People += b.People
	a.Completed += b.Completed
	a.OnTrack += b.OnTrack
	a.Overdue += b.Overdue
	a.Waived += b.Waived
	a.DueInPeriod += b.DueInPeriod
	a.CompletedOnTime += b.CompletedOnTime
	a.CompletedInPeriod += b.CompletedInPeriod
	a.AcksRequired += b.AcksRequired
	a.Acknowledged += b.Acknowledged
	a.AcksWaived += b.AcksWaived
	a.NewStarters += b.NewStarters
	a.NewStartersTrained += b.NewStartersTrained
	a.FirstAttempts += b.FirstAttempts
	a.FirstAttemptsPassed += b.FirstAttemptsPassed
	a.PassingAttempts += b.PassingAttempts
	a.PassingScoreSum += b.PassingScoreSum
	for id, n := range b.AcksByPolicy {
		if a.AcksByPolicy == nil {
			a.AcksByPolicy = map[string]AckCount{}
		}
		m := a.AcksByPolicy[id]
		m.Required += n.Required
		m.Acknowledged += n.Acknowledged
		a.AcksByPolicy[id] = m
	}
	for d, n := range o.days {
		if t.days == nil {
			t.days = map[int]int{}
		}
		t.days[d] += n
	}
	t.age.Days1To7 += o.age.Days1To7
	t.age.Days8To30 += o.age.Days8To30
	t.age.Days31To90 += o.age.Days31To90
	t.age.Over90 += o.age.Over90
}

// personTally returns what one person adds to the figures of period p.
func personTally(r PersonRows, p Period) *tally {
	t := &tally{}
	c := &t.c
	c.People = 1
	for _, a := range r.Assignments {
		switch a.Status {
		case Completed:
			c.Completed++
		case OnTrack:
			c.OnTrack++
		case Overdue:
			c.Overdue++
			switch d := daysBetween(a.DueAt, p.End) + 1; {
			case d <= 7:
				t.age.Days1To7++
			case d <= 30:
				t.age.Days8To30++
			case d <= 90:
				t.age.Days31To90++
			default:
				t.age.Over90++
			}
		case Waived:
			c.Waived++
			continue
		}
		if !a.DueAt.Before(p.Start) && a.DueAt.Before(p.End) {
			c.DueInPeriod++
			if a.Status == Completed && !a.CompletedAt.After(a.DueAt) {
				c.CompletedOnTime++
			}
		}
		if a.Status == Completed && !a.CompletedAt.Before(p.Start) {
			c.CompletedInPeriod++
			if t.days == nil {
				t.days = map[int]int{}
			}
			t.days[max(0, daysBetween(a.AssignedAt, a.CompletedAt))]++
		}
	}
	for _, a := range r.Acks {
		if a.WaiverID != "" && a.AcknowledgedAt.IsZero() {
			c.AcksWaived++
			continue
		}
		if c.AcksByPolicy == nil {
			c.AcksByPolicy = map[string]AckCount{}
		}
		n := c.AcksByPolicy[a.PolicyID]
		n.Required++
		c.AcksRequired++
		if !a.AcknowledgedAt.IsZero() && a.AcknowledgedAt.Before(p.End) {
			n.Acknowledged++
			c.Acknowledged++
		}
		c.AcksByPolicy[a.PolicyID] = n
	}
	newStarter(r, p, c)
	for _, a := range r.Attempts {
		if a.At.Before(p.Start) || !a.At.Before(p.End) {
			continue
		}
		if a.Number == 1 {
			c.FirstAttempts++
			if a.Passed {
				c.FirstAttemptsPassed++
			}
		}
		if a.Passed {
			c.PassingAttempts++
			c.PassingScoreSum += a.Score
		}
	}
	return t
}

// newStarter counts the person as a new starter of the period when their
// window (through the end of start date + NewStarterDays, their time zone)
// closed in it (Start < window end ≤ E) and they have a hire cycle not
// waived; trained when every such cycle was completed within the window.
func newStarter(r PersonRows, p Period, c *Counts) {
	loc := roster.Person{TimeZone: r.Person.TimeZone}.Location()
	windowEnd := dayAfter(addDays(r.Person.StartDate, NewStarterDays), loc)
	if windowEnd.IsZero() || !windowEnd.After(p.Start) || windowEnd.After(p.End) {
		return
	}
	hires, trained := 0, 0
	for _, a := range r.Assignments {
		if a.Reason != string(assign.ReasonHire) || a.Status == Waived {
			continue
		}
		hires++
		if a.Status == Completed && a.CompletedAt.Before(windowEnd) {
			trained++
		}
	}
	if hires == 0 {
		return
	}
	c.NewStarters++
	if trained == hires {
		c.NewStartersTrained++
	}
}

// daysBetween returns the whole days (24 h) from a to b, rounded down.
func daysBetween(a, b time.Time) int {
	return int(math.Floor(float64(b.Sub(a)) / float64(24*time.Hour)))
}

// figures computes the figures of a tally.
func (t *tally) figures() Figures {
	c := t.c
	f := Figures{
		CompletionRate:       rate(c.Completed, c.Completed+c.OnTrack+c.Overdue),
		OverdueCount:         c.Overdue,
		OnTimeRate:           rate(c.CompletedOnTime, c.DueInPeriod),
		AckRate:              rate(c.Acknowledged, c.AcksRequired),
		MedianDaysToComplete: median(t.days, c.CompletedInPeriod),
		OverdueAge:           t.age,
		NewStarterRate:       rate(c.NewStartersTrained, c.NewStarters),
		FirstAttemptPassRate: rate(c.FirstAttemptsPassed, c.FirstAttempts),
		AckRateByPolicy:      map[string]*float64{},
		Counts:               c,
	}
	if c.PassingAttempts > 0 {
		avg := math.Round(float64(c.PassingScoreSum)/float64(c.PassingAttempts)*100) / 100
		f.AveragePassingScore = &avg
	}
	f.Counts.AcksByPolicy = map[string]AckCount{}
	for id, n := range c.AcksByPolicy {
		f.AckRateByPolicy[id] = rate(n.Acknowledged, n.Required)
		f.Counts.AcksByPolicy[id] = n
	}
	return f
}

// rate returns num/den rounded to 4 decimals, or nil when den is 0.
func rate(num, den int) *float64 {
	if den == 0 {
		return nil
	}
	r := math.Round(float64(num)/float64(den)*1e4) / 1e4
	return &r
}

// median returns the median of the n values of a histogram (the mean of the
// two middle ones for an even n), or nil when n is 0.
func median(hist map[int]int, n int) *float64 {
	if n == 0 {
		return nil
	}
	// nth returns the i-th smallest value (0-based).
	nth := func(i int) int {
		for _, d := range slices.Sorted(maps.Keys(hist)) {
			if i < hist[d] {
				return d
			}
			i -= hist[d]
		}
		return 0
	}
	m := float64(nth((n-1)/2)+nth(n/2)) / 2
	return &m
}

// Builder adds people's rows up into a Result: over everyone (or the people
// of one engagement), and by one dimension. Its memory is fixed per group,
// whatever the number of people, except the reporting lines it keeps for
// by=manager.
type Builder struct {
	p          Period
	by         string
	engagement string
	all        tally
	groups     map[string]*tally
	// managerOf holds every person's manager, for by=manager.
	managerOf map[string]string
}

// NewBuilder starts the figures of period p. by is a dimension (see
// Dimensions) or "" for none; engagement, when not empty, keeps only the
// people who held that engagement at some time in the period.
func NewBuilder(p Period, by, engagement string) *Builder {
	b := &Builder{p: p, by: by, engagement: engagement}
	if IsDimension(by) {
		b.groups = map[string]*tally{}
	}
	if by == ByManager {
		b.managerOf = map[string]string{}
	}
	return b
}

// Add adds one person's rows (as Rows returned them for the Builder's
// period). Every in-scope person must be added, even those the engagement
// filter leaves out: by=manager follows the reporting lines through them.
func (b *Builder) Add(r PersonRows) {
	if b.managerOf != nil {
		b.managerOf[r.Person.EmployeeID] = r.Person.ManagerID
	}
	if b.engagement != "" && !r.Person.HasSpan(b.engagement) {
		return
	}
	t := personTally(r, b.p)
	b.all.add(t)
	if b.groups == nil {
		return
	}
	for _, v := range groupValues(r.Person, b.by) {
		g := b.groups[v]
		if g == nil {
			g = &tally{}
			b.groups[v] = g
		}
		g.add(t)
	}
}

// groupValues returns the values of dimension by the person counts under;
// by=manager counts under the direct manager only (Result rolls up).
func groupValues(p PersonRow, by string) []string {
	orNone := func(v string) []string {
		if v == "" {
			return []string{None}
		}
		return []string{v}
	}
	switch by {
	case ByDepartment:
		return orNone(p.Department)
	case ByEmploymentType:
		return orNone(p.EmploymentType)
	case ByVendor:
		return orNone(p.Vendor)
	case ByRole:
		if len(p.Roles) == 0 {
			return []string{None}
		}
		return slices.Compact(slices.Sorted(slices.Values(p.Roles)))
	case ByEngagement:
		var es []string
		for _, s := range p.Spans {
			es = append(es, s.Engagement)
		}
		if len(es) == 0 {
			return []string{None}
		}
		return slices.Compact(slices.Sorted(slices.Values(es)))
	case ByManager:
		if p.ManagerID == "" {
			return nil
		}
		return []string{p.ManagerID}
	}
	return nil
}

// HasSpan reports whether the person held engagement at some time in the
// period.
func (p PersonRow) HasSpan(engagement string) bool {
	return slices.ContainsFunc(p.Spans, func(s Span) bool { return s.Engagement == engagement })
}

// Result returns the figures of everyone added so far.
func (b *Builder) Result() Result {
	res := Result{
		AsOf: b.p.AsOf, Quarter: b.p.Quarter, Scope: ScopeOrganisation, End: b.p.End,
		Figures: b.all.figures(),
	}
	if b.engagement != "" {
		res.Scope = "engagement:" + b.engagement
	}
	if b.groups == nil {
		return res
	}
	groups := b.groups
	if b.by == ByManager {
		groups = b.rollUp()
	}
	values := make(map[string]Figures, len(groups))
	for v, t := range groups {
		values[v] = t.figures()
	}
	res.By = map[string]map[string]Figures{b.by: values}
	return res
}

// rollUp returns each manager's whole subtree: the tallies of their direct
// reports' groups added to every manager above them.
func (b *Builder) rollUp() map[string]*tally {
	out := make(map[string]*tally, len(b.groups))
	for m, t := range b.groups {
		seen := map[string]bool{}
		for a := m; a != "" && !seen[a]; a = b.managerOf[a] {
			seen[a] = true
			g := out[a]
			if g == nil {
				g = &tally{}
				out[a] = g
			}
			g.add(t)
		}
	}
	return out
}
