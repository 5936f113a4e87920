package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
)

// Histories reads what the store holds about people.
type Histories interface {
	// PersonHistories hands fn the history of every person ever on the
	// roster, one at a time, and returns how many items it read; an error
	// of fn stops it and is returned.
	PersonHistories(ctx context.Context, fn func(History) error) (read int, err error)
}

// Snapshots keeps the frozen quarters.
type Snapshots interface {
	// Snapshot returns a quarter's manifest, or found=false when the
	// quarter is not frozen.
	Snapshot(ctx context.Context, quarter string) (Snapshot, bool, error)
	// Snapshots returns the manifests of the frozen ones of quarters.
	Snapshots(ctx context.Context, quarters []string) (map[string]Snapshot, error)
	// SnapshotRows hands fn the rows of a frozen snapshot, in the order
	// they were written, and returns how many items it read.
	SnapshotRows(ctx context.Context, m Snapshot, fn func(PersonRows) error) (read int, err error)
	// WriteSnapshot runs fill, which adds every person's rows through add
	// and returns the manifest and its audit event, and stores the rows
	// under runID and then the manifest once: a quarter that has a
	// manifest already is a Conflict and keeps it.
	WriteSnapshot(ctx context.Context, quarter, runID string,
		fill func(add func(PersonRows) error) (Snapshot, audit.Event, error)) (Snapshot, error)
}

// Agreements reads the customer agreements.
type Agreements interface {
	// Agreement returns the agreement with the given key, or found=false.
	Agreement(ctx context.Context, key string) (agreement.Agreement, bool, error)
	// Agreements returns every agreement, ordered by key.
	Agreements(ctx context.Context) ([]agreement.Agreement, error)
}

// Service answers the metrics and agreement reports, live from the people's
// histories or from a closed quarter's frozen snapshot, and freezes closed
// quarters.
type Service struct {
	Histories  Histories
	Snapshots  Snapshots
	Agreements Agreements
	Catalog    *catalog.Catalog
	Now        func() time.Time
}

// Query is what GET /api/metrics asks: AsOf (YYYY-MM-DD) or Quarter
// (YYYY-Qn), neither meaning as of today; By a dimension or ""; Engagement
// an engagement key or "". Scope is the agreement an auditor's API key is
// scoped to ("" for none): it may only ask for that agreement's engagement.
type Query struct {
	AsOf       string
	Quarter    string
	By         string
	Engagement string
	Scope      string
}

// Metrics answers q. A closed quarter asked by Quarter comes from its
// frozen snapshot (Frozen) when there is one, else is computed live as of
// its last day; the current quarter, an AsOf day and no period at all (as
// of today) are computed live from the histories. Errors: Invalid (naming
// the field) for a malformed or conflicting period, a day after today, a
// quarter not yet started, an unknown dimension; Forbidden when a scoped
// query asks for another engagement than its agreement's.
func (s *Service) Metrics(ctx context.Context, q Query) (Result, error) {
	if q.By != "" && !IsDimension(q.By) {
		return Result{}, invalid("by", "must be one of department, role, employment_type, vendor, engagement, manager")
	}
	if err := s.checkScope(ctx, q); err != nil {
		return Result{}, err
	}
	p, fromSnapshot, err := s.period(q)
	if err != nil {
		return Result{}, err
	}
	b := NewBuilder(p, q.By, q.Engagement)
	if fromSnapshot {
		m, found, err := s.Snapshots.Snapshot(ctx, p.Quarter)
		if err != nil {
			return Result{}, fmt.Errorf("metrics of %s: %w", p.Quarter, err)
		}
		if found {
			if _, err := s.Snapshots.SnapshotRows(ctx, m, func(r PersonRows) error { b.Add(r); return nil }); err != nil {
				return Result{}, fmt.Errorf("metrics of %s: %w", p.Quarter, err)
			}
			res := b.Result()
			res.Frozen = true
			return res, nil
		}
	}
	if _, err := s.live(ctx, p, func(r PersonRows) error { b.Add(r); return nil }); err != nil {
		return Result{}, fmt.Errorf("metrics as of %s: %w", p.AsOf, err)
	}
	return b.Result(), nil
}

// checkScope refuses a scoped query for anything but its agreement's
// engagement.
func (s *Service) checkScope(ctx context.Context, q Query) error {
	if q.Scope == "" {
		return nil
	}
	a, found, err := s.Agreements.Agreement(ctx, q.Scope)
	if err != nil {
		return err
	}
	if !found {
		return apperr.New(apperr.Forbidden, "this API key's agreement %q no longer exists", q.Scope)
	}
	if q.Engagement != a.Engagement {
		return apperr.New(apperr.Forbidden, "this API key may only read the metrics of its agreement's engagement (engagement=%s)", a.Engagement)
	}
	return nil
}

