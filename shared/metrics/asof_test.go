package metrics

import (
	"encoding/json"
	"testing"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// TestAsOfUnchanged: the answer for asOf=D, computed from histories as they
// were at D, stays the same once records made after D are added: a
// backfilled person, a late completion, a department change, a waiver, an
// attempt, an acknowledgment, a new cycle.
func TestAsOfUnchanged(t *testing.T) {
	p, err := PeriodOf("2026-08-15") // E = 2026-08-16T00:00:00Z
	if err != nil {
		t.Fatal(err)
	}
	sales := func(p *roster.Person) { p.Department = "Sales"; p.Engagements = []string{"acme"} }
	before := []History{
		{
			Revisions: []roster.Revision{rev(t, 1, "2026-01-05T09:00:00Z", person("e1", sales))},
			Assignments: []assign.Assignment{{EmployeeID: "e1", ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-07-01",
				DueAt: utc(t, "2026-08-01T00:00:00Z"), Status: assign.StatusOpen, RecordedAt: utc(t, "2026-07-01T02:00:00Z")}},
		},
		{
			Revisions: []roster.Revision{rev(t, 1, "2026-01-05T09:00:00Z", person("e2", func(p *roster.Person) { p.ManagerID = "e1" }))},
			Assignments: []assign.Assignment{{EmployeeID: "e2", ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-07-01",
				DueAt: utc(t, "2026-09-01T00:00:00Z"), Status: assign.StatusOpen, RecordedAt: utc(t, "2026-07-01T02:00:00Z")}},
		},
	}
	after := []History{
		{
			Revisions: []roster.Revision{
				rev(t, 1, "2026-01-05T09:00:00Z", person("e1", sales)),
				// A department change recorded after D, effective "since July".
				rev(t, 2, "2026-08-16T00:00:00Z", person("e1", func(p *roster.Person) { sales(p); p.Department = "Support" })),
			},
			// A late completion recorded after D.
			Assignments: []assign.Assignment{{EmployeeID: "e1", ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-07-01",
				DueAt: utc(t, "2026-08-01T00:00:00Z"), Status: assign.StatusCompleted, CompletedAt: utc(t, "2026-08-16T00:00:00Z"), Score: 90,
				RecordedAt: utc(t, "2026-07-01T02:00:00Z")}},
			Attempts: []assign.Attempt{{ModuleID: "security", Cycle: 1, Number: 1, At: utc(t, "2026-08-16T00:00:00Z"), Score: 90, Passed: true}},
		},
		{
			Revisions: []roster.Revision{rev(t, 1, "2026-01-05T09:00:00Z", person("e2", func(p *roster.Person) { p.ManagerID = "e1" }))},
			Assignments: []assign.Assignment{
				{EmployeeID: "e2", ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-07-01",
					DueAt: utc(t, "2026-09-01T00:00:00Z"), Status: assign.StatusWaived, RecordedAt: utc(t, "2026-07-01T02:00:00Z")},
				{EmployeeID: "e2", ModuleID: "privacy", Cycle: 1, Reason: assign.ReasonRoleChange, AssignedOn: "2026-08-15",
					DueAt: utc(t, "2026-08-20T00:00:00Z"), Status: assign.StatusOpen, RecordedAt: utc(t, "2026-08-17T02:00:00Z")},
			},
			Waivers: []waiver.Waiver{{ID: "wvr_1", Item: "module:security", ExpiresOn: "2026-12-31", GrantedAt: utc(t, "2026-08-16T08:00:00Z")}},
		},
		// A person backfilled after D with a start date long before it.
		{
			Revisions: []roster.Revision{rev(t, 1, "2026-08-20T09:00:00Z", person("e3", func(p *roster.Person) { p.StartDate = "2025-01-01"; sales(p) }))},
			Assignments: []assign.Assignment{{EmployeeID: "e3", ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-08-20",
				DueAt: utc(t, "2026-09-20T00:00:00Z"), Status: assign.StatusOpen, RecordedAt: utc(t, "2026-08-20T09:00:00Z")}},
		},
	}
	for _, by := range append([]string{""}, Dimensions...) {
		t.Run("by "+by, func(t *testing.T) {
			answer := func(hs []History) string {
				b := NewBuilder(p, by, "")
				for _, h := range hs {
					if r, ok := Rows(h, testCatalog(), p); ok {
						b.Add(r)
					}
				}
				out, err := json.Marshal(b.Result())
				if err != nil {
					t.Fatal(err)
				}
				return string(out)
			}
			if x, y := answer(before), answer(after); x != y {
				t.Errorf("answer changed:\nbefore %s\nafter  %s", x, y)
			}
		})
	}
	// And the answer is the one expected: e1 overdue in Sales, e2 on track.
	b := NewBuilder(p, ByDepartment, "")
	for _, h := range after {
		if r, ok := Rows(h, testCatalog(), p); ok {
			b.Add(r)
		}
	}
	assertJSONSubset(t, b.Result(), `{"completionRate": 0, "overdueCount": 1, "counts": {"people": 2, "onTrack": 1, "overdue": 1},
		"by": {"department": {"Sales": {"overdueCount": 1}, "Engineering": {"overdueCount": 0, "counts": {"onTrack": 1}}}}}`)
}

// TestFrozenRowsGiveTheSameAnswer: rows stored as JSON (the frozen
// snapshot) and read back give the same figures and agreement report as
// the rows themselves, so quarter= of a frozen quarter equals asOf= of its
// last day.
func TestFrozenRowsGiveTheSameAnswer(t *testing.T) {
	p, people := workedExample(t)
	var stored [][]byte
	for _, r := range people {
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, b)
	}
	for _, by := range append([]string{""}, Dimensions...) {
		live, frozen := NewBuilder(p, by, ""), NewBuilder(p, by, "")
		liveRep, frozenRep := NewReportBuilder(acmeAgreement(), p), NewReportBuilder(acmeAgreement(), p)
		for i, r := range people {
			live.Add(r)
			liveRep.Add(r)
			var back PersonRows
			if err := json.Unmarshal(stored[i], &back); err != nil {
				t.Fatal(err)
			}
			frozen.Add(back)
			frozenRep.Add(back)
		}
		x, _ := json.Marshal(live.Result())
		y, _ := json.Marshal(frozen.Result())
		if string(x) != string(y) {
			t.Errorf("by %q: live %s\nfrozen %s", by, x, y)
		}
		x, _ = json.Marshal(liveRep.Report())
		y, _ = json.Marshal(frozenRep.Report())
		if string(x) != string(y) {
			t.Errorf("report: live %s\nfrozen %s", x, y)
		}
	}
}
