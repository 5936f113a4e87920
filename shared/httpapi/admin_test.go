package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/catalog"
)

// consoleEnv is an env with a small organisation in three departments and
// signed-in browsers for an admin, an auditor and an employee.
type consoleEnv struct {
	*env
	people                         map[string]person
	admin, auditor, employee       *http.Client
	adminCSRF, audCSRF, employCSRF string
}

// newConsoleEnv seeds, on the env's fixed clock (2026-11-02): Eng E1, E2 and
// a leaver L1 (gone on 2026-11-30); Sales S1; Ops ADM (admin) and AUD
// (auditor). Everybody holds all-staff. Nobody is signed in yet.
func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	e := newEnv(t)
	tag := time.Now().UnixNano()
	csv := header
	ps := map[string]person{}
	for _, r := range []struct{ id, roles, dept, end string }{
		{"ADM", "all-staff;admin", "Ops", ""}, {"AUD", "all-staff;auditor", "Ops", ""},
		{"E1", "all-staff", "Eng", ""}, {"E2", "all-staff", "Eng", ""}, {"L1", "all-staff", "Eng", "2026-11-30"},
		{"S1", "all-staff", "Sales", ""},
	} {
		p := person{id: r.id, email: fmt.Sprintf("%s-%d@console.example.com", strings.ToLower(r.id), tag), name: "Person " + r.id}
		ps[r.id] = p
		csv += fmt.Sprintf("%s,%s,%s,%s,,%s,employee,,,2026-01-05,%s,UTC\n", p.id, p.email, p.name, r.roles, r.dept, r.end)
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	return &consoleEnv{env: e, people: ps}
}

// signInAll signs the admin, the auditor and an employee (E2) in.
func (c *consoleEnv) signInAll() {
	c.admin, c.adminCSRF = c.signedIn(c.people["ADM"])
	c.auditor, c.audCSRF = c.signedIn(c.people["AUD"])
	c.employee, c.employCSRF = c.signedIn(c.people["E2"])
}

// form posts fields as a form with the browser c.
func (e *env) form(c *http.Client, path string, fields url.Values) (*http.Response, string) {
	e.t.Helper()
	return e.send(c, http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, fields.Encode())
}

