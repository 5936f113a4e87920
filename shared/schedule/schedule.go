// Package schedule holds the handlers of scheduled Lambdas, kept apart from
// their main.go so they are tested with real EventBridge events.
package schedule

import (
	"context"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/people"
	"github.com/attest-oss/attest/shared/reminders"
)

// AssignHandler returns the handler of the daily assignment run. The day is
// the UTC date of the event's time, so a retried invocation of the same
// event works on the same day.
func AssignHandler(r *assign.Runner, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) (assign.Summary, error) {
	return func(ctx context.Context, e events.EventBridgeEvent) (assign.Summary, error) {
		day := e.Time.UTC().Format(people.DateLayout)
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

// RemindHandler returns the handler of the hourly reminder run: it selects
// the notifications due at the event's time (each recipient within their
// local sending hours) and hands them to the queue. A retried event selects
// the same notifications, and delivery is once per recipient, kind and day.
func RemindHandler(s *reminders.Service, logger *slog.Logger) func(context.Context, events.EventBridgeEvent) (reminders.RunSummary, error) {
	return func(ctx context.Context, e events.EventBridgeEvent) (reminders.RunSummary, error) {
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
