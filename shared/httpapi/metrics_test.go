package httpapi_test

import (
	"context"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/metrics"
)

// TestMetricsAndReportsOverHTTP: the figures and an agreement's report as
// JSON (every exchange held to the OpenAPI document): a closed quarter
// before and after it is frozen equals asOf its last day, a scoped auditor
// key reads its agreement's engagement only, and a bad period is 422
// naming the parameter.
func TestMetricsAndReportsOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// The roster as recorded in August, and the agreement.
	e.now = time.Date(2026, 8, 3, 9, 0, 0, 0, time.UTC)
	if status, body := e.putRoster("", "text/csv", header+
		"G1,g1@metrics-http.example.com,Gil,all-staff,,Eng,employee,,globex-health,2026-01-05,,UTC\n"+
		"G2,g2@metrics-http.example.com,Gwen,all-staff,G1,Ops,subcontractor,Initech,globex-health,2026-07-01,,Europe/Berlin\n"+
		"O1,o1@metrics-http.example.com,Otto,all-staff,G1,Ops,employee,,,2026-01-05,,UTC\n"); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	if status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(globexBody)); status != http.StatusCreated {
		t.Fatalf("agreement: %d %v", status, body)
	}
	e.now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

	get := func(key, path string, want int) map[string]any {
		t.Helper()
		status, body := e.do(http.MethodGet, path, key, "", nil)
		if status != want {
			t.Fatalf("GET %s: %d %v, want %d", path, status, body, want)
		}
		return body
	}
	asOf := get(e.auditor, "/api/metrics?asOf=2026-09-30&by=department", http.StatusOK)
	if asOf["frozen"] != false || asOf["scope"] != "organisation" || asOf["quarter"] != "2026-Q3" {
		t.Errorf("as of 2026-09-30: %v", asOf)
	}
	if people := asOf["counts"].(map[string]any)["people"]; people != float64(3) {
		t.Errorf("as of 2026-09-30: %v people, want 3", people)
	}
	if by := asOf["by"].(map[string]any)["department"].(map[string]any); len(by) != 2 || by["Ops"] == nil {
		t.Errorf("by department: %v", by)
	}
	unfrozen := get(e.admin, "/api/metrics?quarter=2026-Q3&by=department", http.StatusOK)
	if !reflect.DeepEqual(unfrozen, asOf) {
		t.Errorf("quarter=2026-Q3 before freezing:\n%v\nwant %v", unfrozen, asOf)
	}
	liveReport := get(e.admin, "/api/agreements/globex-2026/report?quarter=2026-Q3", http.StatusOK)
	if liveReport["frozen"] != false || liveReport["people"] != float64(2) {
		t.Errorf("live report: %v", liveReport)
	}

	// The freeze function freezes (the API may only read snapshots).
	store := dynamo.New(e.stack.DynamoClient(), e.table, func() time.Time { return e.now })
	freezer := &metrics.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: e.app.Catalog, Now: func() time.Time { return e.now }}
	if _, err := freezer.Freeze(ctx, "2026-Q3", "test"); err != nil {
		t.Fatal(err)
	}
	frozen := get(e.admin, "/api/metrics?quarter=2026-Q3&by=department", http.StatusOK)
	if frozen["frozen"] != true {
		t.Errorf("quarter=2026-Q3 after freezing is not frozen")
	}
	frozen["frozen"] = false
	if !reflect.DeepEqual(frozen, asOf) {
		t.Errorf("frozen quarter:\n%v\nwant %v", frozen, asOf)
	}
	report := get(e.auditor, "/api/agreements/globex-2026/report?quarter=2026-Q3", http.StatusOK)
	if report["frozen"] != true {
		t.Errorf("report after freezing is not frozen")
	}
	report["frozen"] = false
	if !reflect.DeepEqual(report, liveReport) {
		t.Errorf("frozen report:\n%v\nwant %v", report, liveReport)
	}
	get(e.admin, "/api/agreements/globex-2026/report", http.StatusOK)
	get(e.admin, "/api/metrics", http.StatusOK)

	t.Run("ScopedAuditor", func(t *testing.T) {
		scoped, _, err := (&apikey.Service{Store: e.app.Store}).Create(ctx,
			apikey.Request{Role: "auditor", Label: "Globex auditor", Agreement: "globex-2026"}, "test", "test")
		if err != nil {
			t.Fatal(err)
		}
		own := get(scoped, "/api/metrics?quarter=2026-Q3&engagement=globex-health&by=employment_type", http.StatusOK)
		if own["scope"] != "engagement:globex-health" || own["counts"].(map[string]any)["people"] != float64(2) {
			t.Errorf("scoped metrics: %v", own)
		}
		get(scoped, "/api/metrics?quarter=2026-Q3", http.StatusForbidden)
		get(scoped, "/api/metrics?quarter=2026-Q3&engagement=acme-bank", http.StatusForbidden)
		get(scoped, "/api/agreements/globex-2026/report?quarter=2026-Q3", http.StatusOK)
		get(scoped, "/api/agreements/other/report?quarter=2026-Q3", http.StatusForbidden)
	})

	t.Run("Invalid", func(t *testing.T) {
		for path, field := range map[string]string{
			"/api/metrics?asOf=2026-11-03":                       "asOf",
			"/api/metrics?asOf=yesterday":                        "asOf",
			"/api/metrics?quarter=2027-Q1":                       "quarter",
			"/api/metrics?asOf=2026-09-30&quarter=2026-Q3":       "quarter",
			"/api/metrics?by=colour":                             "by",
			"/api/agreements/globex-2026/report?quarter=2026-Q9": "quarter",
		} {
			body := get(e.admin, path, http.StatusUnprocessableEntity)
			problems, _ := body["problems"].([]any)
			if len(problems) != 1 || problems[0].(map[string]any)["field"] != field {
				t.Errorf("GET %s: %v, want a problem on %s", path, body, field)
			}
		}
		get(e.admin, "/api/agreements/nope/report", http.StatusNotFound)
	})
}
