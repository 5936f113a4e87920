package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/audit"
)

// globexBody is an agreement for the engagement globex-health that requires
// the customer-specific module (which no role gives) within 10 days.
const globexBody = `{"customer": "Globex Health", "engagement": "globex-health", "startDate": "2026-01-01", "endDate": "2027-12-31",
	"obligations": [
		{"id": "7.1", "text": "Patient data handling within 10 days of joining.", "kind": "training", "items": ["module:globex-patient-data"], "withinDays": 10, "target": 1},
		{"id": "7.2", "text": "Acceptable use every year.", "kind": "acknowledgment", "items": ["policy:acceptable-use"], "withinDays": 30, "target": 0.95}]}`

// moduleCycles returns a person's cycles of one module as "status dueOn
// reason/closeReason", oldest first.
func (e *env) moduleCycles(employeeID, moduleID string) []string {
	e.t.Helper()
	as, err := e.app.Store.Assignments(context.Background(), employeeID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		if a.ModuleID == moduleID {
			out = append(out, fmt.Sprintf("%s %s %s/%s", a.Status, a.DueOn, a.Reason, a.CloseReason))
		}
	}
	return out
}

// TestAgreementAssignsItsModuleToTheEngagement: saving an agreement assigns
// its customer-specific module at once to the people on its engagement, due
// the obligation's withinDays later; a roster import that puts someone on
// the engagement assigns it too, and one that takes someone off cancels it.
func TestAgreementAssignsItsModuleToTheEngagement(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	roster := func(g1, g2 string) string {
		return header +
			"G1,g1@globex-agreement.example.com,Gil,all-staff,,Ops,employee,,\"" + g1 + "\",2026-01-05,,UTC\n" +
			"G2,g2@globex-agreement.example.com,Gwen,all-staff,,Ops,subcontractor,Initech,\"" + g2 + "\",2026-01-05,,Europe/Berlin\n"
	}
	if status, body := e.putRoster("", "text/csv", roster("globex-health;acme-bank", "acme-bank")); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}

	status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(globexBody))
	if status != http.StatusCreated || body["version"] != 1.0 || num(body["assignmentsCreated"]) != 1 || body["customer"] != "Globex Health" {
		t.Fatalf("create: %d %v", status, body)
	}
	// e.now is 2026-11-02: due 10 days later.
	if got, want := e.moduleCycles("G1", "globex-patient-data"), []string{"open 2026-11-12 role_change/"}; !slices.Equal(got, want) {
		t.Errorf("G1 after the save: %q, want %q", got, want)
	}
	if got := e.moduleCycles("G2", "globex-patient-data"); len(got) != 0 {
		t.Errorf("G2, not on the engagement: %q", got)
	}
	// The same terms again: nothing written, nothing assigned.
	if status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(globexBody)); status != http.StatusOK ||
		body["version"] != 1.0 || num(body["assignmentsCreated"]) != 0 {
		t.Errorf("same terms: %d %v", status, body)
	}
	if got := len(e.eventsOf(audit.ActionAgreementSaved)); got != 1 {
		t.Errorf("%d agreement.saved events, want 1", got)
	}

	// G1 leaves the engagement, G2 joins it.
	e.now = e.now.AddDate(0, 0, 3)
	if status, body := e.putRoster("", "text/csv", roster("acme-bank", "acme-bank;globex-health")); status != http.StatusOK {
		t.Fatalf("roster change: %d %v", status, body)
	}
	if got, want := e.moduleCycles("G1", "globex-patient-data"), []string{"cancelled 2026-11-12 role_change/no_longer_required"}; !slices.Equal(got, want) {
		t.Errorf("G1 off the engagement: %q, want %q", got, want)
	}
	if got, want := e.moduleCycles("G2", "globex-patient-data"), []string{"open 2026-11-15 role_change/"}; !slices.Equal(got, want) {
		t.Errorf("G2 on the engagement: %q, want %q", got, want)
	}

	// The agreement ends: saving it cancels the open cycle at once.
	ended := strings.Replace(globexBody, `"endDate": "2027-12-31"`, `"endDate": "2026-11-01"`, 1)
	if status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(ended)); status != http.StatusOK ||
		body["version"] != 2.0 || num(body["assignmentsClosed"]) != 1 {
		t.Errorf("end the agreement: %d %v", status, body)
	}
	if got, want := e.moduleCycles("G2", "globex-patient-data"), []string{"cancelled 2026-11-15 role_change/no_longer_required"}; !slices.Equal(got, want) {
		t.Errorf("G2 after the agreement ended: %q, want %q", got, want)
	}
	events := e.eventsOf(audit.ActionAgreementSaved)
	if len(events) != 1 || fmt.Sprint(events[0].Details["changed"]) != "[endDate]" || events[0].Subject != "agreement#globex-2026" {
		t.Errorf("today's agreement.saved events: %+v", events)
	}
}

