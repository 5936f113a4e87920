package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/reminder"
)

// fakeDeliverer records what it delivers and fails for the recipients in
// fail.
type fakeDeliverer struct {
	fail      map[string]bool
	delivered []string // recipient keys
}

func (f *fakeDeliverer) Deliver(ctx context.Context, n reminder.Notification, actor string) error {
	if actor != "schedule" {
		return errors.New("unexpected actor " + actor)
	}
	if f.fail[n.Recipient.Key] {
		return errors.New("SES throttled")
	}
	f.delivered = append(f.delivered, n.Recipient.Key)
	return nil
}

// body is the queue message of a digest for the employee id.
func body(t *testing.T, id string) string {
	t.Helper()
	b, err := json.Marshal(reminder.Notification{
		Recipient: reminder.Recipient{Key: "person#" + id, Email: strings.ToLower(id) + "@example.com", Name: id},
		Kind:      reminder.KindDigest, Day: "2026-11-02",
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSendReportsOnlyFailedMessages feeds a real SQS event to the send
// handler: of its three messages, the first two carry notifications and the
// third is not one. A notification that fails is reported as a batch item
// failure, so SQS retries it alone; one that can never be delivered
// (undecodable, or without recipient or day) is logged and dropped.
func TestSendReportsOnlyFailedMessages(t *testing.T) {
	t.Parallel()
	e1, e2 := body(t, "E1"), body(t, "E2")
	tests := []struct {
		name          string
		second        string          // the second message's body; the first is e1
		fail          map[string]bool // recipients whose delivery fails
		wantDelivered []string
		wantFailed    []int // indexes of the records reported as failed
		wantDropped   int   // messages logged as undecodable
	}{
		{"AllDelivered", e2, nil, []string{"person#E1", "person#E2"}, nil, 1},
		{"OneFails", e2, map[string]bool{"person#E2": true}, []string{"person#E1"}, []int{1}, 1},
		{"AllFail", e2, map[string]bool{"person#E1": true, "person#E2": true}, nil, []int{0, 1}, 1},
		{"NoRecipient", "{}", nil, []string{"person#E1"}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := devtest.Fixture[events.SQSEvent](t, "testdata/"+"sqs-event.json")
			e.Records[0].Body, e.Records[1].Body = e1, tt.second
			d := &fakeDeliverer{fail: tt.fail}
			var logs bytes.Buffer
			resp, err := handler.Send(d, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(d.delivered, tt.wantDelivered) {
				t.Errorf("delivered %v, want %v", d.delivered, tt.wantDelivered)
			}
			var want []events.SQSBatchItemFailure
			for _, i := range tt.wantFailed {
				want = append(want, events.SQSBatchItemFailure{ItemIdentifier: e.Records[i].MessageId})
			}
			if !slices.Equal(resp.BatchItemFailures, want) {
				t.Errorf("batch item failures %+v, want %+v", resp.BatchItemFailures, want)
			}
			if n := strings.Count(logs.String(), `"msg":"undecodable reminder message dropped"`); n != tt.wantDropped {
				t.Errorf("%d messages dropped, want %d:\n%s", n, tt.wantDropped, logs.String())
			}
			if n := strings.Count(logs.String(), `"msg":"reminder not delivered"`); n != len(tt.wantFailed) {
				t.Errorf("%d failures logged, want %d:\n%s", n, len(tt.wantFailed), logs.String())
			}
		})
	}
}
