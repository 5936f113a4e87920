package roster

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
)

func TestCheckAccess(t *testing.T) {
	withRoles := func(p Person, roles ...string) Person { p.Roles = roles; return p }
	withEmail := func(p Person, email string) Person { p.Email = email; return p }
	admin := withRoles(stored("E2"), "admin", "all-staff")
	auditor := withRoles(stored("E3"), "all-staff", "auditor")
	departed := with(withRoles(stored("E6"), "admin"), func(p *Person) { p.EndDate = "2026-03-31" })
	roster := []Person{stored("E1"), admin, auditor, departed}
	// The roles column absent from a CSV header: an upsert keeps them.
	noRoles := "employee_id,email,name,start_date\n"
	tests := []struct {
		name   string
		mode   Mode
		upload Upload
		role   identity.Role
		want   []apperr.Problem // for every role but admin
	}{
		{name: "OKNoAccessRoles", mode: ModeUpsert, upload: upload(withEmail(withRoles(valid("E1"), "engineer"), "new@example.com"), valid("E4"))},
		{name: "OKAdminUnchanged", mode: ModeSync, upload: upload(valid("E1"), withRoles(valid("E2"), "ALL-STAFF", "Admin"), withRoles(valid("E3"), "auditor", "all-staff"))},
		{name: "OKOtherFieldsOfAdmin", mode: ModeUpsert, upload: upload(with(withRoles(valid("E2"), "admin", "all-staff", "engineer"), func(p *Person) { p.Name = "Ann"; p.EndDate = "2026-06-30" }))},
		{name: "OKEmailCaseOfAdmin", mode: ModeUpsert, upload: upload(withEmail(withRoles(valid("E2"), "admin", "all-staff"), "E2@Example.com"))},
		{name: "OKUpsertWithoutRolesColumnKeeps", mode: ModeUpsert, upload: parsed(t, noRoles+"E2,e2@example.com,Ann,2026-01-05\n")},
		// A sync deactivates admins too: HR must be able to offboard them.
		{name: "OKSyncDeactivatesAdmin", mode: ModeSync, upload: upload(valid("E1"))},
		{name: "NewAdmin", mode: ModeUpsert, upload: upload(valid("E5"), withRoles(valid("E4"), "admin")),
			want: []apperr.Problem{{Row: 3, Field: "roles", Message: "grants admin"}}},
		{name: "Grant", mode: ModeUpsert, upload: upload(withRoles(valid("E1"), "all-staff", "auditor", "admin")),
			want: []apperr.Problem{{Row: 2, Field: "roles", Message: "grants admin and auditor"}}},
		{name: "Remove", mode: ModeSync, upload: upload(valid("E1"), withRoles(valid("E2"), "all-staff"), withRoles(valid("E3"), "all-staff", "auditor")),
			want: []apperr.Problem{{Row: 3, Field: "roles", Message: "removes admin"}}},
		{name: "Swap", mode: ModeUpsert, upload: upload(withRoles(valid("E2"), "auditor")),
			want: []apperr.Problem{{Row: 2, Field: "roles", Message: "grants auditor and removes admin"}}},
		{name: "EmailOfAdmin", mode: ModeUpsert, upload: upload(withEmail(withRoles(valid("E2"), "admin", "all-staff"), "mallory@example.com")),
			want: []apperr.Problem{{Row: 2, Field: "email", Message: "change the email of a person who holds the access role admin"}}},
		{name: "EmailAndRoleOfAuditor", mode: ModeUpsert, upload: upload(valid("E1"), withEmail(valid("E3"), "mallory@example.com")),
			want: []apperr.Problem{{Row: 3, Field: "roles", Message: "removes auditor"}, {Row: 3, Field: "email", Message: "access role auditor"}}},
		{name: "EmailWithoutRolesColumn", mode: ModeUpsert, upload: parsed(t, noRoles+"E3,mallory@example.com,Cy,2026-01-05\n"),
			want: []apperr.Problem{{Row: 2, Field: "email", Message: "access role auditor"}}},
		{name: "OKEarlierEndDateOfAdmin", mode: ModeUpsert, upload: upload(with(withRoles(valid("E6"), "admin"), func(p *Person) { p.EndDate = "2026-03-01" }))},
		{name: "ReactivateAdmin", mode: ModeUpsert, upload: upload(withRoles(valid("E6"), "admin")),
			want: []apperr.Problem{{Row: 2, Field: "end_date", Message: "reactivate a person who holds the access role admin"}}},
		{name: "ExtendAdmin", mode: ModeUpsert, upload: upload(with(withRoles(valid("E6"), "admin"), func(p *Person) { p.EndDate = "2027-01-31" })),
			want: []apperr.Problem{{Row: 2, Field: "end_date", Message: "extend their end date"}}},
		{name: "JSONFieldNames", mode: ModeUpsert, upload: parsedJSON(t, `{"people": [{"employeeId": "E1", "email": "e1@example.com", "name": "A", "roles": ["admin"], "startDate": "2026-01-05"}]}`),
			want: []apperr.Problem{{Row: 1, Field: "roles", Message: "grants admin"}}},
	}
	for _, tt := range tests {
		for _, role := range []identity.Role{identity.Admin, identity.HRIS, identity.Auditor, ""} {
			t.Run(tt.name+"/"+string(role), func(t *testing.T) {
				plan, err := PlanImport(tt.upload, roster, tt.mode, today, knownRoles)
				if err != nil {
					t.Fatalf("plan: %v", err)
				}
				err = CheckAccess(tt.upload, plan, role)
				if role == identity.Admin || tt.want == nil {
					if err != nil {
						t.Fatalf("got %v, want none", err)
					}
					return
				}
				checkProblems(t, invalidProblems(t, err), tt.want)
			})
		}
	}
}

