package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// meRows returns the signed-in person's assignments and policies from GET
// /api/me, by module and policy id.
func (e *env) meRows(p person) (assignments, policies map[string]map[string]any) {
	e.t.Helper()
	c, _ := e.signedIn(p)
	resp, body := e.send(c, http.MethodGet, "/api/me", nil, "")
	var me struct {
		Assignments []map[string]any
		Policies    []map[string]any
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /api/me: %d %v", resp.StatusCode, err)
	}
	assignments, policies = map[string]map[string]any{}, map[string]map[string]any{}
	for _, a := range me.Assignments {
		assignments[a["moduleId"].(string)] = a
	}
	for _, p := range me.Policies {
		policies[p["policyId"].(string)] = p
	}
	return assignments, policies
}

// remindedItems returns the items a dry reminder run on day would name in
// the notifications to email.
func (e *env) remindedItems(day, email string) string {
	e.t.Helper()
	status, body := e.do(http.MethodPost, "/api/reminders/run", e.admin, "application/json", []byte(`{"dryRun": true, "date": "`+day+`"}`))
	if status != http.StatusOK {
		e.t.Fatalf("reminder run: %d %v", status, body)
	}
	var items []string
	planned, _ := body["planned"].([]any)
	for _, p := range planned {
		if n := p.(map[string]any); n["email"] == email {
			for _, it := range n["items"].([]any) {
				items = append(items, it.(string))
			}
		}
	}
	return strings.Join(items, "; ")
}

func (e *env) grantWaiver(employeeID, item, expiresOn string) (int, map[string]any) {
	e.t.Helper()
	return e.do(http.MethodPost, "/api/waivers", e.admin, "application/json", []byte(mustJSON(map[string]any{
		"employeeId": employeeID, "item": item, "reason": "On long-term leave", "approver": "CISO", "expiresOn": expiresOn,
	})))
}

func (e *env) runAssignments(day string) map[string]any {
	e.t.Helper()
	status, body := e.do(http.MethodPost, "/api/assignments/run", e.admin, "application/json", []byte(`{"date": "`+day+`"}`))
	if status != http.StatusOK {
		e.t.Fatalf("assignment run %s: %d %v", day, status, body)
	}
	return body
}

var waiverIDPattern = regexp.MustCompile(`^wvr_[0-9a-f]{16}$`)

// TestWaiverFromGrantToExpiry: a module waiver takes the open assignment
// out of reminders and shows it waived; the daily run reopens it through
// the wake index the day after it expires, overdue since its due date
// passed meanwhile, and it is reminded again.
func TestWaiverFromGrantToExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedTeam("waiver.example.com", [3]string{"W1", "all-staff", ""})
	w1 := ps["W1"]
	e.runAssignments("2026-11-02") // the first run: full, changes nothing

	status, body := e.grantWaiver("W1", "module:security-awareness", "2026-12-10")
	id, _ := body["id"].(string)
	if status != http.StatusCreated || !waiverIDPattern.MatchString(id) || body["active"] != true || body["revokedAt"] != nil {
		t.Fatalf("grant: %d %v", status, body)
	}
	if status, again := e.grantWaiver("W1", "module:security-awareness", "2026-12-31"); status != http.StatusConflict || !strings.Contains(fmt.Sprint(again["error"]), id) {
		t.Errorf("second waiver of the same item: %d %v, want 409 naming %s", status, again, id)
	}
	if evs := e.eventsOf("waiver.granted"); len(evs) != 1 || evs[0].Subject != "person#W1" || evs[0].Details["waiverId"] != id || !strings.HasPrefix(evs[0].Actor, "apikey:") {
		t.Errorf("granted events: %+v", evs)
	}

	mods, _ := e.meRows(w1)
	if a := mods["security-awareness"]; a["status"] != "waived" || a["waiverId"] != id {
		t.Errorf("/me while waived: %v", a)
	}
	if a := mods["data-privacy"]; a["status"] != "on_track" || a["waiverId"] != nil {
		t.Errorf("/me other module: %v", a)
	}
	c, _ := e.signedIn(w1)
	if resp, page := e.send(c, http.MethodGet, "/me", nil, ""); resp.StatusCode != http.StatusOK || !strings.Contains(page, "Not required of you until 2026-12-10") {
		t.Errorf("/me page does not show the waiver: %d", resp.StatusCode)
	}
	items := e.remindedItems("2026-11-03", w1.email)
	if strings.Contains(items, "security-awareness") || !strings.Contains(items, "data-privacy") {
		t.Errorf("reminders while waived: %q", items)
	}
	status, body = e.do(http.MethodGet, "/api/waivers?employeeId=W1&active=true", e.auditor, "", nil)
	if list, _ := body["waivers"].([]any); status != http.StatusOK || len(list) != 1 {
		t.Errorf("active waivers of W1: %d %v", status, body)
	}

	// The last day it holds, then the day after: the daily run (incremental,
	// through the wake index) reopens the cycle, overdue since 2 December.
	e.now = time.Date(2026, 11, 25, 6, 0, 0, 0, time.UTC)
	if sum := e.runAssignments("2026-11-25"); sum["full"] != false || num(sum["reopened"]) != 0 {
		t.Errorf("run on 25 November: %v", sum)
	}
	e.now = time.Date(2026, 12, 10, 23, 0, 0, 0, time.UTC)
	if mods, _ := e.meRows(w1); mods["security-awareness"]["status"] != "waived" {
		t.Errorf("on its last day: %v", mods["security-awareness"])
	}
	e.now = time.Date(2026, 12, 11, 6, 0, 0, 0, time.UTC)
	if sum := e.runAssignments("2026-12-11"); sum["full"] != false || num(sum["reopened"]) != 1 {
		t.Errorf("run on 11 December: %v", sum)
	}
	mods, _ = e.meRows(w1)
	if a := mods["security-awareness"]; a["status"] != "overdue" || a["waiverId"] != nil || a["dueOn"] != "2026-12-02" {
		t.Errorf("/me after expiry: %v", a)
	}
	if items := e.remindedItems("2026-12-11", w1.email); !strings.Contains(items, "security-awareness#1") {
		t.Errorf("reminders after expiry: %q", items)
	}
	if sum := e.runAssignments("2026-12-11"); num(sum["reopened"]) != 0 || num(sum["created"]) != 0 {
		t.Errorf("second run of the day: %v", sum)
	}
	status, body = e.do(http.MethodGet, "/api/waivers?active=true", e.admin, "", nil)
	if list, _ := body["waivers"].([]any); status != http.StatusOK || len(list) != 0 {
		t.Errorf("active waivers after expiry: %d %v", status, body)
	}
	// Expired, it no longer blocks a new one.
	if status, body := e.grantWaiver("W1", "module:security-awareness", "2027-01-31"); status != http.StatusCreated {
		t.Errorf("new waiver after expiry: %d %v", status, body)
	}
}

