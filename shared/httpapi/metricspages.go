package httpapi

import (
	"cmp"
	"context"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/chart"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

// MetricsService answers the accountability figures (shared/metrics'
// Service). The scope argument of Report names the one agreement an
// auditor's API key may read; pages are for people, never scoped.
type MetricsService interface {
	// Metrics returns the figures asked; a malformed or future period, or an
	// unknown dimension, is Invalid naming the field.
	Metrics(ctx context.Context, q metrics.Query) (metrics.Result, error)
	// Trend returns the last n closed quarters, oldest first, with their
	// frozen figures (nil for a quarter not frozen).
	Trend(ctx context.Context, n int) ([]metrics.TrendPoint, error)
	// Report returns an agreement's report for a quarter: NotFound for an
	// unknown agreement, Invalid for a malformed quarter.
	Report(ctx context.Context, key, quarter, scope string) (metrics.AgreementReport, error)
	// Overview returns a quarter's figures by department and every
	// agreement's report without the misses: from the manifest alone once
	// the quarter is frozen.
	Overview(ctx context.Context, quarter string) (metrics.Overview, error)
}

var _ MetricsService = (*metrics.Service)(nil)

// trendQuarters is how many quarters the overview's trend shows.
const trendQuarters = 8

// figureView is one headline figure: its value as read, what it is, and
// the counts it comes from.
type figureView struct {
	Value, Label, Detail string
}

// groupView is one row of the figures table: a group's (or the scope's)
// figures, formatted.
type groupView struct {
	Name                                        string
	People, Completed, OnTrack, Overdue, Waived int
	CompletionRate, OnTimeRate, AckRate         string
	MedianDays, NewStarterRate                  string
	FirstAttemptPassRate, AveragePassingScore   string
}

// countView is one labelled count (an overdue age bucket).
type countView struct {
	Label string
	Count int
}

// quarterView is a quarter's figures on the overview.
type quarterView struct {
	Quarter, AsOf string
	Frozen        bool
	Figures       []figureView
	// Departments and DepartmentChart: completion by department.
	Departments     []departmentRate
	DepartmentChart template.HTML
	// Trend and TrendChart: the last quarters' completion and on-time rates.
	Trend      []trendRow
	TrendChart template.HTML
	// Buckets and BucketChart: overdue by age.
	Buckets     []countView
	BucketChart template.HTML
	Agreements  []agreementSummary
}

// departmentRate is one department's completion in the quarter.
type departmentRate struct {
	Name, Rate         string
	Completed, Counted int
}

// trendRow is one quarter of the trend; not Frozen, it has no figures.
type trendRow struct {
	Quarter, Completion, OnTime string
	Frozen                      bool
}

// agreementSummary is an agreement's obligations in a quarter, met or not.
type agreementSummary struct {
	Key, Customer, Engagement string
	Obligations               []obligationSummary
}

// obligationSummary is one obligation's figure against its target.
type obligationSummary struct {
	ID, Figure, Target string
	Met                bool
	Misses             int
}

// lastClosedQuarter returns the quarter before the one holding now.
func (s *Server) lastClosedQuarter() string {
	q, _ := metrics.PreviousQuarter(metrics.QuarterOf(s.deps.Now()))
	return q
}

// quarterFigures builds the overview's view of the last closed quarter: its
// figures by department, the trend up to it, and every agreement's
// obligations met or missed.
func (s *Server) quarterFigures(ctx context.Context) (*quarterView, error) {
	ov, err := s.deps.Metrics.Overview(ctx, s.lastClosedQuarter())
	if err != nil {
		return nil, err
	}
	res := ov.Result
	v := &quarterView{Quarter: res.Quarter, AsOf: res.AsOf, Frozen: res.Frozen, Figures: headline(res.Figures)}

	bars := chart.Bars{ID: "chart-departments", Title: "Completion by department, " + res.Quarter, Max: 1,
		Desc: "Completed assignments as a share of those counted (completed, on track or overdue) in each department; the table below gives the figures."}
	for _, name := range groupOrder(res.By[metrics.ByDepartment]) {
		f := res.By[metrics.ByDepartment][name]
		c := f.Counts
		d := departmentRate{Name: name, Rate: percent(f.CompletionRate), Completed: c.Completed, Counted: c.Completed + c.OnTrack + c.Overdue}
		v.Departments = append(v.Departments, d)
		bars.Bars = append(bars.Bars, chart.Bar{Label: name, Value: f.CompletionRate, Figure: d.Rate})
	}
	v.DepartmentChart = bars.SVG()

	v.Buckets = buckets(res.OverdueAge)
	ages := chart.Bars{ID: "chart-overdue", Title: "Overdue assignments by age, " + res.Quarter,
		Desc: "How many assignments were overdue at the quarter's end, by days overdue; the table below gives the counts."}
	for _, b := range v.Buckets {
		ages.Bars = append(ages.Bars, chart.Bar{Label: b.Label, Value: ptr(float64(b.Count)), Figure: strconv.Itoa(b.Count)})
	}
	v.BucketChart = ages.SVG()

	if v.Trend, v.TrendChart, err = s.trend(ctx); err != nil {
		return nil, err
	}
	for _, rep := range ov.Reports {
		sum := agreementSummary{Key: rep.Agreement.Key, Customer: rep.Agreement.Customer, Engagement: rep.Agreement.Engagement}
		for _, o := range rep.Obligations {
			sum.Obligations = append(sum.Obligations, obligationSummary{ID: o.ID, Figure: percent(o.Figure), Target: target(o.Target), Met: o.Met,
				Misses: o.Denominator - o.Numerator})
		}
		v.Agreements = append(v.Agreements, sum)
	}
	return v, nil
}

// trend returns the last trendQuarters closed quarters with the chart; a
// quarter not frozen is a gap.
func (s *Server) trend(ctx context.Context) ([]trendRow, template.HTML, error) {
	points, err := s.deps.Metrics.Trend(ctx, trendQuarters)
	if err != nil || len(points) == 0 {
		return nil, "", err
	}
	line := chart.Line{ID: "chart-trend", Title: "Completion and on-time rates, " + points[0].Quarter + " to " + points[len(points)-1].Quarter,
		Desc:   "The organisation's frozen completion rate and on-time rate in each of the last " + strconv.Itoa(len(points)) + " closed quarters; a break in a line is a quarter not frozen. The table below gives the figures.",
		Series: []chart.Series{{Name: "Completion rate"}, {Name: "On-time rate"}}}
	var rows []trendRow
	for _, p := range points {
		year, n, _ := strings.Cut(p.Quarter, "-")
		line.Categories = append(line.Categories, n+" "+year)
		row := trendRow{Quarter: p.Quarter}
		var completion, onTime *float64
		if f := p.Figures; f != nil {
			completion, onTime = f.CompletionRate, f.OnTimeRate
			row.Completion, row.OnTime, row.Frozen = percent(completion), percent(onTime), true
		}
		line.Series[0].Values = append(line.Series[0].Values, completion)
		line.Series[1].Values = append(line.Series[1].Values, onTime)
		rows = append(rows, row)
	}
	return rows, line.SVG(), nil
}

// headline returns the figures a scope's summary lists, each with the
// counts it comes from.
func headline(f metrics.Figures) []figureView {
	c := f.Counts
	of := func(num, den int, what string) string {
		return strconv.Itoa(num) + " of " + strconv.Itoa(den) + " " + what
	}
	return []figureView{
		{percent(f.CompletionRate), "completion rate", of(c.Completed, c.Completed+c.OnTrack+c.Overdue, "assignments")},
		{strconv.Itoa(f.OverdueCount), "overdue", strconv.Itoa(c.Waived) + " waived"},
		{percent(f.OnTimeRate), "on-time rate", of(c.CompletedOnTime, c.DueInPeriod, "due in the quarter")},
		{percent(f.AckRate), "acknowledgment rate", of(c.Acknowledged, c.AcksRequired, "required")},
		{decimal(f.MedianDaysToComplete), "median days to complete", "over " + strconv.Itoa(c.CompletedInPeriod) + " completions"},
		{percent(f.NewStarterRate), "new starters trained in " + strconv.Itoa(metrics.NewStarterDays) + " days", of(c.NewStartersTrained, c.NewStarters, "new starters")},
		{percent(f.FirstAttemptPassRate), "first-attempt pass rate", of(c.FirstAttemptsPassed, c.FirstAttempts, "first attempts")},
		{decimal(f.AveragePassingScore), "average passing score", "over " + strconv.Itoa(c.PassingAttempts) + " passing attempts"},
		{strconv.Itoa(c.People), "people in scope", ""},
	}
}

// buckets lists the overdue age buckets in order.
func buckets(a metrics.OverdueAge) []countView {
	return []countView{{"1–7 days", a.Days1To7}, {"8–30 days", a.Days8To30}, {"31–90 days", a.Days31To90}, {"over 90 days", a.Over90}}
}

// groupRow formats a group's figures for the figures table.
func groupRow(name string, f metrics.Figures) groupView {
	c := f.Counts
	return groupView{Name: name, People: c.People, Completed: c.Completed, OnTrack: c.OnTrack, Overdue: c.Overdue, Waived: c.Waived,
		CompletionRate: percent(f.CompletionRate), OnTimeRate: percent(f.OnTimeRate), AckRate: percent(f.AckRate),
		MedianDays: decimal(f.MedianDaysToComplete), NewStarterRate: percent(f.NewStarterRate),
		FirstAttemptPassRate: percent(f.FirstAttemptPassRate), AveragePassingScore: decimal(f.AveragePassingScore)}
}

// groupOrder returns a dimension's values in order, the people without one
// last.
func groupOrder(groups map[string]metrics.Figures) []string {
	names := sortedKeys(groups)
	if i := slices.Index(names, metrics.None); i >= 0 {
		names = append(slices.Delete(names, i, i+1), metrics.None)
	}
	return names
}

// percent formats a rate (a fraction rounded to 4 decimals) as an exact
// percentage; "–" when it has no denominator.
func percent(r *float64) string {
	if r == nil {
		return "–"
	}
	return strconv.FormatFloat(math.Round(*r*1e4)/100, 'f', 2, 64) + "%"
}

// target formats an obligation's target rate as a percentage.
func target(t float64) string {
	return strconv.FormatFloat(math.Round(t*1e4)/100, 'f', -1, 64) + "%"
}

// decimal formats a figure that is not a rate (days, a score); "–" when
// there is none.
func decimal(v *float64) string {
	if v == nil {
		return "–"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

func ptr[T any](v T) *T { return &v }

// metricsForm is the metrics page's query as typed.
type metricsForm struct {
	Quarter, AsOf, By, Engagement string
}

// metricsPage is the data of the metrics page.
type metricsPage struct {
	Form       metricsForm
	Problems   *fieldProblems
	Dimensions []itemOption
	Today      string
	Result     *metricsView
}

// metricsView is an answer of the metrics page.
type metricsView struct {
	Heading, Scope, State string
	Figures               []figureView
	// ByLabel names the dimension of Groups, ByColumn heads their column;
	// empty for none.
	ByLabel, ByColumn string
	Groups            []groupView
	Total             groupView
	Buckets           []countView
	Policies          []figureView
}

// dimensionLabels name the dimensions in the metrics page's select.
var dimensionLabels = map[string]string{
	metrics.ByDepartment:     "department",
	metrics.ByRole:           "role",
	metrics.ByEmploymentType: "employment type",
	metrics.ByVendor:         "vendor",
	metrics.ByEngagement:     "engagement",
	metrics.ByManager:        "manager (whole team)",
}

// metricsPageHandler answers GET /admin/metrics[?quarter=|asOf=][&by=]
// [&engagement=]: the figures of a period by a dimension. A query naming
// neither period asks for the last closed quarter, one naming neither
// dimension for departments; empty ones ask for today and no dimension.
func (s *Server) metricsPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	q := r.URL.Query()
	form := metricsForm{Quarter: strings.TrimSpace(q.Get("quarter")), AsOf: strings.TrimSpace(q.Get("asOf")),
		By: q.Get("by"), Engagement: strings.TrimSpace(q.Get("engagement"))}
	if !q.Has("by") {
		form.By = metrics.ByDepartment
	}
	if !q.Has("quarter") && !q.Has("asOf") {
		form.Quarter = s.lastClosedQuarter()
	}
	page := metricsPage{Form: form, Today: s.deps.Now().UTC().Format(roster.DateLayout),
		Dimensions: []itemOption{{Value: "", Label: "Nothing (the scope only)", Selected: form.By == ""}}}
	for _, d := range metrics.Dimensions {
		page.Dimensions = append(page.Dimensions, itemOption{Value: d, Label: dimensionLabels[d], Selected: form.By == d})
	}
	status := http.StatusOK
	res, err := s.deps.Metrics.Metrics(r.Context(), metrics.Query{Quarter: form.Quarter, AsOf: form.AsOf, By: form.By, Engagement: form.Engagement})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		status, page.Problems = statusOf(e.Code), problemsOf(e.Problems)
		if page.Problems == nil {
			page.Problems = problemsOf([]apperr.Problem{{Message: e.Message}})
		}
	} else if err != nil {
		return err
	} else {
		view, err := s.metricsView(r.Context(), res, form.By, form.Quarter != "")
		if err != nil {
			return err
		}
		page.Result = view
	}
	s.renderPage(w, r, status, "admin-metrics", who, page)
	return nil
}

// metricsView formats a result for the metrics page, headed by its quarter
// when asked by quarter; by=manager groups are named by the managers'
// names.
func (s *Server) metricsView(ctx context.Context, res metrics.Result, by string, byQuarter bool) (*metricsView, error) {
	v := &metricsView{Heading: "As of " + res.AsOf + ", quarter " + res.Quarter, Scope: res.Scope, Figures: headline(res.Figures),
		Total: groupRow(scopeName(res.Scope), res.Figures), Buckets: buckets(res.OverdueAge)}
	if byQuarter {
		v.Heading = "Quarter " + res.Quarter
	}
	v.State = "Computed now from what was recorded before the end of " + res.AsOf + " (UTC)."
	if res.Frozen {
		v.State = "The closed quarter's frozen figures."
	}
	groups := res.By[by]
	if by != "" {
		v.ByLabel = dimensionLabels[by]
		v.ByColumn = strings.ToUpper(v.ByLabel[:1]) + v.ByLabel[1:]
		names := map[string]string{}
		if by == metrics.ByManager {
			people, err := s.deps.People.PeopleByID(ctx, sortedKeys(groups))
			if err != nil {
				return nil, err
			}
			for id, p := range people {
				names[id] = p.Name + " (" + id + ")"
			}
		}
		for _, g := range groupOrder(groups) {
			v.Groups = append(v.Groups, groupRow(cmp.Or(names[g], g), groups[g]))
		}
	}
	for _, id := range sortedKeys(res.AckRateByPolicy) {
		label := id
		if p, ok := s.deps.Catalog.Policies[id]; ok {
			label = p.Title
		}
		n := res.Counts.AcksByPolicy[id]
		v.Policies = append(v.Policies, figureView{Label: label, Value: percent(res.AckRateByPolicy[id]),
			Detail: strconv.Itoa(n.Acknowledged) + " of " + strconv.Itoa(n.Required)})
	}
	return v, nil
}

// scopeName names a result's scope in the figures table's total row.
func scopeName(scope string) string {
	if key, ok := strings.CutPrefix(scope, "engagement:"); ok {
		return "Engagement " + key
	}
	return "Organisation"
}

// agreementsPage is the data of the agreements page.
type agreementsPage struct {
	Agreements []agreementView
	// Quarter is the quarter the reports open at: the last closed one.
	Quarter string
}

// agreementView is an agreement as the console lists it.
type agreementView struct {
	agreement.Agreement
	Obligations []obligationView
}

// obligationView is an obligation with its target formatted.
type obligationView struct {
	agreement.Obligation
	Target string
}

// agreementsPageHandler answers GET /admin/agreements: every customer
// agreement with its obligations.
func (s *Server) agreementsPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	list, err := s.deps.Agreements.List(r.Context(), "")
	if err != nil {
		return err
	}
	page := agreementsPage{Quarter: s.lastClosedQuarter()}
	for _, a := range list {
		page.Agreements = append(page.Agreements, agreementView{Agreement: a, Obligations: obligationViews(a.Obligations)})
	}
	s.renderPage(w, r, http.StatusOK, "admin-agreements", who, page)
	return nil
}

