package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// problemField returns the field of the only problem of a 422 body.
func problemField(body map[string]any) string {
	ps, _ := body["problems"].([]any)
	if len(ps) != 1 {
		return ""
	}
	f, _ := ps[0].(map[string]any)["field"].(string)
	return f
}

func TestSettings(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	put := func(body string) (int, map[string]any) {
		t.Helper()
		return e.do(http.MethodPut, "/api/settings", e.admin, "application/json", []byte(body))
	}

	status, body := e.do(http.MethodGet, "/api/settings", e.admin, "", nil)
	if status != http.StatusOK || body["sendingPaused"] != false || num(body["version"]) != 0 {
		t.Fatalf("default: %d %v", status, body)
	}
	status, body = put(`{"sendingPaused": true}`)
	if status != http.StatusOK || body["sendingPaused"] != true || num(body["version"]) != 1 ||
		!strings.HasPrefix(body["updatedBy"].(string), "apikey:admin-test:") || body["updatedAt"] != "2026-11-02T09:00:00Z" {
		t.Fatalf("pause: %d %v", status, body)
	}
	if n := e.auditCount(); n != 1 {
		t.Errorf("%d audit events, want 1", n)
	}
	// Pausing again changes nothing and records nothing.
	if status, body = put(`{"sendingPaused": true}`); status != http.StatusOK || num(body["version"]) != 1 {
		t.Errorf("pause again: %d %v", status, body)
	}
	if n := e.auditCount(); n != 1 {
		t.Errorf("%d audit events after a repeat, want 1", n)
	}
	if paused, err := e.app.Store.SendingPaused(context.Background()); err != nil || !paused {
		t.Errorf("store says paused=%v err=%v", paused, err)
	}
	if status, body = put(`{"sendingPaused": false}`); status != http.StatusOK || body["sendingPaused"] != false || num(body["version"]) != 2 {
		t.Errorf("resume: %d %v", status, body)
	}

	bad := []struct{ name, body, field string }{
		{"WrongType", `{"sendingPaused": "yes"}`, "sendingPaused"},
		{"UnknownField", `{"sendingPaused": true, "paused": true}`, "paused"},
		{"Missing", `{}`, "sendingPaused"},
		{"Null", `{"sendingPaused": null}`, "sendingPaused"},
		{"NotAnObject", `[true]`, ""},
		{"TwoObjects", `{"sendingPaused": true} {}`, ""},
		{"Empty", ``, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			status, body := put(tt.body)
			if status != http.StatusUnprocessableEntity || problemField(body) != tt.field || body["error"] == "" {
				t.Errorf("got %d %v, want 422 about %q", status, body, tt.field)
			}
			if tt.field != "" && !strings.Contains(body["error"].(string), tt.field) {
				t.Errorf("message %q does not name %s", body["error"], tt.field)
			}
		})
	}
	if status, _ := put(`{"sendingPaused": true, "x": "` + strings.Repeat("x", 16<<10) + `"}`); status != http.StatusRequestEntityTooLarge {
		t.Errorf("17 KB: got %d, want 413", status)
	}
	if n := e.auditCount(); n != 2 {
		t.Errorf("%d audit events, want 2 (pause, resume)", n)
	}
}

