package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/localgw"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// env is one test's tracker: its own table, served over real HTTP through the
// local API Gateway stand-in and the Lambda adapter, as in production.
type env struct {
	t       testing.TB
	stack   *devstack.Stack
	table   string
	app     *app.App
	url     string
	admin   string
	hris    string
	auditor string
	now     time.Time
	// calls records the server's DynamoDB round trips (roundtrips_test.go).
	calls *callLog
}

func newEnv(t testing.TB) *env {
	t.Helper()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	ctx := context.Background()
	name := devtest.Table(t, client, "api")
	e := &env{t: t, stack: stack, table: name, now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), calls: &callLog{}}
	var handler http.Handler
	var served http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, fromTestIP(r)) })
	// Every exchange of every test is held to the OpenAPI document;
	// benchmarks measure the server alone.
	if _, bench := t.(*testing.B); !bench {
		served = contracttest.Load(t).Handler(t, served)
	}
	srv := httptest.NewServer(served)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	// Every DynamoDB call the server makes must be one the API function's
	// IAM policy allows (table.FunctionAccess): the HTTP tests exercise
	// every route, so they check the policy against what the code does.
	calls := &devtest.AccessLog{}
	t.Cleanup(func() { calls.CheckWithin(t, table.FunctionAccess()["api"]) })
	signer, err := signing.NewLocal()
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Config{
		DynamoDB: stack.DynamoClient(calls.Option, e.calls.option), TableName: name, SES: stack.SESClient(), SenderEmail: "training@attest.test",
		BaseURL: srv.URL, InsecureCookies: true, Now: func() time.Time { return e.now }, Signer: signer,
		Exports: testExports(t, stack), Imports: testImports(t, stack),
	})
	if err != nil {
		t.Fatal(err)
	}
	// Exports run in-process: the test's calls end before its table goes.
	t.Cleanup(a.Exports.Wait)
	e.app = a
	handler = localgw.New(httpadapter.NewV2(a.Handler).ProxyWithContext)
	// The keys are made the day before, so today's audit events are the test's own.
	keys := &apikey.Service{Store: a.Store, Now: func() time.Time { return e.now.AddDate(0, 0, -1) }}
	for _, k := range []struct {
		role identity.Role
		into *string
	}{{identity.Admin, &e.admin}, {identity.HRIS, &e.hris}, {identity.Auditor, &e.auditor}} {
		key, _, err := keys.Create(ctx, apikey.Request{Role: string(k.role), Label: string(k.role) + "-test"}, "test", "test")
		if err != nil {
			t.Fatal(err)
		}
		*k.into = key
	}
	return e
}

// do sends a request and returns the status and the decoded JSON body.
func (e *env) do(method, path, key, contentType string, body []byte) (int, map[string]any) {
	e.t.Helper()
	req, err := http.NewRequest(method, e.url+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &out); err != nil {
			e.t.Fatalf("%s %s: body is not JSON: %q", method, path, raw)
		}
	}
	if out == nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

// seedTeam imports, as the admin key, one person per row ("id", "roles"
// (";"-separated), "manager id") with addresses unique to this run under
// domain, and returns them by id.
func (e *env) seedTeam(domain string, rows ...[3]string) map[string]person {
	e.t.Helper()
	tag := time.Now().UnixNano()
	ps := map[string]person{}
	csv := header
	for _, r := range rows {
		p := person{id: r[0], email: fmt.Sprintf("%s-%d@%s", strings.ToLower(r[0]), tag, domain), name: "Person " + r[0]}
		ps[r[0]] = p
		csv += fmt.Sprintf("%s,%s,%s,%s,%s,Ops,employee,,,2026-01-05,,UTC\n", p.id, p.email, p.name, r[1], r[2])
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		e.t.Fatalf("seed: %d %v", status, body)
	}
	return ps
}

func (e *env) putRoster(query, contentType, body string) (int, map[string]any) {
	e.t.Helper()
	return e.do(http.MethodPut, "/api/roster"+query, e.admin, contentType, []byte(body))
}

