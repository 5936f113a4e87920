package metrics

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
)

// QuarterSource is where a quarter's evidence bundle reads its rows from:
// a closed quarter's frozen snapshot (Final), or the current quarter's
// histories up to an instant (a preview).
type QuarterSource struct {
	// Period is the quarter, cut at E: the quarter's end when Final, the
	// instant of the request (to the second) for a preview.
	Period Period
	// Final is true for a closed quarter read from its frozen snapshot.
	Final bool
	// Snapshot is the run id of the frozen snapshot ("" for a preview).
	Snapshot string
	// Rows hands fn every in-scope person's rows, one at a time, in
	// employee-id order (the order the roster index lists them, which is
	// the order a snapshot was written in); an error of fn stops it and is
	// returned.
	Rows func(ctx context.Context, fn func(PersonRows) error) error
	// Agreement returns the agreement with the given key as the bundle
	// reports it: for a final quarter, as it was defined when the quarter
	// was frozen (its current definition when it was created later); for a
	// preview, as it is now. found is false when there is none.
	Agreement func(ctx context.Context, key string) (a agreement.Agreement, found bool, err error)
}

// QuarterRows returns the source of quarter's evidence bundle. A closed
// quarter comes from its frozen snapshot (Final); the current quarter is
// read live from the histories as recorded before now, truncated to the
// second (its AsOf is today). Errors: Invalid on the field quarter for a
// malformed quarter or one not started; Conflict for a closed quarter not
// frozen yet (the daily freeze comes shortly after a quarter closes).
func (s *Service) QuarterRows(ctx context.Context, quarter string) (QuarterSource, error) {
	p, err := QuarterPeriod(quarter)
	if err != nil {
		return QuarterSource{}, err
	}
	now := s.Now().UTC()
	if !p.Started(now) {
		return QuarterSource{}, invalid("quarter", "has not started yet")
	}
	if !p.Closed(now) {
		p.AsOf = now.Format(dayLayout)
		p.End = now.Truncate(time.Second)
		return QuarterSource{
			Period: p,
			Rows: func(ctx context.Context, fn func(PersonRows) error) error {
				_, err := s.live(ctx, p, fn)
				return err
			},
			Agreement: s.Agreements.Agreement,
		}, nil
	}
	m, found, err := s.Snapshots.Snapshot(ctx, quarter)
	if err != nil {
		return QuarterSource{}, fmt.Errorf("rows of %s: %w", quarter, err)
	}
	if !found {
		return QuarterSource{}, apperr.New(apperr.Conflict, "quarter %s is not frozen yet", quarter)
	}
	return QuarterSource{
		Period:   p,
		Final:    true,
		Snapshot: m.RunID,
		Rows: func(ctx context.Context, fn func(PersonRows) error) error {
			_, err := s.Snapshots.SnapshotRows(ctx, m, fn)
			return err
		},
		Agreement: func(ctx context.Context, key string) (agreement.Agreement, bool, error) {
			if a, ok := m.frozenAgreement(key); ok {
				return a, true, nil
			}
			return s.Agreements.Agreement(ctx, key)
		},
	}, nil
}
