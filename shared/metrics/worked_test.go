package metrics

import (
	"encoding/json"
	"testing"
)

// workedExample is the organisation of docs/METRICS.md ("Worked example"),
// as Rows reduces it for 2026-Q3 (E = 2026-10-01T00:00:00Z). Any change
// here must be made to the document too: TestWorkedExample checks every
// number the document shows.
func workedExample(t *testing.T) (Period, []PersonRows) {
	t.Helper()
	p, err := QuarterPeriod("2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	ana := PersonRows{
		Person: PersonRow{EmployeeID: "e1", Name: "Ana", Roles: []string{"all-staff", "engineer"}, Department: "Engineering",
			EmploymentType: "employee", StartDate: "2020-01-06", TimeZone: "UTC", Spans: []Span{{Engagement: "acme", JoinedOn: "2025-03-01"}}},
		Assignments: []AssignmentRow{
			{ModuleID: "security", Cycle: 2, Reason: "renewal", AssignedOn: "2026-07-01", AssignedAt: utc(t, "2026-07-01T00:00:00Z"),
				DueAt: utc(t, "2026-08-01T00:00:00Z"), CompletedAt: utc(t, "2026-07-11T10:00:00Z"), Status: Completed},
			{ModuleID: "privacy", Cycle: 1, Reason: "role_change", AssignedOn: "2026-09-01", AssignedAt: utc(t, "2026-09-01T00:00:00Z"),
				DueAt: utc(t, "2026-10-16T00:00:00Z"), Status: OnTrack},
		},
		Acks:     []AckRow{{PolicyID: "aup", Cycle: "2026", AcknowledgedAt: utc(t, "2026-02-01T09:00:00Z")}},
		Attempts: []AttemptRow{{ModuleID: "security", Cycle: 2, Number: 1, At: utc(t, "2026-07-11T10:00:00Z"), Score: 90, Passed: true}},
	}
	ben := PersonRows{
		Person: PersonRow{EmployeeID: "e2", Name: "Ben", Roles: []string{"all-staff"}, ManagerID: "e1", Department: "Engineering",
			EmploymentType: "employee", StartDate: "2026-08-03", TimeZone: "UTC"},
		Assignments: []AssignmentRow{
			{ModuleID: "security", Cycle: 1, Reason: "hire", AssignedOn: "2026-08-03", AssignedAt: utc(t, "2026-08-03T00:00:00Z"),
				DueAt: utc(t, "2026-09-03T00:00:00Z"), CompletedAt: utc(t, "2026-09-10T09:00:00Z"), Status: Completed},
			{ModuleID: "privacy", Cycle: 1, Reason: "hire", AssignedOn: "2026-08-03", AssignedAt: utc(t, "2026-08-03T00:00:00Z"),
				DueAt: utc(t, "2026-09-03T00:00:00Z"), Status: Overdue},
		},
		Acks: []AckRow{{PolicyID: "aup", Cycle: "2026"}},
		Attempts: []AttemptRow{
			{ModuleID: "security", Cycle: 1, Number: 1, At: utc(t, "2026-09-05T12:00:00Z"), Score: 60},
			{ModuleID: "security", Cycle: 1, Number: 2, At: utc(t, "2026-09-10T09:00:00Z"), Score: 80, Passed: true},
		},
	}
	cho := PersonRows{
		Person: PersonRow{EmployeeID: "e3", Name: "Cho", Roles: []string{"all-staff"}, ManagerID: "e1", Department: "Sales",
			EmploymentType: "contractor", StartDate: "2023-06-19", TimeZone: "America/Los_Angeles", Spans: []Span{{Engagement: "globex", JoinedOn: "2023-06-19"}}},
		Assignments: []AssignmentRow{
			// Due 20 July in Los Angeles: overdue from 21 July 00:00 PDT
			// (07:00 UTC); completed at that very instant, on time.
			{ModuleID: "security", Cycle: 3, Reason: "renewal", AssignedOn: "2026-06-20", AssignedAt: utc(t, "2026-06-20T07:00:00Z"),
				DueAt: utc(t, "2026-07-21T07:00:00Z"), CompletedAt: utc(t, "2026-07-21T07:00:00Z"), Status: Completed},
			{ModuleID: "privacy", Cycle: 1, Reason: "role_change", AssignedOn: "2026-09-01", AssignedAt: utc(t, "2026-09-01T07:00:00Z"),
				DueAt: utc(t, "2026-10-01T07:00:00Z"), Status: Waived, WaiverID: "wvr_0000000000000001"},
		},
		Acks:     []AckRow{{PolicyID: "aup", Cycle: "2026", AcknowledgedAt: utc(t, "2026-03-01T17:00:00Z")}},
		Attempts: []AttemptRow{{ModuleID: "security", Cycle: 3, Number: 1, At: utc(t, "2026-07-21T07:00:00Z"), Score: 100, Passed: true}},
	}
	dev := PersonRows{
		Person: PersonRow{EmployeeID: "e4", Name: "Dev", Roles: []string{"all-staff"}, ManagerID: "e3", Department: "Sales",
			EmploymentType: "subcontractor", Vendor: "Northwind", StartDate: "2026-05-01", TimeZone: "Pacific/Auckland",
			Spans: []Span{{Engagement: "acme", JoinedOn: "2026-05-01"}, {Engagement: "globex", JoinedOn: "2026-05-01"}}},
		Assignments: []AssignmentRow{
			// Due 31 May in Auckland (NZST, UTC+12): overdue from 12:00 UTC.
			{ModuleID: "security", Cycle: 1, Reason: "hire", AssignedOn: "2026-05-01", AssignedAt: utc(t, "2026-04-30T12:00:00Z"),
				DueAt: utc(t, "2026-05-31T12:00:00Z"), Status: Overdue},
			// Due 30 September in Auckland (NZDT, UTC+13): overdue from
			// 11:00 UTC; completed at 11:30 UTC (00:30 on 1 October there),
			// late, but still before E.
			{ModuleID: "privacy", Cycle: 1, Reason: "role_change", AssignedOn: "2026-09-01", AssignedAt: utc(t, "2026-08-31T12:00:00Z"),
				DueAt: utc(t, "2026-09-30T11:00:00Z"), CompletedAt: utc(t, "2026-09-30T11:30:00Z"), Status: Completed},
		},
		Acks:     []AckRow{{PolicyID: "aup", Cycle: "2026", WaiverID: "wvr_0000000000000002"}},
		Attempts: []AttemptRow{{ModuleID: "privacy", Cycle: 1, Number: 1, At: utc(t, "2026-09-30T11:30:00Z"), Score: 75, Passed: true}},
	}
	return p, []PersonRows{ana, ben, cho, dev}
}

