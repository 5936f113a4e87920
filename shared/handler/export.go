package handler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/export"
)

// Exporter builds evidence bundles (package export's Service).
type Exporter interface {
	// Run builds the bundle of the export id, requested before; running an
	// export that is done already changes nothing.
	Run(ctx context.Context, id string) error
	// QuarterClosed requests the bundles of the quarter that closed last,
	// once it is frozen (the organisation's and every agreement's in force),
	// unless they were requested already.
	QuarterClosed(ctx context.Context) ([]export.Export, error)
}

// ExportIDPrefix starts every export id. A message of the export queue is
// one export id, as its whole body.
const ExportIDPrefix = "exp_"

// exportEvent is what tells the two events that invoke the export function
// apart.
type exportEvent struct {
	Records []struct {
		EventSource string `json:"eventSource"`
	} `json:"Records"`
	Source     string `json:"source"`
	DetailType string `json:"detail-type"`
}

// Export returns the handler of the export function, which two kinds of
// event invoke:
//   - an SQS batch from the export queue, each message an export id: it
//     runs each export and reports the ones that failed, so that SQS retries
//     only those (and moves them to the dead-letter queue after the last
//     try); a message that is not an export id is logged and dropped;
//   - the daily EventBridge schedule: it requests the bundles of the quarter
//     that closed, which reach the queue in turn; it fails, so that
//     EventBridge retries, when that fails.
//
// Any other event is an error.
func Export(x Exporter, logger *slog.Logger) func(context.Context, json.RawMessage) (events.SQSEventResponse, error) {
	return func(ctx context.Context, raw json.RawMessage) (events.SQSEventResponse, error) {
		var kind exportEvent
		if err := json.Unmarshal(raw, &kind); err != nil {
			return events.SQSEventResponse{}, fmt.Errorf("export: undecodable event: %w", err)
		}
		switch {
		case len(kind.Records) > 0 && kind.Records[0].EventSource == "aws:sqs":
			var e events.SQSEvent
			if err := json.Unmarshal(raw, &e); err != nil {
				return events.SQSEventResponse{}, fmt.Errorf("export: undecodable SQS event: %w", err)
			}
			return runExports(ctx, x, logger, e), nil
		case kind.Source == "aws.events" && kind.DetailType == "Scheduled Event":
			requested, err := x.QuarterClosed(ctx)
			if err != nil {
				logger.ErrorContext(ctx, "quarter-close exports failed", "err", err)
				return events.SQSEventResponse{}, err
			}
			logger.InfoContext(ctx, "quarter-close exports requested", "exports", len(requested))
			return events.SQSEventResponse{}, nil
		default:
			return events.SQSEventResponse{}, errors.New("export: neither an SQS batch nor a scheduled event")
		}
	}
}

// runExports runs the export of each message of e.
func runExports(ctx context.Context, x Exporter, logger *slog.Logger, e events.SQSEvent) events.SQSEventResponse {
	var resp events.SQSEventResponse
	for _, m := range e.Records {
		id := strings.TrimSpace(m.Body)
		if !strings.HasPrefix(id, ExportIDPrefix) || strings.ContainsAny(id, " \t\r\n\"{}") {
			logger.ErrorContext(ctx, "export message without an export id dropped", "messageId", m.MessageId)
			continue
		}
		if err := x.Run(ctx, id); err != nil {
			logger.ErrorContext(ctx, "export failed", "messageId", m.MessageId, "exportId", id, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
			continue
		}
		logger.InfoContext(ctx, "export run", "messageId", m.MessageId, "exportId", id)
	}
	return resp
}
