package metrics

import (
	"testing"

	"github.com/attest-oss/attest/shared/agreement"
)

// acmeAgreement covers engagement acme from 2026-01-01 with a training
// clause (4.1, 30 days, target 0.9) and an acknowledgment clause (4.2, 14
// days, target 0.6).
func acmeAgreement() agreement.Agreement {
	return agreement.Agreement{Key: "acme-msa", Customer: "Acme Corp", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{
			{ID: "4.1", Text: "Security training within 30 days", Kind: agreement.KindTraining, Items: []string{"module:security"}, WithinDays: 30, Target: 0.9},
			{ID: "4.2", Text: "Acceptable use acknowledged within 14 days", Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 14, Target: 0.6},
		}}
}

func TestAgreementReport(t *testing.T) {
	p := q3(t)
	on := func(joined string) []Span { return []Span{{Engagement: "acme", JoinedOn: joined}} }
	sec := func(assignedOn, status, done string) []AssignmentRow {
		r := AssignmentRow{ModuleID: "security", AssignedOn: assignedOn, Status: status}
		if done != "" {
			r.CompletedAt = utc(t, done)
		}
		return []AssignmentRow{r}
	}
	aup := func(done string) []AckRow {
		r := AckRow{PolicyID: "aup", Cycle: "2026"}
		if done != "" {
			r.AcknowledgedAt = utc(t, done)
		}
		return []AckRow{r}
	}
	la := "America/Los_Angeles"
	people := []PersonRows{
		// Hits both.
		{Person: PersonRow{EmployeeID: "p1", Name: "One", TimeZone: "UTC", Spans: on("2025-03-01")},
			Assignments: sec("2026-07-01", Completed, "2026-07-20T10:00:00Z"), Acks: aup("2026-01-10T10:00:00Z")},
		// Misses both: training not done, acknowledgment late.
		{Person: PersonRow{EmployeeID: "p2", Name: "Two", TimeZone: "UTC", Spans: on("2025-03-01")},
			Assignments: sec("2026-07-01", Overdue, ""), Acks: aup("2026-02-01T10:00:00Z")},
		// Joined on 20 September, trained last year: a hit; the
		// acknowledgment is due on 4 October, after E: pending.
		{Person: PersonRow{EmployeeID: "p3", Name: "Three", TimeZone: "UTC", Spans: on("2026-09-20")},
			Assignments: sec("2025-05-01", Completed, "2025-05-10T10:00:00Z"), Acks: aup("")},
		// Left the engagement on 10 August, before the training deadline
		// (19 August); completing it afterwards does not count: pending.
		{Person: PersonRow{EmployeeID: "p4", Name: "Four", TimeZone: "UTC",
			Spans: []Span{{Engagement: "acme", JoinedOn: "2025-03-01", LeftAt: utc(t, "2026-08-10T00:00:00Z")}}},
			Assignments: sec("2026-07-20", Completed, "2026-08-15T10:00:00Z"), Acks: aup("2026-01-05T10:00:00Z")},
		// Waived both.
		{Person: PersonRow{EmployeeID: "p5", Name: "Five", TimeZone: "UTC", Spans: on("2025-03-01")},
			Assignments: []AssignmentRow{{ModuleID: "security", AssignedOn: "2026-07-01", Status: Waived, WaiverID: "wvr_1"}},
			Acks:        []AckRow{{PolicyID: "aup", Cycle: "2026", WaiverID: "wvr_2"}}},
		// Another engagement: not covered.
		{Person: PersonRow{EmployeeID: "p6", Name: "Six", TimeZone: "UTC", Spans: []Span{{Engagement: "globex", JoinedOn: "2025-03-01"}}},
			Assignments: sec("2026-07-01", Overdue, "")},
		// Los Angeles: due on 9 August there, i.e. before 07:00 UTC on
		// 10 August. p7 completes one second before it; their roles do not
		// require the policy, so no ack row: a miss (due 15 June).
		{Person: PersonRow{EmployeeID: "p7", Name: "Seven", TimeZone: la, Spans: on("2026-06-01")},
			Assignments: sec("2026-07-10", Completed, "2026-08-10T06:59:59Z")},
		// p8 completes at 07:00 UTC, 00:00 on 10 August there: late.
		{Person: PersonRow{EmployeeID: "p8", Name: "Eight", TimeZone: la, Spans: on("2026-06-01")},
			Assignments: sec("2026-07-10", Completed, "2026-08-10T07:00:00Z"), Acks: aup("2026-06-10T10:00:00Z")},
	}
	b := NewReportBuilder(acmeAgreement(), p)
	for _, r := range people {
		b.Add(r)
	}
	got := b.Report()
	assertJSONSubset(t, got, `{"quarter": "2026-Q3", "asOf": "2026-09-30", "frozen": false, "inForce": true, "people": 7,
		"agreement": {"key": "acme-msa", "engagement": "acme"}}`)
	want := []ObligationReport{
		{ID: "4.1", Text: "Security training within 30 days", Kind: "training", Items: []string{"module:security"}, WithinDays: 30,
			Figure: ptr(0.6), Target: 0.9, Met: false, Numerator: 3, Denominator: 5, Pending: 1, Waived: 1, Misses: []Miss{
				{EmployeeID: "p2", Name: "Two", Item: "module:security", Reason: "not completed, due 2026-07-31"},
				{EmployeeID: "p8", Name: "Eight", Item: "module:security", Reason: "completed late on 2026-08-10, due 2026-08-09"},
			}},
		{ID: "4.2", Text: "Acceptable use acknowledged within 14 days", Kind: "acknowledgment", Items: []string{"policy:aup"}, WithinDays: 14,
			Figure: ptr(0.6), Target: 0.6, Met: true, Numerator: 3, Denominator: 5, Pending: 1, Waived: 1, Misses: []Miss{
				{EmployeeID: "p2", Name: "Two", Item: "policy:aup", Reason: "acknowledged late on 2026-02-01, due 2026-01-15"},
				{EmployeeID: "p7", Name: "Seven", Item: "policy:aup", Reason: "not acknowledged, due 2026-06-15"},
			}},
	}
	assertSameJSON(t, got.Obligations, want)
}

