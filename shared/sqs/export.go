package sqs

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SendAPI is the part of the SQS client the export queue uses.
type SendAPI interface {
	SendMessage(ctx context.Context, in *awssqs.SendMessageInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error)
}

// ExportQueue hands export requests to the export function: one message per
// export, whose body is the export id (what handler.Export reads).
type ExportQueue struct {
	API      SendAPI
	QueueURL string
}

// Enqueue queues the export id. Queueing one id twice is harmless: running
// an export that is done changes nothing.
func (q *ExportQueue) Enqueue(ctx context.Context, id string) error {
	if _, err := q.API.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(id)}); err != nil {
		return fmt.Errorf("enqueue export %s: %w", id, err)
	}
	return nil
}
