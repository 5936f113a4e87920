package metrics

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// utc returns an instant from an RFC 3339 string.
func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v.UTC()
}

func TestPeriodOf(t *testing.T) {
	tests := []struct {
		asOf, quarter, start, end string
	}{
		{"2026-09-30", "2026-Q3", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"},
		{"2026-07-01", "2026-Q3", "2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z"},
		{"2026-01-01", "2026-Q1", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"},
		{"2026-12-31", "2026-Q4", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
		{"2028-02-29", "2028-Q1", "2028-01-01T00:00:00Z", "2028-03-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.asOf, func(t *testing.T) {
			p, err := PeriodOf(tt.asOf)
			if err != nil {
				t.Fatal(err)
			}
			want := Period{Quarter: tt.quarter, AsOf: tt.asOf, Start: utc(t, tt.start), End: utc(t, tt.end)}
			if p != want {
				t.Errorf("got %+v, want %+v", p, want)
			}
		})
	}
	for _, bad := range []string{"", "2026-9-30", "2026-02-30", "30/09/2026", "2026-09-30T00:00:00Z"} {
		t.Run("Invalid "+bad, func(t *testing.T) {
			_, err := PeriodOf(bad)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Problems) != 1 || e.Problems[0].Field != "asOf" {
				t.Errorf("got %v, want Invalid on asOf", err)
			}
		})
	}
}

func TestQuarterPeriod(t *testing.T) {
	tests := []struct {
		quarter, asOf, start, end string
	}{
		{"2026-Q1", "2026-03-31", "2026-01-01T00:00:00Z", "2026-04-01T00:00:00Z"},
		{"2026-Q2", "2026-06-30", "2026-04-01T00:00:00Z", "2026-07-01T00:00:00Z"},
		{"2026-Q3", "2026-09-30", "2026-07-01T00:00:00Z", "2026-10-01T00:00:00Z"},
		{"2026-Q4", "2026-12-31", "2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.quarter, func(t *testing.T) {
			p, err := QuarterPeriod(tt.quarter)
			if err != nil {
				t.Fatal(err)
			}
			want := Period{Quarter: tt.quarter, AsOf: tt.asOf, Start: utc(t, tt.start), End: utc(t, tt.end)}
			if p != want {
				t.Errorf("got %+v, want %+v", p, want)
			}
			// A whole quarter is the period of its last day.
			if q, _ := PeriodOf(tt.asOf); q != p {
				t.Errorf("PeriodOf(%s) = %+v, want %+v", tt.asOf, q, p)
			}
			if !p.End.Equal(p.QuarterEnd()) {
				t.Errorf("QuarterEnd %v, want End", p.QuarterEnd())
			}
		})
	}
	for _, bad := range []string{"", "2026-Q0", "2026-Q5", "2026Q3", "26-Q3", "2026-q3", "0000-Q1", "2026-Q3x"} {
		t.Run("Invalid "+bad, func(t *testing.T) {
			_, err := QuarterPeriod(bad)
			var e *apperr.Error
			if !errors.As(err, &e) || e.Code != apperr.Invalid || len(e.Problems) != 1 || e.Problems[0].Field != "quarter" {
				t.Errorf("got %v, want Invalid on quarter", err)
			}
		})
	}
}

func TestQuarters(t *testing.T) {
	if got := QuarterOf(utc(t, "2026-09-30T23:59:59Z")); got != "2026-Q3" {
		t.Errorf("QuarterOf(last second of Q3) = %s", got)
	}
	// An instant in another zone belongs to its UTC quarter: 1 October
	// 00:30 in Auckland is still 30 September in UTC.
	nz, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	if got := QuarterOf(time.Date(2026, 10, 1, 0, 30, 0, 0, nz)); got != "2026-Q3" {
		t.Errorf("QuarterOf(1 Oct 00:30 Auckland) = %s, want 2026-Q3", got)
	}
	for q, want := range map[string]string{"2026-Q3": "2026-Q2", "2026-Q1": "2025-Q4"} {
		if got, err := PreviousQuarter(q); err != nil || got != want {
			t.Errorf("PreviousQuarter(%s) = %s, %v; want %s", q, got, err, want)
		}
	}
	got, err := LastQuarters("2026-Q3", 8)
	want := []string{"2024-Q4", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("LastQuarters = %v, %v; want %v", got, err, want)
	}
	if _, err := LastQuarters("2026-Q9", 8); err == nil {
		t.Error("LastQuarters accepted 2026-Q9")
	}
}

func TestPeriodAt(t *testing.T) {
	mid, _ := PeriodOf("2026-08-15")
	q3, _ := QuarterPeriod("2026-Q3")
	tests := []struct {
		name                    string
		p                       Period
		now                     string
		closed, started, future bool
	}{
		{"mid-quarter day, during the quarter", mid, "2026-08-20T10:00:00Z", false, true, false},
		{"mid-quarter day, before it", mid, "2026-08-14T23:59:59Z", false, true, true},
		{"mid-quarter day, after the quarter", mid, "2026-10-01T00:00:00Z", true, true, false},
		{"quarter, last second", q3, "2026-09-30T23:59:59Z", false, true, false},
		{"quarter, at E", q3, "2026-10-01T00:00:00Z", true, true, false},
		{"quarter, before it", q3, "2026-06-30T23:59:59Z", false, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := utc(t, tt.now)
			if got := tt.p.Closed(now); got != tt.closed {
				t.Errorf("Closed = %v", got)
			}
			if got := tt.p.Started(now); got != tt.started {
				t.Errorf("Started = %v", got)
			}
			if got := tt.p.Future(now); got != tt.future {
				t.Errorf("Future = %v", got)
			}
		})
	}
	if mid.FirstDay() != "2026-07-01" || mid.QuarterEnd() != q3.End {
		t.Errorf("FirstDay %s, QuarterEnd %v", mid.FirstDay(), mid.QuarterEnd())
	}
}