// TestWorkedExample checks the figures docs/METRICS.md computes by hand.
func TestWorkedExample(t *testing.T) {
	p, people := workedExample(t)
	tests := []struct {
		name, by, engagement string
		want                 string
	}{
		{name: "organisation", want: `{
			"asOf": "2026-09-30", "quarter": "2026-Q3", "frozen": false, "scope": "organisation", "end": "2026-10-01T00:00:00Z",
			"completionRate": 0.5714, "overdueCount": 2, "onTimeRate": 0.4, "ackRate": 0.6667,
			"medianDaysToComplete": 30, "overdueAge": {"1-7": 0, "8-30": 1, "31-90": 0, "over90": 1},
			"newStarterRate": 0, "firstAttemptPassRate": 0.75, "averagePassingScore": 86.25,
			"ackRateByPolicy": {"aup": 0.6667},
			"counts": {"people": 4, "completed": 4, "onTrack": 1, "overdue": 2, "waived": 1,
				"dueInPeriod": 5, "completedOnTime": 2, "completedInPeriod": 4,
				"acksRequired": 3, "acknowledged": 2, "acksWaived": 1, "newStarters": 1, "newStartersTrained": 0,
				"firstAttempts": 4, "firstAttemptsPassed": 3, "passingAttempts": 4, "passingScoreSum": 345,
				"acksByPolicy": {"aup": {"required": 3, "acknowledged": 2}}}}`},
		{name: "by department", by: "department", want: `{"department": {
			"Engineering": {"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0.3333, "ackRate": 0.5, "medianDaysToComplete": 24},
			"Sales": {"completionRate": 0.6667, "overdueCount": 1, "onTimeRate": 0.5, "ackRate": 1, "medianDaysToComplete": 30}}}`},
		{name: "by manager", by: "manager", want: `{"manager": {
			"e1": {"completionRate": 0.6, "overdueCount": 2, "onTimeRate": 0.25, "ackRate": 0.5, "medianDaysToComplete": 31},
			"e3": {"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0, "ackRate": null, "medianDaysToComplete": 29}}}`},
		{name: "by vendor", by: "vendor", want: `{"vendor": {
			"(none)": {"completionRate": 0.6, "overdueCount": 1, "onTimeRate": 0.5, "ackRate": 0.6667, "medianDaysToComplete": 31},
			"Northwind": {"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0, "ackRate": null, "medianDaysToComplete": 29}}}`},
		{name: "by engagement", by: "engagement", want: `{"engagement": {
			"(none)": {"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0, "ackRate": 0, "medianDaysToComplete": 38},
			"acme": {"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0.5, "ackRate": 1, "medianDaysToComplete": 19.5},
			"globex": {"completionRate": 0.6667, "overdueCount": 1, "onTimeRate": 0.5, "ackRate": 1, "medianDaysToComplete": 30}}}`},
		{name: "engagement acme", engagement: "acme", want: `{"scope": "engagement:acme",
			"completionRate": 0.5, "overdueCount": 1, "onTimeRate": 0.5, "ackRate": 1, "medianDaysToComplete": 19.5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := NewBuilder(p, tt.by, tt.engagement)
			for _, r := range people {
				b.Add(r)
			}
			got := b.Result()
			var v any = got
			if tt.by != "" {
				v = got.By
			}
			assertJSONSubset(t, v, tt.want)
		})
	}
}

// assertJSONSubset checks that every member of want (JSON) appears in got's
// JSON with the same value; got may hold more members.
func assertJSONSubset(t *testing.T, got any, want string) {
	t.Helper()
	raw, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(raw, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want: %v", err)
	}
	var walk func(path string, g, w any)
	walk = func(path string, g, w any) {
		wm, ok := w.(map[string]any)
		if !ok {
			if !jsonEqual(g, w) {
				t.Errorf("%s = %v, want %v", path, g, w)
			}
			return
		}
		gm, ok := g.(map[string]any)
		if !ok {
			t.Errorf("%s = %v, want an object", path, g)
			return
		}
		for k, wv := range wm {
			gv, ok := gm[k]
			if !ok {
				t.Errorf("%s.%s missing", path, k)
				continue
			}
			walk(path+"."+k, gv, wv)
		}
	}
	walk("$", g, w)
}

// jsonEqual compares two decoded JSON values.
func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}