func demoRoster(t *testing.T) string {
	t.Helper()
	b, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// peopleCount returns how many people are stored.
func (e *env) peopleCount() int {
	e.t.Helper()
	recs, err := e.app.Store.ListPeople(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return len(recs)
}

func (e *env) auditCount() int {
	e.t.Helper()
	events, err := e.app.Store.AuditEvents(context.Background(), e.now.Format(time.DateOnly))
	if err != nil {
		e.t.Fatal(err)
	}
	return len(events)
}

func num(v any) int {
	f, _ := v.(float64)
	return int(f)
}

const header = "employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n"

func TestHealthz(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if status, _ := e.do(http.MethodGet, "/healthz", "", "", nil); status != http.StatusOK {
		t.Errorf("got %d, want 200", status)
	}
	if status, body := e.do(http.MethodGet, "/nope", "", "", nil); status != http.StatusNotFound || body["error"] == nil {
		t.Errorf("unknown route: got %d %v", status, body)
	}
}

func TestRosterImportDemoOrganisation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	roster := demoRoster(t)
	rows := strings.Count(strings.TrimSpace(roster), "\n")

	status, body := e.putRoster("", "text/csv", roster)
	if status != http.StatusOK {
		t.Fatalf("import: %d %v", status, body)
	}
	if num(body["created"]) != rows || num(body["assignmentsCreated"]) == 0 {
		t.Errorf("import result %v, want %d created and some assignments", body, rows)
	}

	// The same upload again changes nothing and assigns nothing.
	status, body = e.putRoster("", "text/csv", roster)
	if status != http.StatusOK || num(body["unchanged"]) != rows || num(body["created"])+num(body["updated"])+num(body["assignmentsCreated"]) != 0 {
		t.Errorf("second import: %d %v", status, body)
	}

	// A person as stored, with history and assignments.
	status, body = e.do(http.MethodGet, "/api/people/E020", e.auditor, "", nil)
	if status != http.StatusOK {
		t.Fatalf("get person: %d %v", status, body)
	}
	person := body["person"].(map[string]any)
	if person["name"] != "Yuki Sato" || body["active"] != true {
		t.Errorf("person %v", body)
	}
	if h := body["history"].([]any); len(h) != 1 {
		t.Errorf("history %v, want one revision", h)
	}
	// Engineers get all-staff's four modules and two of their own.
	if a := body["assignments"].([]any); len(a) != 6 {
		t.Errorf("got %d assignments, want 6", len(a))
	}

	// A leaver keeps their record and gets no open training.
	_, body = e.do(http.MethodGet, "/api/people/E090", e.admin, "", nil)
	if body["active"] != false {
		t.Errorf("leaver shown active: %v", body)
	}
	for _, a := range body["assignments"].([]any) {
		if s := a.(map[string]any)["status"]; s == "open" {
			t.Errorf("leaver has an open assignment: %v", a)
		}
	}
}

func TestRosterSyncAndUpsert(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	two := header +
		"A1,a1@example.com,Ann,all-staff,,Ops,employee,,,2026-01-05,,UTC\n" +
		"A2,a2@example.com,Ben,all-staff,A1,Ops,employee,,,2026-01-05,,UTC\n"
	if status, body := e.putRoster("", "text/csv", two); status != http.StatusOK || num(body["created"]) != 2 {
		t.Fatalf("create: %d %v", status, body)
	}

	// Upsert of one person changes them and leaves the other alone.
	one := header + "A2,a2@example.com,Ben Jones,all-staff;engineer,A1,Eng,employee,,,2026-01-05,,UTC\n"
	status, body := e.putRoster("?mode=upsert", "text/csv", one)
	if status != http.StatusOK || num(body["updated"]) != 1 || num(body["deactivated"]) != 0 || num(body["assignmentsCreated"]) != 2 {
		t.Fatalf("upsert: %d %v", status, body)
	}

	// Sync with A1 only deactivates A2 (never deletes) and cancels their training.
	only := header + "A1,a1@example.com,Ann,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	status, body = e.putRoster("?mode=sync", "text/csv", only)
	if status != http.StatusOK || num(body["deactivated"]) != 1 {
		t.Fatalf("sync: %d %v", status, body)
	}
	status, body = e.do(http.MethodGet, "/api/people/A2", e.admin, "", nil)
	if status != http.StatusOK || body["active"] != false {
		t.Fatalf("deactivated person: %d %v", status, body)
	}
	if got := body["person"].(map[string]any)["endDate"]; got != "2026-11-01" {
		t.Errorf("end date %v, want the day before the sync", got)
	}
	hist := body["history"].([]any)
	if len(hist) != 3 {
		t.Fatalf("history has %d revisions, want 3 (created, updated, deactivated)", len(hist))
	}
	last := hist[2].(map[string]any)
	if last["action"] != "person.deactivated" || !strings.HasPrefix(last["actor"].(string), "apikey:admin-test:") {
		t.Errorf("last revision %v", last)
	}
	for _, a := range body["assignments"].([]any) {
		if s := a.(map[string]any)["status"]; s != "cancelled" {
			t.Errorf("assignment of a deactivated person is %v", s)
		}
	}
}

func TestRosterJSON(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	body := `{"people": [{"employeeId": "J1", "email": "j1@example.com", "name": "Jo", "roles": ["all-staff"],
		"employmentType": "subcontractor", "vendor": "Northwind", "engagements": ["acme-bank"], "startDate": "2026-02-01", "timeZone": "Asia/Tokyo"}]}`
	status, res := e.putRoster("", "application/json", body)
	if status != http.StatusOK || num(res["created"]) != 1 {
		t.Fatalf("json import: %d %v", status, res)
	}
}

func TestRosterDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	status, body := e.putRoster("?dryRun=true", "text/csv", demoRoster(t))
	if status != http.StatusOK || body["dryRun"] != true || num(body["created"]) == 0 || num(body["assignmentsCreated"]) == 0 {
		t.Fatalf("dry run: %d %v", status, body)
	}
	if n := e.peopleCount(); n != 0 {
		t.Errorf("dry run stored %d people", n)
	}
	if n := e.auditCount(); n != 0 {
		t.Errorf("dry run wrote %d audit events", n)
	}
}

func TestRosterBadInputWritesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	good := "G1,g1@example.com,Gina,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	tests := []struct {
		name, contentType, body string
		status                  int
		row                     int
		field                   string
	}{
		{"BadEmailOnRow3", "text/csv", header + good + "G2,not-an-email,Gus,all-staff,,Ops,employee,,,2026-01-05,,UTC\n", 422, 3, "email"},
		{"DuplicateID", "text/csv", header + good + strings.Replace(good, "g1@", "g2@", 1), 422, 3, "employee_id"},
		{"UnknownManager", "text/csv", header + "G2,g2@example.com,Gus,all-staff,NOPE,Ops,employee,,,2026-01-05,,UTC\n", 422, 2, "manager_id"},
		{"ImpossibleDate", "text/csv", header + "G2,g2@example.com,Gus,all-staff,,Ops,employee,,,2026-02-30,,UTC\n", 422, 2, "start_date"},
		{"SubcontractorWithoutVendor", "text/csv", header + "G2,g2@example.com,Gus,all-staff,,Ops,subcontractor,,,2026-01-05,,UTC\n", 422, 2, "vendor"},
		{"HeaderOnly", "text/csv", header, 422, 0, ""},
		{"EmptyBody", "text/csv", "", 422, 0, ""},
		{"JSONWrongShape", "application/json", `[{"employeeId": "x"}]`, 422, 0, ""},
		{"UnsupportedType", "application/xml", "<people/>", 415, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.putRoster("", tt.contentType, tt.body)
			if status != tt.status {
				t.Fatalf("got %d %v, want %d", status, body, tt.status)
			}
			if tt.row > 0 {
				found := false
				for _, p := range body["problems"].([]any) {
					pm := p.(map[string]any)
					if num(pm["row"]) == tt.row && pm["field"] == tt.field && pm["message"] != "" {
						found = true
					}
				}
				if !found {
					t.Errorf("no problem at row %d field %s in %v", tt.row, tt.field, body["problems"])
				}
			}
		})
	}
	if n := e.peopleCount(); n != 0 {
		t.Errorf("invalid uploads stored %d people", n)
	}
	if n := e.auditCount(); n != 0 {
		t.Errorf("invalid uploads wrote %d audit events", n)
	}
}

func TestRosterBodyLimits(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Just over the roster limit, but under API Gateway's: the handler refuses it.
	over := header + strings.Repeat("x", 4<<20)
	if status, body := e.putRoster("", "text/csv", over); status != http.StatusRequestEntityTooLarge || body["error"] == nil {
		t.Errorf("4 MiB+: got %d %v, want 413", status, body)
	}
	// 10 MB: refused before any Lambda would run.
	huge := header + strings.Repeat("y", 10<<20)
	if status, _ := e.putRoster("", "text/csv", huge); status != http.StatusRequestEntityTooLarge {
		t.Errorf("10 MB: got %d, want 413", status)
	}
	if n := e.peopleCount(); n != 0 {
		t.Errorf("stored %d people", n)
	}
}

