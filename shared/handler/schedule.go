// Package handler holds every Lambda's event handler but the API's (an
// http.Handler, package httpapi): the scheduled runs (EventBridge), the
// reminder sender (SQS) and the bounce handler (SNS). Each takes the small
// interface it calls, so a function links only its own dependencies, and
// each is tested with a real event from testdata/.
package handler

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

// DailyRunner runs the daily assignment job (package assign's Runner).
type DailyRunner interface {
	Daily(ctx context.Context, day, actor, source string, dryRun bool) (assign.Summary, error)
}

// DailyAssignment returns the handler of the daily assignment run. The day is
// the UTC date of the event's time, so a retried invocation of the same
// event works on the same day.
func DailyAssignment(r DailyRunner, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) (assign.Summary, error) {
	return func(ctx context.Context, e events.EventBridgeEvent) (assign.Summary, error) {
		day := e.Time.UTC().Format(roster.DateLayout)
		sum, err := r.Daily(ctx, day, "schedule:"+e.ID, "eventbridge", false)
		if err != nil {
			logger.ErrorContext(ctx, "daily assignment run failed", "day", day, "err", err)
			return assign.Summary{}, err
		}
		logger.InfoContext(ctx, "daily assignment run", "day", day, "evaluated", sum.Evaluated,
			"created", sum.Created, "closed", sum.Closed, "full", sum.Full)
		return sum, nil
	}
}

// ReminderRunner runs the reminder selection and delivery (package outbox's
// Service).
type ReminderRunner interface {
	Run(ctx context.Context, now time.Time, hourly, dryRun bool) (reminder.RunSummary, error)
}

// HourlyReminders returns the handler of the hourly reminder run: it selects
// the notifications due at the event's time (each recipient within their
// local sending hours) and hands them to the queue. A retried event selects
// the same notifications, and delivery is once per recipient, kind and day.
func HourlyReminders(s ReminderRunner, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) (reminder.RunSummary, error) {
	return func(ctx context.Context, e events.EventBridgeEvent) (reminder.RunSummary, error) {
		sum, err := s.Run(ctx, e.Time, true, false)
		if err != nil {
			logger.ErrorContext(ctx, "reminder run failed", "at", e.Time, "err", err)
			return sum, err
		}
		logger.InfoContext(ctx, "reminder run", "at", e.Time, "openRead", sum.OpenRead,
			"notifications", sum.Notifications, "paused", sum.Paused)
		return sum, nil
	}
}

// Freezer freezes the quarter that closed last (package metrics' Service).
type Freezer interface {
	FreezeClosed(ctx context.Context, at time.Time, actor string) (metrics.Frozen, error)
}

// Sealer seals the audit days that ended (package auditlog's Sealer).
type Sealer interface {
	SealThrough(ctx context.Context) (int, error)
}

// FreezeSummary is what the freeze handler reports: the quarter, whether
// this invocation froze it, what the snapshot holds, and how many audit
// days it sealed.
type FreezeSummary struct {
	Quarter   string `json:"quarter"`
	Created   bool   `json:"created"`
	RunID     string `json:"runId"`
	People    int    `json:"people"`
	Chunks    int    `json:"chunks"`
	ItemsRead int    `json:"itemsRead"`
	Sealed    int    `json:"sealed"`
}

// DailyFreeze returns the handler of the daily freeze run: it freezes the
// quarter that closed last before the event's time, unless it is frozen already (then it only reads
// the manifest), so every run after the first of a quarter is cheap and a
// retried event changes nothing. It also seals the audit days that ended
// (none again on a retry), even when freezing failed; the run fails if
// either did. A nil sealer seals nothing (no evidence key configured).
func DailyFreeze(f Freezer, s Sealer, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) (FreezeSummary, error) {
	return func(ctx context.Context, e events.EventBridgeEvent) (FreezeSummary, error) {
		var sum FreezeSummary
		res, freezeErr := f.FreezeClosed(ctx, e.Time, "schedule:"+e.ID)
		if freezeErr != nil {
			logger.ErrorContext(ctx, "freeze run failed", "at", e.Time, "err", freezeErr)
		} else {
			m := res.Snapshot
			sum = FreezeSummary{Quarter: m.Quarter, Created: res.Created, RunID: m.RunID, People: m.People, Chunks: m.Chunks, ItemsRead: m.ItemsRead}
			logger.InfoContext(ctx, "freeze run", "quarter", sum.Quarter, "created", sum.Created, "runId", sum.RunID,
				"people", sum.People, "chunks", sum.Chunks, "itemsRead", sum.ItemsRead)
		}
		if s == nil {
			return sum, freezeErr
		}
		sealed, sealErr := s.SealThrough(ctx)
		sum.Sealed = sealed
		if sealErr != nil {
			logger.ErrorContext(ctx, "audit seal run failed", "sealed", sealed, "err", sealErr)
		} else {
			logger.InfoContext(ctx, "audit seal run", "sealed", sealed)
		}
		return sum, errors.Join(freezeErr, sealErr)
	}
}
