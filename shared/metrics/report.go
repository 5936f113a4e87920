package metrics

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// AgreementReport is the answer of GET /api/agreements/{key}/report: each
// obligation of the agreement against its target over the period.
type AgreementReport struct {
	Agreement agreement.Agreement `json:"agreement"`
	Quarter   string              `json:"quarter"`
	AsOf      string              `json:"asOf"`
	// Frozen is true when the report comes from the quarter's frozen
	// snapshot; the ReportBuilder leaves it false and the caller sets it.
	Frozen bool `json:"frozen"`
	// InForce is whether the agreement was in force on some day of the
	// period; when it was not, no one is covered.
	InForce bool `json:"inForce"`
	// People counts the people covered: those on the agreement's engagement
	// at some time in the period.
	People      int                `json:"people"`
	Obligations []ObligationReport `json:"obligations"`
}

// ObligationReport is one obligation's figure: Numerator (person, item)
// pairs met out of Denominator decided ones; Pending counts the pairs whose
// deadline had not passed at their cut and were not met yet.
type ObligationReport struct {
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	Kind        string   `json:"kind"`
	Items       []string `json:"items"`
	WithinDays  int      `json:"withinDays"`
	Figure      *float64 `json:"figure"`
	Target      float64  `json:"target"`
	Met         bool     `json:"met"`
	Numerator   int      `json:"numerator"`
	Denominator int      `json:"denominator"`
	Pending     int      `json:"pending"`
	// Waived counts the pairs excused by a waiver holding at E.
	Waived int    `json:"waived"`
	Misses []Miss `json:"misses"`
}

// Miss is one person who missed one item of an obligation, and how.
type Miss struct {
	EmployeeID string `json:"employeeId"`
	Name       string `json:"name"`
	Item       string `json:"item"`
	Reason     string `json:"reason"`
}

// ReportBuilder adds people's rows up into an AgreementReport.
type ReportBuilder struct {
	a       agreement.Agreement
	p       Period
	inForce bool
	people  int
	obs     []ObligationReport
}

// NewReportBuilder starts the report of agreement a over period p.
func NewReportBuilder(a agreement.Agreement, p Period) *ReportBuilder {
	b := &ReportBuilder{
		a: a, p: p,
		inForce: a.StartDate <= p.AsOf && (a.EndDate == "" || a.EndDate >= p.FirstDay()),
	}
	for _, o := range a.Obligations {
		b.obs = append(b.obs, ObligationReport{ID: o.ID, Text: o.Text, Kind: o.Kind, Items: slices.Clone(o.Items),
			WithinDays: o.WithinDays, Target: o.Target, Misses: []Miss{}})
	}
	return b
}

// Add adds one person's rows (as Rows returned them for the builder's
// period); people not on the agreement's engagement in the period are
// ignored.
func (b *ReportBuilder) Add(r PersonRows) {
	if !b.inForce {
		return
	}
	var span Span
	found := false
	for _, s := range r.Person.Spans {
		// The latest stretch on the engagement binds (spans are sorted by
		// engagement, then JoinedOn).
		if s.Engagement == b.a.Engagement {
			span, found = s, true
		}
	}
	if !found {
		return
	}
	b.people++
	loc := roster.Person{TimeZone: r.Person.TimeZone}.Location()
	cut := b.p.End
	if !span.LeftAt.IsZero() && span.LeftAt.Before(cut) {
		cut = span.LeftAt
	}
	if b.a.EndDate != "" {
		if end := dayAfter(b.a.EndDate, loc); end.Before(cut) {
			cut = end
		}
	}
	joined := max(span.JoinedOn, b.a.StartDate)
	for i, o := range b.a.Obligations {
		for _, item := range o.Items {
			b.item(&b.obs[i], o, item, r, joined, cut, loc)
		}
	}
}

// item decides one (person, item) pair of obligation o: met, missed,
// pending or waived.
func (b *ReportBuilder) item(rep *ObligationReport, o agreement.Obligation, item string, r PersonRows, joined string, cut time.Time, loc *time.Location) {
	base := joined
	var doneAt time.Time
	switch o.Kind {
	case agreement.KindTraining:
		id := strings.TrimPrefix(item, waiver.ModulePrefix)
		if i := slices.IndexFunc(r.Assignments, func(a AssignmentRow) bool { return a.ModuleID == id }); i >= 0 {
			a := r.Assignments[i]
			if a.Status == Waived {
				rep.Waived++
				return
			}
			base = max(base, a.AssignedOn)
			doneAt = a.CompletedAt
		}
	case agreement.KindAcknowledgment:
		id := strings.TrimPrefix(item, waiver.PolicyPrefix)
		year := b.p.AsOf[:4]
		if i := slices.IndexFunc(r.Acks, func(a AckRow) bool { return a.PolicyID == id }); i >= 0 {
			a := r.Acks[i]
			if a.WaiverID != "" && a.AcknowledgedAt.IsZero() {
				rep.Waived++
				return
			}
			if len(a.Cycle) >= 4 {
				year = a.Cycle[:4]
			}
			doneAt = a.AcknowledgedAt
		}
		base = max(base, year+"-01-01")
	default:
		return
	}
	dueDay := addDays(base, o.WithinDays)
	dueEnd := dayAfter(dueDay, loc)
	done := !doneAt.IsZero() && doneAt.Before(cut)
	switch {
	case done && doneAt.Before(dueEnd):
		rep.Numerator++
		rep.Denominator++
	case cut.Before(dueEnd):
		rep.Pending++
	default:
		rep.Denominator++
		verb := "completed"
		if o.Kind == agreement.KindAcknowledgment {
			verb = "acknowledged"
		}
		reason := "not " + verb + ", due " + dueDay
		if done {
			reason = verb + " late on " + doneAt.In(loc).Format(dayLayout) + ", due " + dueDay
		}
		rep.Misses = append(rep.Misses, Miss{EmployeeID: r.Person.EmployeeID, Name: r.Person.Name, Item: item, Reason: reason})
	}
}

// Report returns the report of everyone added so far. Figure is
// Numerator/Denominator rounded to 4 decimals (null when nothing was
// decided); Met compares the unrounded fraction with the target and holds
// when nothing was decided.
func (b *ReportBuilder) Report() AgreementReport {
	rep := AgreementReport{Agreement: b.a, Quarter: b.p.Quarter, AsOf: b.p.AsOf, InForce: b.inForce, People: b.people}
	for _, o := range b.obs {
		o.Misses = slices.Clone(o.Misses)
		slices.SortFunc(o.Misses, func(x, y Miss) int {
			return cmp.Or(strings.Compare(x.EmployeeID, y.EmployeeID), strings.Compare(x.Item, y.Item))
		})
		o.Figure = rate(o.Numerator, o.Denominator)
		o.Met = o.Denominator == 0 || float64(o.Numerator)/float64(o.Denominator) >= o.Target
		rep.Obligations = append(rep.Obligations, o)
	}
	if rep.Obligations == nil {
		rep.Obligations = []ObligationReport{}
	}
	return rep
}
