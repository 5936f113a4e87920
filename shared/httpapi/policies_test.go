package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
)

// ackResult is an acknowledgment as the API returns it.
type ackResult struct {
	PolicyID, Version, VersionSHA256, Cycle, AcknowledgedAt, TypedName string
}

// mePolicies returns the policies of GET /api/me by id.
type mePolicyRow struct {
	PolicyID, Version, VersionSHA256, Cycle string
	AcknowledgedAt                          *string
}

func (e *env) policy(id string) *catalog.Policy {
	e.t.Helper()
	p, ok := e.app.Catalog.Policy(id)
	if !ok {
		e.t.Fatalf("no policy %s in the shipped content", id)
	}
	return p
}

func ackBody(typedName, sha string) string {
	b, _ := json.Marshal(map[string]string{"typedName": typedName, "versionSha256": sha})
	return string(b)
}

// postAck posts an acknowledgment body as JSON and decodes the answer.
func (e *env) postAck(c *http.Client, csrf, policyID, body string) (int, ackResult, string) {
	e.t.Helper()
	resp, raw := e.send(c, http.MethodPost, "/api/me/policies/"+policyID+"/acknowledgments",
		http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {csrf}}, body)
	var out ackResult
	_ = json.Unmarshal([]byte(raw), &out)
	return resp.StatusCode, out, raw
}

func (e *env) mePolicies(c *http.Client) map[string]mePolicyRow {
	e.t.Helper()
	resp, raw := e.send(c, http.MethodGet, "/api/me", nil, "")
	if resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET /api/me: %d %s", resp.StatusCode, raw)
	}
	var me struct{ Policies []mePolicyRow }
	if err := json.Unmarshal([]byte(raw), &me); err != nil {
		e.t.Fatal(err)
	}
	out := map[string]mePolicyRow{}
	for _, p := range me.Policies {
		out[p.PolicyID] = p
	}
	return out
}

func (e *env) storedAcks(employeeID string) int {
	e.t.Helper()
	all, err := e.app.Store.Acknowledgments(context.Background(), employeeID)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(all)
}

func TestPolicyAcknowledgmentJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("ackjourney", "P1")["P1"]
	c, csrf := e.signedIn(p)
	pol := e.policy("acceptable-use") // 90 seconds of reading
	path := "/me/policies/" + pol.ID

	before := e.mePolicies(c)
	if len(before) != 3 {
		t.Fatalf("got %d policies, want all-staff's 3", len(before))
	}
	for id, row := range before {
		if row.AcknowledgedAt != nil || row.Cycle != "2026" {
			t.Errorf("%s before acknowledging: %+v", id, row)
		}
	}

	// The page: the policy with its version and hash, and a labelled form.
	resp, page := e.send(c, http.MethodGet, path, nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET page: %d", resp.StatusCode)
	}
	for _, want := range []string{
		"<h1>" + pol.Title + "</h1>", "Version 1.0.0", pol.SHA256, "<h2>1. Purpose</h2>",
		`<form method="post" action="` + path + `#acknowledge">`,
		`<input type="hidden" name="csrf" value="` + csrf + `">`,
		`<input type="hidden" name="versionSha256" value="` + pol.SHA256 + `">`,
		`<label for="typedName">Your full name</label>`,
		`<input id="typedName" name="typedName" type="text" autocomplete="name" required maxlength="200"`,
		`<input type="checkbox" id="understood" name="understood" value="yes" required>`,
		`<label for="understood">I have read and understood this policy</label>`,
		`<button type="submit">Acknowledge</button>`,
		"open for 90 seconds",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}

	// The JSON view.
	resp, raw := e.send(c, http.MethodGet, "/api/me/policies/"+pol.ID, nil, "")
	var view struct {
		PolicyID, Title, Version, VersionSHA256, Cycle, BodyHTML string
		MinReadSeconds                                           int
		Acknowledgment                                           *ackResult
	}
	if err := json.Unmarshal([]byte(raw), &view); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET JSON: %d %v %s", resp.StatusCode, err, raw)
	}
	if view.PolicyID != pol.ID || view.Title != pol.Title || view.Version != "1.0.0" || view.VersionSHA256 != pol.SHA256 ||
		view.Cycle != "2026" || view.MinReadSeconds != 90 || !strings.Contains(view.BodyHTML, "<h2>1. Purpose</h2>") || strings.Contains(view.BodyHTML, "<h1") ||
		view.Acknowledgment != nil || !strings.Contains(raw, `"acknowledgment":null`) {
		t.Errorf("JSON view %+v", view)
	}

	// After reading long enough, the acknowledgment is stored: 201.
	e.now = e.now.Add(90 * time.Second)
	longAgent := strings.Repeat("A", 600)
	resp, raw = e.send(c, http.MethodPost, "/api/me/policies/"+pol.ID+"/acknowledgments",
		http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {csrf}, "User-Agent": {longAgent}},
		ackBody("  Person P1 ", pol.SHA256))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("acknowledge: %d %s", resp.StatusCode, raw)
	}
	var first ackResult
	if err := json.Unmarshal([]byte(raw), &first); err != nil {
		t.Fatal(err)
	}
	want := ackResult{PolicyID: pol.ID, Version: "1.0.0", VersionSHA256: pol.SHA256, Cycle: "2026",
		AcknowledgedAt: e.now.UTC().Format(time.RFC3339), TypedName: "Person P1"}
	if first != want {
		t.Errorf("acknowledgment %+v, want %+v", first, want)
	}

	// A repeat in the same cycle returns the stored acknowledgment: 200.
	status, again, raw := e.postAck(c, csrf, pol.ID, ackBody("Someone Else", pol.SHA256))
	if status != http.StatusOK || again != first {
		t.Errorf("repeat: %d %s, want 200 with %+v", status, raw, first)
	}

	// As stored: with the evidence of where it came from.
	stored, found, err := e.app.Store.Acknowledgment(context.Background(), p.id, pol.ID, "2026")
	if err != nil || !found {
		t.Fatalf("stored: %v %v", found, err)
	}
	if stored.EmployeeID != p.id || stored.TextSHA256 != pol.SHA256 || stored.PolicyVersion != "1.0.0" ||
		stored.IP == "" || stored.UserAgent != longAgent[:512] || stored.TypedName != "Person P1" {
		t.Errorf("stored %+v", stored)
	}
	if n := e.storedAcks(p.id); n != 1 {
		t.Errorf("%d acknowledgments stored, want 1", n)
	}

	// The audit event.
	events := e.eventsOf(audit.ActionPolicyAcknowledged)
	if len(events) != 1 {
		t.Fatalf("got %d policy.acknowledged events, want 1", len(events))
	}
	ev := events[0]
	if ev.Subject != "person#"+p.id || ev.Actor != "person:"+p.id || ev.Details["policy"] != pol.ID ||
		ev.Details["version"] != "1.0.0" || ev.Details["cycle"] != "2026" {
		t.Errorf("audit event %+v", ev)
	}

	// /api/me, /me, the page and the JSON view show it.
	after := e.mePolicies(c)
	for id, row := range after {
		switch {
		case id == pol.ID && (row.AcknowledgedAt == nil || *row.AcknowledgedAt != first.AcknowledgedAt):
			t.Errorf("%s after acknowledging: %+v", id, row)
		case id != pol.ID && row.AcknowledgedAt != nil:
			t.Errorf("%s was not acknowledged: %+v", id, row)
		}
	}
	if _, me := e.send(c, http.MethodGet, "/me", nil, ""); !strings.Contains(me, "Acknowledged") {
		t.Errorf("/me does not show the acknowledgment")
	}
	_, page = e.send(c, http.MethodGet, path, nil, "")
	if !strings.Contains(page, "You acknowledged this policy on 2 November 2026 10:01 CET, signing as <strong>Person P1</strong>") ||
		strings.Contains(page, `name="typedName"`) {
		t.Errorf("page after acknowledging does not show it, or still has the form")
	}
	_, raw = e.send(c, http.MethodGet, "/api/me/policies/"+pol.ID, nil, "")
	view.Acknowledgment = nil
	if err := json.Unmarshal([]byte(raw), &view); err != nil || view.Acknowledgment == nil || *view.Acknowledgment != first {
		t.Errorf("JSON view after acknowledging: %s", raw)
	}

	// New Year in the person's time zone (Berlin) starts a new cycle.
	e.now = time.Date(2026, 12, 31, 23, 30, 0, 0, time.UTC)
	c, _ = e.signedIn(p)
	row := e.mePolicies(c)[pol.ID]
	if row.Cycle != "2027" || row.AcknowledgedAt != nil {
		t.Errorf("in the new year: %+v, want cycle 2027, not acknowledged", row)
	}
	if _, page := e.send(c, http.MethodGet, path, nil, ""); !strings.Contains(page, `name="typedName"`) {
		t.Errorf("the new cycle's page has no form")
	}
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	hashField = regexp.MustCompile(`name="versionSha256" value="([0-9a-f]{64})"`)
)

func TestPolicyAcknowledgmentFormWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("ackform", "F1")["F1"]
	c, _ := e.signedIn(p)
	pol := e.policy("incident-reporting-policy") // 60 seconds of reading
	path := "/me/policies/" + pol.ID

	_, page := e.send(c, http.MethodGet, path, nil, "")
	csrf, hash := csrfField.FindStringSubmatch(page), hashField.FindStringSubmatch(page)
	if csrf == nil || hash == nil {
		t.Fatalf("the form lacks its hidden fields")
	}
	form := url.Values{"csrf": {csrf[1]}, "versionSha256": {hash[1]}, "typedName": {"Zoë Person"}, "understood": {"yes"}}
	post := func(v url.Values) (*http.Response, string) {
		t.Helper()
		return e.send(c, http.MethodPost, path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, v.Encode())
	}
	without := func(field string) url.Values {
		v := url.Values{}
		for k, vs := range form {
			if k != field {
				v[k] = vs
			}
		}
		return v
	}

	// Too soon: the page again, with the reason and the typed name.
	resp, body := post(form)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "Read the policy for at least 60 seconds first") ||
		!strings.Contains(body, `value="Zoë Person"`) || !strings.Contains(body, `role="alert"`) {
		t.Errorf("too soon: %d", resp.StatusCode)
	}

	e.now = e.now.Add(time.Minute)
	stale := without("versionSha256")
	stale.Set("versionSha256", strings.Repeat("0", 64))
	huge := without("typedName")
	huge.Set("typedName", strings.Repeat("n", 20<<10))
	tests := []struct {
		name   string
		form   url.Values
		status int
		says   string
	}{
		{"NotTicked", without("understood"), 422, "Tick “I have read and understood this policy”"},
		{"NoName", without("typedName"), 422, "Your full name is missing."},
		{"StaleVersion", stale, 409, "The policy changed since you opened it"},
		{"NoCSRFToken", without("csrf"), 403, "CSRF"},
		{"TooLarge", huge, 413, "The form is over the limit of 16384 bytes."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := post(tt.form)
			if resp.StatusCode != tt.status || !strings.Contains(body, tt.says) {
				t.Errorf("got %d, want %d saying %q", resp.StatusCode, tt.status, tt.says)
			}
		})
	}
	if n := e.storedAcks(p.id); n != 0 {
		t.Fatalf("refused forms stored %d acknowledgments", n)
	}

	// Accepted: back to the page, which shows the acknowledgment.
	resp, _ = post(form)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != path {
		t.Fatalf("accepted form: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, page = e.send(c, http.MethodGet, path, nil, "")
	if !strings.Contains(page, "signing as <strong>Zoë Person</strong>") || strings.Contains(page, `name="typedName"`) {
		t.Errorf("page after the form does not show the acknowledgment")
	}
	// Sending the form again (a double click, the back button) changes nothing.
	if resp, _ := post(form); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second form: %d", resp.StatusCode)
	}
	if n := e.storedAcks(p.id); n != 1 {
		t.Errorf("%d acknowledgments stored, want 1", n)
	}
}

func TestPolicyAcknowledgmentRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("ackrefuse", "R1")["R1"]
	c, csrf := e.signedIn(p)
	pol := e.policy("incident-reporting-policy") // 60 seconds of reading
	good := ackBody("Person R1", pol.SHA256)

	// Never opened: refused.
	if status, _, raw := e.postAck(c, csrf, pol.ID, good); status != http.StatusUnprocessableEntity ||
		!strings.Contains(raw, "read the policy for at least 60 seconds first") {
		t.Errorf("never opened: %d %s", status, raw)
	}
	// Opened too recently: refused, saying how long is left.
	if resp, raw := e.send(c, http.MethodGet, "/api/me/policies/"+pol.ID, nil, ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("open: %d %s", resp.StatusCode, raw)
	}
	e.now = e.now.Add(30 * time.Second)
	if status, _, raw := e.postAck(c, csrf, pol.ID, good); status != http.StatusUnprocessableEntity ||
		!strings.Contains(raw, "at least 60 seconds first (30 seconds to go)") {
		t.Errorf("too soon: %d %s", status, raw)
	}
	// Opening it again does not restart the clock.
	e.send(c, http.MethodGet, "/me/policies/"+pol.ID, nil, "")
	e.now = e.now.Add(30 * time.Second)

	tests := []struct {
		name, policy, body string
		status             int
		field              string
	}{
		{"StaleHash", pol.ID, ackBody("Person R1", strings.Repeat("ab", 32)), 409, ""},
		{"MissingHash", pol.ID, `{"typedName": "Person R1"}`, 422, "versionSha256"},
		{"EmptyName", pol.ID, ackBody("", pol.SHA256), 422, "typedName"},
		{"WhitespaceName", pol.ID, ackBody(" \t\n ", pol.SHA256), 422, "typedName"},
		{"ControlCharacter", pol.ID, ackBody("Person\u0007R1", pol.SHA256), 422, "typedName"},
		{"Name201Characters", pol.ID, ackBody(strings.Repeat("é", 201), pol.SHA256), 422, "typedName"},
		{"Name10KB", pol.ID, ackBody(strings.Repeat("n", 10<<10), pol.SHA256), 422, "typedName"},
		{"Body17KB", pol.ID, ackBody(strings.Repeat("n", 17<<10), pol.SHA256), 413, ""},
		{"Body1MB", pol.ID, ackBody(strings.Repeat("n", 1<<20), pol.SHA256), 413, ""},
		{"NotJSON", pol.ID, "typedName=Person", 422, ""},
		{"Array", pol.ID, `["Person R1"]`, 422, ""},
		{"WrongType", pol.ID, fmt.Sprintf(`{"typedName": 7, "versionSha256": %q}`, pol.SHA256), 422, ""},
		{"UnknownField", pol.ID, fmt.Sprintf(`{"typedName": "P", "versionSha256": %q, "cycle": "2025"}`, pol.SHA256), 422, ""},
		{"NameInAnotherCase", pol.ID, fmt.Sprintf(`{"TYPEDNAME": "Person R1", "versionSha256": %q}`, pol.SHA256), 422, "TYPEDNAME"},
		{"DuplicateName", pol.ID, fmt.Sprintf(`{"typedName": "Person R1", "typedName": "Q", "versionSha256": %q}`, pol.SHA256), 422, "typedName"},
		{"TrailingData", pol.ID, good + `{}`, 422, ""},
		{"UnknownPolicy", "no-such-policy", good, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, raw := e.postAck(c, csrf, tt.policy, tt.body)
			if status != tt.status {
				t.Fatalf("got %d %s, want %d", status, raw, tt.status)
			}
			var body struct {
				Error    string
				Problems []struct{ Field string }
			}
			if err := json.Unmarshal([]byte(raw), &body); err != nil || body.Error == "" {
				t.Errorf("error body %s", raw)
			}
			if tt.field != "" && (len(body.Problems) != 1 || body.Problems[0].Field != tt.field || !strings.HasPrefix(body.Error, tt.field)) {
				t.Errorf("error %s does not name %s", raw, tt.field)
			}
		})
	}

	t.Run("CSRF", func(t *testing.T) {
		path := "/api/me/policies/" + pol.ID + "/acknowledgments"
		for name, h := range map[string]http.Header{
			"Missing": {"Content-Type": {"application/json"}},
			"Wrong":   {"Content-Type": {"application/json"}, "X-Csrf-Token": {strings.Repeat("x", 43)}},
		} {
			if resp, raw := e.send(c, http.MethodPost, path, h, good); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s token: %d %s", name, resp.StatusCode, raw)
			}
		}
	})
	t.Run("NotSignedIn", func(t *testing.T) {
		if status, _, _ := e.postAck(e.browser(), csrf, pol.ID, good); status != http.StatusUnauthorized {
			t.Errorf("got %d, want 401", status)
		}
		if resp, _ := e.send(e.browser(), http.MethodGet, "/me/policies/"+pol.ID, nil, ""); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("page: %d, want a redirect to sign in", resp.StatusCode)
		}
	})
	t.Run("NotRequired", func(t *testing.T) {
		// An administrator holds no curricula role, so no policy is theirs.
		admin := person{id: "N1", email: fmt.Sprintf("n1-ackrefuse-%d@example.com", time.Now().UnixNano()), name: "Person N1"}
		row := fmt.Sprintf("%s,%s,%s,admin,,Ops,employee,,,2026-01-05,,UTC\n", admin.id, admin.email, admin.name)
		if status, body := e.putRoster("?mode=upsert", "text/csv", header+row); status != http.StatusOK {
			t.Fatalf("import: %d %v", status, body)
		}
		ac, acsrf := e.signedIn(admin)
		for _, path := range []string{"/me/policies/" + pol.ID, "/api/me/policies/" + pol.ID, "/me/policies/no-such-policy"} {
			if resp, _ := e.send(ac, http.MethodGet, path, nil, ""); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", path, resp.StatusCode)
			}
		}
		if status, _, raw := e.postAck(ac, acsrf, pol.ID, good); status != http.StatusNotFound {
			t.Errorf("acknowledge: %d %s, want 404", status, raw)
		}
		if n := e.storedAcks(admin.id); n != 0 {
			t.Errorf("stored %d acknowledgments", n)
		}
	})

	if n := e.storedAcks(p.id); n != 0 {
		t.Errorf("refused requests stored %d acknowledgments", n)
	}
	if evs := e.eventsOf(audit.ActionPolicyAcknowledged); len(evs) != 0 {
		t.Errorf("refused requests wrote %d audit events", len(evs))
	}
	// The gate lets the same request through once the time is up.
	if status, _, raw := e.postAck(c, csrf, pol.ID, good); status != http.StatusCreated {
		t.Errorf("after 60 seconds: %d %s", status, raw)
	}
}

