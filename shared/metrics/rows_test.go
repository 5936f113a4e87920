package metrics

import (
	"encoding/json"
	"testing"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// testCatalog has two roles: all-staff (module security, policy aup) and
// engineer (all-staff plus module privacy and policy code, at major 2).
func testCatalog() *catalog.Catalog {
	return &catalog.Catalog{
		Modules: map[string]*catalog.Module{
			"security": {ID: "security", Version: catalog.Version{Major: 1}},
			"privacy":  {ID: "privacy", Version: catalog.Version{Major: 1}},
		},
		Policies: map[string]*catalog.Policy{
			"aup":  {ID: "aup", Version: catalog.Version{Major: 1, Minor: 2}, SHA256: "aup-1.2"},
			"code": {ID: "code", Version: catalog.Version{Major: 2}, SHA256: "code-2.0"},
		},
		Roles: map[string]*catalog.Role{
			"all-staff": {Key: "all-staff", Modules: []string{"security"}, Policies: []string{"aup"}},
			"engineer":  {Key: "engineer", Includes: []string{"all-staff"}, Modules: []string{"privacy"}, Policies: []string{"code"}},
		},
	}
}

// person returns a roster person with the given changes applied.
func person(id string, change func(*roster.Person)) roster.Person {
	p := roster.Person{EmployeeID: id, Email: id + "@example.com", Name: "Person " + id, Roles: []string{"all-staff"},
		Department: "Engineering", EmploymentType: roster.Employee, StartDate: "2024-01-08", TimeZone: "UTC"}
	if change != nil {
		change(&p)
	}
	return p
}

// rev returns a revision recorded at at.
func rev(t *testing.T, n int, at string, p roster.Person) roster.Revision {
	return roster.Revision{Rev: n, At: utc(t, at), Person: p}
}

func q3(t *testing.T) Period {
	t.Helper()
	p, err := QuarterPeriod("2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRowsScope(t *testing.T) {
	tests := []struct {
		name string
		revs []roster.Revision
		want bool
	}{
		{"no revision", nil, false},
		// A backfilled person: recorded after E, unknown as of the quarter.
		{"backfilled after E", []roster.Revision{rev(t, 1, "2026-10-02T08:00:00Z", person("e1", nil))}, false},
		{"recorded exactly at E", []roster.Revision{rev(t, 1, "2026-10-01T00:00:00Z", person("e1", nil))}, false},
		{"recorded just before E", []roster.Revision{rev(t, 1, "2026-09-30T23:59:59Z", person("e1", nil))}, true},
		{"hired after the quarter end", []roster.Revision{rev(t, 1, "2026-09-20T08:00:00Z",
			person("e1", func(p *roster.Person) { p.StartDate = "2026-10-01" }))}, false},
		{"starts on the quarter's last day", []roster.Revision{rev(t, 1, "2026-09-20T08:00:00Z",
			person("e1", func(p *roster.Person) { p.StartDate = "2026-09-30" }))}, true},
		{"left before the quarter", []roster.Revision{rev(t, 1, "2026-06-20T08:00:00Z",
			person("e1", func(p *roster.Person) { p.EndDate = "2026-06-30" }))}, false},
		{"left on the quarter's first day", []roster.Revision{rev(t, 1, "2026-06-20T08:00:00Z",
			person("e1", func(p *roster.Person) { p.EndDate = "2026-07-01" }))}, true},
		{"leaver recorded after E still counts as active", []roster.Revision{
			rev(t, 1, "2024-01-01T08:00:00Z", person("e1", nil)),
			rev(t, 2, "2026-10-03T08:00:00Z", person("e1", func(p *roster.Person) { p.EndDate = "2026-05-31" })),
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ok := Rows(History{Revisions: tt.revs}, testCatalog(), q3(t))
			if ok != tt.want {
				t.Errorf("in scope = %v, want %v", ok, tt.want)
			}
		})
	}
}

// TestRowsAsRecorded builds the rows of one engineer from a history that
// goes on after E, and checks that nothing recorded at or after E shows.
func TestRowsAsRecorded(t *testing.T) {
	p := q3(t)
	eng := func(p *roster.Person) { p.Roles = []string{"engineer"} }
	h := History{
		Revisions: []roster.Revision{
			// Recorded out of order on purpose: Rows sorts by time.
			rev(t, 2, "2026-10-01T00:00:00Z", person("e1", func(p *roster.Person) { eng(p); p.Department = "Sales" })),
			rev(t, 1, "2024-01-02T08:00:00Z", person("e1", eng)),
		},
		Assignments: []assign.Assignment{
			// security: cycle 1 completed last year; cycle 2 recorded in
			// the quarter, completed only at E (a late completion).
			{ModuleID: "security", Cycle: 1, ModuleVersion: "1.0.0", Reason: assign.ReasonHire, AssignedOn: "2025-01-08",
				DueAt: utc(t, "2025-02-08T00:00:00Z"), Status: assign.StatusCompleted, CompletedAt: utc(t, "2025-01-20T10:00:00Z"),
				RecordedAt: utc(t, "2025-01-08T02:00:00Z")},
			{ModuleID: "security", Cycle: 2, ModuleVersion: "1.1.0", Reason: assign.ReasonRenewal, AssignedOn: "2026-08-20",
				DueAt: utc(t, "2026-09-20T00:00:00Z"), Status: assign.StatusCompleted, CompletedAt: utc(t, "2026-10-01T00:00:00Z"),
				Score: 90, RecordedAt: utc(t, "2026-08-20T02:00:00Z")},
			// privacy: cycle 1 legacy (no RecordedAt: its AssignedOn
			// counts), waived by a waiver granted before E; cycle 2
			// recorded after E does not exist yet.
			{ModuleID: "privacy", Cycle: 1, ModuleVersion: "1.0.0", Reason: assign.ReasonRoleChange, AssignedOn: "2026-07-05",
				DueAt: utc(t, "2026-08-05T00:00:00Z"), Status: assign.StatusOpen},
			{ModuleID: "privacy", Cycle: 2, ModuleVersion: "2.0.0", Reason: assign.ReasonContentChange, AssignedOn: "2026-10-02",
				DueAt: utc(t, "2026-11-02T00:00:00Z"), Status: assign.StatusOpen, RecordedAt: utc(t, "2026-10-02T02:00:00Z")},
			// ethics: cancelled before E, no row.
			{ModuleID: "ethics", Cycle: 1, AssignedOn: "2026-07-01", DueAt: utc(t, "2026-08-01T00:00:00Z"),
				Status: assign.StatusCancelled, RecordedAt: utc(t, "2026-07-01T02:00:00Z"), ClosedAt: utc(t, "2026-09-10T02:00:00Z")},
			// conduct: cancelled after E, so open at E and on track; a
			// waiver revoked before E does not hold.
			{ModuleID: "conduct", Cycle: 1, ModuleVersion: "1.0.0", Reason: assign.ReasonRoleChange, AssignedOn: "2026-09-15",
				DueAt: utc(t, "2026-10-15T00:00:00Z"), Status: assign.StatusCancelled, RecordedAt: utc(t, "2026-09-15T02:00:00Z"),
				ClosedAt: utc(t, "2026-10-05T02:00:00Z")},
			// gdpr: a waiver expiring on the last day no longer holds at E.
			{ModuleID: "gdpr", Cycle: 1, ModuleVersion: "1.0.0", Reason: assign.ReasonRoleChange, AssignedOn: "2026-09-01",
				DueAt: utc(t, "2026-09-29T00:00:00Z"), Status: assign.StatusWaived, RecordedAt: utc(t, "2026-09-01T02:00:00Z")},
			// legacy cancelled cycle: ClosedOn counts.
			{ModuleID: "old", Cycle: 1, AssignedOn: "2026-07-01", DueAt: utc(t, "2026-08-01T00:00:00Z"),
				Status: assign.StatusCancelled, ClosedOn: "2026-07-20"},
		},
		Attempts: []assign.Attempt{
			{ModuleID: "security", Cycle: 1, Number: 1, At: utc(t, "2025-01-20T10:00:00Z"), Score: 100, Passed: true},
			{ModuleID: "security", Cycle: 2, Number: 1, At: utc(t, "2026-09-25T10:00:00Z"), Score: 40},
			{ModuleID: "security", Cycle: 2, Number: 2, At: utc(t, "2026-09-30T23:59:59Z"), Score: 60},
			{ModuleID: "security", Cycle: 2, Number: 3, At: utc(t, "2026-10-01T00:00:00Z"), Score: 90, Passed: true},
		},
		Acks: []ack.Acknowledgment{
			{PolicyID: "aup", Cycle: "2025", AcknowledgedAt: utc(t, "2025-03-01T09:00:00Z"), PolicyVersion: "1.0.0"},
			{PolicyID: "aup", Cycle: "2026", AcknowledgedAt: utc(t, "2026-09-01T09:00:00Z"), PolicyVersion: "1.1.0",
				TextSHA256: "aup-1.1", TypedName: "Person e1", IP: "192.0.2.1", UserAgent: "UA"},
			{PolicyID: "code", Cycle: "2026-v2", AcknowledgedAt: utc(t, "2026-10-01T00:00:01Z"), PolicyVersion: "2.0.0"},
		},
		Waivers: []waiver.Waiver{
			{ID: "wvr_a", Item: "module:privacy", ExpiresOn: "2026-12-31", GrantedAt: utc(t, "2026-07-10T00:00:00Z")},
			// Granted after E: does not count.
			{ID: "wvr_b", Item: "module:security", ExpiresOn: "2026-12-31", GrantedAt: utc(t, "2026-10-01T00:00:00Z")},
			{ID: "wvr_c", Item: "module:conduct", ExpiresOn: "2026-12-31", GrantedAt: utc(t, "2026-09-16T00:00:00Z"),
				RevokedAt: utc(t, "2026-09-20T00:00:00Z")},
			{ID: "wvr_d", Item: "module:gdpr", ExpiresOn: "2026-09-30", GrantedAt: utc(t, "2026-09-01T00:00:00Z")},
			// Revoked after E: holds at E.
			{ID: "wvr_e", Item: "policy:code", ExpiresOn: "2027-01-31", GrantedAt: utc(t, "2026-09-01T00:00:00Z"),
				RevokedAt: utc(t, "2026-10-01T00:00:00Z")},
		},
	}
	got, ok := Rows(h, testCatalog(), p)
	if !ok {
		t.Fatal("out of scope")
	}
	want := PersonRows{
		Person: PersonRow{EmployeeID: "e1", Name: "Person e1", Email: "e1@example.com", Roles: []string{"engineer"},
			Department: "Engineering", EmploymentType: "employee", StartDate: "2024-01-08", TimeZone: "UTC"},
		Assignments: []AssignmentRow{
			{EmployeeID: "e1", ModuleID: "conduct", ModuleVersion: "1.0.0", Cycle: 1, Reason: "role_change", AssignedOn: "2026-09-15",
				AssignedAt: utc(t, "2026-09-15T00:00:00Z"), DueAt: utc(t, "2026-10-15T00:00:00Z"), Status: OnTrack},
			{EmployeeID: "e1", ModuleID: "gdpr", ModuleVersion: "1.0.0", Cycle: 1, Reason: "role_change", AssignedOn: "2026-09-01",
				AssignedAt: utc(t, "2026-09-01T00:00:00Z"), DueAt: utc(t, "2026-09-29T00:00:00Z"), Status: Overdue},
			{EmployeeID: "e1", ModuleID: "privacy", ModuleVersion: "1.0.0", Cycle: 1, Reason: "role_change", AssignedOn: "2026-07-05",
				AssignedAt: utc(t, "2026-07-05T00:00:00Z"), DueAt: utc(t, "2026-08-05T00:00:00Z"), Status: Waived, WaiverID: "wvr_a"},
			{EmployeeID: "e1", ModuleID: "security", ModuleVersion: "1.1.0", Cycle: 2, Reason: "renewal", AssignedOn: "2026-08-20",
				AssignedAt: utc(t, "2026-08-20T00:00:00Z"), DueAt: utc(t, "2026-09-20T00:00:00Z"), Attempts: 2, Status: Overdue},
		},
		Acks: []AckRow{
			{EmployeeID: "e1", PolicyID: "aup", PolicyVersion: "1.1.0", TextSHA256: "aup-1.1", Cycle: "2026",
				AcknowledgedAt: utc(t, "2026-09-01T09:00:00Z"), TypedName: "Person e1", IP: "192.0.2.1", UserAgent: "UA"},
			{EmployeeID: "e1", PolicyID: "code", PolicyVersion: "2.0.0", TextSHA256: "code-2.0", Cycle: "2026-v2", WaiverID: "wvr_e"},
		},
		Attempts: []AttemptRow{
			{ModuleID: "security", Cycle: 2, Number: 1, At: utc(t, "2026-09-25T10:00:00Z"), Score: 40},
			{ModuleID: "security", Cycle: 2, Number: 2, At: utc(t, "2026-09-30T23:59:59Z"), Score: 60},
		},
	}
	assertSameJSON(t, got, want)
}

func TestRowsStatusAtE(t *testing.T) {
	p := q3(t)
	due := "2026-09-15T00:00:00Z"
	tests := []struct {
		name      string
		completed string
		waived    bool
		due       string
		want      string
	}{
		{"completed exactly at the due instant", due, false, due, Completed},
		{"completed and waived: completed wins", "2026-09-10T00:00:00Z", true, due, Completed},
		{"completed at E: not yet", "2026-10-01T00:00:00Z", false, due, Overdue},
		{"waived and overdue: waived", "", true, due, Waived},
		{"due at E: on track", "", false, "2026-10-01T00:00:00Z", OnTrack},
		{"due just before E: overdue", "", false, "2026-09-30T23:59:59Z", Overdue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := assign.Assignment{ModuleID: "security", Cycle: 1, AssignedOn: "2026-07-01", DueAt: utc(t, tt.due),
				RecordedAt: utc(t, "2026-07-01T00:00:00Z"), Status: assign.StatusOpen}
			if tt.completed != "" {
				a.Status, a.CompletedAt = assign.StatusCompleted, utc(t, tt.completed)
			}
			h := History{Revisions: []roster.Revision{rev(t, 1, "2024-01-01T00:00:00Z", person("e1", nil))}, Assignments: []assign.Assignment{a}}
			if tt.waived {
				h.Waivers = []waiver.Waiver{{ID: "wvr_x", Item: "module:security", ExpiresOn: "2026-10-01", GrantedAt: utc(t, "2026-07-02T00:00:00Z")}}
			}
			got, _ := Rows(h, testCatalog(), p)
			if len(got.Assignments) != 1 || got.Assignments[0].Status != tt.want {
				t.Errorf("got %+v, want status %s", got.Assignments, tt.want)
			}
		})
	}
}

// TestRowsTimeZones: AssignedAt is the start of the assigned day in the
// person's zone, and the ack cycle is AsOf's year.
func TestRowsTimeZones(t *testing.T) {
	p := q3(t)
	for _, tt := range []struct {
		zone, assignedAt string
	}{
		{"Pacific/Auckland", "2026-09-29T11:00:00Z"},    // NZDT, UTC+13
		{"America/Los_Angeles", "2026-09-30T07:00:00Z"}, // PDT, UTC-7
		{"UTC", "2026-09-30T00:00:00Z"},
	} {
		t.Run(tt.zone, func(t *testing.T) {
			h := History{
				Revisions: []roster.Revision{rev(t, 1, "2024-01-01T00:00:00Z", person("e1", func(p *roster.Person) { p.TimeZone = tt.zone }))},
				Assignments: []assign.Assignment{{ModuleID: "security", Cycle: 1, AssignedOn: "2026-09-30",
					DueAt: utc(t, "2026-10-30T00:00:00Z"), RecordedAt: utc(t, "2026-09-29T10:00:00Z"), Status: assign.StatusOpen}},
			}
			got, _ := Rows(h, testCatalog(), p)
			if a := got.Assignments[0]; !a.AssignedAt.Equal(utc(t, tt.assignedAt)) {
				t.Errorf("AssignedAt = %v, want %s", a.AssignedAt, tt.assignedAt)
			}
			if got.Acks[0].Cycle != "2026" {
				t.Errorf("ack cycle %s, want 2026", got.Acks[0].Cycle)
			}
		})
	}
}

func TestRowsSpans(t *testing.T) {
	p := q3(t)
	withEng := func(zone, start, end string, engs ...string) roster.Person {
		return person("e1", func(p *roster.Person) {
			p.TimeZone, p.StartDate, p.EndDate, p.Engagements = zone, start, end, engs
		})
	}
	tests := []struct {
		name string
		revs []roster.Revision
		want []Span
	}{
		{"held since before the quarter", []roster.Revision{
			rev(t, 1, "2025-01-05T00:00:00Z", withEng("UTC", "2024-01-08", "", "acme")),
		}, []Span{{Engagement: "acme", JoinedOn: "2025-01-05"}}},
		{"joined before the start date: the start date", []roster.Revision{
			rev(t, 1, "2026-08-20T00:00:00Z", withEng("UTC", "2026-09-01", "", "acme")),
		}, []Span{{Engagement: "acme", JoinedOn: "2026-09-01"}}},
		{"two engagements, one dropped mid-quarter", []roster.Revision{
			rev(t, 1, "2026-01-05T00:00:00Z", withEng("UTC", "2024-01-08", "", "acme", "globex")),
			rev(t, 2, "2026-08-10T15:00:00Z", withEng("UTC", "2024-01-08", "", "globex")),
		}, []Span{{Engagement: "acme", JoinedOn: "2026-01-05", LeftAt: utc(t, "2026-08-10T15:00:00Z")},
			{Engagement: "globex", JoinedOn: "2026-01-05"}}},
		{"dropped before the quarter", []roster.Revision{
			rev(t, 1, "2026-01-05T00:00:00Z", withEng("UTC", "2024-01-08", "", "acme")),
			rev(t, 2, "2026-06-30T23:00:00Z", withEng("UTC", "2024-01-08", "")),
		}, nil},
		{"left the organisation mid-quarter (Auckland)", []roster.Revision{
			rev(t, 1, "2026-01-05T00:00:00Z", withEng("Pacific/Auckland", "2024-01-08", "", "acme")),
			rev(t, 2, "2026-08-01T00:00:00Z", withEng("Pacific/Auckland", "2024-01-08", "2026-08-14", "acme")),
		}, []Span{{Engagement: "acme", JoinedOn: "2026-01-05", LeftAt: utc(t, "2026-08-14T12:00:00Z")}}},
		{"dropped, rejoined: two stretches", []roster.Revision{
			rev(t, 1, "2026-07-02T00:00:00Z", withEng("UTC", "2024-01-08", "", "acme")),
			rev(t, 2, "2026-07-20T00:00:00Z", withEng("UTC", "2024-01-08", "")),
			rev(t, 3, "2026-09-01T09:00:00Z", withEng("America/Los_Angeles", "2024-01-08", "", "acme")),
		}, []Span{{Engagement: "acme", JoinedOn: "2026-07-01", LeftAt: utc(t, "2026-07-20T00:00:00Z")},
			{Engagement: "acme", JoinedOn: "2026-09-01"}}},
		{"added after E: nothing", []roster.Revision{
			rev(t, 1, "2026-01-05T00:00:00Z", withEng("UTC", "2024-01-08", "")),
			rev(t, 2, "2026-10-01T00:00:00Z", withEng("UTC", "2024-01-08", "", "acme")),
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Rows(History{Revisions: tt.revs}, testCatalog(), p)
			if !ok {
				t.Fatal("out of scope")
			}
			assertSameJSON(t, got.Person.Spans, tt.want)
		})
	}
}

// assertSameJSON compares got and want through their JSON.
func assertSameJSON(t *testing.T, got, want any) {
	t.Helper()
	g, _ := json.MarshalIndent(got, "", "  ")
	w, _ := json.MarshalIndent(want, "", "  ")
	if string(g) != string(w) {
		t.Errorf("got\n%s\nwant\n%s", g, w)
	}
}

// TestRowsLeaver: a person who left mid-quarter is in scope with the rows
// they had at E: the open cycle cancelled when they left has no row, the
// completed one stays, and their engagement span ends when they left.
func TestRowsLeaver(t *testing.T) {
	p := q3(t)
	left := func(p *roster.Person) { p.Engagements = []string{"acme"}; p.EndDate = "2026-08-14" }
	h := History{
		Revisions: []roster.Revision{
			rev(t, 1, "2025-01-05T09:00:00Z", person("e1", func(p *roster.Person) { p.Engagements = []string{"acme"} })),
			rev(t, 2, "2026-08-10T09:00:00Z", person("e1", left)),
		},
		Assignments: []assign.Assignment{
			{ModuleID: "security", Cycle: 1, AssignedOn: "2026-07-01", DueAt: utc(t, "2026-08-01T00:00:00Z"), Status: assign.StatusCompleted,
				CompletedAt: utc(t, "2026-07-20T00:00:00Z"), RecordedAt: utc(t, "2026-07-01T02:00:00Z")},
			{ModuleID: "privacy", Cycle: 1, AssignedOn: "2026-07-01", DueAt: utc(t, "2026-09-01T00:00:00Z"), Status: assign.StatusCancelled,
				CloseReason: assign.ReasonLeaver, RecordedAt: utc(t, "2026-07-01T02:00:00Z"), ClosedAt: utc(t, "2026-08-15T02:00:00Z")},
		},
	}
	got, ok := Rows(h, testCatalog(), p)
	if !ok {
		t.Fatal("a leaver of the quarter is out of scope")
	}
	if len(got.Assignments) != 1 || got.Assignments[0].ModuleID != "security" || got.Assignments[0].Status != Completed {
		t.Errorf("assignments %+v, want security completed only", got.Assignments)
	}
	assertSameJSON(t, got.Person.Spans, []Span{{Engagement: "acme", JoinedOn: "2025-01-05", LeftAt: utc(t, "2026-08-15T00:00:00Z")}})
	// As of a day before the cancellation was recorded, the open cycle
	// still shows.
	before, _ := PeriodOf("2026-08-14")
	got, _ = Rows(h, testCatalog(), before)
	if len(got.Assignments) != 2 || got.Assignments[0].ModuleID != "privacy" || got.Assignments[0].Status != OnTrack {
		t.Errorf("as of 2026-08-14: %+v, want privacy on track and security", got.Assignments)
	}
}