// TestWaiverRevocation: revoking reopens the cycle at once and keeps the
// record; policy waivers show on /me; revocation is idempotent and audited.
func TestWaiverRevocation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedTeam("revoke.example.com", [3]string{"R1", "all-staff", ""})
	r1 := ps["R1"]

	_, body := e.grantWaiver("R1", "module:data-privacy", "2027-03-31")
	modID, _ := body["id"].(string)
	_, body = e.grantWaiver("R1", "policy:acceptable-use", "2027-03-31")
	polID, _ := body["id"].(string)
	mods, pols := e.meRows(r1)
	if mods["data-privacy"]["status"] != "waived" || pols["acceptable-use"]["status"] != "waived" || pols["acceptable-use"]["waiverId"] != polID {
		t.Fatalf("/me with waivers: %v %v", mods["data-privacy"], pols["acceptable-use"])
	}
	if pols["confidentiality-data-protection"]["status"] != "pending" {
		t.Errorf("unwaived policy: %v", pols["confidentiality-data-protection"])
	}

	e.now = e.now.Add(time.Hour)
	status, body := e.do(http.MethodDelete, "/api/waivers/"+modID, e.admin, "", nil)
	if status != http.StatusOK || body["revokedAt"] != "2026-11-02T10:00:00Z" || body["active"] != false || !strings.HasPrefix(fmt.Sprint(body["revokedBy"]), "apikey:") {
		t.Fatalf("revoke: %d %v", status, body)
	}
	if again, body2 := e.do(http.MethodDelete, "/api/waivers/"+modID, e.admin, "", nil); again != http.StatusOK || body2["revokedAt"] != body["revokedAt"] {
		t.Errorf("second revocation: %d %v", again, body2)
	}
	mods, _ = e.meRows(r1)
	if a := mods["data-privacy"]; a["status"] != "on_track" || a["dueOn"] != "2026-12-02" {
		t.Errorf("/me after revocation: %v", a)
	}
	if items := e.remindedItems("2026-11-03", r1.email); !strings.Contains(items, "data-privacy") {
		t.Errorf("reminders after revocation: %q", items)
	}
	status, body = e.do(http.MethodGet, "/api/waivers?employeeId=R1", e.auditor, "", nil)
	list, _ := body["waivers"].([]any)
	revoked := 0
	for _, w := range list {
		if w := w.(map[string]any); w["id"] == modID && w["revokedAt"] != nil {
			revoked++
		}
	}
	if status != http.StatusOK || len(list) != 2 || revoked != 1 {
		t.Errorf("R1's waivers, the revoked one kept: %d %v", status, body)
	}
	if evs := e.eventsOf("waiver.revoked"); len(evs) != 1 || evs[0].Details["waiverId"] != modID {
		t.Errorf("revoked events: %+v", evs)
	}
	// Revoked, it no longer blocks a new one.
	if status, body := e.grantWaiver("R1", "module:data-privacy", "2027-01-31"); status != http.StatusCreated {
		t.Errorf("new waiver after revocation: %d %v", status, body)
	}
	for _, id := range []string{"wvr_0000000000000000", "nope"} {
		if status, _ := e.do(http.MethodDelete, "/api/waivers/"+id, e.admin, "", nil); status != http.StatusNotFound {
			t.Errorf("revoke %s: %d, want 404", id, status)
		}
	}
}

