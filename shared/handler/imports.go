package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// Importer runs large roster imports (package roster's ImportService).
type Importer interface {
	// Run works on import id until it ends or deadline nears (zero: no
	// deadline); an error means the message is to be delivered again.
	Run(ctx context.Context, id string, deadline time.Time) error
}

// importMessage is a message of the import queue: the upload bucket's S3
// event notification (Records), its test event (Event), or a
// continuation (importId).
type importMessage struct {
	Records []struct {
		EventSource string `json:"eventSource"`
		EventName   string `json:"eventName"`
		S3          struct {
			Object struct {
				Key string `json:"key"`
			} `json:"object"`
		} `json:"s3"`
	} `json:"Records"`
	Event    string `json:"Event"`
	ImportID string `json:"importId"`
}

// ImportIDs returns the ids of the imports a message of the import queue
// names: the import of each uploaded file of an S3 notification
// (imports/<id>/upload), or the import of a continuation. S3's test event
// names none; anything else is an error.
func ImportIDs(body []byte) ([]string, error) {
	var m importMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("undecodable import message: %w", err)
	}
	switch {
	case m.ImportID != "":
		if !roster.ValidImportID(m.ImportID) {
			return nil, fmt.Errorf("continuation of %q, which is not an import id", m.ImportID)
		}
		return []string{m.ImportID}, nil
	case m.Event == "s3:TestEvent":
		return nil, nil
	case len(m.Records) > 0:
		var ids []string
		for _, r := range m.Records {
			key, err := url.QueryUnescape(r.S3.Object.Key) // S3 notifications URL-encode keys
			if err != nil {
				return nil, fmt.Errorf("object key %q: %w", r.S3.Object.Key, err)
			}
			id, ok := table.ImportOfUploadKey(key)
			if r.EventSource != "aws:s3" || !ok || !roster.ValidImportID(id) {
				return nil, fmt.Errorf("S3 event %s of %q names no import upload", r.EventName, key)
			}
			ids = append(ids, id)
		}
		return ids, nil
	}
	return nil, errors.New("neither an S3 notification nor an import continuation")
}

// Import returns the handler of the import function: an SQS batch from
// the import queue (batch size 1), each message an S3 notification of an
// upload or a continuation. It runs the import each names until done, or
// until the invocation's deadline nears (the run then queues its own
// continuation), and reports the messages whose run failed, so that SQS
// delivers them again (and moves them to the dead-letter queue after the
// last try). A message that names no import is logged and dropped.
func Import(r Importer, logger *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	return func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		deadline, _ := ctx.Deadline()
		var resp events.SQSEventResponse
		for _, m := range e.Records {
			ids, err := ImportIDs([]byte(m.Body))
			if err != nil {
				logger.ErrorContext(ctx, "import message dropped", "messageId", m.MessageId, "err", err)
				continue
			}
			for _, id := range ids {
				if err := r.Run(ctx, id, deadline); err != nil {
					logger.ErrorContext(ctx, "import run failed", "messageId", m.MessageId, "importId", id, "err", err)
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
					break
				}
				logger.InfoContext(ctx, "import run", "messageId", m.MessageId, "importId", id)
			}
		}
		return resp, nil
	}
}
