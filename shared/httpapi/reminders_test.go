package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestNudgesAndReminderRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedTeam("nudge.example.com", [3]string{"M1", "all-staff", ""}, [3]string{"R1", "all-staff", "M1"}, [3]string{"O1", "all-staff", ""})
	c, csrf := e.signedIn(ps["M1"])
	nudge := func(id string) int {
		resp, _ := e.send(c, http.MethodPost, "/api/people/"+id+"/nudge", http.Header{"X-Csrf-Token": {csrf}}, "")
		return resp.StatusCode
	}
	before := len(e.mailTo(ps["R1"].email))
	if got := nudge("R1"); got != http.StatusCreated {
		t.Fatalf("manager nudges report: %d", got)
	}
	msgs := e.mailTo(ps["R1"].email)
	if len(msgs) != before+1 || !strings.Contains(msgs[len(msgs)-1].Subject, "Reminder") || !linkPattern.MatchString(msgs[len(msgs)-1].Text) {
		t.Fatalf("nudge email: %d new, last %+v", len(msgs)-before, msgs[len(msgs)-1].Subject)
	}
	if got := nudge("R1"); got != http.StatusConflict {
		t.Errorf("second nudge the same day: %d, want 409", got)
	}
	if got := nudge("O1"); got != http.StatusNotFound {
		t.Errorf("nudging someone not in the team: %d, want 404", got)
	}
	if resp, _ := e.send(c, http.MethodPost, "/api/people/R1/nudge", nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("nudge without CSRF token: %d, want 403", resp.StatusCode)
	}
	if status, _ := e.do(http.MethodPost, "/api/people/O1/nudge", e.auditor, "", nil); status != http.StatusForbidden {
		t.Errorf("auditor key nudging: %d, want 403", status)
	}
	if status, body := e.do(http.MethodPost, "/api/people/O1/nudge", e.admin, "", nil); status != http.StatusCreated {
		t.Errorf("admin key nudging: %d %v", status, body)
	}

	status, body := e.do(http.MethodGet, "/api/people/R1/notifications", e.auditor, "", nil)
	hist, _ := body["notifications"].([]any)
	if status != http.StatusOK || len(hist) != 1 {
		t.Fatalf("history: %d %v", status, body)
	}
	if h := hist[0].(map[string]any); h["kind"] != "nudge" || h["status"] != "sent" || !strings.HasPrefix(h["actor"].(string), "person:M1") {
		t.Errorf("history line %v", h)
	}

	// The run endpoint: a dry run lists, sends nothing; only admins may run it.
	if status, _ := e.do(http.MethodPost, "/api/reminders/run", e.hris, "application/json", []byte(`{}`)); status != http.StatusForbidden {
		t.Errorf("run with hris key: %d", status)
	}
	status, body = e.do(http.MethodPost, "/api/reminders/run", e.admin, "application/json", []byte(`{"date": "2026-11-03", "dryRun": true}`))
	raw, _ := json.Marshal(body)
	if status != http.StatusOK || body["dryRun"] != true || num(body["notifications"]) != 3 || !strings.Contains(string(raw), ps["O1"].email) {
		t.Fatalf("dry run: %d %s", status, raw)
	}
	before = len(e.mailTo(ps["O1"].email))
	if status, body = e.do(http.MethodPost, "/api/reminders/run", e.admin, "application/json", []byte(`{"date": "2026-11-03"}`)); status != http.StatusOK {
		t.Fatalf("run: %d %v", status, body)
	}
	if got := len(e.mailTo(ps["O1"].email)) - before; got != 1 {
		t.Errorf("O1 got %d digests, want 1", got)
	}
	if status, _ = e.do(http.MethodPost, "/api/reminders/run", e.admin, "application/json", []byte(`{"date": "3 Nov"}`)); status != http.StatusUnprocessableEntity {
		t.Errorf("bad date: %d", status)
	}
}
