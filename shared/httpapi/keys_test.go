package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// keysEnv is an env with a signed-in admin (roster access role) and a
// signed-in employee.
type keysEnv struct {
	*env
	admin, employee       *http.Client
	adminCSRF, employCSRF string
}

func newKeysEnv(t *testing.T) *keysEnv {
	t.Helper()
	e := newEnv(t)
	tag := time.Now().UnixNano()
	csv := header
	ps := map[string]person{}
	for _, r := range []struct{ id, roles string }{{"ADM", "all-staff;admin"}, {"EMP", "all-staff"}} {
		p := person{id: r.id, email: fmt.Sprintf("%s-%d@keys.example.com", strings.ToLower(r.id), tag), name: "Person " + r.id}
		ps[r.id] = p
		csv += fmt.Sprintf("%s,%s,%s,%s,,Ops,employee,,,2026-01-05,,UTC\n", p.id, p.email, p.name, r.roles)
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	k := &keysEnv{env: e}
	k.admin, k.adminCSRF = e.signedIn(ps["ADM"])
	k.employee, k.employCSRF = e.signedIn(ps["EMP"])
	return k
}

// call sends a JSON request as a signed-in person (c) with the CSRF token
// csrf (none when empty) and decodes the answer.
func (k *keysEnv) call(c *http.Client, csrf, method, path, body string) (int, map[string]any, string) {
	k.t.Helper()
	h := http.Header{"Content-Type": {"application/json"}}
	if csrf != "" {
		h.Set("X-Csrf-Token", csrf)
	}
	resp, raw := k.send(c, method, path, h, body)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return resp.StatusCode, out, raw
}

func TestAPIKeyManagement(t *testing.T) {
	t.Parallel()
	k := newKeysEnv(t)
	e := k.env
	const body = `{"role": "hris", "label": "hr-sync"}`

	// Who may: admin keys and signed-in admins; nobody else.
	for _, tt := range []struct {
		name         string
		key          string
		method, path string
		want         int
	}{
		{"CreateWithoutKey", "", http.MethodPost, "/api/keys", 401},
		{"ListWithoutKey", "", http.MethodGet, "/api/keys", 401},
		{"RevokeWithoutKey", "", http.MethodDelete, "/api/keys/key_0000000000000000", 401},
		{"CreateWithUnknownKey", "atk_0000", http.MethodPost, "/api/keys", 401},
		{"CreateWithHRISKey", e.hris, http.MethodPost, "/api/keys", 403},
		{"ListWithHRISKey", e.hris, http.MethodGet, "/api/keys", 403},
		{"RevokeWithHRISKey", e.hris, http.MethodDelete, "/api/keys/key_0000000000000000", 403},
		{"CreateWithAuditorKey", e.auditor, http.MethodPost, "/api/keys", 403},
		{"ListWithAuditorKey", e.auditor, http.MethodGet, "/api/keys", 403},
		{"RevokeWithAuditorKey", e.auditor, http.MethodDelete, "/api/keys/key_0000000000000000", 403},
		{"RevokeUnknownID", e.admin, http.MethodDelete, "/api/keys/key_0000000000000000", 404},
		{"RevokeMalformedID", e.admin, http.MethodDelete, "/api/keys/nope", 404},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, got := e.do(tt.method, tt.path, tt.key, "application/json", []byte(body)); status != tt.want {
				t.Errorf("got %d %v, want %d", status, got, tt.want)
			}
		})
	}
	for _, tt := range []struct {
		name         string
		c            *http.Client
		csrf         string
		method, path string
		want         int
	}{
		{"EmployeeLists", k.employee, "", http.MethodGet, "/api/keys", 403},
		{"EmployeeCreates", k.employee, k.employCSRF, http.MethodPost, "/api/keys", 403},
		{"EmployeeRevokes", k.employee, k.employCSRF, http.MethodDelete, "/api/keys/key_0000000000000000", 403},
		{"AdminCreatesWithoutCSRF", k.admin, "", http.MethodPost, "/api/keys", 403},
		{"AdminRevokesWithoutCSRF", k.admin, "", http.MethodDelete, "/api/keys/key_0000000000000000", 403},
		{"AdminCreatesWithAnotherSessionsCSRF", k.admin, k.employCSRF, http.MethodPost, "/api/keys", 403},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, raw := k.call(tt.c, tt.csrf, tt.method, tt.path, body); status != tt.want {
				t.Errorf("got %d %s, want %d", status, raw, tt.want)
			}
		})
	}
	if n := len(e.eventsOf("apikey.created")); n != 0 {
		t.Fatalf("refused requests wrote %d apikey.created events", n)
	}

	// An admin key makes a key; it is shown once and works at once. Its
	// agreement must exist.
	if status, body := e.do(http.MethodPut, "/api/agreements/acme-2026", e.admin, "application/json", []byte(globexBody)); status != http.StatusCreated {
		t.Fatalf("create the agreement: %d %v", status, body)
	}
	status, created := e.do(http.MethodPost, "/api/keys", e.admin, "application/json",
		[]byte(`{"role": "auditor", "label": "Ext. auditor", "expiresOn": "2027-03-31", "agreement": "acme-2026"}`))
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, created)
	}
	newKey, _ := created["key"].(string)
	id, _ := created["id"].(string)
	if !regexp.MustCompile(`^key_[0-9a-f]{16}$`).MatchString(id) || !strings.HasPrefix(newKey, "atk_") ||
		created["role"] != "auditor" || created["label"] != "Ext. auditor" || created["expiresOn"] != "2027-03-31" ||
		created["agreement"] != "acme-2026" || created["createdAt"] != "2026-11-02T09:00:00Z" ||
		!strings.HasPrefix(created["createdBy"].(string), "apikey:admin-test:") {
		t.Errorf("created %v", created)
	}
	if status, _ := e.do(http.MethodGet, "/api/agreements/acme-2026", newKey, "", nil); status != http.StatusOK {
		t.Errorf("the new auditor key reading its agreement: %d", status)
	}
	if status, _ := e.do(http.MethodGet, "/api/people/ADM", newKey, "", nil); status != http.StatusForbidden {
		t.Errorf("the new auditor key, scoped to an agreement, reading a person: %d", status)
	}
	if status, _ := e.do(http.MethodGet, "/api/keys", newKey, "", nil); status != http.StatusForbidden {
		t.Errorf("the new auditor key listing keys: %d", status)
	}

	// A signed-in admin makes an admin key (with the CSRF token); it works at once.
	status, byPerson, raw := k.call(k.admin, k.adminCSRF, http.MethodPost, "/api/keys", `{"role": "admin", "label": "ops laptop"}`)
	if status != http.StatusCreated || byPerson["createdBy"] != "person:ADM" || byPerson["expiresOn"] != nil || byPerson["agreement"] != nil {
		t.Fatalf("create by a signed-in admin: %d %s", status, raw)
	}
	adminKey := byPerson["key"].(string)
	status, list := e.do(http.MethodGet, "/api/keys", adminKey, "", nil)
	if status != http.StatusOK {
		t.Fatalf("list with the new admin key: %d %v", status, list)
	}

	// The list: every key, no secrets, no hashes.
	status, _, listRaw := k.call(k.admin, "", http.MethodGet, "/api/keys", "")
	if status != http.StatusOK {
		t.Fatalf("list by a signed-in admin: %d %s", status, listRaw)
	}
	var listed struct{ Keys []map[string]any }
	if err := json.Unmarshal([]byte(listRaw), &listed); err != nil {
		t.Fatal(err)
	}
	labels := map[string]map[string]any{}
	for _, row := range listed.Keys {
		labels[row["label"].(string)] = row
	}
	for _, l := range []string{"admin-test", "hris-test", "auditor-test", "Ext. auditor", "ops laptop"} {
		if labels[l] == nil {
			t.Errorf("%q is not listed: %s", l, listRaw)
		}
	}
	if strings.Contains(listRaw, "atk_") || strings.Contains(listRaw, `"key"`) || strings.Contains(listRaw, "hash") {
		t.Errorf("the list shows a secret or a hash: %s", listRaw)
	}
	if row := labels["Ext. auditor"]; row["id"] != id || row["revokedAt"] != nil || row["role"] != "auditor" || row["agreement"] != "acme-2026" {
		t.Errorf("listed %v", row)
	}

	// Revoking: at once, idempotent, audited once.
	status, revoked, raw := k.call(k.admin, k.adminCSRF, http.MethodDelete, "/api/keys/"+id, "")
	if status != http.StatusOK || revoked["id"] != id || revoked["revokedAt"] != "2026-11-02T09:00:00Z" {
		t.Fatalf("revoke: %d %s", status, raw)
	}
	if status, _ := e.do(http.MethodGet, "/api/people/ADM", newKey, "", nil); status != http.StatusUnauthorized {
		t.Errorf("the revoked key: %d, want 401", status)
	}
	e.now = e.now.Add(time.Minute)
	if status, again := e.do(http.MethodDelete, "/api/keys/"+id, e.admin, "", nil); status != http.StatusOK || again["revokedAt"] != "2026-11-02T09:00:00Z" {
		t.Errorf("second revoke: %d %v, want 200 with the first revocation's time", status, again)
	}

	// Audit: who made and revoked which key.
	createdEvents, revokedEvents := e.eventsOf("apikey.created"), e.eventsOf("apikey.revoked")
	if len(createdEvents) != 2 || len(revokedEvents) != 1 {
		t.Fatalf("got %d created and %d revoked events, want 2 and 1", len(createdEvents), len(revokedEvents))
	}
	actors := map[string]string{}
	for _, ev := range createdEvents {
		actors[ev.Subject] = ev.Actor
		if ev.Source == "" || ev.Details["role"] == nil {
			t.Errorf("created event %+v", ev)
		}
	}
	if !strings.HasPrefix(actors["apikey#"+id], "apikey:admin-test:") || actors["apikey#"+byPerson["id"].(string)] != "person:ADM" {
		t.Errorf("created events' actors %v", actors)
	}
	if ev := revokedEvents[0]; ev.Subject != "apikey#"+id || ev.Actor != "person:ADM" {
		t.Errorf("revoked event %+v", ev)
	}

	// Expiry: a key works through its last day (UTC), and not after.
	status, expiring := e.do(http.MethodPost, "/api/keys", e.admin, "application/json", []byte(`{"role": "admin", "label": "today only", "expiresOn": "2026-11-02"}`))
	if status != http.StatusCreated {
		t.Fatalf("create expiring: %d %v", status, expiring)
	}
	e.now = time.Date(2026, 11, 2, 23, 59, 59, 0, time.UTC)
	if status, _ := e.do(http.MethodGet, "/api/keys", expiring["key"].(string), "", nil); status != http.StatusOK {
		t.Errorf("on its last day: %d", status)
	}
	e.now = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	if status, _ := e.do(http.MethodGet, "/api/keys", expiring["key"].(string), "", nil); status != http.StatusUnauthorized {
		t.Errorf("the day after its last: %d, want 401", status)
	}
	if status, _ := e.do(http.MethodGet, "/api/keys", e.admin, "", nil); status != http.StatusOK {
		t.Errorf("a key without expiry the next day: %d", status)
	}
}

func TestAPIKeyBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		name, body, field string
	}{
		{"NoRole", `{"label": "x"}`, "role"},
		{"UnknownRole", `{"role": "root", "label": "x"}`, "role"},
		{"NoLabel", `{"role": "hris"}`, "label"},
		{"BlankLabel", `{"role": "hris", "label": "   "}`, "label"},
		{"LongLabel", `{"role": "hris", "label": "` + strings.Repeat("x", 101) + `"}`, "label"},
		{"ControlInLabel", `{"role": "hris", "label": "a\u0007b"}`, "label"},
		{"BadDate", `{"role": "hris", "label": "x", "expiresOn": "31/12/2026"}`, "expiresOn"},
		{"PastDate", `{"role": "hris", "label": "x", "expiresOn": "2026-11-01"}`, "expiresOn"},
		{"TooFar", `{"role": "hris", "label": "x", "expiresOn": "2028-11-03"}`, "expiresOn"},
		{"AgreementOnAdminKey", `{"role": "admin", "label": "x", "agreement": "acme"}`, "agreement"},
		{"BadAgreement", `{"role": "auditor", "label": "x", "agreement": "acme 2026"}`, "agreement"},
		{"UnknownAgreement", `{"role": "auditor", "label": "x", "agreement": "no-such-agreement"}`, "agreement"},
		{"UnknownField", `{"role": "hris", "label": "x", "scope": "all"}`, "scope"},
		{"WrongType", `{"role": "hris", "label": 7}`, "label"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(http.MethodPost, "/api/keys", e.admin, "application/json", []byte(tt.body))
			if status != http.StatusUnprocessableEntity || problemField(body) != tt.field {
				t.Errorf("got %d %v, want 422 naming %s", status, body, tt.field)
			}
		})
	}
	if status, body := e.do(http.MethodPost, "/api/keys", e.admin, "application/json", []byte("not json")); status != http.StatusUnprocessableEntity {
		t.Errorf("malformed body: %d %v", status, body)
	}
	if status, _ := e.do(http.MethodPost, "/api/keys", e.admin, "application/json", []byte(`{"role":"hris","label":"`+strings.Repeat("x", 5000)+`"}`)); status != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized body: %d", status)
	}
	if n := len(e.eventsOf("apikey.created")); n != 0 {
		t.Errorf("bad input wrote %d events", n)
	}
	status, list := e.do(http.MethodGet, "/api/keys", e.admin, "", nil)
	if keys, _ := list["keys"].([]any); status != http.StatusOK || len(keys) != 3 {
		t.Errorf("bad input stored a key: %d %v", status, list)
	}
}