func TestAgreementValidationNamesEachField(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		name, path, body string
		status           int
		fields           []string
	}{
		{"UnknownModuleAndBadDeadline", "/api/agreements/bad", strings.NewReplacer(`"module:globex-patient-data"], "withinDays": 10`,
			`"module:juggling"], "withinDays": 0`).Replace(globexBody), 422, []string{"obligations[0].items[0]", "obligations[0].withinDays"}},
		{"PolicyInTraining", "/api/agreements/bad", strings.Replace(globexBody, "module:globex-patient-data", "policy:acceptable-use", 1), 422,
			[]string{"obligations[0].items[0]"}},
		{"EndBeforeStart", "/api/agreements/bad", strings.Replace(globexBody, "2027-12-31", "2025-12-31", 1), 422, []string{"endDate"}},
		{"NoObligations", "/api/agreements/bad", `{"customer": "C", "engagement": "c", "startDate": "2026-01-01", "obligations": []}`, 422, []string{"obligations"}},
		{"BadKey", "/api/agreements/Bad_Key", globexBody, 422, []string{"key"}},
		{"UnknownField", "/api/agreements/bad", strings.Replace(globexBody, `"customer"`, `"owner": "x", "customer"`, 1), 422, []string{"owner"}},
		{"WrongType", "/api/agreements/bad", strings.Replace(globexBody, `"target": 1}`, `"target": "all"}`, 1), 422, []string{"obligations"}},
		{"TooLarge", "/api/agreements/bad", `{"customer": "` + strings.Repeat("x", 300<<10) + `"}`, 413, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(http.MethodPut, tt.path, e.admin, "application/json", []byte(tt.body))
			if status != tt.status {
				t.Fatalf("got %d %v, want %d", status, body, tt.status)
			}
			var got []string
			ps, _ := body["problems"].([]any)
			for _, p := range ps {
				got = append(got, p.(map[string]any)["field"].(string))
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("problems about %q (%v), want %q", got, body, tt.fields)
			}
		})
	}
	if status, _ := e.do(http.MethodGet, "/api/agreements/bad", e.admin, "", nil); status != http.StatusNotFound {
		t.Errorf("nothing stored: GET %d, want 404", status)
	}
}

// TestScopedAuditorKeySeesItsAgreementOnly: an auditor key scoped to an
// agreement lists that agreement only and is refused the others; unscoped
// keys see all.
func TestScopedAuditorKeySeesItsAgreementOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	acme := strings.NewReplacer("Globex Health", "Acme Bank", "globex-health", "acme-bank", "module:globex-patient-data", "module:security-awareness").Replace(globexBody)
	for key, body := range map[string]string{"globex-2026": globexBody, "acme-2026": acme} {
		if status, resp := e.do(http.MethodPut, "/api/agreements/"+key, e.admin, "application/json", []byte(body)); status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", key, status, resp)
		}
	}
	scoped, _, err := (&apikey.Service{Store: e.app.Store}).Create(context.Background(),
		apikey.Request{Role: "auditor", Label: "Globex auditor", Agreement: "globex-2026"}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	keys := func(body map[string]any) []string {
		var out []string
		as, _ := body["agreements"].([]any)
		for _, a := range as {
			out = append(out, a.(map[string]any)["key"].(string))
		}
		return out
	}
	for _, tt := range []struct {
		name, key string
		list      []string
		get       map[string]int
	}{
		{"Admin", e.admin, []string{"acme-2026", "globex-2026"}, map[string]int{"globex-2026": 200, "acme-2026": 200, "initech": 404}},
		{"Auditor", e.auditor, []string{"acme-2026", "globex-2026"}, map[string]int{"globex-2026": 200, "acme-2026": 200, "initech": 404}},
		{"ScopedAuditor", scoped, []string{"globex-2026"}, map[string]int{"globex-2026": 200, "acme-2026": 403, "initech": 403}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(http.MethodGet, "/api/agreements", tt.key, "", nil)
			if got := keys(body); status != http.StatusOK || !slices.Equal(got, tt.list) {
				t.Errorf("list: %d %q, want %q", status, got, tt.list)
			}
			for key, want := range tt.get {
				if status, body := e.do(http.MethodGet, "/api/agreements/"+key, tt.key, "", nil); status != want {
					t.Errorf("GET %s: %d %v, want %d", key, status, body, want)
				}
			}
		})
	}
}