func obligationViews(os []agreement.Obligation) []obligationView {
	out := make([]obligationView, len(os))
	for i, o := range os {
		out[i] = obligationView{Obligation: o, Target: target(o.Target)}
	}
	return out
}

// reportPage is the data of an agreement's report page.
type reportPage struct {
	Key, Customer, Engagement, StartDate, EndDate string
	Quarter, State                                string
	// InForce says whether the agreement was in force in the quarter;
	// People counts the people it covered.
	InForce bool
	People  int
	// Form is the quarter as typed; Problems its problems.
	Form        string
	Problems    *fieldProblems
	Obligations []reportObligation
}

// reportObligation is one obligation of a report: its figure against its
// target, and the people behind its misses.
type reportObligation struct {
	metrics.ObligationReport
	// Anchor is the obligation's index, for ids in the page.
	Anchor int
	// Figure and Target are formatted.
	Figure, Target string
	// ItemTitles name the obligation's items; Misses name each miss's item.
	ItemTitles []string
	Misses     []metrics.Miss
}

// reportPageHandler answers GET /admin/agreements/{key}[?quarter=]: the
// agreement's report for the quarter (the last closed one by default).
func (s *Server) reportPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	key := r.PathValue("key")
	quarter := strings.TrimSpace(r.URL.Query().Get("quarter"))
	if quarter == "" {
		quarter = s.lastClosedQuarter()
	}
	rep, err := s.deps.Metrics.Report(r.Context(), key, quarter, "")
	e, invalid := apperr.As(err)
	if invalid = invalid && e.Code == apperr.Invalid; err != nil && !invalid {
		return err
	}
	page := reportPage{Key: key, Form: quarter}
	status := http.StatusOK
	if invalid {
		// The agreement as it stands heads the page, above the form's
		// problem.
		a, err := s.deps.Agreements.Get(r.Context(), key, "")
		if err != nil {
			return err
		}
		rep = metrics.AgreementReport{Agreement: a}
		status, page.Problems = statusOf(e.Code), problemsOf(e.Problems)
		if page.Problems == nil {
			page.Problems = problemsOf([]apperr.Problem{{Field: "quarter", Message: e.Message}})
		}
	} else {
		page.Quarter, page.InForce, page.People = rep.Quarter, rep.InForce, rep.People
		page.State = "Computed now from what was recorded before the end of " + rep.AsOf + " (UTC)."
		if rep.Frozen {
			page.State = "The closed quarter's frozen report, with the agreement as it stood when the quarter was frozen."
		}
		for i, o := range rep.Obligations {
			ob := reportObligation{ObligationReport: o, Anchor: i + 1, Figure: percent(o.Figure), Target: target(o.Target)}
			for _, item := range o.Items {
				ob.ItemTitles = append(ob.ItemTitles, s.itemTitle(item))
			}
			for _, m := range o.Misses {
				m.Item = s.itemTitle(m.Item)
				ob.Misses = append(ob.Misses, m)
			}
			page.Obligations = append(page.Obligations, ob)
		}
	}
	a := rep.Agreement
	page.Customer, page.Engagement, page.StartDate, page.EndDate = a.Customer, a.Engagement, a.StartDate, a.EndDate
	s.renderPage(w, r, status, "admin-agreement", who, page)
	return nil
}
