package roster

import (
	"fmt"
	"io"
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
	changed, _ := ParseCSV(strings.NewReader(csvOf("E1,e1@example.com,Ann,,,,,,,2026-01-05,,")))
	changed.People, changed.Rows = append(changed.People, valid("E2")), append(changed.Rows, 3)
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
		{"ErrPeopleChangedAfterParsing", changed, ModeSync, today},
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

// TestPlanImportAbsentFields checks what a column left out of a CSV header,
// or a field left out of a JSON person, means: kept in upsert mode for a
// stored person, cleared or defaulted otherwise, with a warning for a sync
// CSV when that clears stored values.
func TestPlanImportAbsentFields(t *testing.T) {
	// full is stored with every optional field set.
	full := with(stored("E1"), func(p *Person) {
		p.Roles, p.ManagerID, p.Department = []string{"admin", "all-staff"}, "E2", "Ops"
		p.EmploymentType, p.Vendor, p.Engagements = Subcontractor, "Kwan", []string{"acme"}
		p.EndDate, p.TimeZone = "2026-12-31", "Europe/Paris"
	})
	roster := []Person{full, stored("E2")}
	const (
		minimal = "employee_id,email,name,start_date\n"
		e1      = "E1,e1@example.com,Person E1,2026-01-05"
		e2      = "E2,e2@example.com,Person E2,2026-01-05"
		e1JSON  = `{"employeeId": "E1", "email": "e1@example.com", "name": "Person E1", "startDate": "2026-01-05"`
		e2JSON  = `{"employeeId": "E2", "email": "e2@example.com", "name": "Person E2", "startDate": "2026-01-05"`
	)
	cleared := []FieldChange{
		{Field: "roles", From: "admin;all-staff"}, {Field: "manager_id", From: "E2"}, {Field: "department", From: "Ops"},
		{Field: "employment_type", From: "subcontractor", To: "employee"}, {Field: "vendor", From: "Kwan"},
		{Field: "engagements", From: "acme"}, {Field: "end_date", From: "2026-12-31"},
		{Field: "time_zone", From: "Europe/Paris", To: "UTC"},
	}
	absent := func(column, what string) apperr.Problem {
		return apperr.Problem{Row: 1, Field: column,
			Message: fmt.Sprintf("column %q is absent: in sync mode every person's %s will be %s", column, column, what)}
	}
	tests := []struct {
		name      string
		mode      Mode
		stored    []Person
		parse     func(io.Reader) (Upload, []apperr.Problem)
		body      string
		created   []Person
		updated   map[string][]FieldChange // employee id → fields changed
		unchanged int
		warnings  []apperr.Problem
	}{
		{name: "OKUpsertCSVSameValuesUnchanged", mode: ModeUpsert, stored: roster, parse: ParseCSV,
			body: minimal + e1 + "\n", unchanged: 1},
		{name: "OKUpsertCSVKeepsAbsentColumns", mode: ModeUpsert, stored: roster, parse: ParseCSV,
			body:    "employee_id,email,name,start_date,department\nE1,e1@example.com,Ann,2026-01-05,Eng\n",
			updated: map[string][]FieldChange{"E1": {{Field: "name", From: "Person E1", To: "Ann"}, {Field: "department", From: "Ops", To: "Eng"}}}},
		{name: "OKUpsertCSVEmptyCellClears", mode: ModeUpsert, stored: roster, parse: ParseCSV,
			body:    "employee_id,email,name,start_date,roles,end_date\n" + e1 + ",,\n",
			updated: map[string][]FieldChange{"E1": {{Field: "roles", From: "admin;all-staff"}, {Field: "end_date", From: "2026-12-31"}}}},
		{name: "OKUpsertCSVNewPersonGetsDefaults", mode: ModeUpsert, stored: roster, parse: ParseCSV,
			body:    minimal + "E3,e3@example.com,Person E3,2026-01-05\n" + e1 + "\n",
			created: []Person{stored("E3")}, unchanged: 1},
		{name: "OKUpsertJSONAbsentFieldsKept", mode: ModeUpsert, stored: roster, parse: ParseJSON,
			body: `{"people": [` + e1JSON + `}]}`, unchanged: 1},
		{name: "OKUpsertJSONNullAndEmptyClear", mode: ModeUpsert, stored: roster, parse: ParseJSON,
			body: `{"people": [` + e1JSON + `, "roles": null, "department": "", "timeZone": null}]}`,
			updated: map[string][]FieldChange{"E1": {{Field: "roles", From: "admin;all-staff"}, {Field: "department", From: "Ops"},
				{Field: "time_zone", From: "Europe/Paris", To: "UTC"}}}},
		{name: "OKUpsertJSONPerPerson", mode: ModeUpsert, stored: roster, parse: ParseJSON,
			body:    `{"people": [` + e1JSON + `}, ` + e2JSON + `, "department": "Sales"}]}`,
			updated: map[string][]FieldChange{"E2": {{Field: "department", To: "Sales"}}}, unchanged: 1},

		{name: "WarnSyncCSVClearsAbsentColumns", mode: ModeSync, stored: roster, parse: ParseCSV,
			body: minimal + e1 + "\n" + e2 + "\n", updated: map[string][]FieldChange{"E1": cleared}, unchanged: 1,
			warnings: []apperr.Problem{absent("roles", "cleared"), absent("manager_id", "cleared"), absent("department", "cleared"),
				absent("employment_type", "set to employee"), absent("vendor", "cleared"), absent("engagements", "cleared"),
				absent("end_date", "cleared"), absent("time_zone", "set to UTC")}},
		{name: "WarnSyncCSVOnlyColumnsThatClear", mode: ModeSync,
			stored: []Person{with(stored("E1"), func(p *Person) { p.Roles = []string{"admin"} })}, parse: ParseCSV,
			body:     "employee_id,email,name,start_date,department\n" + e1 + ",\n",
			updated:  map[string][]FieldChange{"E1": {{Field: "roles", From: "admin"}}},
			warnings: []apperr.Problem{absent("roles", "cleared")}},
		{name: "OKSyncCSVFirstImportQuiet", mode: ModeSync, parse: ParseCSV,
			body: minimal + e1 + "\n", created: []Person{stored("E1")}},
		{name: "OKSyncCSVNothingStoredToClear", mode: ModeSync, stored: []Person{stored("E1")}, parse: ParseCSV,
			body: minimal + e1 + "\n", unchanged: 1},
		// Absent from the upload, E1 is deactivated, not cleared.
		{name: "OKSyncCSVLeaverNotWarned", mode: ModeSync, stored: []Person{with(full, func(p *Person) { p.EndDate = "" }), stored("E2")},
			parse: ParseCSV, body: minimal + e2 + "\n", unchanged: 1},
		{name: "OKSyncJSONClearsQuietly", mode: ModeSync, stored: roster, parse: ParseJSON,
			body:    `{"people": [` + e1JSON + `}, ` + e2JSON + `}]}`,
			updated: map[string][]FieldChange{"E1": cleared}, unchanged: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := tt.parse(strings.NewReader(tt.body))
			if len(problems) > 0 {
				t.Fatalf("got problems %v, want none", problems)
			}
			plan, err := PlanImport(u, tt.stored, tt.mode, today, knownRoles)
			if err != nil {
				t.Fatalf("got error %v (%v), want none", err, invalidProblems(t, err))
			}
			if len(plan.Created) != len(tt.created) {
				t.Fatalf("got created %v, want %v", plan.Created, tt.created)
			}
			for i, p := range tt.created {
				if !plan.Created[i].Equal(p) {
					t.Errorf("got created %+v, want %+v", plan.Created[i], p)
				}
			}
			updated := make(map[string][]FieldChange)
			for _, c := range plan.Updated {
				updated[c.After.EmployeeID] = c.Fields
				if !reflect.DeepEqual(Diff(c.Before, c.After), c.Fields) {
					t.Errorf("got fields %v, want %v: the diff of before and after", c.Fields, Diff(c.Before, c.After))
				}
			}
			if tt.updated == nil {
				tt.updated = map[string][]FieldChange{}
			}
			if !reflect.DeepEqual(updated, tt.updated) {
				t.Errorf("got updated %v, want %v", updated, tt.updated)
			}
			if plan.Unchanged != tt.unchanged {
				t.Errorf("got unchanged %d, want %d", plan.Unchanged, tt.unchanged)
			}
			checkProblems(t, plan.Warnings, tt.warnings)
		})
	}
}

