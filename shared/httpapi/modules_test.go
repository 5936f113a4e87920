package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/catalog"
)

// signedIn signs p in with a fresh browser and returns it with its CSRF token.
func (e *env) signedIn(p person) (*http.Client, string) {
	e.t.Helper()
	c := e.browser()
	token := e.linkFor(c, p)
	if resp, _ := e.send(c, http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusSeeOther {
		e.t.Fatalf("sign in: %d", resp.StatusCode)
	}
	_, body := e.send(c, http.MethodGet, "/api/me", nil, "")
	var me struct{ CSRFToken string }
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		e.t.Fatal(err)
	}
	return c, me.CSRFToken
}

// answers returns the answers to m's quiz: right ones for the first `right`
// questions, wrong ones after.
func answers(m *catalog.Module, right int) map[string]string {
	out := map[string]string{}
	for i, q := range m.Questions {
		out[q.ID] = q.Correct
		if i >= right {
			for _, o := range q.Options {
				if o.ID != q.Correct {
					out[q.ID] = o.ID
					break
				}
			}
		}
	}
	return out
}

func (e *env) postAttempt(c *http.Client, csrf, moduleID, body string) (int, map[string]any) {
	e.t.Helper()
	resp, raw := e.send(c, http.MethodPost, "/api/me/modules/"+moduleID+"/attempts",
		http.Header{"Content-Type": {"application/json"}, "X-Csrf-Token": {csrf}}, body)
	var out map[string]any
	_ = json.Unmarshal([]byte(raw), &out)
	return resp.StatusCode, out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestModuleJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("module", "M1")["M1"]
	c, csrf := e.signedIn(p)
	m, _ := e.app.Catalog.Module("security-awareness")

	// The page shows the module and the quiz, never the answers.
	resp, page := e.send(c, http.MethodGet, "/me/modules/"+m.ID, nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, m.Title) || !strings.Contains(page, `name="q_`+m.Questions[0].ID+`"`) {
		t.Fatalf("module page: %d", resp.StatusCode)
	}
	if strings.Contains(page, "correct") {
		t.Error("the module page mentions the correct answers")
	}

	// Fail, then pass.
	status, res := e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": answers(m, 1)}))
	if status != http.StatusOK || res["passed"] != false || num(res["attempt"]) != 1 || num(res["score"]) >= m.PassMark {
		t.Fatalf("failing attempt: %d %v", status, res)
	}
	status, res = e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": answers(m, len(m.Questions))}))
	if status != http.StatusOK || res["passed"] != true || num(res["attempt"]) != 2 || num(res["score"]) != 100 {
		t.Fatalf("passing attempt: %d %v", status, res)
	}
	// Completed: a further attempt is refused.
	if status, res = e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": answers(m, len(m.Questions))})); status != http.StatusConflict {
		t.Errorf("attempt after completion: %d %v", status, res)
	}

	_, body := e.send(c, http.MethodGet, "/api/me", nil, "")
	var me struct {
		Assignments []struct {
			ModuleID, Status string
			CompletedAt      *string
			Score            *int
		}
	}
	_ = json.Unmarshal([]byte(body), &me)
	for _, a := range me.Assignments {
		if a.ModuleID == m.ID && (a.Status != "completed" || a.CompletedAt == nil || a.Score == nil || *a.Score != 100) {
			t.Errorf("completed assignment shows %+v", a)
		}
	}

	resp, receipt := e.send(c, http.MethodGet, "/me/modules/"+m.ID+"/receipt", nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(receipt, m.SHA256) || !strings.Contains(receipt, "100%") || !strings.Contains(receipt, "attempt 2") {
		t.Errorf("receipt: %d", resp.StatusCode)
	}

	attempts, err := e.app.Store.Attempts(context.Background(), "M1", m.ID)
	if err != nil || len(attempts) != 2 || attempts[0].Passed || !attempts[1].Passed || attempts[1].ContentSHA256 != m.SHA256 {
		t.Errorf("stored attempts %+v err %v", attempts, err)
	}
	events, _ := e.app.Store.AuditEvents(context.Background(), e.now.Format(time.DateOnly))
	counts := map[string]int{}
	for _, ev := range events {
		counts[ev.Action]++
	}
	if counts["module.attempted"] != 1 || counts["module.completed"] != 1 || counts["signin"] != 1 {
		t.Errorf("audit events %v", counts)
	}

	// The completion puts the annual module on the wake index for its renewal day.
	ids, err := e.app.Store.WokenPeople(context.Background(), e.now.AddDate(1, 0, 0).Format(time.DateOnly))
	if err != nil || len(ids) != 1 || ids[0] != "M1" {
		t.Errorf("woken on the renewal day: %v %v", ids, err)
	}
}