// TestScopedAuditorKeyReadsNothingElse calls every registered API read with
// an auditor key scoped to an agreement: where an unscoped auditor key is let
// through, the scoped key is refused (403) on every route but its
// agreement's own, so a customer's auditor reads no one else's people.
func TestScopedAuditorKeyReadsNothingElse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if status, resp := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(globexBody)); status != http.StatusCreated {
		t.Fatalf("create the agreement: %d %v", status, resp)
	}
	if status, body := e.putRoster("", "text/csv", header+"G1,g1@scoped.example.com,Gil,all-staff;manager,,Ops,employee,,globex-health,2026-01-05,,UTC\n"); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	scoped, _, err := e.app.Keys.Create(context.Background(),
		apikey.Request{Role: "auditor", Label: "Globex auditor", Agreement: "globex-2026"}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	values := strings.NewReplacer("{employeeId}", "G1", "{managerId}", "G1", "{key}", "globex-2026", "{id}", "x",
		"{vendor}", "x", "{moduleId}", "security-awareness", "{policyId}", "acceptable-use", "{token}", "x", "{name}", "x")
	allowed := map[string]string{
		"GET /api/metrics":                 "?engagement=globex-health",
		"GET /api/agreements":              "",
		"GET /api/agreements/{key}":        "",
		"GET /api/agreements/{key}/report": "",
		"GET /api/exports":                 "",
	}
	for _, route := range e.app.Handler.Routes() {
		method, pattern, ok := strings.Cut(route, " ")
		if !ok || !strings.HasPrefix(pattern, "/api/") || method != http.MethodGet {
			continue // pages take no key; the scoped key is an auditor's, which only reads
		}
		path := values.Replace(pattern) + allowed[route]
		if anyone, _ := e.do(method, path, "", "", nil); anyone < 300 {
			continue // public: /healthz, the OpenAPI document
		}
		auditor, _ := e.do(method, path, e.auditor, "", nil)
		got, body := e.do(method, path, scoped, "", nil)
		switch _, own := allowed[route]; {
		case own && got != http.StatusOK:
			t.Errorf("%s: the scoped key got %d %v, want 200", route, got, body)
		case !own && auditor < 300 && got != http.StatusForbidden:
			t.Errorf("%s: the scoped key got %d (an auditor key %d), want 403", route, got, auditor)
		}
	}
}

// TestDailyRunFollowsAgreementDates: an agreement saved before it is in
// force assigns nothing yet; the daily run of its first day re-evaluates
// everybody (the fingerprint of what the agreements in force require
// changed) and assigns its module; the run of the day after its end cancels
// the open cycle.
func TestDailyRunFollowsAgreementDates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if status, body := e.putRoster("", "text/csv", header+"G1,g1@globex-daily.example.com,Gil,all-staff,,Ops,employee,,globex-health,2026-01-05,,UTC\n"); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	later := strings.Replace(strings.Replace(globexBody, "2026-01-01", "2026-11-10", 1), "2027-12-31", "2026-11-20", 1)
	if status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(later)); status != http.StatusCreated ||
		num(body["assignmentsCreated"]) != 0 {
		t.Fatalf("create: %d %v", status, body)
	}
	for _, tt := range []struct {
		day             string
		full            bool
		created, closed int
		cycles          []string
	}{
		{"2026-11-02", true, 0, 0, nil},
		{"2026-11-09", false, 0, 0, nil},
		{"2026-11-10", true, 1, 0, []string{"open 2026-11-20 role_change/"}},
		{"2026-11-11", false, 0, 0, []string{"open 2026-11-20 role_change/"}},
		{"2026-11-21", true, 0, 1, []string{"cancelled 2026-11-20 role_change/no_longer_required"}},
	} {
		status, body := e.do(http.MethodPost, "/api/assignments/run", e.admin, "application/json", fmt.Appendf(nil, `{"date": %q}`, tt.day))
		if status != http.StatusOK || body["full"] != tt.full || num(body["created"]) != tt.created || num(body["closed"]) != tt.closed {
			t.Errorf("run %s: %d %v, want full=%v created=%d closed=%d", tt.day, status, body, tt.full, tt.created, tt.closed)
		}
		if got := e.moduleCycles("G1", "globex-patient-data"); !slices.Equal(got, tt.cycles) {
			t.Errorf("after the run of %s: %q, want %q", tt.day, got, tt.cycles)
		}
	}
}
