package people

import (
	"reflect"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

func TestPlanImport(t *testing.T) {
	ended := func(p Person, end string) Person { p.EndDate = end; return p }
	renamed := with(stored("E2"), func(p *Person) { p.Name = "Bea Brown"; p.Roles = []string{"all-staff", "engineer"} })
	tests := []struct {
		name        string
		mode        Mode
		stored      []Person
		upload      []Person
		created     []string
		updated     []Change
		deactivated []Change
		unchanged   int
	}{
		{
			name:   "OKSync",
			mode:   ModeSync,
			stored: []Person{stored("E1"), stored("E2"), stored("E3")},
			// Out of order and in other case: output is sorted, keys normalised.
			upload: []Person{
				with(valid("E4"), func(p *Person) { p.Roles = []string{"ALL-STAFF"} }),
				with(valid("E2"), func(p *Person) { p.Name = "Bea Brown"; p.Roles = []string{"Engineer", "all-staff"} }),
				with(valid("E1"), func(p *Person) { p.EmploymentType = "Employee" }),
				valid("E0"),
			},
			created: []string{"E0", "E4"},
			updated: []Change{{Before: stored("E2"), After: renamed, Fields: []FieldChange{
				{Field: "name", From: "Person E2", To: "Bea Brown"},
				{Field: "roles", From: "", To: "all-staff;engineer"},
			}}},
			deactivated: []Change{{Before: stored("E3"), After: ended(stored("E3"), "2026-06-14"), Fields: []FieldChange{
				{Field: "end_date", From: "", To: "2026-06-14"},
			}}},
			unchanged: 1,
		},
		{
			name:      "OKUpsertNeverDeactivates",
			mode:      ModeUpsert,
			stored:    []Person{stored("E1"), stored("E2"), stored("E3")},
			upload:    []Person{valid("E1"), valid("E4")},
			created:   []string{"E4"},
			unchanged: 1,
		},
		{
			name:      "OKSyncLeaversLeftAlone",
			mode:      ModeSync,
			stored:    []Person{stored("E1"), ended(stored("E2"), "2026-06-14"), ended(stored("E3"), "2020-01-31")},
			upload:    []Person{valid("E1")},
			unchanged: 1,
		},
		{
			// Active on today, their last day: they still become a leaver
			// from today.
			name:   "OKSyncLastDayToday",
			mode:   ModeSync,
			stored: []Person{stored("E1"), ended(stored("E2"), today)},
			upload: []Person{valid("E1")},
			deactivated: []Change{{Before: ended(stored("E2"), today), After: ended(stored("E2"), "2026-06-14"), Fields: []FieldChange{
				{Field: "end_date", From: today, To: "2026-06-14"},
			}}},
			unchanged: 1,
		},
		{
			name:   "OKSyncFutureStarterEndsOnStartDate",
			mode:   ModeSync,
			stored: []Person{stored("E1"), with(stored("E2"), func(p *Person) { p.StartDate = "2026-09-01" })},
			upload: []Person{valid("E1")},
			deactivated: []Change{{
				Before: with(stored("E2"), func(p *Person) { p.StartDate = "2026-09-01" }),
				After:  with(stored("E2"), func(p *Person) { p.StartDate, p.EndDate = "2026-09-01", "2026-09-01" }),
				Fields: []FieldChange{{Field: "end_date", From: "", To: "2026-09-01"}},
			}},
			unchanged: 1,
		},
		{
			name:   "OKSyncReactivate",
			mode:   ModeSync,
			stored: []Person{ended(stored("E1"), "2026-03-31")},
			upload: []Person{valid("E1")},
			updated: []Change{{Before: ended(stored("E1"), "2026-03-31"), After: stored("E1"), Fields: []FieldChange{
				{Field: "end_date", From: "2026-03-31", To: ""},
			}}},
		},
		{
			name:   "OKUpsertReactivate",
			mode:   ModeUpsert,
			stored: []Person{stored("E0"), ended(stored("E1"), "2026-03-31")},
			upload: []Person{valid("E1")},
			updated: []Change{{Before: ended(stored("E1"), "2026-03-31"), After: stored("E1"), Fields: []FieldChange{
				{Field: "end_date", From: "2026-03-31", To: ""},
			}}},
		},
		{
			name:   "OKSyncLeaverInUpload",
			mode:   ModeSync,
			stored: []Person{stored("E1")},
			upload: []Person{with(valid("E1"), func(p *Person) { p.EndDate = "2026-06-30" })},
			updated: []Change{{Before: stored("E1"), After: ended(stored("E1"), "2026-06-30"), Fields: []FieldChange{
				{Field: "end_date", From: "", To: "2026-06-30"},
			}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanImport(upload(tt.upload...), tt.stored, tt.mode, today, knownRoles)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			var created []string
			for _, p := range plan.Created {
				created = append(created, p.EmployeeID)
			}
			if !reflect.DeepEqual(created, tt.created) {
				t.Errorf("got created %v, want %v", created, tt.created)
			}
			checkChanges(t, "updated", plan.Updated, tt.updated)
			checkChanges(t, "deactivated", plan.Deactivated, tt.deactivated)
			if plan.Unchanged != tt.unchanged {
				t.Errorf("got unchanged %d, want %d", plan.Unchanged, tt.unchanged)
			}
		})
	}
}

// checkChanges compares changes, people with Person.Equal.
func checkChanges(t *testing.T, what string, got, want []Change) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %s %v, want %v", what, got, want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if !g.Before.Equal(w.Before) || !g.After.Equal(w.After) || !reflect.DeepEqual(g.Fields, w.Fields) {
			t.Errorf("%s %d: got %+v, want %+v", what, i, g, w)
		}
	}
}

