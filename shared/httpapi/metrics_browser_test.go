package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/quiz"
)

// seedQuarters gives e two frozen quarters: six people (three on the
// engagement globex) assigned their training on 2026-04-06, some of them
// completing it in 2026-Q2, more in 2026-Q3, and an agreement on globex;
// each quarter frozen after it closed. The clock ends on 2026-11-02.
func seedQuarters(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	at := func(day string) {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		e.now = d.Add(9 * time.Hour)
	}
	at("2026-04-06")
	tag := time.Now().UnixNano()
	csv := header
	for _, r := range []struct{ id, roles, dept, engagements string }{
		{"ADM", "all-staff;admin", "Operations", ""},
		{"E1", "all-staff", "Engineering", "globex"}, {"E2", "all-staff", "Engineering", "globex"},
		{"E3", "all-staff", "Research & Development, Europe, Middle East and Africa", "globex"},
		{"S1", "all-staff", "Sales", ""}, {"S2", "all-staff", "Sales", ""},
	} {
		csv += fmt.Sprintf("%s,%s-%d@metrics.example.com,Person %s,%s,,\"%s\",employee,,%s,2026-01-05,,UTC\n", r.id, strings.ToLower(r.id), tag, r.id, r.roles, r.dept, r.engagements)
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("roster: %d %v", status, body)
	}
	if status, body := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(`{"customer": "Globex <Health>",
		"engagement": "globex", "startDate": "2026-01-01", "obligations": [
		{"id": "4.2", "text": "Personnel with access to Customer Data complete security awareness training within 30 days.", "kind": "training",
		 "items": ["module:security-awareness"], "withinDays": 30, "target": 0.9},
		{"id": "4.3", "text": "Personnel acknowledge the Acceptable Use Policy every year.", "kind": "acknowledgment",
		 "items": ["policy:acceptable-use"], "withinDays": 30, "target": 0.8}]}`)); status != http.StatusCreated {
		t.Fatalf("agreement: %d %v", status, body)
	}
	mods, _ := e.app.Catalog.ItemsForRoles([]string{"all-staff"})
	complete := func(ids ...string) {
		for _, id := range ids {
			rec, _, err := e.app.Store.GetPerson(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range mods {
				if _, err := e.app.Quiz.Submit(ctx, quiz.Submission{Person: rec.Person, ModuleID: m.ID, Answers: answers(m, len(m.Questions))}); err != nil {
					t.Fatalf("%s takes %s: %v", id, m.ID, err)
				}
			}
		}
	}
	at("2026-04-20")
	complete("E1", "S1")
	// The freeze function's run, on a store of its own (the API's calls
	// are held to the API function's access).
	now := func() time.Time { return e.now }
	freezer := dynamo.New(e.stack.DynamoClient(), e.table, now)
	freeze := &metrics.Service{Histories: freezer, Snapshots: freezer, Agreements: freezer, Catalog: e.app.Catalog, Now: now}
	at("2026-07-02")
	if _, err := freeze.Freeze(ctx, "2026-Q2", "test"); err != nil {
		t.Fatal(err)
	}
	at("2026-08-10")
	complete("E2", "S2")
	at("2026-10-02")
	if _, err := freeze.Freeze(ctx, "2026-Q3", "test"); err != nil {
		t.Fatal(err)
	}
	at("2026-11-02")
}