// period returns the period q asks for, and whether it is a closed quarter
// whose snapshot should answer.
func (s *Service) period(q Query) (p Period, closedQuarter bool, err error) {
	now := s.Now()
	switch {
	case q.AsOf != "" && q.Quarter != "":
		return Period{}, false, invalid("quarter", "give asOf or quarter, not both")
	case q.Quarter != "":
		p, err := QuarterPeriod(q.Quarter)
		if err != nil {
			return Period{}, false, err
		}
		if !p.Started(now) {
			return Period{}, false, invalid("quarter", "has not started yet")
		}
		if !p.Closed(now) {
			// The current quarter: live, as of today.
			p, err = PeriodOf(now.UTC().Format(dayLayout))
			return p, false, err
		}
		return p, true, nil
	case q.AsOf != "":
		p, err := PeriodOf(q.AsOf)
		if err != nil {
			return Period{}, false, err
		}
		if p.Future(now) {
			return Period{}, false, invalid("asOf", "is after today")
		}
		return p, false, nil
	default:
		p, err := PeriodOf(now.UTC().Format(dayLayout))
		return p, false, err
	}
}

// live hands fn the rows, for period p, of every person in its scope,
// computed from the histories, and returns the items read.
func (s *Service) live(ctx context.Context, p Period, fn func(PersonRows) error) (int, error) {
	return s.Histories.PersonHistories(ctx, func(h History) error {
		rows, ok := Rows(h, s.Catalog, p)
		if !ok {
			return nil
		}
		return fn(rows)
	})
}

// Frozen is the outcome of Freeze.
type Frozen struct {
	Snapshot Snapshot
	// Created is set when this call froze the quarter, false when it was
	// frozen already.
	Created bool
}

// Freeze stores a closed quarter's rows and manifest once, and returns the
// manifest. A quarter frozen already is returned as it is (a run that
// loses a race with another returns the winner's). Errors: Invalid for a
// malformed quarter or one not closed yet.
func (s *Service) Freeze(ctx context.Context, quarter, actor string) (Frozen, error) {
	p, err := QuarterPeriod(quarter)
	if err != nil {
		return Frozen{}, err
	}
	now := s.Now()
	if !p.Closed(now) {
		return Frozen{}, invalid("quarter", "has not ended yet")
	}
	if m, found, err := s.Snapshots.Snapshot(ctx, quarter); err != nil || found {
		return Frozen{Snapshot: m}, err
	}
	agreements, err := s.Agreements.Agreements(ctx)
	if err != nil {
		return Frozen{}, fmt.Errorf("freeze %s: %w", quarter, err)
	}
	runID := audit.NewBatchID()
	m, err := s.Snapshots.WriteSnapshot(ctx, quarter, runID, func(add func(PersonRows) error) (Snapshot, audit.Event, error) {
		org := NewBuilder(p, ByDepartment, "")
		reports := make([]*ReportBuilder, len(agreements))
		for i, a := range agreements {
			reports[i] = NewReportBuilder(a, p)
		}
		read, err := s.live(ctx, p, func(r PersonRows) error {
			org.Add(r)
			for _, rb := range reports {
				rb.Add(r)
			}
			return add(r)
		})
		if err != nil {
			return Snapshot{}, audit.Event{}, err
		}
		m := Snapshot{Quarter: quarter, AsOf: p.AsOf, RunID: runID, FrozenAt: now.UTC(), ItemsRead: read, Result: org.Result()}
		m.Result.Frozen = true
		for i, a := range agreements {
			rep := reports[i].Report()
			rep.Frozen = true
			for j := range rep.Obligations {
				rep.Obligations[j].Misses = []Miss{}
			}
			m.Agreements = append(m.Agreements, FrozenAgreement{Agreement: a, Report: rep})
		}
		event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionMetricsFrozen,
			Subject: "quarter:" + quarter, Source: "metrics",
			Details: map[string]any{"runId": runID, "itemsRead": read, "people": m.Result.Counts.People, "agreements": len(agreements)}}
		return m, event, nil
	})
	if apperr.CodeOf(err) == apperr.Conflict {
		// Another run froze the quarter meanwhile: its snapshot stands.
		won, found, getErr := s.Snapshots.Snapshot(ctx, quarter)
		if getErr == nil && found {
			return Frozen{Snapshot: won}, nil
		}
	}
	if err != nil {
		return Frozen{}, fmt.Errorf("freeze %s: %w", quarter, err)
	}
	return Frozen{Snapshot: m, Created: true}, nil
}