// checkConsoleAccess checks who may open a console page and post its form:
// anonymous callers go to sign in (GET) or get 401 (POST), employees 403,
// auditors read the page without any form posting to formPath but may not
// post (403), admins see the form and need the CSRF token. A page without
// forms has formPath "".
func (c *consoleEnv) checkConsoleAccess(t *testing.T, page, formPath string, fields url.Values) {
	t.Helper()
	e := c.env
	with := func(csrf string) url.Values {
		v := url.Values{"csrf": {csrf}}
		for k, vs := range fields {
			v[k] = vs
		}
		return v
	}
	if resp, _ := e.send(e.browser(), http.MethodGet, page, nil, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("anonymous GET %s: %d to %q", page, resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := e.send(c.employee, http.MethodGet, page, nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee GET %s: %d", page, resp.StatusCode)
	}
	resp, body := e.send(c.auditor, http.MethodGet, page, nil, "")
	if resp.StatusCode != http.StatusOK || strings.Contains(body, `method="post" action="/admin/`) {
		t.Errorf("auditor GET %s: %d, forms shown: %v", page, resp.StatusCode, strings.Contains(body, `method="post" action="/admin/`))
	}
	if formPath == "" {
		if resp, _ := e.send(c.admin, http.MethodGet, page, nil, ""); resp.StatusCode != http.StatusOK {
			t.Errorf("admin GET %s: %d", page, resp.StatusCode)
		}
		return
	}
	if resp, _ := e.form(e.browser(), formPath, fields); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous POST %s: %d", formPath, resp.StatusCode)
	}
	if resp, _ := e.form(c.employee, formPath, with(c.employCSRF)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee POST %s: %d", formPath, resp.StatusCode)
	}
	if resp, _ := e.form(c.auditor, formPath, with(c.audCSRF)); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor POST %s: %d", formPath, resp.StatusCode)
	}
	resp, body = e.send(c.admin, http.MethodGet, page, nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
		!strings.Contains(body, `method="post" action="`+formPath+`"`) || !strings.Contains(body, `name="csrf" value="`+c.adminCSRF+`"`) {
		t.Errorf("admin GET %s: %d without its form", page, resp.StatusCode)
	}
	if resp, _ := e.form(c.admin, formPath, fields); resp.StatusCode != http.StatusForbidden {
		t.Errorf("admin POST %s without CSRF: %d", formPath, resp.StatusCode)
	}
}

// departmentCells returns the numbers of a row of the overview's table,
// by its header cell.
func departmentCells(t *testing.T, page, name string) []string {
	t.Helper()
	m := regexp.MustCompile(`<th scope="row">` + regexp.QuoteMeta(name) + `</th>((?:\s*<td class="num">[^<]*</td>)+)`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no row %q in the overview", name)
	}
	var out []string
	for _, c := range regexp.MustCompile(`<td class="num">([^<]*)</td>`).FindAllStringSubmatch(m[1], -1) {
		out = append(out, c[1])
	}
	return out
}

// TestAdminOverview checks the organisation overview's numbers against a
// small organisation on a fixed clock: E1 completes a module, S1 has one
// waived, then the clock passes every due date and L1's leaving day.
func TestAdminOverview(t *testing.T) {
	t.Parallel()
	c := newConsoleEnv(t)
	e := c.env
	mods, _ := e.app.Catalog.ItemsForRoles([]string{"all-staff"})
	k := len(mods)
	if k < 2 {
		t.Fatalf("all-staff gets %d modules; the test needs two", k)
	}
	due := 0
	for _, m := range mods {
		due = max(due, m.DueDays)
	}
	e1, csrf := e.signedIn(c.people["E1"])
	if status, body := e.postAttempt(e1, csrf, mods[0].ID, mustJSON(map[string]any{"answers": answers(mods[0], len(mods[0].Questions))})); status != http.StatusOK {
		t.Fatalf("E1's attempt: %d %v", status, body)
	}
	if status, body := e.grantWaiver("S1", "module:"+mods[1].ID, e.now.AddDate(0, 11, 0).Format(time.DateOnly)); status != http.StatusCreated {
		t.Fatalf("S1's waiver: %d %v", status, body)
	}
	e.now = e.now.AddDate(0, 0, max(due, 30)+1)
	e.runAssignments(e.now.Format(time.DateOnly))
	c.signInAll()

	resp, page := e.send(c.admin, http.MethodGet, "/admin", nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /admin: %d %s", resp.StatusCode, page)
	}
	pct := func(done, of int) string { return fmt.Sprintf("%.1f%%", float64(done)/float64(of)*100) }
	for _, tt := range []struct {
		row  string
		want []string
	}{
		// people, completed, on track, overdue, waived, rate, people overdue
		{"Eng", []string{"2", "1", "0", fmt.Sprint(2*k - 1), "0", pct(1, 2*k), "2"}},
		{"Ops", []string{"2", "0", "0", fmt.Sprint(2 * k), "0", pct(0, 2*k), "2"}},
		{"Sales", []string{"1", "0", "0", fmt.Sprint(k - 1), "1", pct(0, k-1), "1"}},
		{"Organisation", []string{"5", "1", "0", fmt.Sprint(5*k - 2), "1", pct(1, 5*k-1), "5"}},
	} {
		if got := departmentCells(t, page, tt.row); strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("%s: got %v, want %v", tt.row, got, tt.want)
		}
	}
	for _, id := range sortedIDs(e.app.Catalog) {
		if !strings.Contains(page, id) {
			t.Errorf("the overview lacks %s", id)
		}
	}
	for key := range e.app.Catalog.Roles {
		if !strings.Contains(page, `<th scope="row">`+key) {
			t.Errorf("the overview lacks the role %s", key)
		}
	}
	if !strings.Contains(page, `href="/admin" aria-current="page"`) {
		t.Error("the overview's navigation does not mark it current")
	}
	if ev := e.eventsOf("team.read"); len(ev) != 1 || ev[0].Subject != "organisation" || ev[0].Actor != "person:ADM" || num(ev[0].Details["count"]) != 5 {
		t.Errorf("team.read events: %+v", ev)
	}
	c.checkConsoleAccess(t, "/admin", "", nil)

	// The header links admins and auditors to the console, nobody else.
	for _, tt := range []struct {
		name string
		c    *http.Client
		want bool
	}{{"admin", c.admin, true}, {"auditor", c.auditor, true}, {"employee", c.employee, false}} {
		if _, me := e.send(tt.c, http.MethodGet, "/me", nil, ""); strings.Contains(me, `<a href="/admin">Admin console</a>`) != tt.want {
			t.Errorf("%s's /me links to the console: %v, want %v", tt.name, !tt.want, tt.want)
		}
	}
}

