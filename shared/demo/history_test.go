package demo

import (
	"bytes"
	"testing"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/roster"
)

// TestTimeline checks the uploads derived from today's roster and the
// shipped history: who is in each, with which manager and end date.
func TestTimeline(t *testing.T) {
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	up, problems := roster.ParseCSV(bytes.NewReader(csv))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	hist, err := content.FS.ReadFile("demo/history.yaml")
	if err != nil {
		t.Fatal(err)
	}
	history, err := ParseHistory(hist)
	if err != nil {
		t.Fatal(err)
	}
	uploads, err := Timeline(up.People, history, "2025-11-30", "2026-11-30")
	if err != nil {
		t.Fatal(err)
	}
	state := func(day, id string) (roster.Person, bool) {
		var last Upload
		for _, u := range uploads {
			if u.Day <= day {
				last = u
			}
		}
		for _, p := range last.People {
			if p.EmployeeID == id {
				return p, true
			}
		}
		return roster.Person{}, false
	}
	for _, c := range []struct {
		name, day, id string
		present       bool
		manager, end  string
	}{
		{"present on day 0", "2025-11-30", "E020", true, "E010", ""},
		{"before the re-org", "2026-03-01", "E012", true, "E010", ""},
		{"after the re-org", "2026-03-02", "E012", true, "E002", ""},
		{"hire unknown two weeks before the start", "2026-05-12", "E096", false, "", ""},
		{"hire uploaded two weeks before the start", "2026-05-25", "E096", true, "E012", ""},
		{"leaver's end date not yet known", "2026-06-15", "E090", true, "E010", ""},
		{"leaver's end date known two weeks ahead", "2026-06-16", "E090", true, "E010", "2026-06-30"},
		{"leaver gone before day 0 of the span", "2025-11-30", "C090", true, "E012", ""},
		{"future starter uploaded by today", "2026-11-30", "E093", true, "E014", ""},
		{"role and team before a move", "2026-05-03", "E052", true, "E003", ""},
		{"department not yet rolled out", "2026-04-12", "E040", false, "", ""},
		{"department rolled out", "2026-04-13", "E040", true, "E013", ""},
		{"rolled out with the department it had then", "2026-04-12", "E052", false, "", ""},
		{"hire before the rollout waits for it", "2026-02-15", "C004", false, "", ""},
		{"hire uploaded with the rollout", "2026-02-16", "C004", true, "E005", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p, ok := state(c.day, c.id)
			if ok != c.present || (ok && (p.ManagerID != c.manager || p.EndDate != c.end)) {
				t.Errorf("%s on %s: present %v, manager %q, end %q; want %v, %q, %q", c.id, c.day, ok, p.ManagerID, p.EndDate, c.present, c.manager, c.end)
			}
		})
	}
	last := uploads[len(uploads)-1]
	if len(last.People) != len(up.People) {
		t.Fatalf("last upload has %d people, want %d", len(last.People), len(up.People))
	}
	for i, p := range last.People {
		if !p.Equal(up.People[i]) {
			t.Errorf("last upload: %+v, want %+v", p, up.People[i])
		}
	}
	if _, err := ParseHistory([]byte("waivers:\n  - date: 2026-01-01\n    employee_id: E1\n    expires_on: 2026-02-30\n")); err == nil {
		t.Error("a waiver expiring on a day that does not exist was accepted")
	}
	if _, err := ParseHistory([]byte("waivers:\n  - date: 2026-01-01\n    employee_id: E1\n    expires_on: 2026-03-01\n    revoked_on: 2025-12-01\n")); err == nil {
		t.Error("a waiver revoked before it was granted was accepted")
	}
	if _, err := ParseHistory([]byte("changes:\n  - date: 2026-13-01\n    employee_id: E1\n    before: {manager_id: E2}\n")); err == nil {
		t.Error("a bad date was accepted")
	}
	if _, err := ParseHistory([]byte("changes:\n  - date: 2026-01-01\n    employee_id: E1\n    before: {manager: E2}\n")); err == nil {
		t.Error("an unknown field was accepted")
	}
}