// FreezeClosed freezes the quarter that closed last before at, unless it
// is frozen already (then it reads one item): the daily schedule's job.
func (s *Service) FreezeClosed(ctx context.Context, at time.Time, actor string) (Frozen, error) {
	last, err := PreviousQuarter(QuarterOf(at))
	if err != nil {
		return Frozen{}, err
	}
	return s.Freeze(ctx, last, actor)
}

// Report returns the report of agreement key over quarter ("" for the
// current one). A closed quarter's report comes from its frozen snapshot,
// under the agreement as it was defined when frozen (Frozen); an agreement
// created after its quarter was frozen is reported on the frozen rows
// under its current definition (not Frozen). The current quarter, and a
// closed one not frozen yet, are computed live (the current one as of
// today). scope is the agreement an auditor's key is scoped to ("" for
// none). Errors: Invalid for a malformed quarter or one not started;
// Forbidden under a scope naming another agreement; NotFound for no such
// agreement.
func (s *Service) Report(ctx context.Context, key, quarter, scope string) (AgreementReport, error) {
	if scope != "" && key != scope {
		return AgreementReport{}, apperr.New(apperr.Forbidden, "this API key may only read the agreement %q", scope)
	}
	q := Query{Quarter: quarter}
	if quarter == "" {
		q.Quarter = QuarterOf(s.Now())
	}
	p, closed, err := s.period(q)
	if err != nil {
		return AgreementReport{}, err
	}
	current, found, err := s.Agreements.Agreement(ctx, key)
	if err != nil {
		return AgreementReport{}, err
	}
	if closed {
		m, frozen, err := s.Snapshots.Snapshot(ctx, p.Quarter)
		if err != nil {
			return AgreementReport{}, fmt.Errorf("report of %s for %s: %w", key, p.Quarter, err)
		}
		if frozen {
			a, wasFrozen := m.frozenAgreement(key)
			if !wasFrozen {
				if !found {
					return AgreementReport{}, errNoAgreement
				}
				a = current
			}
			b := NewReportBuilder(a, p)
			if _, err := s.Snapshots.SnapshotRows(ctx, m, func(r PersonRows) error { b.Add(r); return nil }); err != nil {
				return AgreementReport{}, fmt.Errorf("report of %s for %s: %w", key, p.Quarter, err)
			}
			rep := b.Report()
			rep.Frozen = wasFrozen
			return rep, nil
		}
	}
	if !found {
		return AgreementReport{}, errNoAgreement
	}
	b := NewReportBuilder(current, p)
	if _, err := s.live(ctx, p, func(r PersonRows) error { b.Add(r); return nil }); err != nil {
		return AgreementReport{}, fmt.Errorf("report of %s for %s: %w", key, p.Quarter, err)
	}
	return b.Report(), nil
}

var errNoAgreement = apperr.New(apperr.NotFound, "no agreement with that key")

// TrendPoint is one quarter of the trend: its frozen organisation figures,
// or nil when the quarter has no snapshot.
type TrendPoint struct {
	Quarter string   `json:"quarter"`
	Figures *Figures `json:"figures"`
}

// MaxTrend is the most quarters Trend returns.
const MaxTrend = 40

// Trend returns the last n closed quarters (oldest first) with their frozen
// organisation figures, read from their manifests in one batch; the
// current quarter is left out. Invalid when n is not 1..MaxTrend.
func (s *Service) Trend(ctx context.Context, n int) ([]TrendPoint, error) {
	if n < 1 || n > MaxTrend {
		return nil, invalid("n", fmt.Sprintf("must be 1-%d", MaxTrend))
	}
	last, err := PreviousQuarter(QuarterOf(s.Now()))
	if err != nil {
		return nil, err
	}
	quarters, err := LastQuarters(last, n)
	if err != nil {
		return nil, err
	}
	manifests, err := s.Snapshots.Snapshots(ctx, quarters)
	if err != nil {
		return nil, fmt.Errorf("trend: %w", err)
	}
	out := make([]TrendPoint, len(quarters))
	for i, q := range quarters {
		out[i].Quarter = q
		if m, ok := manifests[q]; ok {
			f := m.Result.Figures
			out[i].Figures = &f
		}
	}
	return out, nil
}

// invalid is an Invalid error on one field.
func invalid(field, message string) error {
	return apperr.InvalidWith(field+" "+message, []apperr.Problem{{Field: field, Message: message}})
}
