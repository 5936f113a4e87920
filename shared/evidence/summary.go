package evidence

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/chart"
)

//go:embed summary.html.tmpl
var summaryHTML string

// summaryTemplate is parsed on first use, not when the export function starts.
var summaryTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("summary").Parse(summaryHTML))
})

// summary is what summary.html and summary.pdf show: the same content, the
// PDF in simpler form.
type summary struct {
	Quarter  string
	FirstDay string
	AsOf     string
	End      string
	endAt    time.Time
	Final    bool
	Snapshot string
	// Scope says in words whom the bundle covers.
	Scope     string
	Agreement *agreementFigures
	Headline  []headline
	// Obligations are the agreement's obligations, met or missed.
	Obligations []obligationLine
	Groups      []groupTable
	Charts      []figure
	Counts      Counts
	Log         LogCounts
	Files       []string
	// Method, AgreementMethod, VerifySums and VerifySignature are the
	// fixed texts.
	Method                                  []string
	AgreementMethod                         string
	VerifySignature, VerifyLink, VerifySums string
}

// figure is a chart with its caption.
type figure struct {
	Caption string
	SVG     template.HTML
}

// headline is one of the headline figures.
type headline struct {
	Label  string
	Value  string
	Detail string
}

// obligationLine is one obligation of an agreement, as shown.
type obligationLine struct {
	ID, Text, Kind, Target, Figure, Detail string
	Met                                    bool
}

// groupTable is the figures of one dimension, a row per value.
type groupTable struct {
	Title string
	Head  string
	Rows  []groupRow
}

// groupRow is one value of a dimension.
type groupRow struct {
	Value                                 string
	People                                int
	Completion, CompletionDetail, Overdue string
	OnTime, OnTimeDetail, Ack, AckDetail  string
}

// newSummary returns the summary of a bundle.
func newSummary(spec Spec, m metricsFile, counts Counts, log LogCounts) summary {
	p := spec.Period
	s := summary{
		Quarter: p.Quarter, FirstDay: p.FirstDay(), AsOf: p.AsOf, End: timestamp(p.End), endAt: p.End, Final: spec.Final,
		Snapshot: spec.Snapshot, Agreement: m.Agreement, Counts: counts, Log: log,
		Scope: "the whole organisation: every person on the roster active on some day of the quarter",
		Files: []string{PeopleFile, AssignmentsFile, AcknowledgmentsFile, MetricsFile, SummaryHTMLFile, SummaryPDFFile,
			AuditLogFile, SumsFile, ManifestFile, SignatureFile},
		Method: method, AgreementMethod: agreementMethod,
		VerifySignature: verifySignature, VerifyLink: verifyLink, VerifySums: verifySums,
	}
	if a := m.Agreement; a != nil {
		s.Scope = fmt.Sprintf("agreement %s with %s: the people on engagement %s at some time in the quarter, "+
			"subcontractor staff included", a.Key, a.Customer, a.Engagement)
	}
	c := m.Counts
	s.Headline = []headline{
		{"People", strconv.Itoa(c.People), "in scope"},
		{"Training completed", percent(m.CompletionRate), fraction(c.Completed, c.Completed+c.OnTrack+c.Overdue) + " assignments not waived"},
		{"Overdue", strconv.Itoa(m.OverdueCount), "assignments past due and not completed"},
		{"Completed on time", percent(m.OnTimeRate), fraction(c.CompletedOnTime, c.DueInPeriod) + " assignments due in the quarter"},
		{"Policies acknowledged", percent(m.AckRate), fraction(c.Acknowledged, c.AcksRequired) + " acknowledgments required"},
	}
	if a := m.Agreement; a != nil {
		bars := chart.Bars{ID: "obligations", Title: "Obligations", Max: 1,
			Desc: "Each obligation's figure: the share of decided cases met by their deadline."}
		for _, o := range a.Obligations {
			line := obligationLine{ID: o.ID, Text: o.Text, Kind: o.Kind, Target: percentOf(o.Target), Figure: percent(o.Figure),
				Met:    o.Met,
				Detail: fmt.Sprintf("%s met by their deadline; %d pending, %d waived", fraction(o.Numerator, o.Denominator), o.Pending, o.Waived)}
			s.Obligations = append(s.Obligations, line)
			bars.Bars = append(bars.Bars, chart.Bar{Label: o.ID + " " + o.Text, Value: o.Figure, Figure: percent(o.Figure)})
		}
		s.Charts = append(s.Charts, figure{bars.Title, bars.SVG()})
	}
	for _, g := range []struct {
		id, title, head string
		values          map[string]figures
	}{
		{"department", "By department", "Department", m.By.Department},
		{"employment-type", "By employment type", "Employment type", m.By.EmploymentType},
		{"vendor", "By vendor", "Vendor", m.By.Vendor},
	} {
		t := groupTable{Title: g.title, Head: g.head}
		bars := chart.Bars{ID: g.id, Title: "Training completed " + strings.ToLower(g.title), Max: 1,
			Desc: "The share of assignments not waived that were completed, " + strings.ToLower(g.title) + "."}
		for _, v := range slices.Sorted(maps.Keys(g.values)) {
			f := g.values[v]
			c := f.Counts
			t.Rows = append(t.Rows, groupRow{Value: v, People: c.People,
				Completion: percent(f.CompletionRate), CompletionDetail: fraction(c.Completed, c.Completed+c.OnTrack+c.Overdue),
				Overdue: strconv.Itoa(f.OverdueCount), OnTime: percent(f.OnTimeRate), OnTimeDetail: fraction(c.CompletedOnTime, c.DueInPeriod),
				Ack: percent(f.AckRate), AckDetail: fraction(c.Acknowledged, c.AcksRequired)})
			bars.Bars = append(bars.Bars, chart.Bar{Label: v, Value: f.CompletionRate, Figure: percent(f.CompletionRate)})
		}
		s.Groups = append(s.Groups, t)
		if g.id != "employment-type" {
			s.Charts = append(s.Charts, figure{bars.Title, bars.SVG()})
		}
	}
	return s
}

