package assign

import (
	"fmt"
	"testing"
)

// waiverSummary renders a plan's waiver changes: "~module#cycle wvr" for a
// waiving, "^module#cycle due" for a reopening, and created cycles with
// their status and waiver.
func waiverSummary(p Plan) []string {
	var out []string
	for _, a := range p.Create {
		out = append(out, fmt.Sprintf("+%s#%d %s %s %s", a.ModuleID, a.Cycle, a.Reason, a.Status, a.WaiverID))
	}
	for _, c := range p.Close {
		out = append(out, fmt.Sprintf("-%s#%d %s", c.ModuleID, c.Cycle, c.Reason))
	}
	for _, w := range p.Waive {
		out = append(out, fmt.Sprintf("~%s#%d %s", w.ModuleID, w.Cycle, w.WaiverID))
	}
	for _, r := range p.Reopen {
		out = append(out, fmt.Sprintf("^%s#%d %s", r.ModuleID, r.Cycle, r.DueOn))
	}
	return out
}

func waived(module string, cycle int, waiverID, dueOn string) Assignment {
	a := open(module, cycle, "1.0.0")
	a.Status, a.WaiverID, a.DueOn = StatusWaived, waiverID, dueOn
	return a
}

func TestDecideUnderWaivers(t *testing.T) {
	privacyDone := completed("privacy", 1, "1.0.0", "2026-02-01T10:00:00Z")
	aware := func(a Assignment) []Assignment { return []Assignment{a, privacyDone} }
	exempt := func(id, through string) Exemption {
		return Exemption{WaiverID: id, ModuleID: "aware", Through: through}
	}
	tests := []struct {
		name       string
		person     []string
		existing   []Assignment
		exemptions []Exemption
		day        string
		want       []string
	}{
		{
			name: "OpenCycleIsWaived", existing: aware(open("aware", 1, "1.0.0")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-03-01",
			want: []string{"~aware#1 wvr_a"},
		},
		{
			name: "WaivedOnItsLastDayStays", existing: aware(waived("aware", 1, "wvr_a", "2026-02-04")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-06-30",
		},
		{
			name: "ExpiredWaiverReopensWithOriginalDueDate", existing: aware(waived("aware", 1, "wvr_a", "2026-02-04")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-07-01",
			want: []string{"^aware#1 2026-02-04"},
		},
		{
			name: "RevokedWaiverReopens", existing: aware(waived("aware", 1, "wvr_a", "2026-02-04")),
			exemptions: []Exemption{{WaiverID: "wvr_a", ModuleID: "aware", Through: "2026-06-30", Revoked: true}}, day: "2026-03-01",
			want: []string{"^aware#1 2026-02-04"},
		},
		{
			name: "MissingWaiverReopens", existing: aware(waived("aware", 1, "wvr_gone", "2026-02-04")),
			day: "2026-03-01", want: []string{"^aware#1 2026-02-04"},
		},
		{
			name: "ExpiredWaiverFollowedByANewOneMovesOver", existing: aware(waived("aware", 1, "wvr_a", "2026-02-04")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30"), exempt("wvr_b", "2026-12-31")}, day: "2026-07-01",
			want: []string{"~aware#1 wvr_b"},
		},
		{
			name: "WaiverOfAnotherModuleChangesNothing", existing: aware(open("aware", 1, "1.0.0")),
			exemptions: []Exemption{{WaiverID: "wvr_p", ModuleID: "privacy", Through: "2026-06-30"}}, day: "2026-03-01",
		},
		{
			name: "HireUnderWaiverIsCreatedWaived", existing: []Assignment{privacyDone},
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-03-01",
			want: []string{"+aware#1 role_change waived wvr_a"},
		},
		{
			name: "RenewalUnderWaiverIsCreatedWaived", existing: aware(completed("aware", 1, "1.0.0", "2025-03-01T10:00:00Z")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-03-01",
			want: []string{"+aware#2 renewal waived wvr_a"},
		},
		{
			name: "RenewalAfterExpiryIsOpen", existing: aware(completed("aware", 1, "1.0.0", "2025-03-01T10:00:00Z")),
			exemptions: []Exemption{exempt("wvr_a", "2026-02-28")}, day: "2026-03-01",
			want: []string{"+aware#2 renewal open "},
		},
		{
			name: "CompletedCycleIsNotWaived", existing: aware(completed("aware", 1, "1.0.0", "2026-02-01T10:00:00Z")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-03-01",
		},
		{
			name: "WaivedCycleOfALeaverIsCancelled", person: []string{"gone"},
			existing:   aware(waived("aware", 1, "wvr_a", "2026-02-04")),
			exemptions: []Exemption{exempt("wvr_a", "2026-06-30")}, day: "2026-03-01",
			want: []string{"-aware#1 leaver"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := testCatalog(t, "1.0.0")
			p := person("staff")
			if len(tt.person) > 0 {
				p.EndDate = "2026-02-28"
			}
			plan := Decide(p, cat, nil, tt.existing, tt.exemptions, tt.day)
			if got := waiverSummary(plan); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDecideUnderWaiversIsIdempotent(t *testing.T) {
	cat := testCatalog(t, "1.0.0")
	p := person("staff")
	ex := []Exemption{{WaiverID: "wvr_a", ModuleID: "aware", Through: "2026-03-10"}}
	var stored []Assignment
	for _, day := range []string{"2026-02-10", "2026-02-10", "2026-03-10", "2026-03-11", "2026-03-11"} {
		plan := Decide(p, cat, nil, stored, ex, day)
		stored = applyWaivers(apply(stored, plan), plan)
		if again := Decide(p, cat, nil, stored, ex, day); !again.Empty() {
			t.Fatalf("day %s: second decision %v, want empty", day, waiverSummary(again))
		}
	}
	for _, a := range stored {
		if a.Status != StatusOpen {
			t.Errorf("%s#%d: status %s after expiry, want open", a.ModuleID, a.Cycle, a.Status)
		}
	}
}

func applyWaivers(stored []Assignment, p Plan) []Assignment {
	for i := range stored {
		for _, w := range p.Waive {
			if stored[i].ModuleID == w.ModuleID && stored[i].Cycle == w.Cycle {
				stored[i].Status, stored[i].WaiverID = StatusWaived, w.WaiverID
			}
		}
		for _, r := range p.Reopen {
			if stored[i].ModuleID == r.ModuleID && stored[i].Cycle == r.Cycle {
				stored[i].Status = StatusOpen
			}
		}
	}
	return stored
}
