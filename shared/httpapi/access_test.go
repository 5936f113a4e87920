package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"
)

// TestPersonAccessBySession checks who, signed in, may read
// GET /api/people/{id}: their manager chain, and people with the admin or
// auditor access role; to everybody else the person does not exist.
func TestPersonAccessBySession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tag := time.Now().UnixNano()
	rows := []struct{ id, roles, manager string }{
		{"A", "all-staff;manager", ""},
		{"B", "all-staff;manager", "A"},
		{"C", "all-staff", "B"},
		{"D", "all-staff", ""},
		{"ADM", "all-staff;admin", ""},
		{"AUD", "all-staff;auditor", ""},
	}
	csv := header
	ps := map[string]person{}
	for _, r := range rows {
		p := person{id: r.id, email: fmt.Sprintf("%s-%d@access.example.com", r.id, tag), name: "Person " + r.id}
		ps[r.id] = p
		csv += fmt.Sprintf("%s,%s,%s,%s,%s,Ops,employee,,,2026-01-05,,UTC\n", p.id, p.email, p.name, r.roles, r.manager)
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	want := map[string]map[string]int{
		"A":   {"B": 200, "C": 200, "D": 404, "A": 404, "NOPE": 404},
		"B":   {"C": 200, "A": 404, "D": 404},
		"C":   {"A": 404, "B": 404},
		"D":   {"A": 404, "C": 404},
		"ADM": {"A": 200, "C": 200, "NOPE": 404},
		"AUD": {"B": 200, "D": 200},
	}
	for viewer, targets := range want {
		c, _ := e.signedIn(ps[viewer])
		for target, status := range targets {
			t.Run(viewer+"Sees"+target, func(t *testing.T) {
				resp, body := e.send(c, http.MethodGet, "/api/people/"+target, nil, "")
				if resp.StatusCode != status {
					t.Errorf("got %d %s, want %d", resp.StatusCode, body, status)
				}
				if status != http.StatusOK {
					return
				}
				// Managers see their reports' training, not their roster
				// history; admins and auditors see both.
				var v struct{ History []json.RawMessage }
				if err := json.Unmarshal([]byte(body), &v); err != nil {
					t.Fatal(err)
				}
				if privileged := viewer == "ADM" || viewer == "AUD"; privileged != (len(v.History) > 0) {
					t.Errorf("%s sees %d revisions of %s's roster history", viewer, len(v.History), target)
				}
			})
		}
	}
	anonymous := e.browser()
	if resp, _ := e.send(anonymous, http.MethodGet, "/api/people/C", nil, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("without a session or key: %d, want 401", resp.StatusCode)
	}
}