// TestPlanImportUpsertChecksMerged checks that an upsert validates each
// stored person as merged with what their row gives.
func TestPlanImportUpsertChecksMerged(t *testing.T) {
	sub := with(stored("E1"), func(p *Person) { p.EmploymentType, p.Vendor, p.EndDate = Subcontractor, "Kwan", "2026-12-31" })
	// E2 reports to E1, who reports to no one.
	roster := []Person{sub, with(stored("E2"), func(p *Person) { p.ManagerID = "E1" })}
	tests := []struct {
		name  string
		parse func(io.Reader) (Upload, []apperr.Problem)
		body  string
		want  []apperr.Problem // nil: valid
	}{
		{"OKSubcontractorKeepsVendor", ParseCSV, "employee_id,email,name,start_date\nE1,e1@example.com,Ann,2026-01-05\n", nil},
		{"ErrSubcontractorVendorCleared", ParseCSV, "employee_id,email,name,start_date,vendor\nE1,e1@example.com,Ann,2026-01-05,\n",
			[]apperr.Problem{{Row: 2, Field: "vendor", Message: "is required for a subcontractor"}}},
		{"ErrStartAfterKeptEndDate", ParseCSV, "employee_id,email,name,start_date\nE1,e1@example.com,Ann,2027-01-04\n",
			[]apperr.Problem{{Row: 2, Field: "end_date", Message: "2026-12-31 is before start_date 2027-01-04"}}},
		{"OKEndDateClearedWithLaterStart", ParseCSV, "employee_id,email,name,start_date,end_date\nE1,e1@example.com,Ann,2027-01-04,\n", nil},
		// E1 keeps reporting to no one: no cycle.
		{"OKManagerKept", ParseJSON, `{"people": [{"employeeId": "E1", "email": "e1@example.com", "name": "Ann", "startDate": "2026-01-05"}]}`, nil},
		// E2 keeps reporting to E1, whom the upload makes report to E2.
		{"ErrCycleThroughKeptManager", ParseJSON, `{"people": [
			{"employeeId": "E1", "email": "e1@example.com", "name": "Ann", "startDate": "2026-01-05", "managerId": "E2"},
			{"employeeId": "E2", "email": "e2@example.com", "name": "Bob", "startDate": "2026-01-05"}]}`,
			[]apperr.Problem{{Row: 1, Field: "managerId", Message: "manager cycle: E1 → E2 → E1"}}},
		{"ErrEmailOfStoredPerson", ParseCSV, "employee_id,email,name,start_date\nE1,E2@example.com,Ann,2026-01-05\n",
			[]apperr.Problem{{Row: 2, Field: "email", Message: `"E2@example.com" already belongs to employee E2`}}},
		// Required fields are never kept: a JSON person must give them.
		{"ErrRequiredNotKept", ParseJSON, `{"people": [{"employeeId": "E1", "email": "e1@example.com"}]}`,
			[]apperr.Problem{
				{Row: 1, Field: "name", Message: "is required"},
				{Row: 1, Field: "startDate", Message: "is required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := tt.parse(strings.NewReader(tt.body))
			if len(problems) > 0 {
				t.Fatalf("got problems %v, want none", problems)
			}
			_, err := PlanImport(u, roster, ModeUpsert, today, knownRoles)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got error %v (%v), want none", err, invalidProblems(t, err))
				}
				return
			}
			checkProblems(t, invalidProblems(t, err), tt.want)
		})
	}
}

