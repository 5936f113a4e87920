package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
)

// The callers of the authorisation matrix, in the order of its columns.
const (
	anonymous      = iota
	self           // the person the route is about (or the signed-in person, on /me routes)
	otherEmployee  // an employee with no tie to that person
	manager        // that person's manager
	outsideManager // a manager of other people
	rosterAdmin    // signed in, holding the access role admin in the roster
	rosterAuditor  // signed in, holding the access role auditor in the roster
	adminKey       // API keys of each role
	auditorKey
	hrisKey
	callerCount
)

var callerNames = [callerCount]string{"Anonymous", "Self", "OtherEmployee", "Manager", "OutsideManager", "RosterAdmin", "RosterAuditor", "AdminKey", "AuditorKey", "HRISKey"}

// callerIDs are the signed-in callers' employee ids.
var callerIDs = [callerCount]string{self: "SUBJ", otherEmployee: "OTHER", manager: "MGR", outsideManager: "OMGR", rosterAdmin: "ADM", rosterAuditor: "AUD"}

// caller is one column of the matrix: an API key, or a real session (the
// cookie as the browser sends it, and its CSRF token), or neither.
type caller struct {
	key, cookie, csrf string
}

// matrix sends the matrix's requests. Its client keeps no cookies and
// follows no redirects, so that a call cannot change who a caller is.
type matrix struct {
	t       testing.TB
	e       *env
	client  *http.Client
	callers [callerCount]caller
}