func TestModuleFormWithoutJavaScript(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("form", "F1")["F1"]
	c, csrf := e.signedIn(p)
	m, _ := e.app.Catalog.Module("access-control")
	form := func(a map[string]string) string {
		v := url.Values{"csrf": {csrf}}
		for q, o := range a {
			v.Set("q_"+q, o)
		}
		return v.Encode()
	}
	formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}

	resp, page := e.send(c, http.MethodPost, "/me/modules/"+m.ID+"/attempts", formHeader, form(answers(m, 0)))
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "You scored 0%") {
		t.Errorf("failed form attempt: %d", resp.StatusCode)
	}
	partial := answers(m, len(m.Questions))
	delete(partial, m.Questions[0].ID)
	if resp, page := e.send(c, http.MethodPost, "/me/modules/"+m.ID+"/attempts", formHeader, form(partial)); resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "answer every question") {
		t.Errorf("incomplete form: %d", resp.StatusCode)
	}
	resp, _ = e.send(c, http.MethodPost, "/me/modules/"+m.ID+"/attempts", formHeader, form(answers(m, len(m.Questions))))
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/me/modules/"+m.ID+"/receipt" {
		t.Errorf("passing form attempt: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	v := url.Values{}
	for q, o := range answers(m, len(m.Questions)) {
		v.Set("q_"+q, o)
	}
	if resp, _ := e.send(c, http.MethodPost, "/me/modules/"+m.ID+"/attempts", formHeader, v.Encode()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("form without CSRF token: %d, want 403", resp.StatusCode)
	}
}

func TestModuleHostileInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("modhostile", "X1", "X2")
	c, csrf := e.signedIn(ps["X1"])
	m, _ := e.app.Catalog.Module("data-privacy")
	good := answers(m, len(m.Questions))
	with := func(change func(map[string]string)) string {
		a := map[string]string{}
		for k, v := range good {
			a[k] = v
		}
		change(a)
		return mustJSON(map[string]any{"answers": a})
	}

	tests := []struct {
		name, module, body string
		csrf               string
		want               int
	}{
		{"UnknownQuestion", m.ID, with(func(a map[string]string) { a["q999"] = "a" }), csrf, 422},
		{"UnknownOption", m.ID, with(func(a map[string]string) { a[m.Questions[0].ID] = "zz" }), csrf, 422},
		{"MissingAnswer", m.ID, with(func(a map[string]string) { delete(a, m.Questions[0].ID) }), csrf, 422},
		{"WrongShape", m.ID, `{"answers": ["a", "b"]}`, csrf, 422},
		{"NoAnswers", m.ID, `{}`, csrf, 422},
		{"UnknownField", m.ID, `{"answers": {}, "score": 100}`, csrf, 422},
		{"OneMegabyte", m.ID, `{"answers": {"q1": "` + strings.Repeat("a", 1<<20) + `"}}`, csrf, 413},
		{"NoCSRFToken", m.ID, with(func(map[string]string) {}), "", 403},
		{"WrongCSRFToken", m.ID, with(func(map[string]string) {}), strings.Repeat("C", 43), 403},
		{"ModuleNotAssigned", "secure-development", `{"answers": {}}`, csrf, 404},
		{"UnknownModule", "no-such-module", `{"answers": {}}`, csrf, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, res := e.postAttempt(c, tt.csrf, tt.module, tt.body); status != tt.want {
				t.Errorf("got %d %v, want %d", status, res, tt.want)
			}
		})
	}
	if attempts, _ := e.app.Store.Attempts(context.Background(), "X1", m.ID); len(attempts) != 0 {
		t.Errorf("refused attempts were stored: %d", len(attempts))
	}

	t.Run("AnotherPersonsSessionSeesOnlyTheirOwn", func(t *testing.T) {
		c2, csrf2 := e.signedIn(ps["X2"])
		if status, res := e.postAttempt(c2, csrf2, m.ID, mustJSON(map[string]any{"answers": good})); status != 200 || res["attempt"] != float64(1) {
			t.Fatalf("X2's attempt: %d %v", status, res)
		}
		if a, _ := e.app.Store.Attempts(context.Background(), "X1", m.ID); len(a) != 0 {
			t.Error("X2's attempt landed on X1")
		}
	})

	t.Run("ParallelDoubleSubmitCompletesOnce", func(t *testing.T) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[string]int{}
		for range 8 {
			wg.Go(func() {
				status, res := e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": good}))
				mu.Lock()
				codes[fmt.Sprintf("%d passed=%v", status, res["passed"])]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes["200 passed=true"] != 1 {
			t.Errorf("outcomes %v, want exactly one completion", codes)
		}
		events, _ := e.app.Store.AuditEvents(context.Background(), e.now.Format(time.DateOnly))
		completions := 0
		for _, ev := range events {
			if ev.Action == "module.completed" && ev.Subject == "person#X1" {
				completions++
			}
		}
		if completions != 1 {
			t.Errorf("%d completion events, want 1", completions)
		}
	})
}

// TestModuleAttemptsCappedPerDay: a person has 10 attempts a day (UTC) at a
// module, so answers cannot be found by trying every combination. Over the
// cap, the API answers 429 naming the limit and when it resets, the form
// shows the module page with that message, and the module page says no
// attempts are left today; nothing is recorded. The next UTC day they can
// try again, and another module is not affected.
func TestModuleAttemptsCappedPerDay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("cap", "C1")["C1"]
	c, csrf := e.signedIn(p)
	m, _ := e.app.Catalog.Module("security-awareness")
	other, _ := e.app.Catalog.Module("access-control")
	wrong := mustJSON(map[string]any{"answers": answers(m, 0)})
	for i := range 10 {
		if status, res := e.postAttempt(c, csrf, m.ID, wrong); status != http.StatusOK {
			t.Fatalf("attempt %d: %d %v", i+1, status, res)
		}
	}

	status, res := e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": answers(m, len(m.Questions))}))
	msg, _ := res["error"].(string)
	if status != http.StatusTooManyRequests || !strings.Contains(msg, "10 attempts") || !strings.Contains(msg, "00:00 UTC") {
		t.Errorf("11th attempt: %d %v, want 429 naming the limit and the reset", status, res)
	}
	formHeader := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	v := url.Values{"csrf": {csrf}}
	for q, o := range answers(m, 0) {
		v.Set("q_"+q, o)
	}
	resp, page := e.send(c, http.MethodPost, "/me/modules/"+m.ID+"/attempts", formHeader, v.Encode())
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(page, "10 attempts") || !strings.Contains(page, m.Title) {
		t.Errorf("form over the cap: %d, want 429 with the module page and the message", resp.StatusCode)
	}
	resp, page = e.send(c, http.MethodGet, "/me/modules/"+m.ID, nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "no attempts left today") || strings.Contains(page, "Submit answers") {
		t.Errorf("module page over the cap: %d, want the message instead of the submit button", resp.StatusCode)
	}
	if attempts, err := e.app.Store.Attempts(context.Background(), "C1", m.ID); err != nil || len(attempts) != 10 {
		t.Errorf("%d attempts stored (err %v), want 10", len(attempts), err)
	}
	if status, res := e.postAttempt(c, csrf, other.ID, mustJSON(map[string]any{"answers": answers(other, 0)})); status != http.StatusOK {
		t.Errorf("another module: %d %v", status, res)
	}

	// The next UTC day, signed in again (the session went idle overnight).
	e.now = time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC)
	c, csrf = e.signedIn(p)
	if status, res := e.postAttempt(c, csrf, m.ID, mustJSON(map[string]any{"answers": answers(m, len(m.Questions))})); status != http.StatusOK || res["passed"] != true {
		t.Errorf("the next day: %d %v", status, res)
	}
}