// TestBrowserMetricsPages drives the overview's quarter figures, the
// metrics page and an agreement's report at 375 px and at 1280 px: an admin
// signs in, reads last quarter's figures and charts, asks the metrics page
// for that quarter by engagement with its form, and follows an agreement to
// its report. Every chart is an SVG image beside its table, and no page
// scrolls sideways.
func TestBrowserMetricsPages(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	e := newEnv(t)
	seedQuarters(t, e)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			p := newScreen(t, browser, "metrics-"+size.name, size.width, size.height)
			p.signIn(e, "ADM")

			p.load(http.StatusOK, "/admin", chromedp.Click(chromedp.CSS(`header a[href="/admin"]`)))
			if h := p.text("#quarter"); h != "Quarter 2026-Q3" {
				t.Errorf("the overview's quarter heading %q", h)
			}
			charts := run(p, chromedp.Evaluate[[]string](`[...document.querySelectorAll('svg.chart[role=img]')].map(s => s.querySelector('title').textContent)`))
			if len(charts) != 3 || !strings.HasPrefix(charts[0], "Completion by department") || !strings.HasPrefix(charts[1], "Completion and on-time rates") ||
				!strings.HasPrefix(charts[2], "Overdue assignments by age") {
				t.Errorf("the overview's charts %q", charts)
			}
			// Each chart is drawn at a readable size: as wide as its column,
			// at most 30rem.
			widths := run(p, chromedp.Evaluate[[]float64](`[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)`))
			for _, w := range widths {
				if w < 300 || w > 481 {
					t.Errorf("a chart is %.0f px wide", w)
				}
			}
			if row := p.text("#chart-departments-table tbody tr"); row != "Engineering\t100.00%\t8 of 8" {
				t.Errorf("the departments' first row %q", row)
			}
			if row := p.text("#chart-trend-table tbody tr:last-child"); row != "2026-Q3\t66.67%\t–" {
				t.Errorf("the trend's last row %q", row)
			}
			if row := p.text("#agreements-table tbody tr"); !strings.Contains(row, "Globex <Health>") || !strings.Contains(row, "4.2") {
				t.Errorf("the agreements' row %q", row)
			}
			p.fitsWidth("/admin")
			p.shot("overview")

			p.load(http.StatusOK, "/admin/metrics", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/metrics"]`)))
			// The page opens at the last closed quarter by department.
			if q := run(p, chromedp.Evaluate[string](`document.querySelector('#quarter').value`)); q != "2026-Q3" {
				t.Errorf("the metrics form opens at quarter %q", q)
			}
			p.do(chromedp.SetValue(chromedp.CSS("#by"), "engagement"))
			p.load(http.StatusOK, "/admin/metrics?quarter=2026-Q3&asOf=&by=engagement&engagement=",
				chromedp.Click(chromedp.CSS(`form[action="/admin/metrics"] button[type=submit]`)))
			if h := p.text("#figures"); h != "Quarter 2026-Q3" {
				t.Errorf("the metrics heading %q", h)
			}
			if state := p.text("#figures-state"); !strings.HasPrefix(state, "The closed quarter's frozen figures.") {
				t.Errorf("the metrics state %q", state)
			}
			if rows := run(p, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#groups-table tbody th')].map(th => th.textContent)`)); strings.Join(rows, ",") != "globex,(none)" {
				t.Errorf("the engagement groups %q", rows)
			}
			p.fitsWidth("/admin/metrics")
			p.shot("metrics-by-engagement")

			p.load(http.StatusOK, "/admin/agreements", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/agreements"]`)))
			p.fitsWidth("/admin/agreements")
			p.shot("agreements")
			p.load(http.StatusOK, "/admin/agreements/globex-2026?quarter=2026-Q3", chromedp.Click(chromedp.CSS(`#agreements-table a`)))
			if h := p.text("h1"); h != "Globex <Health>, 2026-Q3" {
				t.Errorf("the report's title %q", h)
			}
			if h := p.text("#obligation-1-h"); h != "missed 4.2" {
				t.Errorf("the first obligation %q", h)
			}
			misses := run(p, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#obligation-1 table.misses tbody tr')].map(tr => tr.innerText)`))
			if len(misses) != 2 || misses[0] != "Person E2\nE2\tModule: Security awareness and phishing\tcompleted late on 2026-08-10, due 2026-05-06" ||
				misses[1] != "Person E3\nE3\tModule: Security awareness and phishing\tnot completed, due 2026-05-06" {
				t.Errorf("the misses of 4.2 %q", misses)
			}
			p.fitsWidth("/admin/agreements/globex-2026")
			p.shot("agreement-report")

			// The compliance officer asks for the customer's bundle of the
			// closed quarter from the exports page, and finds it done.
			p.load(http.StatusOK, "/admin/exports", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/exports"]`)))
			p.do(chromedp.SetValue(chromedp.CSS("#quarter"), "2026-Q3"), chromedp.SetValue(chromedp.CSS("#agreement"), "globex-2026"))
			// The form answers 303 to the page, which says so.
			p.load(http.StatusOK, "", chromedp.Click(chromedp.CSS(`form[action="/admin/exports"] button[type=submit]`)))
			if notice := p.text("p.notice"); !strings.Contains(notice, "requested") {
				t.Errorf("after the request, the page says %q", notice)
			}
			e.app.Exports.Wait()
			p.load(http.StatusOK, "/admin/exports", chromedp.Navigate(e.url+"/admin/exports"))
			row := p.text("#exports tbody tr")
			if !strings.Contains(row, "2026-Q3") || !strings.Contains(row, "agreement:globex-2026") || !strings.Contains(row, "done") {
				t.Errorf("the newest export's row %q", row)
			}
			links := run(p, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#exports tbody tr:first-child a[download]')].map(a => a.getAttribute('href'))`))
			if len(links) == 0 || !strings.HasPrefix(links[0], "/api/exports/exp_") {
				t.Errorf("the newest export's download links %q", links)
			}
			p.fitsWidth("/admin/exports")
			p.shot("exports")
		})
	}
}

// TestMetricsPagesOnTheStore opens the metrics pages on the real services:
// who may read them (auditors read as admins do; there is nothing to
// post), what the query's problems look like, and that what a query
// echoes is escaped.
func TestMetricsPagesOnTheStore(t *testing.T) {
	t.Parallel()
	c := newConsoleEnv(t)
	c.signInAll()
	e := c.env
	if status, body := e.do(http.MethodPut, "/api/agreements/console", e.admin, "application/json", []byte(`{"customer": "Console <Co>",
		"engagement": "console", "startDate": "2026-01-01", "obligations": [{"id": "1", "text": "Train", "kind": "training",
		"items": ["module:security-awareness"], "withinDays": 30, "target": 0.9}]}`)); status != http.StatusCreated {
		t.Fatalf("agreement: %d %v", status, body)
	}
	for _, page := range []string{"/admin/metrics", "/admin/metrics?asOf=2026-10-15&by=manager", "/admin/agreements", "/admin/agreements/console"} {
		c.checkConsoleAccess(t, page, "", nil)
	}
	const evil = `<script>alert("x")</script>`
	for _, tc := range []struct {
		path   string
		status int
		want   string
	}{
		// Not frozen: the last closed quarter is computed as of its last day.
		{"/admin", http.StatusOK, "Not frozen yet: computed now from what was recorded before the end of 2026-09-30 (UTC)"},
		{"/admin/metrics?quarter=2026-Q3&by=department", http.StatusOK, `<h2 id="figures">Quarter 2026-Q3</h2>`},
		{"/admin/metrics?asOf=2026-11-03", http.StatusUnprocessableEntity, `<p class="field-error" id="asOf-error">`},
		{"/admin/metrics?quarter=" + url.QueryEscape(evil) + "&engagement=" + url.QueryEscape(evil), http.StatusUnprocessableEntity,
			`value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"`},
		{"/admin/metrics?by=" + url.QueryEscape(evil), http.StatusUnprocessableEntity, `<p class="field-error" id="by-error">`},
		{"/admin/agreements/console?quarter=" + url.QueryEscape(evil), http.StatusUnprocessableEntity, `<p class="field-error" id="quarter-error">`},
		{"/admin/agreements/console?quarter=2026-Q3", http.StatusOK, "<h1>Console &lt;Co&gt;, 2026-Q3</h1>"},
		{"/admin/agreements/" + url.PathEscape(evil), http.StatusNotFound, ""},
	} {
		resp, body := e.send(c.auditor, http.MethodGet, tc.path, nil, "")
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) || strings.Contains(body, "<script>") {
			t.Errorf("GET %s: %d, want %d with %s", tc.path, resp.StatusCode, tc.status, tc.want)
		}
	}
}
