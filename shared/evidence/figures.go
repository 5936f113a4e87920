package evidence

import (
	"github.com/attest-oss/attest/shared/metrics"
)

// metricsFile is metrics.json. Its fields are in a fixed order and its
// maps are written with sorted keys, so that the same rows give the same
// bytes.
type metricsFile struct {
	Quarter string `json:"quarter"`
	AsOf    string `json:"asOf"`
	// Start is S and End is E (RFC 3339): the bounds of onTimeRate's
	// "due in the quarter", and E the cut of everything.
	Start string `json:"start"`
	End   string `json:"end"`
	Scope string `json:"scope"`
	Final bool   `json:"final"`
	figures
	By        byDimension       `json:"by"`
	Agreement *agreementFigures `json:"agreement,omitempty"`
}

// figures are the contract's four figures over a set of people, with the
// counts they are computed from. Rates are rounded to 4 decimals, null
// when their denominator is 0.
type figures struct {
	CompletionRate *float64     `json:"completionRate"`
	OverdueCount   int          `json:"overdueCount"`
	OnTimeRate     *float64     `json:"onTimeRate"`
	AckRate        *float64     `json:"ackRate"`
	Counts         figureCounts `json:"counts"`
}

// figureCounts are the numerators and denominators of figures, each a
// count of rows (or people) of the CSV files.
type figureCounts struct {
	// People counts the rows of people.csv.
	People int `json:"people"`
	// Completed, OnTrack, Overdue and Waived count the rows of
	// assignments.csv by status_at_end.
	Completed int `json:"completed"`
	OnTrack   int `json:"onTrack"`
	Overdue   int `json:"overdue"`
	Waived    int `json:"waived"`
	// DueInPeriod counts the rows not waived with S ≤ due_at < E;
	// CompletedOnTime those of them with completed_at ≤ due_at.
	DueInPeriod     int `json:"dueInPeriod"`
	CompletedOnTime int `json:"completedOnTime"`
	// AcksRequired counts the rows of acknowledgments.csv; Acknowledged
	// those with acknowledged_at < E.
	AcksRequired int `json:"acksRequired"`
	Acknowledged int `json:"acknowledged"`
}

// byDimension holds the figures over the people of each value of a
// dimension ("(none)" for no value).
type byDimension struct {
	Department     map[string]figures `json:"department"`
	EmploymentType map[string]figures `json:"employment_type"`
	Vendor         map[string]figures `json:"vendor"`
}

// agreementFigures is the agreement of an agreement's bundle and each
// obligation's figure against its target.
type agreementFigures struct {
	Key        string `json:"key"`
	Customer   string `json:"customer"`
	Engagement string `json:"engagement"`
	StartDate  string `json:"startDate"`
	EndDate    string `json:"endDate,omitempty"`
	// InForce is whether the agreement was in force on some day of the
	// period.
	InForce bool `json:"inForce"`
	// People counts the people covered (every row of people.csv when in
	// force).
	People int `json:"people"`
	// Obligations are the agreement report's: each figure = numerator ÷
	// denominator (4 decimals, null when 0), met when that fraction,
	// unrounded, reaches the target (or nothing was decided), with the
	// misses (who, which item, why) sorted.
	Obligations []metrics.ObligationReport `json:"obligations"`
}

// newMetricsFile returns metrics.json from the pass over the rows.
func newMetricsFile(spec Spec, t *tables) metricsFile {
	p := spec.Period
	m := metricsFile{
		Quarter: p.Quarter, AsOf: p.AsOf, Start: timestamp(p.Start), End: timestamp(p.End),
		Scope: spec.Scope(), Final: spec.Final,
	}
	for i, b := range t.builders {
		res := b.Result()
		if i == 0 {
			m.figures = figuresOf(res.Figures)
		}
		groups := map[string]figures{}
		for v, f := range res.By[dimensions[i]] {
			groups[v] = figuresOf(f)
		}
		switch dimensions[i] {
		case metrics.ByDepartment:
			m.By.Department = groups
		case metrics.ByEmploymentType:
			m.By.EmploymentType = groups
		case metrics.ByVendor:
			m.By.Vendor = groups
		}
	}
	if t.report != nil {
		a := spec.Agreement
		rep := t.report.Report()
		af := &agreementFigures{Key: a.Key, Customer: a.Customer, Engagement: a.Engagement, StartDate: a.StartDate,
			EndDate: a.EndDate, InForce: rep.InForce, People: rep.People, Obligations: rep.Obligations}
		if af.Obligations == nil {
			af.Obligations = []metrics.ObligationReport{}
		}
		m.Agreement = af
	}
	return m
}

// figuresOf keeps the bundle's figures of a metrics.Figures.
func figuresOf(f metrics.Figures) figures {
	c := f.Counts
	return figures{
		CompletionRate: f.CompletionRate, OverdueCount: f.OverdueCount, OnTimeRate: f.OnTimeRate, AckRate: f.AckRate,
		Counts: figureCounts{People: c.People, Completed: c.Completed, OnTrack: c.OnTrack, Overdue: c.Overdue,
			Waived: c.Waived, DueInPeriod: c.DueInPeriod, CompletedOnTime: c.CompletedOnTime,
			AcksRequired: c.AcksRequired, Acknowledged: c.Acknowledged},
	}
}
