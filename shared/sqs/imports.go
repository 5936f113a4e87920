package sqs

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// ImportContinuation is the body of a message that hands a large roster
// import on to a new invocation of the import function (the other
// messages of its queue are the upload bucket's S3 notifications).
type ImportContinuation struct {
	ImportID string `json:"importId"`
}

// ImportQueue hands large roster imports on to the import function: one
// message {"importId": "<id>"} per continuation.
type ImportQueue struct {
	API      SendAPI
	QueueURL string
}

// Continue queues a continuation of import id. Queueing it twice is
// harmless: a run that finds the import held or finished does nothing.
func (q *ImportQueue) Continue(ctx context.Context, id string) error {
	body, err := json.Marshal(ImportContinuation{ImportID: id})
	if err != nil {
		return err
	}
	if _, err := q.API.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: aws.String(q.QueueURL), MessageBody: aws.String(string(body))}); err != nil {
		return fmt.Errorf("continue import %s: %w", id, err)
	}
	return nil
}
