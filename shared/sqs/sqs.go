// Package sqs is the queue adapter: it fans reminder notifications out
// through Amazon SQS to the send function, hands export requests to the
// export function, and is the only package that imports the SQS SDK.
package sqs

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/attest-oss/attest/shared/reminder"
)

// API is the part of the SQS client the dispatcher uses.
type API interface {
	SendMessageBatch(ctx context.Context, in *awssqs.SendMessageBatchInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageBatchOutput, error)
}

// Dispatcher fans notifications out through SQS, one message per
// notification, ten per request. The send function consumes the queue with
// its concurrency capped to the SES sending rate.
type Dispatcher struct {
	API      API
	QueueURL string
}

// Dispatch sends one message per notification; it fails if SQS refuses any.
// A dispatch repeated after a failure is harmless: delivery is once per
// recipient, kind and day whatever the number of messages.
func (q *Dispatcher) Dispatch(ctx context.Context, ns []reminder.Notification) error {
	for start := 0; start < len(ns); start += 10 {
		var entries []types.SendMessageBatchRequestEntry
		for i, n := range ns[start:min(len(ns), start+10)] {
			body, err := json.Marshal(n)
			if err != nil {
				return fmt.Errorf("encode notification: %w", err)
			}
			entries = append(entries, types.SendMessageBatchRequestEntry{Id: aws.String(strconv.Itoa(i)), MessageBody: aws.String(string(body))})
		}
		out, err := q.API.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: aws.String(q.QueueURL), Entries: entries})
		if err != nil {
			return fmt.Errorf("enqueue notifications: %w", err)
		}
		if len(out.Failed) > 0 {
			return fmt.Errorf("enqueue notifications: %d of %d refused (%s)", len(out.Failed), len(entries), aws.ToString(out.Failed[0].Code))
		}
	}
	return nil
}