func TestPlanDigest(t *testing.T) {
	base := Plan{Created: []Person{valid("E1")}, Updated: []Change{{After: valid("E2"), Fields: []FieldChange{{Field: "name", From: "A", To: "B"}}}}, Unchanged: 3}
	d := PlanDigest(ModeSync, base)
	if len(d) != 64 || d != PlanDigest(ModeSync, base) {
		t.Fatalf("digest %q is not a stable SHA-256", d)
	}
	changedField := base
	changedField.Updated = []Change{{After: valid("E2"), Fields: []FieldChange{{Field: "name", From: "A", To: "C"}}}}
	deactivating := base
	deactivating.Deactivated = []Change{{After: valid("E3"), Fields: []FieldChange{{Field: "end_date", To: "2026-01-01"}}, RevokesCredentials: true}}
	for name, other := range map[string]string{
		"Mode":        PlanDigest(ModeUpsert, base),
		"FieldValue":  PlanDigest(ModeSync, changedField),
		"Deactivated": PlanDigest(ModeSync, deactivating),
		"Unchanged":   PlanDigest(ModeSync, Plan{Created: base.Created, Updated: base.Updated, Unchanged: 4}),
	} {
		if other == d {
			t.Errorf("%s: a different plan has the same digest", name)
		}
	}
}