// parsed returns a parsed CSV upload.
func parsed(t *testing.T, csv string) Upload {
	t.Helper()
	u, problems := ParseCSV(strings.NewReader(csv))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return u
}

// parsedJSON returns a parsed JSON upload.
func parsedJSON(t *testing.T, body string) Upload {
	t.Helper()
	u, problems := ParseJSON(strings.NewReader(body))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return u
}

func TestCheckDeactivations(t *testing.T) {
	n := func(i int) *int { return &i }
	tests := []struct {
		name                string
		deactivated, active int
		confirm             *int
		needs               bool
		wantErr             string // part of the message; "" for none
	}{
		{name: "None", deactivated: 0, active: 100},
		{name: "FiveOfSix", deactivated: 5, active: 6},
		{name: "TenPercent", deactivated: 10, active: 100},
		{name: "SixOfSixty", deactivated: 6, active: 60},
		{name: "SixOfFiftyNine", deactivated: 6, active: 59, needs: true, wantErr: "deactivates 6 of 59 active people"},
		{name: "Everyone", deactivated: 300, active: 300, needs: true, wantErr: "send it again with confirmDeactivations=300"},
		{name: "Confirmed", deactivated: 300, active: 300, confirm: n(300), needs: true},
		{name: "WrongNumber", deactivated: 300, active: 300, confirm: n(299), needs: true, wantErr: "confirmDeactivations=299 does not match: this upload deactivates 300 of 300"},
		{name: "ConfirmedNotNeeded", deactivated: 2, active: 100, confirm: n(2)},
		{name: "WrongNumberNotNeeded", deactivated: 2, active: 100, confirm: n(40), wantErr: "send it with confirmDeactivations=2"},
		{name: "ZeroConfirmed", deactivated: 0, active: 100, confirm: n(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsConfirmation(tt.deactivated, tt.active); got != tt.needs {
				t.Errorf("NeedsConfirmation = %v, want %v", got, tt.needs)
			}
			err := CheckDeactivations(tt.deactivated, tt.active, tt.confirm)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("got %v, want none", err)
			case tt.wantErr != "" && (apperr.CodeOf(err) != apperr.Invalid || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want an Invalid error saying %q", err, tt.wantErr)
			}
		})
	}
}

func TestRevokesCredentials(t *testing.T) {
	ended := func(p Person, end string) Person { p.EndDate = end; return p }
	tests := []struct {
		name          string
		before, after Person
		want          bool
	}{
		{"NameOnly", stored("E1"), with(stored("E1"), func(p *Person) { p.Name = "New" }), false},
		{"EmailCase", stored("E1"), with(stored("E1"), func(p *Person) { p.Email = "E1@EXAMPLE.com" }), false},
		{"Email", stored("E1"), with(stored("E1"), func(p *Person) { p.Email = "other@example.com" }), true},
		{"FutureEndDate", stored("E1"), ended(stored("E1"), "2026-07-01"), false},
		{"EndDateToday", stored("E1"), ended(stored("E1"), today), false},
		{"EndDateYesterday", stored("E1"), ended(stored("E1"), "2026-06-14"), true},
		{"Reactivated", ended(stored("E1"), "2026-06-14"), stored("E1"), true},
		{"LeaverEndDateMoved", ended(stored("E1"), "2026-01-31"), ended(stored("E1"), "2026-02-28"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := revokes(tt.before, tt.after, today); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanImportRevokes(t *testing.T) {
	st := []Person{stored("E1"), stored("E2"), stored("E3")}
	plan, err := PlanImport(upload(with(valid("E1"), func(p *Person) { p.Email = "new@example.com" }), valid("E2")), st, ModeSync, today, knownRoles)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Updated) != 1 || !plan.Updated[0].RevokesCredentials {
		t.Errorf("email change: %+v, want revoking", plan.Updated)
	}
	if len(plan.Deactivated) != 1 || !plan.Deactivated[0].RevokesCredentials {
		t.Errorf("deactivation: %+v, want revoking", plan.Deactivated)
	}
}
