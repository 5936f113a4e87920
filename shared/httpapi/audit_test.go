package httpapi_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/audit"
)

// eventsOf returns today's audit events with the given action.
func (e *env) eventsOf(action string) []audit.Event {
	e.t.Helper()
	all, err := e.app.Store.AuditEvents(context.Background(), e.now.UTC().Format(time.DateOnly))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []audit.Event
	for _, ev := range all {
		if ev.Action == action {
			out = append(out, ev)
		}
	}
	return out
}

// TestNudgeIsAudited: a manual nudge writes a reminder.nudged event naming
// who nudged whom; a refused second nudge writes none.
func TestNudgeIsAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedTeam("nudge-audit.example.com", [3]string{"M1", "all-staff", ""}, [3]string{"R1", "all-staff", "M1"}, [3]string{"R2", "all-staff", "M1"})
	c, csrf := e.signedIn(ps["M1"])
	for range 2 {
		e.send(c, http.MethodPost, "/api/people/R1/nudge", http.Header{"X-Csrf-Token": {csrf}, "User-Agent": {"nudge-test"}}, "")
	}
	if status, body := e.do(http.MethodPost, "/api/people/R2/nudge", e.admin, "", nil); status != http.StatusCreated {
		t.Fatalf("admin key nudge: %d %v", status, body)
	}
	evs := e.eventsOf("reminder.nudged")
	if len(evs) != 2 {
		t.Fatalf("got %d reminder.nudged events, want 2: %+v", len(evs), evs)
	}
	bySubject := map[string]audit.Event{}
	for _, ev := range evs {
		bySubject[ev.Subject] = ev
	}
	if ev := bySubject["person#R1"]; ev.Actor != "person:M1" || ev.Source == "" {
		t.Errorf("manager's nudge event %+v", ev)
	}
	if ev := bySubject["person#R2"]; !strings.HasPrefix(ev.Actor, "apikey:admin-test:") {
		t.Errorf("admin key's nudge event %+v", ev)
	}
}

// TestReadsOfAPersonAreAudited: reading someone's record or notifications,
// as their manager, an auditor or with a key, writes a person.read event
// (who, whose, which record, from where); failed reads write none.
func TestReadsOfAPersonAreAudited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedTeam("read-audit.example.com", [3]string{"M1", "all-staff", ""}, [3]string{"R1", "all-staff", "M1"}, [3]string{"AUD", "all-staff;auditor", ""})
	manager, _ := e.signedIn(ps["M1"])
	auditor, _ := e.signedIn(ps["AUD"])
	ua := http.Header{"User-Agent": {"read-audit-test"}}
	reads := []struct {
		c      *http.Client
		key    string
		path   string
		actor  string
		record string
	}{
		{manager, "", "/api/people/R1", "person:M1", "profile"},
		{manager, "", "/api/people/R1/notifications", "person:M1", "notifications"},
		{auditor, "", "/api/people/M1", "person:AUD", "profile"},
		{http.DefaultClient, e.auditor, "/api/people/R1/notifications", "apikey:auditor-test:", "notifications"},
		{http.DefaultClient, e.admin, "/api/people/AUD", "apikey:admin-test:", "profile"},
	}
	for _, rd := range reads {
		h := ua.Clone()
		if rd.key != "" {
			h.Set("Authorization", "Bearer "+rd.key)
		}
		if resp, body := e.send(rd.c, http.MethodGet, rd.path, h, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", rd.path, resp.StatusCode, body)
		}
	}
	// Refused or failed reads are not reads of a record.
	e.send(manager, http.MethodGet, "/api/people/AUD", nil, "")
	e.do(http.MethodGet, "/api/people/NOPE", e.admin, "", nil)
	e.do(http.MethodGet, "/api/people/R1", e.hris, "", nil)

	evs := e.eventsOf("person.read")
	if len(evs) != len(reads) {
		t.Fatalf("got %d person.read events, want %d: %+v", len(evs), len(reads), evs)
	}
	// The test's clock stands still, so events are matched, not ordered.
	for _, rd := range reads {
		subject := "person#" + strings.TrimSuffix(strings.TrimPrefix(rd.path, "/api/people/"), "/notifications")
		found := slices.ContainsFunc(evs, func(ev audit.Event) bool {
			return strings.HasPrefix(ev.Actor, rd.actor) && ev.Subject == subject && ev.Details["record"] == rd.record &&
				ev.Source != "" && ev.Details["userAgent"] == "read-audit-test"
		})
		if !found {
			t.Errorf("no person.read event by %s of %s's %s in %+v", rd.actor, subject, rd.record, evs)
		}
	}
}
