package httpapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/catalog/load"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

// cannedMetrics answers the metrics pages with fixed figures, recording
// the queries, for rendering tests.
type cannedMetrics struct {
	result  metrics.Result
	trend   []metrics.TrendPoint
	reports map[string]metrics.AgreementReport
	queries []metrics.Query
}

func (c *cannedMetrics) Metrics(_ context.Context, q metrics.Query) (metrics.Result, error) {
	c.queries = append(c.queries, q)
	if q.Quarter == "bad" {
		return metrics.Result{}, apperr.InvalidWith("quarter must look like 2026-Q3", []apperr.Problem{{Field: "quarter", Message: "must look like 2026-Q3"}})
	}
	return c.result, nil
}

func (c *cannedMetrics) Trend(context.Context, int) ([]metrics.TrendPoint, error) {
	return c.trend, nil
}

func (c *cannedMetrics) Report(_ context.Context, key, quarter, _ string) (metrics.AgreementReport, error) {
	if quarter == "bad" {
		return metrics.AgreementReport{}, apperr.InvalidWith("quarter must look like 2026-Q3", []apperr.Problem{{Field: "quarter", Message: "must look like 2026-Q3"}})
	}
	r, ok := c.reports[key]
	if !ok {
		return r, apperr.New(apperr.NotFound, "no agreement %s", key)
	}
	return r, nil
}

func (c *cannedMetrics) Overview(_ context.Context, quarter string) (metrics.Overview, error) {
	c.queries = append(c.queries, metrics.Query{Quarter: quarter, By: "overview"})
	ov := metrics.Overview{Result: c.result}
	for _, key := range sortedKeys(c.reports) {
		rep := c.reports[key]
		rep.Obligations = slices.Clone(rep.Obligations)
		for i := range rep.Obligations {
			rep.Obligations[i].Misses = []metrics.Miss{}
		}
		ov.Reports = append(ov.Reports, rep)
	}
	return ov, nil
}

// cannedAgreements is an agreement.Store holding the agreements of
// cannedMetrics' reports.
type cannedAgreements []agreement.Agreement

func (c cannedAgreements) Agreements(context.Context) ([]agreement.Agreement, error) { return c, nil }

func (c cannedAgreements) Agreement(_ context.Context, key string) (agreement.Agreement, bool, error) {
	for _, a := range c {
		if a.Key == key {
			return a, true, nil
		}
	}
	return agreement.Agreement{}, false, nil
}

func (cannedAgreements) PutAgreement(context.Context, agreement.Agreement, []string, string) error {
	return errors.New("read only")
}

// managers names the managers of a by=manager breakdown.
type managers struct{ PeopleStore }

func (managers) PeopleByID(_ context.Context, ids []string) (map[string]roster.Person, error) {
	out := map[string]roster.Person{}
	for _, id := range ids {
		if id == "M1" {
			out[id] = roster.Person{EmployeeID: id, Name: "Mia <Manager>"}
		}
	}
	return out, nil
}

func fr(v float64) *float64 { return &v }