func TestPolicyAcknowledgmentConcurrentSubmissions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("ackrace", "C1")["C1"]
	c, csrf := e.signedIn(p)
	pol := e.policy("incident-reporting-policy")
	e.send(c, http.MethodGet, "/api/me/policies/"+pol.ID, nil, "")
	e.now = e.now.Add(time.Minute)

	type answer struct {
		status int
		ack    ackResult
	}
	answers := make([]answer, 8)
	var wg sync.WaitGroup
	for i := range answers {
		wg.Go(func() {
			status, a, _ := e.postAck(c, csrf, pol.ID, ackBody(fmt.Sprintf("Person C1 (%d)", i), pol.SHA256))
			answers[i] = answer{status, a}
		})
	}
	wg.Wait()
	statuses := map[int]int{}
	var created ackResult
	for _, a := range answers {
		statuses[a.status]++
		if a.status == http.StatusCreated {
			created = a.ack
		}
	}
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusOK] != 7 {
		t.Fatalf("statuses %v, want one 201 and seven 200", statuses)
	}
	for _, a := range answers {
		if a.ack != created {
			t.Errorf("answer %+v differs from the stored %+v", a.ack, created)
		}
	}
	if n := e.storedAcks(p.id); n != 1 {
		t.Errorf("%d acknowledgments stored, want 1", n)
	}
	if evs := e.eventsOf(audit.ActionPolicyAcknowledged); len(evs) != 1 {
		t.Errorf("%d audit events, want 1", len(evs))
	}
}

func TestPolicyAcknowledgmentTypedNameIsText(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("ackxss", "X1")["X1"]
	c, csrf := e.signedIn(p)
	pol := e.policy("incident-reporting-policy")
	e.send(c, http.MethodGet, "/me/policies/"+pol.ID, nil, "")
	e.now = e.now.Add(time.Minute)

	name := `<script>alert(1)</script>`
	status, a, raw := e.postAck(c, csrf, pol.ID, ackBody(name, pol.SHA256))
	if status != http.StatusCreated || a.TypedName != name || strings.Contains(raw, "<script>") {
		t.Fatalf("acknowledge: %d %s", status, raw)
	}
	stored, _, err := e.app.Store.Acknowledgment(context.Background(), p.id, pol.ID, "2026")
	if err != nil || stored.TypedName != name {
		t.Errorf("stored %q, %v; want the text as typed", stored.TypedName, err)
	}
	_, page := e.send(c, http.MethodGet, "/me/policies/"+pol.ID, nil, "")
	if strings.Contains(page, name) || !strings.Contains(page, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("the page does not escape the typed name")
	}
	if _, raw := e.send(c, http.MethodGet, "/api/me/policies/"+pol.ID, nil, ""); strings.Contains(raw, "<script>") {
		t.Errorf("the JSON view carries raw markup: %s", raw)
	}
}
