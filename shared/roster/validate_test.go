package roster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

// TestPlanImportFieldProblems checks the rules for each field on its own.
// Every case uploads valid("E1") changed as shown, as row 2.
func TestPlanImportFieldProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Person)
		want   []apperr.Problem // nil: valid
	}{
		{"OK", func(*Person) {}, nil},

		{"ErrEmployeeIDRequired", func(p *Person) { p.EmployeeID = " " },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: "is required"}}},
		{"ErrEmployeeIDHash", func(p *Person) { p.EmployeeID = "E#1" },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: `"E#1" may hold only ASCII letters, digits, ".", "_" and "-"`}}},
		{"ErrEmployeeIDSlash", func(p *Person) { p.EmployeeID = "E/1" },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: `"E/1" may hold only`}}},
		{"ErrEmployeeIDSpace", func(p *Person) { p.EmployeeID = "E 1" },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: `"E 1" may hold only`}}},
		{"ErrEmployeeIDAccent", func(p *Person) { p.EmployeeID = "É1" },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: `"É1" may hold only`}}},
		{"ErrEmployeeIDTooLong", func(p *Person) { p.EmployeeID = strings.Repeat("x", 65) },
			[]apperr.Problem{{Row: 2, Field: "employee_id", Message: "must be at most 64 characters"}}},
		{"OKEmployeeIDLongest", func(p *Person) { p.EmployeeID = "a.B_c-" + strings.Repeat("9", 58) }, nil},

		{"ErrEmailRequired", func(p *Person) { p.Email = "" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "is required"}}},
		{"ErrEmailDisplayName", func(p *Person) { p.Email = "A <a@b.co>" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: `"A <a@b.co>" must be a bare address`}}},
		{"ErrEmailAngleBrackets", func(p *Person) { p.Email = "<a@b.co>" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "must be a bare address"}}},
		{"ErrEmailQuotedLocalPart", func(p *Person) { p.Email = `"a b"@b.co` },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "must be a bare address"}}},
		{"ErrEmailComment", func(p *Person) { p.Email = "a@b.co (work)" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "must be a bare address"}}},
		{"ErrEmailNoAt", func(p *Person) { p.Email = "ann.example.com" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: `"ann.example.com" is not an email address`}}},
		{"ErrEmailNoDomain", func(p *Person) { p.Email = "ann@" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "is not an email address"}}},
		{"ErrEmailNoLocalPart", func(p *Person) { p.Email = "@example.com" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "is not an email address"}}},
		{"ErrEmailTwoAddresses", func(p *Person) { p.Email = "a@b.co, c@d.co" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "is not an email address"}}},
		{"ErrEmailSpace", func(p *Person) { p.Email = "ann lee@example.com" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "is not an email address"}}},
		{"ErrEmailTooLong", func(p *Person) { p.Email = strings.Repeat("a", 64) + "@" + strings.Repeat("b", 186) + ".com" },
			[]apperr.Problem{{Row: 2, Field: "email", Message: "must be at most 254 characters"}}},
		{"OKEmailPlusAndCase", func(p *Person) { p.Email = "Ann.Lee+training@Example.COM" }, nil},

		{"ErrNameRequired", func(p *Person) { p.Name = "" },
			[]apperr.Problem{{Row: 2, Field: "name", Message: "is required"}}},
		{"ErrNameTooLong", func(p *Person) { p.Name = strings.Repeat("龍", 201) },
			[]apperr.Problem{{Row: 2, Field: "name", Message: "must be at most 200 characters, not 201"}}},
		{"OKNameLongest", func(p *Person) { p.Name = strings.Repeat("龍", 200) }, nil},
		{"ErrNameControl", func(p *Person) { p.Name = "Ann\tLee" },
			[]apperr.Problem{{Row: 2, Field: "name", Message: "must not hold control characters"}}},
		{"ErrNameLineBreak", func(p *Person) { p.Name = "Ann\nLee" },
			[]apperr.Problem{{Row: 2, Field: "name", Message: "must not hold control characters"}}},
		{"OKNameMarkup", func(p *Person) { p.Name = `<img src=x onerror="alert(1)">` }, nil},

		{"ErrRoleSpace", func(p *Person) { p.Roles = []string{"all-staff", "data analyst"} },
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `role "data analyst" must be 1 to 40 letters a-z, digits or "-"`}}},
		{"ErrRoleUnderscore", func(p *Person) { p.Roles = []string{"data_analyst"} },
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `role "data_analyst"`}}},
		{"ErrRoleEmpty", func(p *Person) { p.Roles = []string{" "} },
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `role ""`}}},
		{"ErrRoleTooLong", func(p *Person) { p.Roles = []string{strings.Repeat("r", 41)} },
			[]apperr.Problem{{Row: 2, Field: "roles", Message: "must be 1 to 40"}}},
		{"ErrRoleKelvinSign", func(p *Person) { p.Roles = []string{"\u212a"} },
			[]apperr.Problem{{Row: 2, Field: "roles", Message: "must be 1 to 40"}}},

		{"ErrEngagementKey", func(p *Person) { p.Engagements = []string{"acme corp"} },
			[]apperr.Problem{{Row: 2, Field: "engagements", Message: `engagement "acme corp" must be 1 to 40`}}},

		{"ErrDepartmentTooLong", func(p *Person) { p.Department = strings.Repeat("d", 101) },
			[]apperr.Problem{{Row: 2, Field: "department", Message: "must be at most 100 characters"}}},

		{"ErrEmploymentType", func(p *Person) { p.EmploymentType = "intern" },
			[]apperr.Problem{{Row: 2, Field: "employment_type", Message: `must be employee, contractor or subcontractor, not "intern"`}}},
		{"OKEmploymentTypeCase", func(p *Person) { p.EmploymentType = "Contractor" }, nil},
		{"ErrSubcontractorWithoutVendor", func(p *Person) { p.EmploymentType = "subcontractor" },
			[]apperr.Problem{{Row: 2, Field: "vendor", Message: "is required for a subcontractor"}}},
		{"ErrVendorTooLong", func(p *Person) { p.EmploymentType, p.Vendor = "subcontractor", strings.Repeat("v", 101) },
			[]apperr.Problem{{Row: 2, Field: "vendor", Message: "must be at most 100 characters"}}},
		{"OKSubcontractorWithVendor", func(p *Person) { p.EmploymentType, p.Vendor = "subcontractor", "Kwan & Partners" }, nil},

		{"ErrStartDateRequired", func(p *Person) { p.StartDate = "" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is required (YYYY-MM-DD)"}}},
		{"ErrStartDateSlashes", func(p *Person) { p.StartDate = "2026/01/05" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: `"2026/01/05" is not a date in the form YYYY-MM-DD`}}},
		{"ErrStartDateDayFirst", func(p *Person) { p.StartDate = "05-01-2026" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a date in the form YYYY-MM-DD"}}},
		{"ErrStartDateNoZeros", func(p *Person) { p.StartDate = "2026-1-5" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a date in the form YYYY-MM-DD"}}},
		{"ErrStartDateTimestamp", func(p *Person) { p.StartDate = "2026-01-05T00:00:00Z" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a date in the form YYYY-MM-DD"}}},
		{"ErrStartDateFebruary30", func(p *Person) { p.StartDate = "2026-02-30" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "2026-02-30 is not a real date"}}},
		{"ErrStartDateNotLeapYear", func(p *Person) { p.StartDate = "2025-02-29" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a real date"}}},
		{"ErrStartDateMonth13", func(p *Person) { p.StartDate = "2026-13-01" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a real date"}}},
		{"ErrStartDateDay0", func(p *Person) { p.StartDate = "2026-04-00" },
			[]apperr.Problem{{Row: 2, Field: "start_date", Message: "is not a real date"}}},
		{"OKStartDateLeapDay", func(p *Person) { p.StartDate = "2024-02-29" }, nil},
		{"ErrEndDateImpossible", func(p *Person) { p.EndDate = "2026-04-31" },
			[]apperr.Problem{{Row: 2, Field: "end_date", Message: "2026-04-31 is not a real date"}}},
		{"ErrEndBeforeStart", func(p *Person) { p.EndDate = "2026-01-04" },
			[]apperr.Problem{{Row: 2, Field: "end_date", Message: "2026-01-04 is before start_date 2026-01-05"}}},
		{"OKEndOnStart", func(p *Person) { p.EndDate = p.StartDate }, nil},

		{"ErrTimeZoneUnknown", func(p *Person) { p.TimeZone = "Mars/Olympus_Mons" },
			[]apperr.Problem{{Row: 2, Field: "time_zone", Message: `"Mars/Olympus_Mons" is not an IANA time zone name`}}},
		{"ErrTimeZoneLocal", func(p *Person) { p.TimeZone = "Local" },
			[]apperr.Problem{{Row: 2, Field: "time_zone", Message: `"Local" is not an IANA time zone name`}}},
		{"ErrTimeZoneOffset", func(p *Person) { p.TimeZone = "UTC+2" },
			[]apperr.Problem{{Row: 2, Field: "time_zone", Message: "is not an IANA time zone name"}}},
		{"ErrTimeZonePath", func(p *Person) { p.TimeZone = "../../etc/passwd" },
			[]apperr.Problem{{Row: 2, Field: "time_zone", Message: "is not an IANA time zone name"}}},
		{"OKTimeZone", func(p *Person) { p.TimeZone = "Asia/Kolkata" }, nil},

		{"ErrEveryFieldOfRow", func(p *Person) {
			*p = Person{EmployeeID: "E#1", Email: "A <a@b.co>", Roles: []string{"x y"}, EmploymentType: "subcontractor", StartDate: "2026-02-30", TimeZone: "Local"}
		}, []apperr.Problem{
			{Row: 2, Field: "employee_id", Message: "may hold only"},
			{Row: 2, Field: "email", Message: "must be a bare address"},
			{Row: 2, Field: "name", Message: "is required"},
			{Row: 2, Field: "roles", Message: `role "x y"`},
			{Row: 2, Field: "vendor", Message: "is required for a subcontractor"},
			{Row: 2, Field: "start_date", Message: "is not a real date"},
			{Row: 2, Field: "time_zone", Message: "is not an IANA time zone name"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanImport(upload(with(valid("E1"), tt.change)), nil, ModeSync, today, knownRoles)
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

// TestPlanImportNormalises checks the values PlanImport stores.
func TestPlanImportNormalises(t *testing.T) {
	in := Person{
		EmployeeID: " E1 ", Email: " Ann.Lee@Example.com ", Name: " <script>alert(1)</script> ",
		Roles: []string{"Engineer", " all-staff", "ADMIN", "engineer"}, EmploymentType: " CONTRACTOR ",
		Engagements: []string{"Globex", "acme", "globex"}, StartDate: "2026-01-05",
	}
	plan, err := PlanImport(upload(in), nil, ModeSync, today, knownRoles)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	got := plan.Created[0]
	want := Person{
		EmployeeID: "E1", Email: "Ann.Lee@Example.com", Name: "<script>alert(1)</script>",
		Roles: []string{"admin", "all-staff", "engineer"}, EmploymentType: Contractor,
		Engagements: []string{"acme", "globex"}, StartDate: "2026-01-05", TimeZone: "UTC",
	}
	if !got.Equal(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestPlanImportCrossProblems checks the rules that involve several people.
func TestPlanImportCrossProblems(t *testing.T) {
	manager := func(id, m string) Person { return with(valid(id), func(p *Person) { p.ManagerID = m }) }
	tests := []struct {
		name   string
		people []Person
		want   []apperr.Problem
	}{
		{"OK", []Person{valid("E1"), manager("E2", "E1"), manager("E3", "E2")}, nil},
		{"ErrDuplicateEmployeeID", []Person{valid("E1"), valid("E2"), with(valid("E1"), func(p *Person) { p.Email = "other@example.com" })},
			[]apperr.Problem{{Row: 4, Field: "employee_id", Message: `"E1" is already on row 2`}}},
		{"ErrDuplicateEmailDifferentCase", []Person{valid("E1"), with(valid("E2"), func(p *Person) { p.Email = "E1@EXAMPLE.com" })},
			[]apperr.Problem{{Row: 3, Field: "email", Message: `"E1@EXAMPLE.com" is already on row 2 (emails are compared ignoring case)`}}},
		{"ErrUnknownManager", []Person{manager("E1", "E9")},
			[]apperr.Problem{{Row: 2, Field: "manager_id", Message: `unknown manager "E9": no person has this employee_id`}}},
		{"ErrSelfManager", []Person{valid("E1"), manager("E2", "E2")},
			[]apperr.Problem{{Row: 3, Field: "manager_id", Message: "a person cannot be their own manager"}}},
		{"ErrManagerCycle", []Person{manager("E0", "E1"), manager("E1", "E2"), manager("E2", "E3"), manager("E3", "E1")},
			[]apperr.Problem{{Row: 3, Field: "manager_id", Message: "manager cycle: E1 → E2 → E3 → E1 (each reports to the next)"}}},
		{"ErrManagerCycleListedFromFirstRow", []Person{manager("E3", "E1"), manager("E1", "E2"), manager("E2", "E3")},
			[]apperr.Problem{{Row: 2, Field: "manager_id", Message: "manager cycle: E3 → E1 → E2 → E3"}}},
		{"ErrTwoManagerCycles", []Person{manager("A", "B"), manager("B", "A"), manager("C", "D"), manager("D", "C")},
			[]apperr.Problem{
				{Row: 2, Field: "manager_id", Message: "manager cycle: A → B → A"},
				{Row: 4, Field: "manager_id", Message: "manager cycle: C → D → C"}}},
		{"ErrAllProblemsByRow", []Person{manager("E1", "E9"), valid("E1"), manager("E2", "E2")},
			[]apperr.Problem{
				{Row: 2, Field: "manager_id", Message: `unknown manager "E9"`},
				{Row: 3, Field: "employee_id", Message: `"E1" is already on row 2`},
				{Row: 3, Field: "email", Message: `"e1@example.com" is already on row 2`},
				{Row: 4, Field: "manager_id", Message: "own manager"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanImport(upload(tt.people...), nil, ModeSync, today, knownRoles)
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

// TestPlanImportAgainstStored checks the rules that involve stored people,
// in both modes.
func TestPlanImportAgainstStored(t *testing.T) {
	left := with(stored("E8"), func(p *Person) { p.EndDate = "2025-12-31" })
	// C1 and C2 manage each other: bad stored data, not this upload's doing.
	storedRoster := []Person{stored("E1"), with(stored("E2"), func(p *Person) { p.ManagerID = "E1" }), left,
		with(stored("C1"), func(p *Person) { p.ManagerID = "C2" }), with(stored("C2"), func(p *Person) { p.ManagerID = "C1" })}
	tests := []struct {
		name   string
		mode   Mode
		people []Person
		want   []apperr.Problem
	}{
		{"ErrSyncStoredManager", ModeSync, []Person{with(valid("E5"), func(p *Person) { p.ManagerID = "E1" })},
			[]apperr.Problem{{Row: 2, Field: "manager_id",
				Message: `unknown manager "E1" (not in this upload; in sync mode every manager must be in the upload)`}}},
		{"OKUpsertStoredManager", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.ManagerID = "E1" })}, nil},
		{"OKUpsertFormerManager", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.ManagerID = "E8" })}, nil},
		{"ErrUpsertUnknownManager", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.ManagerID = "E9" })},
			[]apperr.Problem{{Row: 2, Field: "manager_id", Message: `unknown manager "E9": no person has this employee_id`}}},
		// Stored E2 reports to E1; making E1 report to E2 closes a cycle.
		{"ErrUpsertCycleThroughStored", ModeUpsert, []Person{with(valid("E1"), func(p *Person) { p.ManagerID = "E2" })},
			[]apperr.Problem{{Row: 2, Field: "manager_id", Message: "manager cycle: E1 → E2 → E1"}}},
		// In sync mode E2 is not in the upload: unknown, not a cycle.
		{"ErrSyncNoCycleThroughStored", ModeSync, []Person{with(valid("E1"), func(p *Person) { p.ManagerID = "E2" })},
			[]apperr.Problem{{Row: 2, Field: "manager_id", Message: `unknown manager "E2" (not in this upload`}}},
		{"OKUpsertCycleBroken", ModeUpsert, []Person{with(valid("E1"), func(p *Person) { p.ManagerID = "E2" }), valid("E2")}, nil},
		{"ErrSyncEmailOfStoredPerson", ModeSync, []Person{stored("E1"), with(valid("E5"), func(p *Person) { p.Email = "E2@example.com" })},
			[]apperr.Problem{{Row: 3, Field: "email", Message: `"E2@example.com" already belongs to employee E2`}}},
		{"ErrUpsertEmailOfStoredPerson", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.Email = "e1@example.com" })},
			[]apperr.Problem{{Row: 2, Field: "email", Message: "already belongs to employee E1"}}},
		{"ErrEmailOfFormerEmployee", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.Email = "e8@example.com" })},
			[]apperr.Problem{{Row: 2, Field: "email", Message: "already belongs to employee E8"}}},
		// E1 moves to a new address; the old one stays reserved until stored.
		{"ErrEmailFreedInSameUpload", ModeUpsert, []Person{
			with(valid("E1"), func(p *Person) { p.Email = "ann@example.com" }),
			with(valid("E5"), func(p *Person) { p.Email = "e1@example.com" })},
			[]apperr.Problem{{Row: 3, Field: "email", Message: "already belongs to employee E1"}}},
		{"OKUpsertStoredCycleIsNotTheUploads", ModeUpsert, []Person{with(valid("E5"), func(p *Person) { p.ManagerID = "C1" })}, nil},
		{"OKOwnEmailNewCase", ModeUpsert, []Person{with(valid("E1"), func(p *Person) { p.Email = "E1@Example.com" })}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := PlanImport(upload(tt.people...), storedRoster, tt.mode, today, knownRoles)
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

func TestPlanImportWarnings(t *testing.T) {
	roles := func(id string, r ...string) Person { return with(valid(id), func(p *Person) { p.Roles = r }) }
	// typos returns n people with the role "enginer", as rows 2 to n+1.
	typos := func(n int) []Person {
		people := make([]Person, n)
		for i := range people {
			people[i] = roles(fmt.Sprintf("E%d", i), "enginer")
		}
		return people
	}
	tests := []struct {
		name      string
		people    []Person
		knownRole func(string) bool
		want      []apperr.Problem
	}{
		{"OK", []Person{roles("E1", "all-staff", "engineer")}, knownRoles, nil},
		{"OKAccessRoles", []Person{roles("E1", "admin", "auditor")}, knownRoles, nil},
		{"WarnUnknownRole", []Person{roles("E1", "all-staff", "Data-Analyst")}, knownRoles,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `unknown role "data-analyst" on row 2: no curriculum, ignored for training`}}},
		{"OKNilKnownRole", []Person{roles("E1", "anything")}, nil, nil},
		{"WarnUnknownRoleOnceForSeveralRows",
			[]Person{roles("E1", "enginer"), roles("E2", "engineer"), roles("E3", "Enginer", "all-staff"), roles("E4", "enginer")}, knownRoles,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `unknown role "enginer" on 3 rows (2, 4, 5): no curriculum, ignored for training`}}},
		{"WarnUnknownRoleTenRowsListed", typos(10), knownRoles,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `unknown role "enginer" on 10 rows (2, 3, 4, 5, 6, 7, 8, 9, 10, 11): no curriculum`}}},
		{"WarnUnknownRoleElevenRowsCut", typos(11), knownRoles,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `unknown role "enginer" on 11 rows (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …): no curriculum`}}},
		{"WarnUnknownRoleOn10000Rows", typos(10_000), knownRoles,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: `unknown role "enginer" on 10000 rows (2, 3, 4, 5, 6, 7, 8, 9, 10, 11, …)`}}},
		// By first row, then by key.
		{"WarnUnknownRolesInOrder",
			[]Person{roles("E1", "zeta"), roles("E2", "beta", "alpha"), roles("E3", "zeta", "alpha")}, knownRoles,
			[]apperr.Problem{
				{Row: 2, Field: "roles", Message: `unknown role "zeta" on 2 rows (2, 4)`},
				{Row: 3, Field: "roles", Message: `unknown role "alpha" on 2 rows (3, 4)`},
				{Row: 3, Field: "roles", Message: `unknown role "beta" on row 3`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := PlanImport(upload(tt.people...), nil, ModeSync, today, tt.knownRole)
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			checkProblems(t, plan.Warnings, tt.want)
		})
	}
}
