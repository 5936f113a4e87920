package metrics

import (
	"fmt"
	"strconv"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// dayLayout is the layout of calendar days (YYYY-MM-DD).
const dayLayout = time.DateOnly

// PeriodOf returns the period of asOf (YYYY-MM-DD): the quarter holding the
// day, cut at E, the first instant of the next day (UTC). A malformed day is
// an Invalid error on the field asOf.
func PeriodOf(asOf string) (Period, error) {
	d, err := time.Parse(dayLayout, asOf)
	if err != nil || d.Format(dayLayout) != asOf {
		return Period{}, apperr.InvalidWith("asOf must be a date YYYY-MM-DD",
			[]apperr.Problem{{Field: "asOf", Message: "must be a date YYYY-MM-DD"}})
	}
	y, q := quarterOfDay(d)
	return Period{
		Quarter: FormatQuarter(y, q),
		AsOf:    asOf,
		Start:   quarterStart(y, q),
		End:     d.AddDate(0, 0, 1),
	}, nil
}

// QuarterPeriod returns the period of a whole quarter ("2026-Q3"): AsOf is
// its last day and End the first instant of the next quarter. A malformed
// quarter is an Invalid error on the field quarter.
func QuarterPeriod(quarter string) (Period, error) {
	y, q, err := ParseQuarter(quarter)
	if err != nil {
		return Period{}, apperr.InvalidWith("quarter must look like 2026-Q3",
			[]apperr.Problem{{Field: "quarter", Message: "must look like 2026-Q3"}})
	}
	end := quarterStart(y, q).AddDate(0, 3, 0)
	return Period{
		Quarter: quarter,
		AsOf:    end.AddDate(0, 0, -1).Format(dayLayout),
		Start:   quarterStart(y, q),
		End:     end,
	}, nil
}

// ParseQuarter splits a quarter "YYYY-Qn" into its year and number (1..4).
func ParseQuarter(quarter string) (year, n int, err error) {
	if len(quarter) != 7 || quarter[4:6] != "-Q" || quarter[6] < '1' || quarter[6] > '4' {
		return 0, 0, fmt.Errorf("quarter %q: want YYYY-Qn", quarter)
	}
	year, err = strconv.Atoi(quarter[:4])
	if err != nil || year < 1 {
		return 0, 0, fmt.Errorf("quarter %q: want YYYY-Qn", quarter)
	}
	return year, int(quarter[6] - '0'), nil
}

// FormatQuarter writes quarter n (1..4) of year as "YYYY-Qn".
func FormatQuarter(year, n int) string { return fmt.Sprintf("%04d-Q%d", year, n) }

// QuarterOf returns the quarter ("2026-Q3") holding the instant t, in UTC.
func QuarterOf(t time.Time) string { return FormatQuarter(quarterOfDay(t.UTC())) }

// PreviousQuarter returns the quarter before quarter ("2026-Q2" for
// "2026-Q3", "2025-Q4" for "2026-Q1").
func PreviousQuarter(quarter string) (string, error) {
	y, q, err := ParseQuarter(quarter)
	if err != nil {
		return "", err
	}
	if q == 1 {
		return FormatQuarter(y-1, 4), nil
	}
	return FormatQuarter(y, q-1), nil
}

// LastQuarters returns the n quarters ending with last, oldest first (the
// trend's x axis).
func LastQuarters(last string, n int) ([]string, error) {
	if _, _, err := ParseQuarter(last); err != nil {
		return nil, err
	}
	out := make([]string, n)
	q := last
	for i := n - 1; i >= 0; i-- {
		out[i] = q
		q, _ = PreviousQuarter(q)
	}
	return out, nil
}

// QuarterEnd returns the first instant after the period's quarter (UTC): E
// of the whole quarter, which equals End when AsOf is the quarter's last day.
func (p Period) QuarterEnd() time.Time { return p.Start.AddDate(0, 3, 0) }

// Closed reports whether the period's quarter has ended at now: its figures
// can then be frozen.
func (p Period) Closed(now time.Time) bool { return !now.Before(p.QuarterEnd()) }

// Started reports whether the period's quarter has begun at now.
func (p Period) Started(now time.Time) bool { return !now.Before(p.Start) }

// Future reports whether AsOf is after now's day (UTC): such a period
// cannot be answered yet.
func (p Period) Future(now time.Time) bool { return p.AsOf > now.UTC().Format(dayLayout) }

// FirstDay returns the quarter's first day (YYYY-MM-DD, UTC).
func (p Period) FirstDay() string { return p.Start.Format(dayLayout) }

// quarterOfDay returns the year and quarter of a UTC instant.
func quarterOfDay(d time.Time) (int, int) { return d.Year(), (int(d.Month())-1)/3 + 1 }

// quarterStart returns the first instant of quarter q of year y (UTC).
func quarterStart(y, q int) time.Time {
	return time.Date(y, time.Month(3*(q-1)+1), 1, 0, 0, 0, 0, time.UTC)
}
