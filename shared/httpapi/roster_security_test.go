package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/auth"
)

// putRosterAs uploads a roster with the given API key.
func (e *env) putRosterAs(key, query, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	return e.do(http.MethodPut, "/api/roster"+query, key, contentType, []byte(body))
}

// hasProblem reports whether a 422 body names row and field.
func hasProblem(body map[string]any, row int, field string) bool {
	problems, _ := body["problems"].([]any)
	for _, p := range problems {
		pm := p.(map[string]any)
		if num(pm["row"]) == row && pm["field"] == field && pm["message"] != "" {
			return true
		}
	}
	return false
}

// storedRoles returns the roles of a stored person.
func (e *env) storedRoles(id string) string {
	e.t.Helper()
	rec, found, err := e.app.Store.GetPerson(context.Background(), id)
	if err != nil || !found {
		e.t.Fatalf("get %s: %v %v", id, found, err)
	}
	return strings.Join(rec.Roles, ";")
}

func TestRosterHRISMayNotChangeAccessRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	row := func(id, roles string) string {
		return fmt.Sprintf("%s,%s@example.com,Person %s,%s,,Ops,employee,,,2026-01-05,,UTC\n", id, strings.ToLower(id), id, roles)
	}
	seed := header + row("P1", "all-staff") + row("P2", "all-staff;admin") + row("P3", "all-staff;auditor")
	if status, body := e.putRoster("", "text/csv", seed); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	events := e.auditCount()

	tests := []struct {
		name, query, contentType, body string
		row                            int
		field                          string
	}{
		{"GrantAdminUpsert", "?mode=upsert", "text/csv", header + row("P1", "all-staff;admin"), 2, "roles"},
		{"GrantAdminDryRun", "?mode=upsert&dryRun=true", "text/csv", header + row("P1", "all-staff;admin"), 2, "roles"},
		{"GrantAuditorSync", "?mode=sync", "text/csv", header + row("P2", "all-staff;admin") + row("P3", "all-staff;auditor") + row("P1", "all-staff;auditor"), 4, "roles"},
		{"NewPersonWithAdmin", "?mode=upsert", "text/csv", header + row("N1", "admin"), 2, "roles"},
		{"RemoveAdmin", "?mode=upsert", "text/csv", header + row("P2", "all-staff"), 2, "roles"},
		{"RemoveAuditorSync", "?mode=sync", "text/csv", header + row("P1", "all-staff") + row("P2", "all-staff;admin") + row("P3", "all-staff"), 4, "roles"},
		{"SwapAdminForAuditor", "?mode=upsert", "text/csv", header + row("P2", "all-staff;auditor"), 2, "roles"},
		{"EmailOfAdmin", "?mode=upsert", "text/csv", header + "P2,attacker@example.com,Person P2,all-staff;admin,,Ops,employee,,,2026-01-05,,UTC\n", 2, "email"},
		{"EmailOfAuditorNoRolesColumn", "?mode=upsert", "text/csv", "employee_id,email,name,start_date\nP3,attacker3@example.com,Person P3,2026-01-05\n", 2, "email"},
		{"GrantAdminJSON", "?mode=upsert", "application/json", `{"people": [{"employeeId": "P1", "email": "p1@example.com", "name": "Person P1", "roles": ["all-staff", "ADMIN"], "startDate": "2026-01-05"}]}`, 1, "roles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.putRosterAs(e.hris, tt.query, tt.contentType, tt.body)
			if status != http.StatusUnprocessableEntity || !hasProblem(body, tt.row, tt.field) {
				t.Errorf("got %d %v, want 422 naming row %d field %s", status, body, tt.row, tt.field)
			}
		})
	}
	if got := e.storedRoles("P1") + "|" + e.storedRoles("P2") + "|" + e.storedRoles("P3"); got != "all-staff|admin;all-staff|all-staff;auditor" {
		t.Errorf("roles after refused uploads: %s", got)
	}
	if n := e.auditCount(); n != events {
		t.Errorf("refused uploads wrote %d audit events", n-events)
	}

	// hris may change everything else, also of an admin; an upsert without
	// the roles column keeps the access roles.
	status, body := e.putRosterAs(e.hris, "?mode=upsert", "text/csv",
		"employee_id,email,name,department,start_date\nP2,p2@example.com,Pat Two,Finance,2026-01-05\nP1,p1.new@example.com,Person P1,Ops,2026-01-05\n")
	if status != http.StatusOK || num(body["updated"]) != 2 {
		t.Fatalf("hris upsert: %d %v", status, body)
	}
	if got := e.storedRoles("P2"); got != "admin;all-staff" {
		t.Errorf("P2 roles %s, want admin kept", got)
	}
	_, person := e.do(http.MethodGet, "/api/people/P2", e.admin, "", nil)
	hist := person["history"].([]any)
	if last := hist[len(hist)-1].(map[string]any); !strings.HasPrefix(last["actor"].(string), "apikey:hris-test:") {
		t.Errorf("revision recorded actor %v, want the hris key", last["actor"])
	}

	// An admin key may grant and remove them.
	status, body = e.putRosterAs(e.admin, "?mode=upsert", "text/csv", header+row("P1", "all-staff;admin")+row("P2", "all-staff"))
	if status != http.StatusOK || num(body["updated"]) != 2 {
		t.Fatalf("admin upsert: %d %v", status, body)
	}
	if got := e.storedRoles("P1") + "|" + e.storedRoles("P2"); got != "admin;all-staff|all-staff" {
		t.Errorf("roles after admin upload: %s", got)
	}
}

