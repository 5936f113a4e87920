package handler_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/handler"
)

var now = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// newStore returns a store over a table of the test's own on DynamoDB Local.
func newStore(t *testing.T) *dynamo.Store {
	t.Helper()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.Table(t, client, "bounce")
	return dynamo.New(client, name, func() time.Time { return now })
}

func auditCount(t *testing.T, s *dynamo.Store) int {
	t.Helper()
	events, err := s.AuditEvents(context.Background(), now.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	return len(events)
}

// TestFixtures feeds SES events, as SNS delivers them, to the handler against
// DynamoDB Local, twice: the first delivery marks the addresses, the replay
// changes nothing.
func TestBounceFixtures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		fixture string
		// want maps the addresses the event is about to their reason
		// ("" for still deliverable).
		want map[string]string
	}{
		{"sns-bounce-permanent.json", map[string]string{"jane.doe@example.com": "bounce", "sam.lee@example.com": "bounce"}},
		{"sns-bounce-transient.json", map[string]string{"mailbox.full@example.com": ""}},
		{"sns-complaint.json", map[string]string{"complainer@example.com": "complaint"}},
		{"sns-notification-bounce.json", map[string]string{"old.address@example.com": "bounce"}},
		{"sns-malformed.json", map[string]string{"cut.off@example.com": ""}},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.fixture, ".json"), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			s := newStore(t)
			var logs bytes.Buffer
			h := handler.Bounce(s, slog.New(slog.NewJSONHandler(&logs, nil)))
			e := devtest.Fixture[events.SNSEvent](t, "testdata/"+tt.fixture)
			marked := 0
			for _, reason := range tt.want {
				if reason != "" {
					marked++
				}
			}
			for delivery := 1; delivery <= 2; delivery++ {
				if err := h(ctx, e); err != nil {
					t.Fatalf("delivery %d: %v", delivery, err)
				}
				for addr, want := range tt.want {
					reason, found, err := s.Undeliverable(ctx, strings.ToUpper(addr))
					if err != nil || found != (want != "") || reason != want {
						t.Errorf("delivery %d: %s: reason %q found=%v err=%v, want %q", delivery, addr, reason, found, err, want)
					}
				}
				if n := auditCount(t, s); n != marked {
					t.Errorf("delivery %d: %d audit events, want %d", delivery, n, marked)
				}
			}
			if strings.Contains(logs.String(), "@") {
				t.Errorf("logs name an address:\n%s", logs.String())
			}
		})
	}
}

// TestMalformedMessageDoesNotStopTheBatch puts a malformed message before a
// permanent bounce in one event: the bounce is still recorded.
func TestBounceMalformedMessageDoesNotStopTheBatch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStore(t)
	var logs bytes.Buffer
	e := devtest.Fixture[events.SNSEvent](t, "testdata/"+"sns-malformed.json")
	e.Records = append(e.Records, devtest.Fixture[events.SNSEvent](t, "testdata/"+"sns-complaint.json").Records...)
	if err := handler.Bounce(s, slog.New(slog.NewJSONHandler(&logs, nil)))(ctx, e); err != nil {
		t.Fatal(err)
	}
	if reason, _, err := s.Undeliverable(ctx, "complainer@example.com"); err != nil || reason != "complaint" {
		t.Errorf("complaint after a malformed message: %q %v", reason, err)
	}
	if !strings.Contains(logs.String(), `"level":"WARN","msg":"SES event skipped"`) {
		t.Errorf("the malformed message was not logged:\n%s", logs.String())
	}
}

// failingStore fails like DynamoDB would, quoting the item key.
type failingStore struct{}

func (failingStore) MarkUndeliverable(ctx context.Context, email, reason, messageID string, at time.Time) error {
	return errors.New("get SUPPRESS#" + strings.ToLower(email) + "/SUPPRESS: service unavailable")
}

// TestStorageFailureFailsTheInvocation makes Lambda retry the event when the
// store fails, without the address in the error or the logs.
func TestBounceStorageFailureFailsTheInvocation(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	err := handler.Bounce(failingStore{}, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), devtest.Fixture[events.SNSEvent](t, "testdata/"+"sns-complaint.json"))
	if err == nil || !strings.Contains(err.Error(), "service unavailable") {
		t.Fatalf("got %v, want the storage error", err)
	}
	if strings.Contains(err.Error(), "@") || strings.Contains(logs.String(), "@") {
		t.Errorf("the address leaked: %v\n%s", err, logs.String())
	}
}
