package metrics

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// row returns an assignment row of module id with status, due at due; a
// completed row was completed at done.
func row(t *testing.T, id, status, assigned, due, done string) AssignmentRow {
	r := AssignmentRow{ModuleID: id, Cycle: 1, Reason: "hire", Status: status, AssignedAt: utc(t, assigned), DueAt: utc(t, due)}
	if done != "" {
		r.CompletedAt = utc(t, done)
	}
	return r
}

func TestFigures(t *testing.T) {
	p := q3(t)
	emp := func(id string, rows ...AssignmentRow) PersonRows {
		return PersonRows{Person: PersonRow{EmployeeID: id, Department: "Ops", EmploymentType: "employee", StartDate: "2020-01-01", TimeZone: "UTC"}, Assignments: rows}
	}
	tests := []struct {
		name   string
		by     string
		people []PersonRows
		want   string
	}{
		{name: "nobody", by: "department", want: `{"completionRate": null, "overdueCount": 0, "onTimeRate": null, "ackRate": null,
			"medianDaysToComplete": null, "newStarterRate": null, "firstAttemptPassRate": null, "averagePassingScore": null,
			"ackRateByPolicy": {}, "counts": {"people": 0, "acksByPolicy": {}}, "by": {"department": {}}}`},
		{name: "people without rows", people: []PersonRows{emp("e1"), emp("e2")},
			want: `{"completionRate": null, "onTimeRate": null, "ackRate": null, "counts": {"people": 2}}`},
		{name: "everyone waived", people: []PersonRows{
			{Person: PersonRow{EmployeeID: "e1"}, Assignments: []AssignmentRow{row(t, "security", Waived, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "")},
				Acks: []AckRow{{PolicyID: "aup", WaiverID: "wvr_1"}}},
			{Person: PersonRow{EmployeeID: "e2"}, Assignments: []AssignmentRow{row(t, "security", Waived, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "")}},
		}, want: `{"completionRate": null, "overdueCount": 0, "onTimeRate": null, "ackRate": null, "ackRateByPolicy": {},
			"counts": {"people": 2, "waived": 2, "acksWaived": 1, "acksRequired": 0, "dueInPeriod": 0}}`},
		{name: "an acknowledged row under a waiver counts as acknowledged", people: []PersonRows{
			{Person: PersonRow{EmployeeID: "e1"}, Acks: []AckRow{{PolicyID: "aup", WaiverID: "wvr_1", AcknowledgedAt: utc(t, "2026-08-01T00:00:00Z")}, {PolicyID: "code"}}},
		}, want: `{"ackRate": 0.5, "ackRateByPolicy": {"aup": 1, "code": 0}, "counts": {"acksWaived": 0, "acksRequired": 2, "acknowledged": 1}}`},
		{name: "on time: due in the period only, at the due instant counts", people: []PersonRows{emp("e1",
			row(t, "a", Completed, "2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z", "2026-07-01T00:00:00Z"), // due at Start: in, on time
			row(t, "b", Completed, "2026-06-01T00:00:00Z", "2026-06-30T23:59:59Z", "2026-06-20T00:00:00Z"), // due before Start: out
			row(t, "c", Completed, "2026-07-01T00:00:00Z", "2026-09-01T00:00:00Z", "2026-09-01T00:00:01Z"), // one second late
			row(t, "d", OnTrack, "2026-09-01T00:00:00Z", "2026-10-01T00:00:00Z", ""),                       // due at E: out
			row(t, "e", Waived, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", ""),                        // waived: out
			row(t, "f", Overdue, "2026-07-01T00:00:00Z", "2026-09-30T23:59:59Z", ""),                       // due in, not done
		)}, want: `{"completionRate": 0.6, "overdueCount": 1, "onTimeRate": 0.3333, "medianDaysToComplete": 46,
			"counts": {"completed": 3, "onTrack": 1, "overdue": 1, "waived": 1, "dueInPeriod": 3, "completedOnTime": 1, "completedInPeriod": 2}}`},
		{name: "overdue age buckets at their edges", people: []PersonRows{emp("e1",
			row(t, "a", Overdue, "2026-01-01T00:00:00Z", "2026-09-30T23:59:59Z", ""), // 0 whole days: 1
			row(t, "b", Overdue, "2026-01-01T00:00:00Z", "2026-09-24T00:00:00Z", ""), // 7 days: 8
			row(t, "c", Overdue, "2026-01-01T00:00:00Z", "2026-09-24T00:00:01Z", ""), // 6.99 days: 7
			row(t, "d", Overdue, "2026-01-01T00:00:00Z", "2026-09-01T00:00:00Z", ""), // 30 days: 31
			row(t, "e", Overdue, "2026-01-01T00:00:00Z", "2026-09-02T00:00:00Z", ""), // 29 days: 30
			row(t, "f", Overdue, "2026-01-01T00:00:00Z", "2026-07-03T00:00:00Z", ""), // 90 days: 91
			row(t, "g", Overdue, "2026-01-01T00:00:00Z", "2026-07-04T00:00:00Z", ""), // 89 days: 90
		)}, want: `{"overdueCount": 7, "overdueAge": {"1-7": 2, "8-30": 2, "31-90": 2, "over90": 1}, "completionRate": 0}`},
		{name: "median of an odd count; completions before the period do not count", people: []PersonRows{emp("e1",
			row(t, "a", Completed, "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-07-03T23:59:59Z"), // 2 days
			row(t, "b", Completed, "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-07-01T05:00:00Z"), // 0 days
			row(t, "c", Completed, "2026-07-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-09-09T00:00:00Z"), // 70 days
			row(t, "d", Completed, "2026-05-01T00:00:00Z", "2026-12-01T00:00:00Z", "2026-06-30T23:59:59Z"), // before Start
		)}, want: `{"medianDaysToComplete": 2, "completionRate": 1, "counts": {"completedInPeriod": 3}}`},
		{name: "attempts", people: []PersonRows{{Person: PersonRow{EmployeeID: "e1"}, Attempts: []AttemptRow{
			{ModuleID: "a", Number: 1, At: utc(t, "2026-07-01T00:00:00Z"), Score: 55},
			{ModuleID: "a", Number: 2, At: utc(t, "2026-07-01T01:00:00Z"), Score: 81, Passed: true},
			{ModuleID: "b", Number: 1, At: utc(t, "2026-08-01T00:00:00Z"), Score: 90, Passed: true},
			{ModuleID: "c", Number: 1, At: utc(t, "2026-08-01T00:00:00Z"), Score: 84, Passed: true},
		}}}, want: `{"firstAttemptPassRate": 0.6667, "averagePassingScore": 85, "counts": {"firstAttempts": 3, "firstAttemptsPassed": 2,
			"passingAttempts": 3, "passingScoreSum": 255}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(p, tt.by, "")
			for _, r := range tt.people {
				b.Add(r)
			}
			assertJSONSubset(t, b.Result(), tt.want)
		})
	}
}

// TestNewStarters: a new starter counts in the quarter in which their
// window (through start date + 30 days, their zone) closes.
func TestNewStarters(t *testing.T) {
	p := q3(t)
	tests := []struct {
		name, zone, start string
		hires             []AssignmentRow
		want              string // newStarters/newStartersTrained
	}{
		{"window closes at E", "UTC", "2026-08-31", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-30T23:59:59Z")}}, "1/1"},
		{"window closes after E", "UTC", "2026-09-01", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-02T00:00:00Z")}}, "0/0"},
		{"window closed at Start: last quarter's", "UTC", "2026-05-31", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-06-02T00:00:00Z")}}, "0/0"},
		{"window closes on the quarter's second day", "UTC", "2026-06-01", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-07-01T00:00:00Z")}}, "1/1"},
		{"completed at the window end: late", "UTC", "2026-08-01", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-01T00:00:00Z")}}, "1/0"},
		{"one hire cycle open", "UTC", "2026-08-01", []AssignmentRow{
			{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-08-02T00:00:00Z")}, {Reason: "hire", Status: Overdue}}, "1/0"},
		{"waived hire cycles are ignored", "UTC", "2026-08-01", []AssignmentRow{
			{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-08-02T00:00:00Z")}, {Reason: "hire", Status: Waived}}, "1/1"},
		{"no hire cycle: not counted", "UTC", "2026-08-01", []AssignmentRow{{Reason: "role_change", Status: Overdue}}, "0/0"},
		{"only waived hire cycles: not counted", "UTC", "2026-08-01", []AssignmentRow{{Reason: "hire", Status: Waived}}, "0/0"},
		// Los Angeles: the window through 30 September ends at 07:00 UTC
		// on 1 October, after E: next quarter's new starter.
		{"Los Angeles, window ends after E", "America/Los_Angeles", "2026-08-31", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-05T00:00:00Z")}}, "0/0"},
		// Auckland: the window through 30 September ends at 11:00 UTC that
		// day; a completion at 11:30 UTC is before E but late.
		{"Auckland, completed after the window, before E", "Pacific/Auckland", "2026-08-31", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-30T11:30:00Z")}}, "1/0"},
		{"Auckland, completed in the window", "Pacific/Auckland", "2026-08-31", []AssignmentRow{{Reason: "hire", Status: Completed, CompletedAt: utc(t, "2026-09-30T10:59:59Z")}}, "1/1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(p, "", "")
			b.Add(PersonRows{Person: PersonRow{EmployeeID: "e1", StartDate: tt.start, TimeZone: tt.zone}, Assignments: tt.hires})
			c := b.Result().Counts
			if got := itoa(c.NewStarters) + "/" + itoa(c.NewStartersTrained); got != tt.want {
				t.Errorf("new starters/trained = %s, want %s", got, tt.want)
			}
		})
	}
}

// TestByDimensions: multi-valued dimensions, the empty value, and the
// manager subtree through people the engagement filter leaves out.
func TestByDimensions(t *testing.T) {
	p := q3(t)
	done := []AssignmentRow{row(t, "a", Completed, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-07-02T00:00:00Z")}
	late := []AssignmentRow{row(t, "a", Overdue, "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "")}
	people := []PersonRows{
		{Person: PersonRow{EmployeeID: "e1", Roles: []string{"all-staff", "engineer"}, EmploymentType: "employee",
			Spans: []Span{{Engagement: "acme"}, {Engagement: "globex"}}}, Assignments: done},
		{Person: PersonRow{EmployeeID: "e2", ManagerID: "e1", EmploymentType: "contractor"}, Assignments: late},
		{Person: PersonRow{EmployeeID: "e3", ManagerID: "e2", Roles: []string{"engineer"}, EmploymentType: "subcontractor", Vendor: "Northwind",
			Spans: []Span{{Engagement: "acme", LeftAt: utc(t, "2026-08-01T00:00:00Z")}, {Engagement: "acme", JoinedOn: "2026-09-01"}}}, Assignments: done},
		{Person: PersonRow{EmployeeID: "e4", ManagerID: "e3", EmploymentType: "subcontractor", Vendor: "Northwind",
			Spans: []Span{{Engagement: "acme"}}}, Assignments: late},
		// A reporting-line loop (e5 ↔ e6) ends the roll-up instead of looping.
		{Person: PersonRow{EmployeeID: "e5", ManagerID: "e6"}, Assignments: done},
		{Person: PersonRow{EmployeeID: "e6", ManagerID: "e5"}, Assignments: late},
		// A manager no row describes still gets their direct reports.
		{Person: PersonRow{EmployeeID: "e7", ManagerID: "x9"}, Assignments: done},
	}
	tests := []struct {
		by, engagement, want string
	}{
		{"role", "", `{"all-staff": {"completionRate": 1, "counts": {"people": 1}}, "engineer": {"completionRate": 1, "counts": {"people": 2}},
			"(none)": {"completionRate": 0.4, "counts": {"people": 5}}}`},
		{"engagement", "", `{"acme": {"completionRate": 0.6667, "counts": {"people": 3}}, "globex": {"completionRate": 1, "counts": {"people": 1}},
			"(none)": {"completionRate": 0.5, "counts": {"people": 4}}}`},
		{"vendor", "", `{"Northwind": {"completionRate": 0.5, "counts": {"people": 2}}, "(none)": {"completionRate": 0.6, "counts": {"people": 5}}}`},
		{"employment_type", "", `{"employee": {"counts": {"people": 1}}, "contractor": {"counts": {"people": 1}},
			"subcontractor": {"counts": {"people": 2}}, "(none)": {"counts": {"people": 3}}}`},
		{"manager", "", `{"e1": {"completionRate": 0.3333, "counts": {"people": 3}}, "e2": {"completionRate": 0.5, "counts": {"people": 2}},
			"e3": {"completionRate": 0, "counts": {"people": 1}}, "e5": {"counts": {"people": 2}}, "e6": {"counts": {"people": 2}},
			"x9": {"completionRate": 1, "counts": {"people": 1}}}`},
		// With engagement=acme, e2 is left out but e1's subtree still
		// reaches e3 and e4 through them.
		{"manager", "acme", `{"e1": {"completionRate": 0.5, "counts": {"people": 2}}, "e2": {"completionRate": 0.5, "counts": {"people": 2}},
			"e3": {"completionRate": 0, "counts": {"people": 1}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.by+" "+tt.engagement, func(t *testing.T) {
			b := NewBuilder(p, tt.by, tt.engagement)
			for _, r := range people {
				b.Add(r)
			}
			res := b.Result()
			assertJSONSubset(t, res.By[tt.by], tt.want)
			if len(res.By[tt.by]) != countKeys(t, tt.want) {
				t.Errorf("groups %d, want %d", len(res.By[tt.by]), countKeys(t, tt.want))
			}
		})
	}
}

func TestResultScope(t *testing.T) {
	p := q3(t)
	if got := NewBuilder(p, "", "").Result(); got.Scope != "organisation" || got.By != nil || got.Quarter != "2026-Q3" || got.AsOf != "2026-09-30" ||
		!got.End.Equal(time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("got %+v", got)
	}
	if got := NewBuilder(p, "", "acme").Result(); got.Scope != "engagement:acme" {
		t.Errorf("scope %s", got.Scope)
	}
	for _, d := range Dimensions {
		if !IsDimension(d) {
			t.Errorf("IsDimension(%s) = false", d)
		}
	}
	if IsDimension("team") || IsDimension("") {
		t.Error("IsDimension accepts what is not a dimension")
	}
}

// itoa formats an int.
func itoa(n int) string { return strconv.Itoa(n) }

// countKeys returns the number of members of a JSON object.
func countKeys(t *testing.T, s string) int {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return len(m)
}