func TestRosterStoresHostileTextAsTextAndEscapesIt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	name := `<script>alert("x")</script> Zoë 王`
	csv := header + fmt.Sprintf("X1,x1@example.com,%q,all-staff,,=cmd|' /C calc'!A0,employee,,,2026-01-05,,UTC\n", name)
	csv = strings.ReplaceAll(csv, `\"`, `""`)
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("import: %d %v", status, body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/people/X1", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if bytes.Contains(raw, []byte("<script>")) {
		t.Errorf("response carries raw markup: %s", raw)
	}
	var got struct {
		Person struct{ Name, Department string }
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	if got.Person.Name != name {
		t.Errorf("name stored as %q, want %q", got.Person.Name, name)
	}
}

func TestAuthorization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name, method, path, key string
		want                    int
	}{
		{"RosterWithoutKey", http.MethodPut, "/api/roster", "", 401},
		{"RosterWithUnknownKey", http.MethodPut, "/api/roster", "atk_0000", 401},
		{"RosterWithAuditorKey", http.MethodPut, "/api/roster", e.auditor, 403},
		{"RosterWithHRISKey", http.MethodPut, "/api/roster", e.hris, 422}, // authorised; the empty body is invalid
		{"PersonWithHRISKey", http.MethodGet, "/api/people/E1", e.hris, 403},
		{"PersonWithAuditorKeyUnknownID", http.MethodGet, "/api/people/E1", e.auditor, 404},
		{"RunWithHRISKey", http.MethodPost, "/api/assignments/run", e.hris, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := e.do(tt.method, tt.path, tt.key, "text/csv", nil)
			if status != tt.want {
				t.Errorf("got %d %v, want %d", status, body, tt.want)
			}
		})
	}

	t.Run("RevokedKey", func(t *testing.T) {
		ctx := context.Background()
		key, rec, err := e.app.Keys.Create(ctx, apikey.Request{Role: "admin", Label: "revoked"}, "test", "test")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.Keys.Revoke(ctx, rec.ID, "test", "test"); err != nil {
			t.Fatal(err)
		}
		if status, _ := e.do(http.MethodGet, "/api/people/E1", key, "", nil); status != 401 {
			t.Errorf("got %d, want 401", status)
		}
	})
}

func TestAssignmentRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	leaving := header +
		"L1,l1@example.com,Lee,all-staff,,Ops,employee,,,2026-01-05,2026-11-20,UTC\n" +
		"S1,s1@example.com,Sam,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	if status, body := e.putRoster("", "text/csv", leaving); status != http.StatusOK {
		t.Fatalf("import: %d %v", status, body)
	}
	run := func(day string, dryRun bool) map[string]any {
		t.Helper()
		status, body := e.do(http.MethodPost, "/api/assignments/run", e.admin, "application/json",
			fmt.Appendf(nil, `{"date": %q, "dryRun": %v}`, day, dryRun))
		if status != http.StatusOK {
			t.Fatalf("run %s: %d %v", day, status, body)
		}
		return body
	}
	// First run ever: everybody is evaluated, nothing is new.
	if body := run("2026-11-02", false); body["full"] != true || num(body["evaluated"]) != 2 || num(body["created"]) != 0 {
		t.Errorf("first run: %v", body)
	}
	// Later days only read what the wake index names: the leaver, the day after their end date.
	if body := run("2026-11-21", true); body["full"] != false || num(body["evaluated"]) != 1 || num(body["closed"]) != 4 {
		t.Errorf("dry run on the leaving day: %v", body)
	}
	if body := run("2026-11-21", false); num(body["closed"]) != 4 {
		t.Errorf("run on the leaving day: %v", body)
	}
	if body := run("2026-11-21", false); num(body["closed"])+num(body["created"]) != 0 {
		t.Errorf("replayed run changed something: %v", body)
	}
	if status, body := e.do(http.MethodPost, "/api/assignments/run", e.admin, "application/json", []byte(`{"date": "21/11/2026"}`)); status != 422 {
		t.Errorf("bad date: %d %v", status, body)
	}
}