func TestAgreementReportInForce(t *testing.T) {
	p := q3(t)
	overdue := PersonRows{Person: PersonRow{EmployeeID: "p1", TimeZone: "UTC", Spans: []Span{{Engagement: "acme", JoinedOn: "2025-03-01"}}},
		Assignments: []AssignmentRow{{ModuleID: "security", AssignedOn: "2026-07-20", Status: Overdue}}}
	tests := []struct {
		name, start, end string
		inForce          bool
		people, den, pen int
	}{
		{"starts after the quarter", "2026-10-01", "", false, 0, 0, 0},
		{"ended before the quarter", "2025-01-01", "2026-06-30", false, 0, 0, 0},
		{"starts on the last day", "2026-09-30", "", true, 1, 0, 1}, // due 30 October: pending
		// Ends on 5 August, before the deadline of 19 August: the pair is
		// never decided.
		{"ends mid-quarter", "2026-01-01", "2026-08-05", true, 1, 0, 1},
		{"in force", "2026-01-01", "", true, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := acmeAgreement()
			a.StartDate, a.EndDate = tt.start, tt.end
			b := NewReportBuilder(a, p)
			b.Add(overdue)
			got := b.Report()
			o := got.Obligations[0]
			if got.InForce != tt.inForce || got.People != tt.people || o.Denominator != tt.den || o.Pending != tt.pen {
				t.Errorf("inForce %v people %d den %d pending %d; want %v %d %d %d", got.InForce, got.People, o.Denominator, o.Pending,
					tt.inForce, tt.people, tt.den, tt.pen)
			}
			if o.Denominator == 0 && (!o.Met || o.Figure != nil) {
				t.Errorf("nothing decided: met %v figure %v, want true and null", o.Met, o.Figure)
			}
		})
	}
}

func ptr(f float64) *float64 { return &f }