// metricsServer returns a server answering from canned figures on
// 2026-11-02, and an admin signed in.
func metricsServer(t *testing.T) (*Server, *cannedMetrics, *signedIn) {
	t.Helper()
	cat, err := load.Load(fstest.MapFS{
		"curricula.yaml":  {Data: []byte("roles:\n  base:\n    description: Everyone.\n    policies: [aup]\n")},
		"policies/aup.md": {Data: []byte("---\nid: aup\ntitle: Acceptable use\nversion: 1.0.0\nsummary: Use.\n---\n\n# Acceptable use\n\nText.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	figures := func(completed, onTrack, overdue int, r *float64) metrics.Figures {
		return metrics.Figures{CompletionRate: r, OverdueCount: overdue,
			Counts: metrics.Counts{People: completed + onTrack + overdue, Completed: completed, OnTrack: onTrack, Overdue: overdue}}
	}
	org := metrics.Figures{
		CompletionRate: fr(.9267), OverdueCount: 11, OnTimeRate: fr(.8), AckRate: fr(.5), MedianDaysToComplete: fr(3.5),
		OverdueAge: metrics.OverdueAge{Days1To7: 4, Days8To30: 5, Days31To90: 2}, NewStarterRate: nil, FirstAttemptPassRate: fr(.75),
		AveragePassingScore: fr(86.33), AckRateByPolicy: map[string]*float64{"aup": fr(.5), "gone": nil},
		Counts: metrics.Counts{People: 70, Completed: 139, OnTrack: 0, Overdue: 11, Waived: 2, DueInPeriod: 10, CompletedOnTime: 8,
			AcksRequired: 4, Acknowledged: 2, CompletedInPeriod: 6, FirstAttempts: 4, FirstAttemptsPassed: 3, PassingAttempts: 3, PassingScoreSum: 259,
			AcksByPolicy: map[string]metrics.AckCount{"aup": {Required: 4, Acknowledged: 2}}},
	}
	c := &cannedMetrics{
		result: metrics.Result{AsOf: "2026-09-30", Quarter: "2026-Q3", Frozen: true, Scope: metrics.ScopeOrganisation, Figures: org,
			By: map[string]map[string]metrics.Figures{
				metrics.ByDepartment: {"Sales": figures(1, 1, 2, fr(.25)), metrics.None: figures(0, 0, 0, nil), "<R&D>": figures(3, 1, 0, fr(.75))},
				metrics.ByManager:    {"M1": figures(2, 0, 0, fr(1)), "M2": figures(0, 1, 0, fr(0))},
			}},
		trend: []metrics.TrendPoint{
			{Quarter: "2024-Q4"}, {Quarter: "2025-Q1"}, {Quarter: "2025-Q2"}, {Quarter: "2025-Q3"}, {Quarter: "2025-Q4"},
			{Quarter: "2026-Q1", Figures: &metrics.Figures{CompletionRate: fr(.5), OnTimeRate: fr(.4)}},
			{Quarter: "2026-Q2", Figures: &metrics.Figures{CompletionRate: fr(1), OnTimeRate: nil}},
			{Quarter: "2026-Q3"},
		},
	}
	acme := agreement.Agreement{Key: "acme", Customer: "Acme <Corp>", Engagement: "acme-eng", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "4.2", Text: "Train within 30 days", Kind: agreement.KindTraining, Items: []string{"module:sec"}, WithinDays: 30, Target: .95}}}
	c.reports = map[string]metrics.AgreementReport{"acme": {Agreement: acme, Quarter: "2026-Q3", AsOf: "2026-09-30", Frozen: true, InForce: true, People: 3,
		Obligations: []metrics.ObligationReport{
			{ID: "4.2", Text: "Train within 30 days", Kind: agreement.KindTraining, Items: []string{"module:sec"}, WithinDays: 30, Figure: fr(.6667), Target: .95,
				Numerator: 2, Denominator: 3, Pending: 1, Misses: []metrics.Miss{{EmployeeID: "E<3>", Name: "Eve <script>", Item: "module:sec", Reason: "not completed, due 2026-08-01"}}},
			{ID: "4.3", Text: "Acknowledge", Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 14, Target: .9, Met: true},
		}}}
	now := func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }
	s, err := New(Deps{Catalog: cat, Metrics: c, Agreements: &agreement.Service{Store: cannedAgreements{acme}, Catalog: cat}, People: managers{}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	who := &signedIn{
		session: auth.Session{EmployeeID: "ADM", CSRFToken: "token"},
		person:  roster.Record{Person: roster.Person{EmployeeID: "ADM", Name: "Ada", Roles: []string{"admin"}, TimeZone: "UTC"}},
	}
	return s, c, who
}

// get calls a page handler and returns the status, the page and the error
// the handler returned (which the route's wrapper would render).
func get(t *testing.T, s *Server, who *signedIn, h personHandler, target string, values map[string]string) (int, string, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range values {
		r.SetPathValue(k, v)
	}
	w := httptest.NewRecorder()
	err := h(w, r, who)
	return w.Code, w.Body.String(), err
}

// cells returns the text of each cell of the table with the given id, row
// by row, tags stripped.
func cells(t *testing.T, page, id string) [][]string {
	t.Helper()
	start := strings.Index(page, `id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	table := page[start : start+strings.Index(page[start:], "</table>")]
	var rows [][]string
	tag := regexp.MustCompile(`<[^>]*>`)
	for _, tr := range strings.Split(table, "<tr>")[1:] {
		var row []string
		for _, cell := range regexp.MustCompile(`<t[hd][^>]*>`).Split(tr, -1)[1:] {
			row = append(row, strings.Join(strings.Fields(tag.ReplaceAllString(cell, " ")), " "))
		}
		rows = append(rows, row)
	}
	return rows
}

func TestQuarterFigures(t *testing.T) {
	s, c, _ := metricsServer(t)
	v, err := s.quarterFigures(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if q := c.queries; len(q) != 1 || q[0] != (metrics.Query{Quarter: "2026-Q3", By: "overview"}) {
		t.Errorf("queries %+v", q)
	}
	if v.Quarter != "2026-Q3" || !v.Frozen {
		t.Errorf("quarter %q frozen %v", v.Quarter, v.Frozen)
	}
	wantFigures := []figureView{
		{"92.67%", "completion rate", "139 of 150 assignments"},
		{"11", "overdue", "2 waived"},
		{"80.00%", "on-time rate", "8 of 10 due in the quarter"},
		{"50.00%", "acknowledgment rate", "2 of 4 required"},
		{"3.5", "median days to complete", "over 6 completions"},
		{"–", "new starters trained in 30 days", "0 of 0 new starters"},
		{"75.00%", "first-attempt pass rate", "3 of 4 first attempts"},
		{"86.33", "average passing score", "over 3 passing attempts"},
		{"70", "people in scope", ""},
	}
	if !slices.Equal(v.Figures, wantFigures) {
		t.Errorf("figures\n%v\nwant\n%v", v.Figures, wantFigures)
	}
	wantDepartments := []departmentRate{{"<R&D>", "75.00%", 3, 4}, {"Sales", "25.00%", 1, 4}, {"(none)", "–", 0, 0}}
	if !slices.Equal(v.Departments, wantDepartments) {
		t.Errorf("departments %v, want %v", v.Departments, wantDepartments)
	}
	wantBuckets := []countView{{"1–7 days", 4}, {"8–30 days", 5}, {"31–90 days", 2}, {"over 90 days", 0}}
	if !slices.Equal(v.Buckets, wantBuckets) {
		t.Errorf("buckets %v", v.Buckets)
	}
	// The trend's quarters not frozen are gaps.
	wantTrend := []trendRow{
		{Quarter: "2024-Q4"}, {Quarter: "2025-Q1"}, {Quarter: "2025-Q2"}, {Quarter: "2025-Q3"}, {Quarter: "2025-Q4"},
		{"2026-Q1", "50.00%", "40.00%", true}, {"2026-Q2", "100.00%", "–", true}, {Quarter: "2026-Q3"},
	}
	if !slices.Equal(v.Trend, wantTrend) {
		t.Errorf("trend\n%v\nwant\n%v", v.Trend, wantTrend)
	}
	for name, svg := range map[string]string{"departments": string(v.DepartmentChart), "trend": string(v.TrendChart), "overdue": string(v.BucketChart)} {
		if !strings.HasPrefix(svg, "<svg ") || !strings.Contains(svg, `role="img"`) {
			t.Errorf("the %s chart: %.80s", name, svg)
		}
	}
	if !strings.Contains(string(v.DepartmentChart), "&lt;R&amp;D&gt;") {
		t.Errorf("the department chart does not name <R&D> escaped")
	}
	wantAgreements := []agreementSummary{{Key: "acme", Customer: "Acme <Corp>", Engagement: "acme-eng",
		Obligations: []obligationSummary{{"4.2", "66.67%", "95%", false, 1}, {"4.3", "–", "90%", true, 0}}}}
	if len(v.Agreements) != 1 || v.Agreements[0].Key != "acme" || !slices.Equal(v.Agreements[0].Obligations, wantAgreements[0].Obligations) {
		t.Errorf("agreements %+v", v.Agreements)
	}

	// The overview shows it all, each chart beside its table.
	overview, err := page("admin-overview")
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := overview.ExecuteTemplate(&out, "layout", pageData{Data: overviewPage{Metrics: v}}); err != nil {
		t.Fatal(err)
	}
	html := out.String()
	if rows := cells(t, html, "chart-departments-table"); !slices.Equal(rows[1], []string{"&lt;R&amp;D&gt;", "75.00%", "3 of 4"}) {
		t.Errorf("departments table %q", rows)
	}
	if rows := cells(t, html, "chart-trend-table"); len(rows) != 9 || !slices.Equal(rows[7], []string{"2026-Q2", "100.00%", "–"}) || !slices.Equal(rows[8], []string{"2026-Q3", "not frozen"}) {
		t.Errorf("trend table %q", rows)
	}
	if rows := cells(t, html, "agreements-table"); len(rows) != 2 || rows[1][0] != "Acme &lt;Corp&gt; acme · engagement acme-eng" ||
		rows[1][1] != "missed 4.2: 66.67% against 95%, 1 miss met 4.3: – against 90%" {
		t.Errorf("agreements table %q", rows)
	}
	if !strings.Contains(html, `href="/admin/agreements/acme?quarter=2026-Q3"`) || strings.Contains(html, "<R&D>") || strings.Contains(html, " style=") {
		t.Errorf("the overview's agreement link, escaping or style attributes are wrong")
	}
}

func TestMetricsPage(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		status       int
		query        metrics.Query
		// groups are the first cells of the groups table's rows.
		groups []string
		// heading is the figures' heading; problem an error shown
		heading, problem string
	}{
		{name: "the last closed quarter by department by default", target: "/admin/metrics", status: 200, query: metrics.Query{Quarter: "2026-Q3", By: "department"},
			groups: []string{"Department", "&lt;R&amp;D&gt;", "Sales", "(none)", "Organisation"}, heading: "Quarter 2026-Q3"},
		{name: "empty fields ask for today", target: "/admin/metrics?quarter=&asOf=&by=department", status: 200, query: metrics.Query{By: "department"},
			groups: []string{"Department", "&lt;R&amp;D&gt;", "Sales", "(none)", "Organisation"}, heading: "As of 2026-09-30, quarter 2026-Q3"},
		{name: "a quarter by manager names the managers", target: "/admin/metrics?quarter=2026-Q3&by=manager", status: 200,
			query:  metrics.Query{Quarter: "2026-Q3", By: "manager"},
			groups: []string{"Manager (whole team)", "Mia &lt;Manager&gt; (M1)", "M2", "Organisation"}, heading: "Quarter 2026-Q3"},
		{name: "nothing by", target: "/admin/metrics?asOf=2026-09-30&by=&engagement=acme-eng", status: 200,
			query: metrics.Query{AsOf: "2026-09-30", Engagement: "acme-eng"}, groups: []string{"Scope", "Organisation"}, heading: "As of 2026-09-30, quarter 2026-Q3"},
		{name: "an invalid quarter is shown at its field", target: "/admin/metrics?quarter=bad&by=role", status: 422,
			query: metrics.Query{Quarter: "bad", By: "role"}, problem: `<p class="field-error" id="quarter-error">must look like 2026-Q3</p>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, c, who := metricsServer(t)
			status, page, err := get(t, s, who, s.metricsPageHandler, tc.target, nil)
			if err != nil || status != tc.status {
				t.Fatalf("status %d, err %v", status, err)
			}
			if len(c.queries) != 1 || c.queries[0] != tc.query {
				t.Errorf("queries %+v, want %+v", c.queries, tc.query)
			}
			if tc.problem != "" {
				if !strings.Contains(page, tc.problem) || !strings.Contains(page, `aria-invalid="true"`) || strings.Contains(page, `id="groups-table"`) {
					t.Errorf("the page does not show the problem alone: %s", page)
				}
				return
			}
			var firsts []string
			for _, row := range cells(t, page, "groups-table") {
				firsts = append(firsts, row[0])
			}
			if !slices.Equal(firsts, tc.groups) {
				t.Errorf("groups %q, want %q", firsts, tc.groups)
			}
			if !strings.Contains(page, `<h2 id="figures">`+tc.heading+`</h2>`) {
				t.Errorf("the heading is not %q", tc.heading)
			}
			if rows := cells(t, page, "groups-table"); !slices.Equal(rows[len(rows)-1], []string{"Organisation", "70", "139", "0", "11", "2", "92.67%", "80.00%", "50.00%", "3.5", "–", "75.00%", "86.33"}) {
				t.Errorf("the scope's row %q", rows[len(rows)-1])
			}
			if rows := cells(t, page, "policies-table"); len(rows) != 3 || !slices.Equal(rows[1], []string{"Acceptable use", "50.00%", "2 of 4"}) || !slices.Equal(rows[2], []string{"gone", "–", "0 of 0"}) {
				t.Errorf("policies %q", rows)
			}
		})
	}
}