// call sends a request as c: with its key, or with its session cookie and
// (on state-changing methods) its CSRF token.
func (m *matrix) call(c caller, method, path, contentType, body string) int {
	m.t.Helper()
	req, err := http.NewRequest(method, m.e.url+path, strings.NewReader(body))
	if err != nil {
		m.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.key != "" {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.cookie != "" {
		req.Header.Set("Cookie", c.cookie)
		if method != http.MethodGet {
			req.Header.Set("X-CSRF-Token", c.csrf)
		}
	}
	resp, err := m.client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// form sends a form post as c, with its CSRF token in the field csrf.
func (m *matrix) form(c caller, path string, fields url.Values) int {
	fields.Set("csrf", c.csrf)
	return m.call(c, http.MethodPost, path, "application/x-www-form-urlencoded", fields.Encode())
}

// token issues a sign-in link for the person through the sign-in service
// and returns its token.
func (m *matrix) token(employeeID string) string {
	m.t.Helper()
	link, _, err := m.e.app.SignIn.IssueLink(context.Background(), employeeID, auth.LinkSignIn, "matrix", "127.0.0.1")
	if err != nil {
		m.t.Fatal(err)
	}
	return link[strings.LastIndex(link, "/l/")+len("/l/"):]
}

// signIn signs the person in through POST /l/{token}, as the link's button
// does, and returns the session with the CSRF token GET /api/me gives.
func (m *matrix) signIn(employeeID string) caller {
	m.t.Helper()
	resp, err := m.client.Post(m.e.url+"/l/"+m.token(employeeID), "application/x-www-form-urlencoded", nil)
	if err != nil {
		m.t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if resp.StatusCode != http.StatusSeeOther || len(cookies) != 1 {
		m.t.Fatalf("sign in %s: %d", employeeID, resp.StatusCode)
	}
	c := caller{cookie: cookies[0].Name + "=" + cookies[0].Value}
	req, _ := http.NewRequest(http.MethodGet, m.e.url+"/api/me", nil)
	req.Header.Set("Cookie", c.cookie)
	resp, err = m.client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ CSRFToken string }
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil || me.CSRFToken == "" {
		m.t.Fatalf("GET /api/me as %s: %d %v", employeeID, resp.StatusCode, err)
	}
	c.csrf = me.CSRFToken
	return c
}

// matrixAgreement is the body of the agreement the matrix reads and saves:
// its engagement has nobody on it.
const matrixAgreement = `{"customer": "Matrix Ltd", "engagement": "matrix-eng", "startDate": "2026-01-01", "obligations": [
	{"id": "1", "text": "Security awareness within 30 days.", "kind": "training", "items": ["module:security-awareness"], "withinDays": 30, "target": 0.9}]}`

// matrixRow is the row of one registered route: how each caller calls it
// (validly enough that authorisation decides) and the status each gets.
type matrixRow struct {
	route string
	call  func(m *matrix, who int, c caller) int
	want  [callerCount]int
}

// TestAuthorizationMatrix calls every registered route as every kind of
// caller and checks the status of each cell. A route registered without a
// row, a row without its route, and a route missing from (or only in) the
// OpenAPI document fail the test.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	m := &matrix{t: t, e: e, client: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}

	// The organisation: SUBJ reports to MGR; OMGR manages OREP; each caller
	// nudges a person of their own (N-<caller> through the API, T-<caller>
	// through the team page, reporting to MGR), since a person can be
	// nudged once a day.
	tag := time.Now().UnixNano()
	csv := header
	row := func(id, roles, managerID string) string {
		return fmt.Sprintf("%s,%s-%d@matrix.example.com,Person %s,%s,%s,Ops,employee,,,2026-01-05,,UTC\n", id, strings.ToLower(id), tag, id, roles, managerID)
	}
	addPerson := func(id, roles, managerID string) { csv += row(id, roles, managerID) }
	addPerson("MGR", "all-staff;manager", "")
	addPerson("SUBJ", "all-staff", "MGR")
	addPerson("OMGR", "all-staff;manager", "")
	addPerson("OREP", "all-staff", "OMGR")
	addPerson("OTHER", "all-staff", "")
	addPerson("ADM", "all-staff;admin", "")
	addPerson("AUD", "all-staff;auditor", "")
	addPerson("LNK", "all-staff", "")
	for who := range callerCount {
		addPerson("N-"+callerNames[who], "all-staff", "MGR")
		addPerson("T-"+callerNames[who], "all-staff", "MGR")
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	if status, body := e.do(http.MethodPut, "/api/vendors/acme", e.admin, "application/json", []byte(`{"contactEmail": "ops@acme.example.com"}`)); status != http.StatusCreated {
		t.Fatalf("vendor: %d %v", status, body)
	}
	if status, body := e.do(http.MethodPut, "/api/agreements/matrix", e.admin, "application/json", []byte(matrixAgreement)); status != http.StatusCreated {
		t.Fatalf("agreement: %d %v", status, body)
	}
	// An export of the current quarter, done, to read and download.
	exportID := e.requestExport(e.admin, `{"quarter": "2026-Q4"}`)
	importID := e.requestImport(e.admin, "mode=upsert")
	m.callers[adminKey], m.callers[auditorKey], m.callers[hrisKey] = caller{key: e.admin}, caller{key: e.auditor}, caller{key: e.hris}
	for who, id := range callerIDs {
		if id != "" {
			m.callers[who] = m.signIn(id)
		}
	}

	// Modules and policies each signed-in caller takes on themselves: one
	// module by form, another by JSON; one policy by form, another by JSON,
	// opened now and acknowledged after their reading time.
	formModule, _ := e.app.Catalog.Module("access-control")
	jsonModule, _ := e.app.Catalog.Module("security-awareness")
	formPolicy, jsonPolicy := e.policy("acceptable-use"), e.policy("incident-reporting-policy")
	for _, c := range m.callers {
		if c.cookie != "" {
			m.call(c, http.MethodGet, "/api/me/policies/"+formPolicy.ID, "", "")
			m.call(c, http.MethodGet, "/api/me/policies/"+jsonPolicy.ID, "", "")
		}
	}
	e.now = e.now.Add(10 * time.Minute)
	passing := func(mod string) url.Values {
		mm, _ := e.app.Catalog.Module(mod)
		v := url.Values{}
		for q, o := range answers(mm, len(mm.Questions)) {
			v.Set("q_"+q, o)
		}
		return v
	}

	get := func(path string) func(*matrix, int, caller) int {
		return func(m *matrix, _ int, c caller) int { return m.call(c, http.MethodGet, path, "", "") }
	}
	send := func(method, path, contentType, body string) func(*matrix, int, caller) int {
		return func(m *matrix, _ int, c caller) int { return m.call(c, method, path, contentType, body) }
	}
	var linkEmail atomic.Int64
	// Columns: anonymous, self, other employee, manager, outside manager,
	// roster admin, roster auditor, admin key, auditor key, hris key.
	rows := []matrixRow{
		{"GET /healthz", get("/healthz"), [callerCount]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /api/openapi.json", get("/api/openapi.json"), [callerCount]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"PUT /api/roster", send(http.MethodPut, "/api/roster?mode=upsert&dryRun=true", "text/csv", header+row("SUBJ", "all-staff", "MGR")),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 200}},
		// Large imports: admin and hris keys start them; they and auditor
		// keys read them.
		{"POST /api/roster/imports", send(http.MethodPost, "/api/roster/imports?mode=upsert&dryRun=true", "", ""),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 201, 403, 201}},
		{"GET /api/roster/imports", get("/api/roster/imports"), [callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 200, 200}},
		{"GET /api/roster/imports/{id}", get("/api/roster/imports/" + importID), [callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 200, 200}},
		{"GET /api/people/{employeeId}", get("/api/people/SUBJ"), [callerCount]int{401, 404, 404, 200, 404, 200, 200, 200, 200, 403}},
		{"POST /api/people/{employeeId}/nudge", func(m *matrix, who int, c caller) int {
			target := "N-" + callerNames[who]
			if who == self {
				target = "SUBJ"
			}
			return m.call(c, http.MethodPost, "/api/people/"+target+"/nudge", "", "")
		}, [callerCount]int{401, 404, 404, 201, 404, 201, 404, 201, 403, 403}},
		{"GET /api/teams/{managerId}", get("/api/teams/MGR"), [callerCount]int{401, 403, 403, 200, 403, 200, 200, 200, 200, 403}},
		{"GET /team", get("/team"), [callerCount]int{303, 200, 200, 200, 200, 200, 200, 303, 303, 303}},
		{"POST /team/nudge/{employeeId}", func(m *matrix, who int, c caller) int {
			target := "T-" + callerNames[who]
			if who == self {
				target = "SUBJ"
			}
			return m.form(c, "/team/nudge/"+target, url.Values{})
		}, [callerCount]int{401, 404, 404, 303, 404, 303, 404, 401, 401, 401}},
		{"GET /api/people/{employeeId}/notifications", get("/api/people/SUBJ/notifications"), [callerCount]int{401, 404, 404, 200, 404, 200, 200, 200, 200, 403}},
		{"POST /api/assignments/run", send(http.MethodPost, "/api/assignments/run", "application/json", `{"dryRun": true}`),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"POST /api/reminders/run", send(http.MethodPost, "/api/reminders/run", "application/json", `{"dryRun": true}`),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"GET /api/settings", get("/api/settings"), [callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"PUT /api/settings", send(http.MethodPut, "/api/settings", "application/json", `{"sendingPaused": false}`),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"GET /api/vendors", get("/api/vendors"), [callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"GET /api/vendors/{vendor}", get("/api/vendors/acme"), [callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"PUT /api/vendors/{vendor}", send(http.MethodPut, "/api/vendors/acme", "application/json", `{"contactEmail": "ops@acme.example.com"}`),
			[callerCount]int{401, 401, 401, 401, 401, 401, 401, 200, 403, 403}},
		{"GET /api/agreements", get("/api/agreements"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"GET /api/agreements/{key}", get("/api/agreements/matrix"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		// The same terms as stored: allowed callers get 200 and write nothing.
		{"PUT /api/agreements/{key}", send(http.MethodPut, "/api/agreements/matrix", "application/json", matrixAgreement),
			[callerCount]int{401, 403, 403, 403, 403, 200, 403, 200, 403, 403}},

		{"GET /signin", get("/signin"), [callerCount]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /auth/link", func(m *matrix, _ int, c caller) int {
			return m.call(c, http.MethodPost, "/auth/link", "application/json", fmt.Sprintf(`{"email": "nobody-%d-%d@matrix.example.com"}`, tag, linkEmail.Add(1)))
		}, [callerCount]int{202, 202, 202, 202, 202, 202, 202, 202, 202, 202}},
		{"GET /l/{token}", func() func(*matrix, int, caller) int {
			token := m.token("LNK")
			return get("/l/" + token)
		}(), [callerCount]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"POST /l/{token}", func(m *matrix, _ int, c caller) int {
			return m.call(c, http.MethodPost, "/l/"+m.token("LNK"), "", "")
		}, [callerCount]int{303, 303, 303, 303, 303, 303, 303, 303, 303, 303}},
		{"POST /auth/logout", func(m *matrix, who int, c caller) int {
			if c.cookie != "" { // a session of its own, to keep the caller's
				c = m.signIn(callerIDs[who])
			}
			return m.call(c, http.MethodPost, "/auth/logout", "", "")
		}, [callerCount]int{401, 204, 204, 204, 204, 204, 204, 401, 401, 401}},

		{"GET /api/me", get("/api/me"), [callerCount]int{401, 200, 200, 200, 200, 200, 200, 401, 401, 401}},
		{"GET /me", get("/me"), [callerCount]int{303, 200, 200, 200, 200, 200, 200, 303, 303, 303}},
		{"GET /me/modules/{moduleId}", get("/me/modules/" + formModule.ID), [callerCount]int{303, 200, 200, 200, 200, 200, 200, 303, 303, 303}},
		{"POST /me/modules/{moduleId}/attempts", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/me/modules/"+formModule.ID+"/attempts", passing(formModule.ID))
		}, [callerCount]int{401, 303, 303, 303, 303, 303, 303, 401, 401, 401}},
		// After the form attempts: each signed-in caller has completed the module.
		{"GET /me/modules/{moduleId}/receipt", get("/me/modules/" + formModule.ID + "/receipt"), [callerCount]int{303, 200, 200, 200, 200, 200, 200, 303, 303, 303}},
		{"POST /api/me/modules/{moduleId}/attempts", func(m *matrix, _ int, c caller) int {
			return m.call(c, http.MethodPost, "/api/me/modules/"+jsonModule.ID+"/attempts", "application/json",
				mustJSON(map[string]any{"answers": answers(jsonModule, len(jsonModule.Questions))}))
		}, [callerCount]int{401, 200, 200, 200, 200, 200, 200, 401, 401, 401}},
		{"GET /me/policies/{policyId}", get("/me/policies/" + formPolicy.ID), [callerCount]int{303, 200, 200, 200, 200, 200, 200, 303, 303, 303}},
		{"POST /me/policies/{policyId}", func(m *matrix, who int, c caller) int {
			return m.form(c, "/me/policies/"+formPolicy.ID, url.Values{
				"typedName": {"Person " + callerIDs[who]}, "versionSha256": {formPolicy.SHA256}, "understood": {"yes"},
			})
		}, [callerCount]int{401, 303, 303, 303, 303, 303, 303, 401, 401, 401}},
		{"GET /api/me/policies/{policyId}", get("/api/me/policies/" + jsonPolicy.ID), [callerCount]int{401, 200, 200, 200, 200, 200, 200, 401, 401, 401}},
		{"POST /api/me/policies/{policyId}/acknowledgments", func(m *matrix, who int, c caller) int {
			return m.call(c, http.MethodPost, "/api/me/policies/"+jsonPolicy.ID+"/acknowledgments", "application/json",
				ackBody("Person "+callerIDs[who], jsonPolicy.SHA256))
		}, [callerCount]int{401, 201, 201, 201, 201, 201, 201, 401, 401, 401}},
		{"GET /{$}", get("/"), [callerCount]int{303, 303, 303, 303, 303, 303, 303, 303, 303, 303}},
		// The fallback: any path no route serves.
		{"/", get("/no/such/route"), [callerCount]int{404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},

		// API keys. Each allowed call revokes a key of its own, created
		// through the API.
		{"POST /api/keys", send(http.MethodPost, "/api/keys", "application/json", `{"role": "auditor", "label": "matrix"}`),
			[callerCount]int{401, 403, 403, 403, 403, 201, 403, 201, 403, 403}},
		{"GET /api/keys", get("/api/keys"), [callerCount]int{401, 403, 403, 403, 403, 200, 403, 200, 403, 403}},
		{"DELETE /api/keys/{id}", func(m *matrix, _ int, c caller) int {
			return m.call(c, http.MethodDelete, "/api/keys/"+m.newKey(), "", "")
		}, [callerCount]int{401, 403, 403, 403, 403, 200, 403, 200, 403, 403}},

		// Waivers. Each caller grants one of its own (a module, for its
		// N- person) and revokes another (a policy), created with the admin key.
		{"POST /api/waivers", func(m *matrix, who int, c caller) int {
			return m.call(c, http.MethodPost, "/api/waivers", "application/json", m.waiverBody(who, "module:"+formModule.ID))
		}, [callerCount]int{401, 403, 403, 403, 403, 201, 403, 201, 403, 403}},
		{"GET /api/waivers", get("/api/waivers?active=true"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"DELETE /api/waivers/{id}", func(m *matrix, who int, c caller) int {
			return m.call(c, http.MethodDelete, "/api/waivers/"+m.newWaiver(who, "policy:"+formPolicy.ID), "", "")
		}, [callerCount]int{401, 403, 403, 403, 403, 200, 403, 200, 403, 403}},
		// Metrics and agreement reports: admins and auditors read them.
		{"GET /api/metrics", get("/api/metrics?by=department"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"GET /api/agreements/{key}/report", get("/api/agreements/matrix/report"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		// Evidence exports: admins request them, admins and auditors read
		// and download them; the public key is public.
		{"POST /api/exports", send(http.MethodPost, "/api/exports", "application/json", `{"quarter": "2026-Q4"}`),
			[callerCount]int{401, 403, 403, 403, 403, 202, 403, 202, 403, 403}},
		{"GET /api/exports", get("/api/exports"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"GET /api/exports/{id}", get("/api/exports/" + exportID), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"GET /api/exports/{id}/files/{name}", get("/api/exports/" + exportID + "/files/manifest.json"),
			[callerCount]int{401, 403, 403, 403, 403, 302, 302, 302, 302, 403}},
		{"GET /api/exports/public-key", get("/api/exports/public-key"), [callerCount]int{200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{"GET /admin/exports", get("/admin/exports"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"POST /admin/exports", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/exports", url.Values{"quarter": {"2026-Q4"}})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		// The audit log's verification: admins and auditors.
		{"GET /api/audit/verify", get("/api/audit/verify?from=2026-10-26&to=2026-11-02"), [callerCount]int{401, 403, 403, 403, 403, 200, 200, 200, 200, 403}},
		{"GET /admin", get("/admin"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/metrics", get("/admin/metrics?quarter=2026-Q3&by=manager"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/agreements", get("/admin/agreements"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/agreements/{key}", get("/admin/agreements/matrix?quarter=2026-Q3"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/waivers", get("/admin/waivers?all=1"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"POST /admin/waivers", func(m *matrix, who int, c caller) int {
			return m.form(c, "/admin/waivers", url.Values{"employeeId": {"T-" + callerNames[who]}, "item": {"policy:" + jsonPolicy.ID},
				"reason": {"matrix form"}, "approver": {"CISO"}, "expiresOn": {m.e.now.AddDate(0, 1, 0).Format(time.DateOnly)}})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		{"POST /admin/waivers/{id}/revoke", func(m *matrix, who int, c caller) int {
			return m.form(c, "/admin/waivers/"+m.newWaiver(who, "module:"+jsonModule.ID)+"/revoke", url.Values{})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		{"GET /admin/settings", get("/admin/settings"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"POST /admin/settings", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/settings", url.Values{"sendingPaused": {"false"}})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		{"POST /admin/vendors", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/vendors", url.Values{"vendor": {"Matrix Ltd"}, "contactEmail": {"ops@matrix.example.com"}})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		{"POST /admin/vendors/{vendor}", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/vendors/acme", url.Values{"contactEmail": {"ops@acme.example.com"}})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},
		{"GET /admin/keys", get("/admin/keys"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"POST /admin/keys", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/keys", url.Values{"role": {"auditor"}, "label": {"matrix form"}})
		}, [callerCount]int{401, 403, 403, 403, 403, 200, 403, 401, 401, 401}},
		{"POST /admin/keys/{id}/revoke", func(m *matrix, _ int, c caller) int {
			return m.form(c, "/admin/keys/"+m.newKey()+"/revoke", url.Values{})
		}, [callerCount]int{401, 403, 403, 403, 403, 303, 403, 401, 401, 401}},

		// The admin console's people and roster pages. Each caller
		// previews, and applies, an upsert of a person of its own.
		{"GET /admin/people", get("/admin/people?q=person"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/people/{employeeId}", get("/admin/people/SUBJ"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"GET /admin/roster", get("/admin/roster"), [callerCount]int{303, 403, 403, 403, 403, 200, 200, 303, 303, 303}},
		{"POST /admin/roster/preview", func(m *matrix, who int, c caller) int {
			return m.multipart(c, "/admin/roster/preview", map[string]string{"mode": "upsert"}, m.rosterRow(who))
		}, [callerCount]int{401, 403, 403, 403, 403, 200, 403, 401, 401, 401}},
		{"POST /admin/roster/apply", func(m *matrix, who int, c caller) int {
			content := m.rosterRow(who)
			return m.multipart(c, "/admin/roster/apply", map[string]string{"mode": "upsert", "content": content,
				"digest": m.previewDigest(content), "deactivations": "0"}, "")
		}, [callerCount]int{401, 403, 403, 403, 403, 200, 403, 401, 401, 401}},
	}

	registered := e.app.Handler.Routes()
	t.Run("EveryRouteHasARow", func(t *testing.T) {
		for _, route := range registered {
			if !slices.ContainsFunc(rows, func(r matrixRow) bool { return r.route == route }) {
				t.Errorf("route %q is registered without a row in the matrix", route)
			}
		}
		for _, r := range rows {
			if !slices.Contains(registered, r.route) {
				t.Errorf("row %q names no registered route", r.route)
			}
		}
	})
	t.Run("EveryRouteIsDocumented", func(t *testing.T) {
		documented := documentedRoutes(contracttest.Load(t).Doc().Paths.Map())
		for _, route := range registered {
			if route != "/" && !slices.Contains(documented, route) {
				t.Errorf("route %q is registered but not in the OpenAPI document", route)
			}
		}
		for _, route := range documented {
			if !slices.Contains(registered, route) {
				t.Errorf("the OpenAPI document has %q, which is not registered", route)
			}
		}
	})

	// Each column runs its rows in order (a module is completed before its
	// receipt is asked for); the columns share nothing and run in parallel.
	for who := range callerCount {
		t.Run(callerNames[who], func(t *testing.T) {
			t.Parallel()
			col := *m
			col.t = t
			for _, r := range rows {
				if got := r.call(&col, who, col.callers[who]); got != r.want[who] {
					t.Errorf("%s: got %d, want %d", r.route, got, r.want[who])
				}
			}
		})
	}
}

// newKey creates an auditor key through the API with the admin key and
// returns its id.
func (m *matrix) newKey() string {
	return m.create("/api/keys", `{"role": "auditor", "label": "to revoke"}`)
}

// create posts body to path with the admin key, expects 201 and returns the
// created resource's id.
func (m *matrix) create(path, body string) string {
	m.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, m.e.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+m.e.admin)
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct{ ID string }
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated || created.ID == "" {
		m.t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
	}
	return created.ID
}

// waiverBody is a valid waiver of item for the caller's own person N-<caller>.
func (m *matrix) waiverBody(who int, item string) string {
	return mustJSON(map[string]any{"employeeId": "N-" + callerNames[who], "item": item, "reason": "matrix",
		"approver": "CISO", "expiresOn": m.e.now.AddDate(0, 1, 0).Format(time.DateOnly)})
}

// newWaiver grants a waiver of item for the caller's own person with the
// admin key and returns its id.
func (m *matrix) newWaiver(who int, item string) string {
	return m.create("/api/waivers", m.waiverBody(who, item))
}

// documentedRoutes returns the document's operations as ServeMux patterns
// ("GET /l/{token}"); HEAD is served by the GET pattern, and the document's
// "/" is the mux's exact "/{$}".
func documentedRoutes(paths map[string]*openapi3.PathItem) []string {
	var out []string
	for path, item := range paths {
		if path == "/" {
			path = "/{$}"
		}
		for method := range item.Operations() {
			if method == http.MethodHead {
				method = http.MethodGet
			}
			if p := method + " " + path; !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out
}

// rosterRow is a roster CSV of one person of the caller's own, R-<caller>.
func (m *matrix) rosterRow(who int) string {
	return header + fmt.Sprintf("R-%s,r-%s-%d@matrix.example.com,Roster %s,all-staff,,Ops,employee,,,2026-01-05,,UTC\n",
		callerNames[who], strings.ToLower(callerNames[who]), m.e.now.UnixNano(), callerNames[who])
}

// multipart sends a multipart/form-data post as c, with its CSRF token in
// the field csrf, fields, and file (when not empty) as the file field
// roster.
func (m *matrix) multipart(c caller, path string, fields map[string]string, file string) int {
	m.t.Helper()
	ct, body := multipartBody(m.t, c.csrf, fields, file)
	return m.call(c, http.MethodPost, path, ct, body)
}

// multipartBody encodes a roster form: csrf, fields, and file (when not
// empty) as the file field roster (roster.csv, text/csv).
func multipartBody(t testing.TB, csrf string, fields map[string]string, file string) (contentType, body string) {
	t.Helper()
	var buf strings.Builder
	w := multipart.NewWriter(&buf)
	_ = w.WriteField("csrf", csrf)
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		_ = w.WriteField(k, fields[k])
	}
	if file != "" {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="roster"; filename="roster.csv"`)
		h.Set("Content-Type", "text/csv")
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = part.Write([]byte(file))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w.FormDataContentType(), buf.String()
}

// digestField and deactivationsField find the plan digest and the count
// of people deactivated in a roster preview page.
var (
	digestField        = regexp.MustCompile(`name="digest" value="([0-9a-f]{64})"`)
	deactivationsField = regexp.MustCompile(`name="deactivations" value="([0-9]+)"`)
)

// previewDigest previews content (upsert) as the signed-in roster admin and
// returns the digest of its plan.
func (m *matrix) previewDigest(content string) string {
	m.t.Helper()
	c := m.callers[rosterAdmin]
	ct, body := multipartBody(m.t, c.csrf, map[string]string{"mode": "upsert"}, content)
	req, _ := http.NewRequest(http.MethodPost, m.e.url+"/admin/roster/preview", strings.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Cookie", c.cookie)
	resp, err := m.client.Do(req)
	if err != nil {
		m.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	d := digestField.FindStringSubmatch(string(raw))
	if d == nil {
		m.t.Fatalf("preview: %d, no digest in %s", resp.StatusCode, raw)
	}
	return d[1]
}