// sortedIDs are the SHA-256 of every module and policy of cat.
func sortedIDs(cat *catalog.Catalog) []string {
	var out []string
	for _, m := range cat.Modules {
		out = append(out, m.SHA256)
	}
	for _, p := range cat.Policies {
		out = append(out, p.SHA256)
	}
	return out
}

// TestAdminWaiversPages: grant with the form (problems shown next to the
// fields, nothing written), list with filters, revoke; auditors read only.
func TestAdminWaiversPages(t *testing.T) {
	t.Parallel()
	c := newConsoleEnv(t)
	e := c.env
	c.signInAll()
	mods, pols := e.app.Catalog.ItemsForRoles([]string{"all-staff"})
	expires := e.now.AddDate(0, 2, 0).Format(time.DateOnly)
	good := url.Values{"employeeId": {"E1"}, "item": {"module:" + mods[0].ID}, "reason": {"On parental leave"}, "approver": {"CISO <Ann>"}, "expiresOn": {expires}}
	c.checkConsoleAccess(t, "/admin/waivers", "/admin/waivers", good)

	// Bad input: 422, each problem beside its field, what was typed kept, nothing written.
	resp, page := e.form(c.admin, "/admin/waivers", url.Values{"csrf": {c.adminCSRF}, "employeeId": {"NOBODY"}, "item": {""},
		"reason": {" "}, "approver": {"CISO <Ann>"}, "expiresOn": {"2020-01-01"}})
	if resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad input: %d %s", resp.StatusCode, page)
	}
	for _, field := range []string{"employeeId", "item", "reason", "expiresOn"} {
		if !regexp.MustCompile(`<p class="field-error" id="` + field + `-error">[^<]+</p>`).MatchString(page) {
			t.Errorf("no problem shown beside %s", field)
		}
	}
	if strings.Contains(page, `id="approver-error"`) || !strings.Contains(page, `value="CISO &lt;Ann&gt;"`) || !strings.Contains(page, `value="NOBODY"`) {
		t.Errorf("the form lost what was typed or flags the approver")
	}
	if n := len(e.eventsOf("waiver.granted")); n != 0 {
		t.Fatalf("refused grants wrote %d events", n)
	}

	// Granted: back to the list, which shows it; the audit names the admin.
	resp, _ = e.form(c.admin, "/admin/waivers", withCSRF(good, c.adminCSRF))
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !regexp.MustCompile(`^/admin/waivers\?granted=wvr_[0-9a-f]{16}$`).MatchString(loc) {
		t.Fatalf("grant: %d to %q", resp.StatusCode, loc)
	}
	id := strings.TrimPrefix(loc, "/admin/waivers?granted=")
	if _, page = e.send(c.admin, http.MethodGet, loc, nil, ""); !strings.Contains(page, "Waiver "+id+" granted") ||
		!strings.Contains(page, "On parental leave") || !strings.Contains(page, "Module: "+mods[0].Title) || !strings.Contains(page, "Person E1") {
		t.Errorf("the list after granting: %s", page)
	}
	if ev := e.eventsOf("waiver.granted"); len(ev) != 1 || ev[0].Actor != "person:ADM" {
		t.Errorf("waiver.granted events: %+v", ev)
	}
	// A second waiver of the same item: 409, shown on the form.
	if resp, page = e.form(c.admin, "/admin/waivers", withCSRF(good, c.adminCSRF)); resp.StatusCode != http.StatusConflict || !strings.Contains(page, "The waiver was not granted") {
		t.Errorf("second grant: %d", resp.StatusCode)
	}
	other := withCSRF(good, c.adminCSRF)
	other.Set("employeeId", "S1")
	other.Set("item", "policy:"+pols[0].ID)
	if resp, _ = e.form(c.admin, "/admin/waivers", other); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("grant to S1: %d", resp.StatusCode)
	}

	// Filters: one person; a malformed id is a problem of the filter.
	if _, page = e.send(c.auditor, http.MethodGet, "/admin/waivers?employeeId=S1", nil, ""); strings.Contains(page, "Person E1") || !strings.Contains(page, "Person S1") {
		t.Errorf("filtered by S1: %s", page)
	}
	if resp, page = e.send(c.auditor, http.MethodGet, "/admin/waivers?employeeId=%3Cx%3E", nil, ""); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="filter-error"`) {
		t.Errorf("malformed filter: %d", resp.StatusCode)
	}

	// Revoke: auditors may not; the admin's revocation drops it from the
	// active list and shows it, revoked, among all.
	action := fmt.Sprintf(`/admin/waivers/%s/revoke`, id)
	if strings.Contains(mustGet(t, e, c.auditor, "/admin/waivers"), action) {
		t.Error("the auditor is offered a revoke button")
	}
	if !strings.Contains(mustGet(t, e, c.admin, "/admin/waivers"), `action="`+action+`"`) {
		t.Error("the admin is offered no revoke button")
	}
	if resp, _ = e.form(c.auditor, action, url.Values{"csrf": {c.audCSRF}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor revokes: %d", resp.StatusCode)
	}
	if resp, _ = e.form(c.admin, action, url.Values{}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without CSRF: %d", resp.StatusCode)
	}
	if resp, _ = e.form(c.admin, action, url.Values{"csrf": {c.adminCSRF}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/waivers" {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if page = mustGet(t, e, c.admin, "/admin/waivers"); strings.Contains(page, id) {
		t.Error("the revoked waiver is still listed as holding")
	}
	if page = mustGet(t, e, c.admin, "/admin/waivers?all=1"); !strings.Contains(page, id) || !strings.Contains(page, ">revoked</span>") {
		t.Error("the revoked waiver is not listed among all")
	}
	if ev := e.eventsOf("waiver.revoked"); len(ev) != 1 || ev[0].Actor != "person:ADM" {
		t.Errorf("waiver.revoked events: %+v", ev)
	}
	if resp, _ = e.form(c.admin, "/admin/waivers/wvr_0000000000000000/revoke", url.Values{"csrf": {c.adminCSRF}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("revoke an unknown waiver: %d", resp.StatusCode)
	}
}

func withCSRF(v url.Values, csrf string) url.Values {
	out := url.Values{"csrf": {csrf}}
	for k, vs := range v {
		out[k] = vs
	}
	return out
}

func mustGet(t *testing.T, e *env, c *http.Client, path string) string {
	t.Helper()
	resp, page := e.send(c, http.MethodGet, path, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return page
}

// TestAdminSettingsPage: the reminder pause switch and the vendors'
// contacts; bad input shows its problems and writes nothing.
func TestAdminSettingsPage(t *testing.T) {
	t.Parallel()
	c := newConsoleEnv(t)
	e := c.env
	c.signInAll()
	c.checkConsoleAccess(t, "/admin/settings", "/admin/settings", url.Values{"sendingPaused": {"true"}})
	if resp, _ := e.form(c.auditor, "/admin/vendors", url.Values{"csrf": {c.audCSRF}, "vendor": {"Acme"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("auditor adds a vendor: %d", resp.StatusCode)
	}

	// The pause switch.
	if resp, page := e.form(c.admin, "/admin/settings", url.Values{"csrf": {c.adminCSRF}, "sendingPaused": {"maybe"}}); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "sendingPaused: must be true or false") {
		t.Errorf("bad switch: %d", resp.StatusCode)
	}
	if n := len(e.eventsOf("settings.changed")); n != 0 {
		t.Fatalf("a refused change wrote %d events", n)
	}
	if resp, _ := e.form(c.admin, "/admin/settings", url.Values{"csrf": {c.adminCSRF}, "sendingPaused": {"true"}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/admin/settings" {
		t.Fatalf("pause: %d", resp.StatusCode)
	}
	if page := mustGet(t, e, c.auditor, "/admin/settings"); !strings.Contains(page, "<strong>Paused.</strong>") || !strings.Contains(page, "by person:ADM") {
		t.Errorf("after pausing: %s", page)
	}
	if status, st := e.do(http.MethodGet, "/api/settings", e.admin, "", nil); status != http.StatusOK || st["sendingPaused"] != true {
		t.Errorf("GET /api/settings after pausing: %d %v", status, st)
	}
	if ev := e.eventsOf("settings.changed"); len(ev) != 1 || ev[0].Actor != "person:ADM" {
		t.Errorf("settings.changed events: %+v", ev)
	}

	// Vendors: a bad address is shown beside the field, the form keeps
	// what was typed, nothing is stored.
	resp, page := e.form(c.admin, "/admin/vendors", url.Values{"csrf": {c.adminCSRF}, "vendor": {"Acme / Partners"}, "contactEmail": {"not an address"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="contact-new-error"`) || !strings.Contains(page, `value="Acme / Partners"`) || !strings.Contains(page, `value="not an address"`) {
		t.Errorf("bad vendor: %d %s", resp.StatusCode, page)
	}
	if status, list := e.do(http.MethodGet, "/api/vendors", e.admin, "", nil); status != http.StatusOK || len(list["vendors"].([]any)) != 0 {
		t.Fatalf("a refused vendor was stored: %v", list)
	}
	if resp, _ = e.form(c.admin, "/admin/vendors", url.Values{"csrf": {c.adminCSRF}, "vendor": {"Acme / Partners"}, "contactEmail": {"ops@acme.example.com"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add a vendor: %d", resp.StatusCode)
	}
	page = mustGet(t, e, c.admin, "/admin/settings")
	m := regexp.MustCompile(`action="(/admin/vendors/[^"]+)"`).FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, `value="ops@acme.example.com"`) {
		t.Fatalf("the vendor is not listed with its form: %s", page)
	}
	edit := strings.ReplaceAll(m[1], "&#43;", "+")
	resp, page = e.form(c.admin, edit, url.Values{"csrf": {c.adminCSRF}, "contactEmail": {"ops@acme.example.com"}, "ownerEmployeeId": {"NOBODY"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, `id="owner-v1-error"`) || !strings.Contains(page, `value="NOBODY"`) {
		t.Errorf("unknown owner: %d %s", resp.StatusCode, page)
	}
	if resp, _ = e.form(c.admin, edit, url.Values{"csrf": {c.adminCSRF}, "contactEmail": {"escalations@acme.example.com"}, "ownerEmployeeId": {"E1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("edit the vendor at %s: %d", edit, resp.StatusCode)
	}
	status, v := e.do(http.MethodGet, "/api/vendors/"+url.PathEscape("Acme / Partners"), e.admin, "", nil)
	if status != http.StatusOK || v["contactEmail"] != "escalations@acme.example.com" || v["ownerEmployeeId"] != "E1" || v["updatedBy"] != "person:ADM" {
		t.Errorf("the vendor as stored: %d %v", status, v)
	}
	if page = mustGet(t, e, c.auditor, "/admin/settings"); !strings.Contains(page, "escalations@acme.example.com") || strings.Contains(page, `action="/admin/vendors`) {
		t.Errorf("the auditor's view of the vendors: %s", page)
	}
}