func TestPlanImportEmptyUpload(t *testing.T) {
	// An empty sync would deactivate everyone.
	_, err := PlanImport(Upload{}, []Person{stored("E1")}, ModeSync, today, nil)
	checkProblems(t, invalidProblems(t, err), []apperr.Problem{{Message: "no people in the upload"}})
}

// TestPlanImportArguments checks that caller mistakes are plain errors,
// not problems for the uploader.
func TestPlanImportArguments(t *testing.T) {
	tests := []struct {
		name  string
		u     Upload
		mode  Mode
		today string
	}{
		{"ErrMode", upload(valid("E1")), "merge", today},
		{"ErrEmptyMode", upload(valid("E1")), "", today},
		{"ErrToday", upload(valid("E1")), ModeSync, "2026-06-31"},
		{"ErrRows", Upload{People: []Person{valid("E1")}}, ModeSync, today},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanImport(tt.u, nil, tt.mode, tt.today, nil)
			if got := apperr.CodeOf(err); err == nil || got != apperr.Internal {
				t.Errorf("got %v (code %v), want an internal error", err, got)
			}
		})
	}
}

func TestParseMode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Mode
		code apperr.Code
	}{
		{"OKDefault", "", ModeSync, ""},
		{"OKSync", "sync", ModeSync, ""},
		{"OKUpsert", "upsert", ModeUpsert, ""},
		{"ErrUnknown", "merge", "", apperr.Invalid},
		{"ErrCase", "SYNC", "", apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseMode(tt.in)
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if (err != nil) != (tt.code != "") || err != nil && apperr.CodeOf(err) != tt.code {
				t.Errorf("got error %v, want code %q", err, tt.code)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	p := Person{EmployeeID: "E1", Email: "a@example.com", Name: "Ann", Roles: []string{"admin", "all-staff"},
		EmploymentType: Employee, StartDate: "2026-01-05", TimeZone: "UTC"}
	got := Diff(Person{}, p)
	want := []FieldChange{
		{Field: "employee_id", To: "E1"}, {Field: "email", To: "a@example.com"}, {Field: "name", To: "Ann"},
		{Field: "roles", To: "admin;all-staff"}, {Field: "employment_type", To: "employee"},
		{Field: "start_date", To: "2026-01-05"}, {Field: "time_zone", To: "UTC"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := Diff(p, p); got != nil {
		t.Errorf("got %v, want no changes", got)
	}
}

// TestFieldsFollowContract checks the field table against the contract's
// CSV header and the JSON names of Person.
func TestFieldsFollowContract(t *testing.T) {
	var csvNames, jsonNames []string
	for _, f := range fields {
		csvNames = append(csvNames, f.csv)
		jsonNames = append(jsonNames, f.json)
	}
	if got := strings.Join(csvNames, ","); got != header {
		t.Errorf("got header %s, want %s", got, header)
	}
	typ := reflect.TypeFor[Person]()
	var tags []string
	for i := range typ.NumField() {
		tags = append(tags, typ.Field(i).Tag.Get("json"))
	}
	if !reflect.DeepEqual(jsonNames, tags) {
		t.Errorf("got JSON names %v, want %v", jsonNames, tags)
	}
}