func TestReportPage(t *testing.T) {
	s, _, who := metricsServer(t)
	status, page, err := get(t, s, who, s.reportPageHandler, "/admin/agreements/acme", map[string]string{"key": "acme"})
	if err != nil || status != 200 {
		t.Fatalf("status %d, err %v", status, err)
	}
	for _, want := range []string{
		`<h1>Acme &lt;Corp&gt;, 2026-Q3</h1>`,
		`The closed quarter&#39;s frozen report`,
		`3 people on the engagement at some time in 2026-Q3`,
		`<span class="status overdue">missed</span> 4.2`,
		`<strong>66.67%</strong> against the target 95%`,
		`2 on time of 3; 1 not yet due`,
		`<a href="/admin/people/E%3C3%3E">Eve &lt;script&gt;</a>`,
		`<td>not completed, due 2026-08-01</td>`,
		`<span class="status completed">met</span> 4.3`,
		`Nobody missed it.`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the report lacks %s", want)
		}
	}
	if strings.Contains(page, "<script>") {
		t.Error("the report carries markup unescaped")
	}

	status, page, err = get(t, s, who, s.reportPageHandler, "/admin/agreements/acme?quarter=bad", map[string]string{"key": "acme"})
	if err != nil || status != 422 || !strings.Contains(page, `<p class="field-error" id="quarter-error">must look like 2026-Q3</p>`) || !strings.Contains(page, "<h1>Acme &lt;Corp&gt;, </h1>") {
		t.Errorf("a bad quarter: %d %v", status, err)
	}
	if _, _, err := get(t, s, who, s.reportPageHandler, "/admin/agreements/nope", map[string]string{"key": "nope"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an unknown agreement: %v", err)
	}
	if _, _, err := get(t, s, who, s.reportPageHandler, "/admin/agreements/nope?quarter=bad", map[string]string{"key": "nope"}); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("an unknown agreement with a bad quarter: %v", err)
	}

	status, page, err = get(t, s, who, s.agreementsPageHandler, "/admin/agreements", nil)
	if err != nil || status != 200 {
		t.Fatalf("agreements: %d %v", status, err)
	}
	if rows := cells(t, page, "agreements-table"); len(rows) != 2 || !slices.Equal(rows[1], []string{"Acme &lt;Corp&gt; acme", "acme-eng", "2026-01-01 to no end", "4.2: Train within 30 days (training within 30 days, target 95%)"}) {
		t.Errorf("agreements %q", rows)
	}
}
