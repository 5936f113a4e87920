package handler

import (
	"context"
	"encoding/json"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/reminder"
)

// Deliverer delivers one notification at most once per recipient, kind and
// day (package outbox).
type Deliverer interface {
	Deliver(ctx context.Context, n reminder.Notification, actor string) error
}

// Send returns the send function's handler: it delivers each SQS message's
// notification and reports the ones that failed, so that SQS retries only
// those (and moves them to the dead-letter queue after the last try). A
// message that can never be delivered is logged and dropped, not retried.
func Send(d Deliverer, logger *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		for _, m := range e.Records {
			var n reminder.Notification
			if err := json.Unmarshal([]byte(m.Body), &n); err != nil || n.Recipient.Key == "" || n.Day == "" {
				logger.ErrorContext(ctx, "undecodable reminder message dropped", "messageId", m.MessageId)
				continue
			}
			if err := d.Deliver(ctx, n, "schedule"); err != nil {
				logger.ErrorContext(ctx, "reminder not delivered", "messageId", m.MessageId, "kind", n.Kind, "day", n.Day, "err", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			}
		}
		return resp, nil
	}
}