// TestWaiverConcurrentGrants: of two grants of the same item at once, one
// is stored and the other is refused, naming it.
func TestWaiverConcurrentGrants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedTeam("race.example.com", [3]string{"C1", "all-staff", ""})
	for round, item := range []string{"module:incident-reporting", "policy:incident-reporting-policy"} {
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		bodies := make([]map[string]any, 2)
		for i := range 2 {
			wg.Go(func() { statuses[i], bodies[i] = e.grantWaiver("C1", item, "2027-01-31") })
		}
		wg.Wait()
		created, conflict := -1, -1
		for i, s := range statuses {
			switch s {
			case http.StatusCreated:
				created = i
			case http.StatusConflict:
				conflict = i
			}
		}
		if created < 0 || conflict < 0 || !strings.Contains(fmt.Sprint(bodies[conflict]["error"]), bodies[created]["id"].(string)) {
			t.Errorf("round %d: %v %v", round, statuses, bodies)
		}
	}
	status, body := e.do(http.MethodGet, "/api/waivers?employeeId=C1", e.admin, "", nil)
	if list, _ := body["waivers"].([]any); status != http.StatusOK || len(list) != 2 {
		t.Errorf("stored waivers: %d %v", status, body)
	}
}

// TestWaiverBadInput: each bad field is a 422 naming it, and nothing is
// written.
func TestWaiverBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedTeam("bad.example.com", [3]string{"B1", "all-staff", ""})
	csv := header + "B2,b2-gone@bad.example.com,Person B2,all-staff,,Ops,employee,,,2026-01-05,2026-10-31,UTC\n"
	if status, body := e.putRoster("?mode=upsert", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("leaver: %d %v", status, body)
	}
	valid := map[string]any{"employeeId": "B1", "item": "module:access-control", "reason": "Contractor without system access",
		"approver": "CISO", "expiresOn": "2027-01-31"}
	tests := []struct {
		field string
		value any
	}{
		{"employeeId", "NOBODY"},
		{"employeeId", "B2"},
		{"employeeId", ""},
		{"item", "module:no-such-module"},
		{"item", "policy:no-such-policy"},
		{"item", "training:access-control"},
		{"item", ""},
		{"reason", "  "},
		{"reason", strings.Repeat("x", 501)},
		{"approver", ""},
		{"expiresOn", "2026-11-01"},
		{"expiresOn", "2027-11-03"},
		{"expiresOn", "31/01/2027"},
		{"expiresOn", ""},
	}
	before := e.auditCount()
	for _, tt := range tests {
		req := map[string]any{}
		for k, v := range valid {
			req[k] = v
		}
		req[tt.field] = tt.value
		status, body := e.do(http.MethodPost, "/api/waivers", e.admin, "application/json", []byte(mustJSON(req)))
		if status != http.StatusUnprocessableEntity || problemField(body) != tt.field {
			t.Errorf("%s=%q: %d %v, want 422 naming %s", tt.field, tt.value, status, body, tt.field)
		}
	}
	// The limits themselves are fine: today, and one year ahead.
	for _, day := range []string{"2026-11-02", "2027-11-02"} {
		req := map[string]any{"employeeId": "B1", "item": "policy:acceptable-use", "reason": "r", "approver": "a", "expiresOn": day}
		status, body := e.do(http.MethodPost, "/api/waivers", e.admin, "application/json", []byte(mustJSON(req)))
		if status != http.StatusCreated {
			t.Errorf("expiresOn %s: %d %v", day, status, body)
		}
		if id, _ := body["id"].(string); id != "" {
			e.do(http.MethodDelete, "/api/waivers/"+id, e.admin, "", nil)
		}
	}
	if got := e.auditCount() - before; got != 4 {
		t.Errorf("%d audit events, want 4 (two grants, two revocations)", got)
	}
	if status, _ := e.do(http.MethodGet, "/api/waivers?active=yes", e.admin, "", nil); status != http.StatusUnprocessableEntity {
		t.Errorf("active=yes: %d", status)
	}
	if status, _ := e.do(http.MethodPost, "/api/waivers", e.admin, "application/json", []byte(`{"employeeId": "B1", "extra": 1}`)); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown field: %d", status)
	}
}
