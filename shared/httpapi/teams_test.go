package httpapi_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// seedManagerTeam imports a manager TM with two reports (TR1, TR2) and TR2's
// report TR3, and moves the clock 40 days on, so that everything assigned
// on import is 10 days overdue.
func (e *env) seedManagerTeam(domain string) map[string]person {
	e.t.Helper()
	ps := e.seedTeam(domain,
		[3]string{"TM", "all-staff;manager", ""},
		[3]string{"TR1", "all-staff", "TM"},
		[3]string{"TR2", "all-staff;manager", "TM"},
		[3]string{"TR3", "all-staff", "TR2"},
	)
	e.now = e.now.AddDate(0, 0, 40)
	return ps
}

func TestTeamAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.seedManagerTeam("team-api.example.com")

	status, body := e.do(http.MethodGet, "/api/teams/TM", e.auditor, "", nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/teams/TM: %d %v", status, body)
	}
	people, _ := body["people"].([]any)
	totals, _ := body["totals"].(map[string]any)
	if len(people) != 3 || body["scope"] != "all" || num(totals["people"]) != 3 || num(totals["overdue"]) == 0 {
		t.Fatalf("team: %d people, totals %v", len(people), totals)
	}
	first, _ := people[0].(map[string]any)
	assignments, _ := first["assignments"].([]any)
	a, _ := assignments[0].(map[string]any)
	if a["status"] != "overdue" || num(a["daysOverdue"]) != 10 || a["waiverId"] != nil || a["completedAt"] != nil {
		t.Errorf("first assignment %v", a)
	}
	if status, body := e.do(http.MethodGet, "/api/teams/TM?scope=direct&department=ops", e.admin, "", nil); status != http.StatusOK || len(body["people"].([]any)) != 2 {
		t.Errorf("scope=direct: %d %v", status, body)
	}
	for _, q := range []string{"?scope=everyone", "?status=late", "?format=xml"} {
		if status, body := e.do(http.MethodGet, "/api/teams/TM"+q, e.admin, "", nil); status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %v", q, status, body)
		}
	}
	if status, _ := e.do(http.MethodGet, "/api/teams/NOBODY", e.admin, "", nil); status != http.StatusNotFound {
		t.Errorf("unknown manager, admin key: %d, want 404", status)
	}

	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/teams/TM?format=csv", nil)
	req.Header.Set("Authorization", "Bearer "+e.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename="team-TM-`) {
		t.Fatalf("CSV: %d %v", resp.StatusCode, resp.Header)
	}
	if lines := strings.Split(strings.TrimSpace(string(raw)), "\n"); !strings.HasPrefix(lines[0], "employee_id,name,department,manager_id,depth") || len(lines) < 4 {
		t.Errorf("CSV:\n%s", raw)
	}
	// Each view is audited.
	reads := 0
	for _, ev := range e.eventsOf("team.read") {
		if ev.Subject == "person#TM" {
			reads++
		}
	}
	if reads != 3 {
		t.Errorf("%d team.read events of TM's team, want 3", reads)
	}
}

// TestBrowserTeam drives /team in headless Chromium at 375 px and at
// 1280 px: a manager signs in, sees the team most overdue first with the
// totals, filters it, nudges an overdue report (a second nudge that day is
// refused with a notice) and finds the CSV link.
func TestBrowserTeam(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ps := e.seedManagerTeam("browser-team-" + size.name + ".example.com")
			p := newScreen(t, browser, "team-"+size.name, size.width, size.height)
			p.signIn(e, ps["TM"].id)
			p.load(http.StatusOK, "/team", chromedp.Click(chromedp.CSS(`main a[href="/team"]`)))
			if h := p.text("h1"); h != "Your team" {
				t.Fatalf("/team title %q", h)
			}
			if totals := p.text("ul.totals"); !strings.Contains(totals, "3\npeople") && !strings.Contains(totals, "3 people") {
				t.Errorf("totals %q", totals)
			}
			if caption := p.text("table.team caption"); caption == "" {
				t.Error("the table has no caption")
			}
			if first := p.text("table.team tbody tr td:nth-child(4)"); !strings.Contains(first, "Overdue 10 days") {
				t.Errorf("the first row's training: %q", first)
			}
			p.fitsWidth("/team")
			p.shot("team")

			// Filter: direct reports only (a GET form, no script).
			p.do(chromedp.SetValue(chromedp.CSS("#scope"), "direct"))
			p.load(http.StatusOK, "/team?scope=direct&status=&department=", chromedp.Click(chromedp.CSS(`form.filters button[type=submit]`)))
			if n := run(p, chromedp.Evaluate[int](`document.querySelectorAll("table.team tbody tr").length`)); n != 2 {
				t.Errorf("direct reports: %d rows, want 2", n)
			}
			p.shot("team-direct")

			// Nudge the first overdue person.
			name := ps["TR1"].name
			p.load(http.StatusOK, "/team?nudged=TR1&scope=direct", chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[normalize-space()="Nudge %s"]`, name))))
			if note := p.text("main [role=status]"); note != "Reminder sent to "+name+"." {
				t.Errorf("after the nudge: %q", note)
			}
			if mails := e.mailTo(ps["TR1"].email); len(mails) != 1 {
				t.Errorf("TR1 got %d emails, want the nudge", len(mails))
			}
			p.fitsWidth("/team after a nudge")
			p.shot("nudged")
			p.load(http.StatusConflict, "/team/nudge/TR1", chromedp.Click(chromedp.Search(fmt.Sprintf(`//button[normalize-space()="Nudge %s"]`, name))))
			if note := p.text("main [role=alert]"); !strings.HasPrefix(note, "Not sent:") {
				t.Errorf("a second nudge the same day: %q", note)
			}
			p.shot("nudge-refused")
			href := run(p, chromedp.AttributeValue(chromedp.CSS(`main a[download]`), "href"))
			if !strings.HasPrefix(href.Value, "/api/teams/TM?") || !strings.Contains(href.Value, "format=csv") {
				t.Errorf("CSV link %q", href.Value)
			}
		})
	}
}