// TestAdminKeysPages: the admin console's keys page, without JavaScript.
func TestAdminKeysPages(t *testing.T) {
	t.Parallel()
	k := newKeysEnv(t)
	e := k.env
	form := func(c *http.Client, path string, v url.Values) (*http.Response, string) {
		t.Helper()
		return e.send(c, http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, v.Encode())
	}

	if resp, _ := e.send(e.browser(), http.MethodGet, "/admin/keys", nil, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("anonymous: %d to %q, want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := form(e.browser(), "/admin/keys", url.Values{"label": {"x"}, "role": {"hris"}}); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous post: %d", resp.StatusCode)
	}
	if resp, page := e.send(k.employee, http.MethodGet, "/admin/keys", nil, ""); resp.StatusCode != http.StatusForbidden || !strings.Contains(page, "admin or auditor access role") {
		t.Errorf("employee: %d %s", resp.StatusCode, page)
	}
	if resp, _ := form(k.employee, "/admin/keys", url.Values{"csrf": {k.employCSRF}, "label": {"x"}, "role": {"admin"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee post: %d", resp.StatusCode)
	}

	resp, page := e.send(k.admin, http.MethodGet, "/admin/keys", nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
		!strings.Contains(page, `name="csrf" value="`+k.adminCSRF+`"`) || !strings.Contains(page, "admin-test") || strings.Contains(page, "atk_") {
		t.Fatalf("admin's page: %d %s", resp.StatusCode, page)
	}
	if resp, _ := form(k.admin, "/admin/keys", url.Values{"label": {"x"}, "role": {"hris"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("post without CSRF: %d", resp.StatusCode)
	}

	// Bad input: the page again, 422, naming the field, keeping what was typed.
	resp, page = form(k.admin, "/admin/keys", url.Values{"csrf": {k.adminCSRF}, "label": {"<b>x</b>"}, "role": {"hris"}, "expiresOn": {"2020-01-01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "expiresOn: must not be in the past") || !strings.Contains(page, `value="&lt;b&gt;x&lt;/b&gt;"`) {
		t.Errorf("bad input: %d %s", resp.StatusCode, page)
	}

	// Made: shown once, with a warning; it works at once and is listed.
	resp, page = form(k.admin, "/admin/keys", url.Values{"csrf": {k.adminCSRF}, "label": {"payroll"}, "role": {"hris"}, "expiresOn": {"2027-01-31"}})
	key := regexp.MustCompile(`atk_[0-9a-f]{64}`).FindString(page)
	if resp.StatusCode != http.StatusOK || key == "" || !strings.Contains(page, "will not be shown again") {
		t.Fatalf("create: %d %s", resp.StatusCode, page)
	}
	// An hris key is known (403 here), a revoked one is not (401).
	if status, _ := e.do(http.MethodGet, "/api/keys", key, "", nil); status != http.StatusForbidden {
		t.Errorf("the new hris key: %d", status)
	}
	_, page = e.send(k.admin, http.MethodGet, "/admin/keys", nil, "")
	id := regexp.MustCompile(`action="/admin/keys/(key_[0-9a-f]{16})/revoke"[^>]*>\s*<input type="hidden" name="csrf" value="[^"]*">\s*<button class="secondary" type="submit">Revoke payroll`).FindStringSubmatch(page)
	if id == nil || strings.Contains(page, key) {
		t.Fatalf("the list should show payroll with a revoke button and no secret: %s", page)
	}

	// Revoke: back to the list; the key stops at once.
	if resp, _ := form(k.admin, "/admin/keys/"+id[1]+"/revoke", url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", resp.StatusCode)
	}
	if resp, _ := form(k.employee, "/admin/keys/"+id[1]+"/revoke", url.Values{"csrf": {k.employCSRF}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke by an employee: %d", resp.StatusCode)
	}
	resp, _ = form(k.admin, "/admin/keys/"+id[1]+"/revoke", url.Values{"csrf": {k.adminCSRF}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/keys" {
		t.Errorf("revoke: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, _ := e.do(http.MethodGet, "/api/keys", key, "", nil); status != http.StatusUnauthorized {
		t.Errorf("the revoked key: %d", status)
	}
	if _, page = e.send(k.admin, http.MethodGet, "/admin/keys", nil, ""); !strings.Contains(page, "Revoked 2026-11-02 09:00 UTC") || strings.Contains(page, "Revoke payroll") {
		t.Errorf("the list after revoking: %s", page)
	}
	if resp, _ := form(k.admin, "/admin/keys/key_0000000000000000/revoke", url.Values{"csrf": {k.adminCSRF}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoke an unknown key: %d", resp.StatusCode)
	}
	if c, r := len(e.eventsOf("apikey.created")), len(e.eventsOf("apikey.revoked")); c != 1 || r != 1 {
		t.Errorf("got %d created and %d revoked events, want 1 and 1", c, r)
	}
}
