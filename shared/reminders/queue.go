package reminders

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/attest-oss/attest/shared/remind"
)

// SQSAPI is the part of the SQS client the queue dispatcher uses.
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

// QueueDispatcher fans notifications out through SQS, one message per
// notification, ten per request. The send function consumes the queue
// with its concurrency capped to the SES sending rate.
type QueueDispatcher struct {
	API      SQSAPI
	QueueURL string
}

var _ Dispatcher = (*QueueDispatcher)(nil)

// Dispatch sends one message per notification; it fails if SQS refuses any.
// A dispatch repeated after a failure is harmless: delivery is once per
// recipient, kind and day whatever the number of messages.
func (q *QueueDispatcher) Dispatch(ctx context.Context, ns []remind.Notification) error {
	for start := 0; start < len(ns); start += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for i, n := range ns[start:min(len(ns), start+10)] {
			body, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))})
		}
		out, err := q.API.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(q.QueueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("enqueue notifications: %w", err)
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("enqueue notifications: %d of %d refused (%s)", len(out.Failed), len(entries), aws.ToString(out.Failed[0].Code))
		}
	}
	return nil
}

// HandleQueue is the send function's handler: it delivers each message's
// notification and reports the ones that failed, so that SQS retries only
// those (and moves them to the dead-letter queue after the last try).
func (s *Service) HandleQueue(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, m := range e.Records {
		var n remind.Notification
		if err := json.Unmarshal([]byte(m.Body), &n); err != nil || n.Recipient.Key == "" || n.Day == "" {
			// A message that can never be delivered is dropped, not retried.
			s.log().ErrorContext(ctx, "undecodable reminder message dropped", "messageId", m.MessageId)
			continue
		}
		if err := s.Deliver(ctx, n, "schedule"); err != nil {
			s.log().ErrorContext(ctx, "reminder not delivered", "messageId", m.MessageId, "kind", n.Kind, "day", n.Day, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
	}
	return resp, nil
}