// signIn signs p in with a fresh link in a new browser and returns it.
func (e *env) signIn(p person) *http.Client {
	e.t.Helper()
	c := e.browser()
	token := e.linkFor(c, p)
	if resp, _ := e.send(c, http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign-in of %s: %d", p.id, resp.StatusCode)
	}
	if resp, body := e.send(c, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /api/me after sign-in: %d %s", resp.StatusCode, body)
	}
	return c
}

// outstanding returns an unused sign-in link and an unused reminder link of p.
func (e *env) outstanding(p person) []string {
	e.t.Helper()
	signInLink := e.linkFor(e.browser(), p)
	link, _, err := e.app.SignIn.IssueLink(context.Background(), p.id, auth.LinkReminder, "test", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return []string{signInLink, link[strings.LastIndex(link, "/")+1:]}
}

// checkRevoked asserts that the browser's session and the links no longer work.
func (e *env) checkRevoked(t *testing.T, c *http.Client, links []string) {
	t.Helper()
	if resp, _ := e.send(c, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("old session: GET /api/me %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.send(c, http.MethodGet, "/me", nil, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("old session: GET /me %d to %q, want 303 to /signin", resp.StatusCode, resp.Header.Get("Location"))
	}
	for i, token := range links {
		if resp, _ := e.send(e.browser(), http.MethodGet, "/l/"+token, nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("old link %d: GET %d, want 404", i, resp.StatusCode)
		}
		if resp, _ := e.send(e.browser(), http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusNotFound || len(resp.Cookies()) != 0 {
			t.Errorf("old link %d: POST %d, want 404 and no session", i, resp.StatusCode)
		}
	}
}

func TestRosterEmailChangeRevokesSessionsAndLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("revoke-email", "R1", "R2")
	r1 := ps["R1"]
	c := e.signIn(r1)
	other := e.signIn(ps["R2"])
	links := e.outstanding(r1)

	e.now = e.now.Add(time.Minute)
	r1.email = strings.Replace(r1.email, "r1-", "r1.new-", 1)
	csv := header + fmt.Sprintf("R1,%s,Person R1,all-staff,,Ops,employee,,,2026-01-05,,Europe/Berlin\n", r1.email)
	if status, body := e.putRosterAs(e.hris, "?mode=upsert", "text/csv", csv); status != http.StatusOK || num(body["updated"]) != 1 {
		t.Fatalf("email change: %d %v", status, body)
	}
	e.checkRevoked(t, c, links)

	// A later change that revokes nothing keeps them revoked.
	e.now = e.now.Add(time.Minute)
	if status, body := e.putRosterAs(e.hris, "?mode=upsert", "text/csv", strings.Replace(csv, "Person R1", "Person R1 Renamed", 1)); status != http.StatusOK || num(body["updated"]) != 1 {
		t.Fatalf("rename: %d %v", status, body)
	}
	e.checkRevoked(t, c, links)

	// Other people stay signed in; the new address gets links that work.
	if resp, _ := e.send(other, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("R2's session: %d, want 200", resp.StatusCode)
	}
	e.now = e.now.Add(time.Minute)
	e.signIn(r1)
}

func TestRosterDeactivationRevokesSessionsAndLinks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("revoke-leaver", "D1", "D2")
	d1 := ps["D1"]
	c := e.signIn(d1)
	links := e.outstanding(d1)
	row := func(p person, endDate string) string {
		return fmt.Sprintf("%s,%s,%s,all-staff,,Ops,employee,,,2026-01-05,%s,Europe/Berlin\n", p.id, p.email, p.name, endDate)
	}

	// Absent from a sync: deactivated.
	e.now = e.now.Add(time.Minute)
	if status, body := e.putRoster("?mode=sync", "text/csv", header+row(ps["D2"], "")); status != http.StatusOK || num(body["deactivated"]) != 1 {
		t.Fatalf("sync: %d %v", status, body)
	}
	e.checkRevoked(t, c, links)

	// A rejoiner: what was revoked stays revoked, new links work.
	e.now = e.now.Add(time.Minute)
	if status, body := e.putRoster("?mode=upsert", "text/csv", header+row(d1, "")); status != http.StatusOK || num(body["updated"]) != 1 {
		t.Fatalf("rejoin: %d %v", status, body)
	}
	e.checkRevoked(t, c, links)
	e.now = e.now.Add(time.Minute)
	c = e.signIn(d1)
	links = e.outstanding(d1)

	// An end date of yesterday set by an upload: deactivated too.
	e.now = e.now.Add(time.Minute)
	yesterday := e.now.AddDate(0, 0, -1).Format(time.DateOnly)
	if status, body := e.putRoster("?mode=upsert", "text/csv", header+row(d1, yesterday)); status != http.StatusOK || num(body["updated"]) != 1 {
		t.Fatalf("end date: %d %v", status, body)
	}
	e.now = e.now.Add(time.Minute)
	if status, body := e.putRoster("?mode=upsert", "text/csv", header+row(d1, "")); status != http.StatusOK || num(body["updated"]) != 1 {
		t.Fatalf("rejoin: %d %v", status, body)
	}
	e.checkRevoked(t, c, links)
}

func TestRosterMassDeactivationNeedsConfirmation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var all, kept strings.Builder
	all.WriteString(header)
	kept.WriteString(header)
	for i := 1; i <= 20; i++ {
		line := fmt.Sprintf("M%02d,m%02d@example.com,Person %d,all-staff,,Ops,employee,,,2026-01-05,,UTC\n", i, i, i)
		all.WriteString(line)
		if i <= 12 {
			kept.WriteString(line)
		}
	}
	if status, body := e.putRoster("", "text/csv", all.String()); status != http.StatusOK || num(body["created"]) != 20 {
		t.Fatalf("seed: %d %v", status, body)
	}
	events := e.auditCount()

	// The dry run reports the number and says how to confirm it.
	status, body := e.putRoster("?dryRun=true", "text/csv", kept.String())
	if status != http.StatusOK || num(body["deactivated"]) != 8 || !strings.Contains(fmt.Sprint(body["warnings"]), "confirmDeactivations=8") {
		t.Fatalf("dry run: %d %v", status, body)
	}
	for _, tt := range []struct{ name, query, want string }{
		{"Unconfirmed", "", "confirmDeactivations=8"},
		{"WrongNumber", "?confirmDeactivations=7", "confirmDeactivations=8"},
		{"NotANumber", "?confirmDeactivations=all", "confirmDeactivations"},
		{"UnconfirmedHRIS", "?mode=sync", "confirmDeactivations=8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.putRosterAs(e.hris, tt.query, "text/csv", kept.String())
			if msg, _ := body["error"].(string); status != http.StatusUnprocessableEntity || !strings.Contains(msg, tt.want) {
				t.Errorf("got %d %v, want 422 saying %s", status, body, tt.want)
			}
		})
	}
	if n := e.auditCount(); n != events {
		t.Errorf("refused syncs wrote %d audit events", n-events)
	}

	status, body = e.putRosterAs(e.hris, "?confirmDeactivations=8", "text/csv", kept.String())
	if status != http.StatusOK || num(body["deactivated"]) != 8 {
		t.Fatalf("confirmed: %d %v", status, body)
	}

	// Few deactivations need no confirmation: 5 of 12.
	var fewer strings.Builder
	fewer.WriteString(header)
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&fewer, "M%02d,m%02d@example.com,Person %d,all-staff,,Ops,employee,,,2026-01-05,,UTC\n", i, i, i)
	}
	if status, body := e.putRoster("", "text/csv", fewer.String()); status != http.StatusOK || num(body["deactivated"]) != 5 {
		t.Errorf("five deactivations: %d %v", status, body)
	}
}