func TestVendors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	roster := header + "V1,owner@example.com,Olga Owner,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	if status, body := e.putRoster("", "text/csv", roster); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	audits := e.auditCount()
	put := func(path, body string) (int, map[string]any) {
		t.Helper()
		return e.do(http.MethodPut, path, e.admin, "application/json", []byte(body))
	}
	const path = "/api/vendors/Northwind%20%26%20Co"

	status, body := put(path, `{"contactEmail": "ops@northwind.example", "ownerEmployeeId": "V1"}`)
	if status != http.StatusCreated || body["vendor"] != "Northwind & Co" || body["contactEmail"] != "ops@northwind.example" ||
		body["ownerEmployeeId"] != "V1" || num(body["version"]) != 1 {
		t.Fatalf("create: %d %v", status, body)
	}
	if status, got := e.do(http.MethodGet, path, e.admin, "", nil); status != http.StatusOK || got["contactEmail"] != "ops@northwind.example" || num(got["version"]) != 1 {
		t.Errorf("get: %d %v", status, got)
	}
	// The same contacts again write nothing.
	if status, body = put(path, `{"contactEmail": "ops@northwind.example", "ownerEmployeeId": "V1"}`); status != http.StatusOK || num(body["version"]) != 1 {
		t.Errorf("repeat: %d %v", status, body)
	}
	// A PUT replaces: the owner left out is removed.
	if status, body = put(path, `{"contactEmail": "security@northwind.example"}`); status != http.StatusOK || num(body["version"]) != 2 || body["ownerEmployeeId"] != "" {
		t.Errorf("change: %d %v", status, body)
	}
	if status, body = put("/api/vendors/Contoso%2FLtd", `{}`); status != http.StatusCreated || body["vendor"] != "Contoso/Ltd" {
		t.Errorf("vendor with a slash: %d %v", status, body)
	}
	if n := e.auditCount() - audits; n != 3 {
		t.Errorf("%d vendor audit events, want 3", n)
	}
	status, body = e.do(http.MethodGet, "/api/vendors", e.admin, "", nil)
	list, _ := body["vendors"].([]any)
	if status != http.StatusOK || len(list) != 2 || list[0].(map[string]any)["vendor"] != "Contoso/Ltd" {
		t.Errorf("list: %d %v", status, body)
	}
	vs, err := e.app.Store.Vendors(context.Background())
	if err != nil || vs["Northwind & Co"].ContactEmail != "security@northwind.example" {
		t.Errorf("planner's view %v %v", vs, err)
	}
	if status, body := e.do(http.MethodGet, "/api/vendors/Fabrikam", e.admin, "", nil); status != http.StatusNotFound {
		t.Errorf("unknown vendor: %d %v", status, body)
	}
	if status, _ := put("/api/vendors/"+strings.Repeat("v", 100), `{}`); status != http.StatusCreated {
		t.Errorf("100-character key: got %d, want 201", status)
	}

	bad := []struct{ name, path, body, field string }{
		{"NamedAddress", path, `{"contactEmail": "Ops <ops@northwind.example>"}`, "contactEmail"},
		{"NotAnAddress", path, `{"contactEmail": "ops"}`, "contactEmail"},
		{"UnknownOwner", path, `{"ownerEmployeeId": "NOPE"}`, "ownerEmployeeId"},
		{"OwnerNotAnID", path, `{"ownerEmployeeId": "V1#PROFILE"}`, "ownerEmployeeId"},
		{"OwnerNotAString", path, `{"ownerEmployeeId": 7}`, "ownerEmployeeId"},
		{"UnknownField", path, `{"contact": "ops@northwind.example"}`, "contact"},
		{"KeyTooLong", "/api/vendors/" + strings.Repeat("v", 101), `{}`, "vendor"},
		{"KeyWithTab", "/api/vendors/North%09wind", `{}`, "vendor"},
		{"NotJSON", path, `contactEmail=ops@northwind.example`, ""},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			status, body := put(tt.path, tt.body)
			if status != http.StatusUnprocessableEntity || problemField(body) != tt.field {
				t.Errorf("got %d %v, want 422 about %q", status, body, tt.field)
			}
		})
	}
	if status, _ := e.do(http.MethodGet, "/api/vendors/North%09wind", e.admin, "", nil); status != http.StatusUnprocessableEntity {
		t.Errorf("get with a bad key: %d, want 422", status)
	}
	if status, _ := put(path, `{"contactEmail": "`+strings.Repeat("x", 16<<10)+`"}`); status != http.StatusRequestEntityTooLarge {
		t.Errorf("17 KB: got %d, want 413", status)
	}
	if n := e.auditCount() - audits; n != 4 {
		t.Errorf("%d vendor audit events after the refusals, want 4", n)
	}
}

func TestOrganisationEndpointsNeedAnAdminKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	endpoints := []struct{ method, path string }{
		{http.MethodGet, "/api/settings"},
		{http.MethodPut, "/api/settings"},
		{http.MethodGet, "/api/vendors"},
		{http.MethodGet, "/api/vendors/Northwind"},
		{http.MethodPut, "/api/vendors/Northwind"},
	}
	for _, ep := range endpoints {
		for _, k := range []struct {
			who, key string
			want     int
		}{{"NoKey", "", 401}, {"HRIS", e.hris, 403}, {"Auditor", e.auditor, 403}} {
			t.Run(ep.method+ep.path+k.who, func(t *testing.T) {
				status, body := e.do(ep.method, ep.path, k.key, "application/json", []byte(`{"sendingPaused": true}`))
				if status != k.want || body["error"] == nil {
					t.Errorf("got %d %v, want %d", status, body, k.want)
				}
			})
		}
	}
	if st, err := e.app.Store.Settings(context.Background()); err != nil || st.Version != 0 {
		t.Errorf("refused requests stored settings: %+v %v", st, err)
	}
}

func TestPersonShowsWhetherTheirAddressIsReachable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	roster := header + "R1,Rea.Chable@example.com,Rea Chable,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	if status, body := e.putRoster("", "text/csv", roster); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	status, body := e.do(http.MethodGet, "/api/people/R1", e.admin, "", nil)
	if _, present := body["unreachableReason"]; status != http.StatusOK || body["reachable"] != true || present {
		t.Fatalf("before: %d %v", status, body)
	}
	if err := e.app.Store.MarkUndeliverable(context.Background(), "rea.chable@EXAMPLE.com", "complaint", "ses-1", e.now); err != nil {
		t.Fatal(err)
	}
	status, body = e.do(http.MethodGet, "/api/people/R1", e.auditor, "", nil)
	if status != http.StatusOK || body["reachable"] != false || body["unreachableReason"] != "complaint" {
		t.Errorf("after a complaint: %d %v", status, body)
	}
}