// percent writes a rate as a percentage with up to 2 decimals, "n/a"
// for none.
func percent(r *float64) string {
	if r == nil {
		return "n/a"
	}
	return percentOf(*r)
}

// percentOf writes a fraction as a percentage with up to 2 decimals.
func percentOf(r float64) string {
	return strconv.FormatFloat(math.Round(r*1e4)/1e2, 'f', -1, 64) + "%"
}

// fraction writes "n of d".
func fraction(n, d int) string { return fmt.Sprintf("%d of %d", n, d) }

// html renders summary.html.
func (s summary) html() ([]byte, error) {
	var buf bytes.Buffer
	if err := summaryTemplate().Execute(&buf, s); err != nil {
		return nil, fmt.Errorf("render %s: %w", SummaryHTMLFile, err)
	}
	return buf.Bytes(), nil
}

// The verification commands, shown in the summary: the signature of the
// manifest, the manifest's SHA-256 of SHA256SUMS (which ties the checksums
// to the signature), then every file against SHA256SUMS.
const (
	verifySignature = "openssl dgst -sha256 -verify public.pem -signature manifest.json.sig manifest.json"
	verifyLink      = `grep -q "\"sha256sums\": \"$(sha256sum SHA256SUMS | cut -c1-64)\"" manifest.json && echo "SHA256SUMS: OK"`
	verifySums      = "sha256sum -c SHA256SUMS"
)

// Method lines: the formulas in plain words, shown in both summaries.
var method = []string{
	"E is the end of the period: the first instant after it, in UTC. Only what was recorded strictly before E counts, whatever was recorded later.",
	"Each assignment row is one module a person had to complete, in its latest cycle at E. Its status at E is completed (completed before E), waived (an exception covered it at E), overdue (not completed and due before E) or on track.",
	"Training completed = completed rows ÷ (completed + on track + overdue rows). Waived rows are shown but not counted.",
	"Overdue = the number of overdue rows.",
	"Completed on time = of the rows not waived that were due in the quarter (start ≤ due_at < E), those completed no later than their due instant, ÷ their number.",
	"Policies acknowledged = acknowledgment rows acknowledged before E ÷ all acknowledgment rows. A required acknowledgment excused by an exception and not acknowledged is left out of both, and so is not listed in acknowledgments.csv.",
	"The same figures are given for each department, employment type and vendor, over the rows of the people with that value; (none) groups the people without one.",
	"Rates are fractions rounded to 4 decimals in metrics.json (shown here as percentages); a rate with nothing to count is null (n/a). Every figure and its numerator and denominator can be recomputed from the CSV files.",
}

// agreementMethod explains an agreement's obligations.
var agreementMethod = "An obligation asks for each covered person to complete a module (or acknowledge a policy) within a number of days of joining the engagement or being assigned it, whichever is later. Its figure is the cases met by their deadline ÷ the cases decided (met, or missed because the deadline passed); cases whose deadline has not passed yet are pending and cases excused by an exception are waived, and neither counts. The obligation is met when the figure reaches its target."
