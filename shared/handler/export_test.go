package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/handler"
)

// fakeExporter records the exports it runs and the quarter closes, and fails
// for the ids in fail (and the quarter close when closeErr is set).
type fakeExporter struct {
	mu       sync.Mutex
	fail     map[string]bool
	closeErr error
	ran      []string
	closed   int
}

func (f *fakeExporter) Run(ctx context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail[id] {
		return errors.New("S3 throttled")
	}
	f.ran = append(f.ran, id)
	return nil
}

func (f *fakeExporter) QuarterClosed(ctx context.Context) ([]export.Export, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed++
	return nil, f.closeErr
}

// sqsExportEvent is the real SQS event of testdata with the first two
// bodies set to first and second; the third is not an export id.
func sqsExportEvent(t *testing.T, first, second string) json.RawMessage {
	t.Helper()
	e := devtest.Fixture[events.SQSEvent](t, "testdata/sqs-event.json")
	e.Records[0].Body, e.Records[1].Body = first, second
	raw, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// fixture is the raw event of testdata/name.
func fixture(t *testing.T, name string) json.RawMessage {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestExportRunsEachQueuedExport feeds a real SQS event to the export
// handler: each message holding an export id runs it; one that fails is
// reported as a batch item failure, so SQS retries it alone; one that is no
// export id is logged and dropped.
func TestExportRunsEachQueuedExport(t *testing.T) {
	t.Parallel()
	const a, b = "exp_0123456789abcdef", "exp_2026-Q3_org_5f1e"
	tests := []struct {
		name        string
		second      string
		fail        map[string]bool
		wantRan     []string
		wantFailed  []int
		wantDropped int
	}{
		{"AllRun", b, nil, []string{a, b}, nil, 1},
		{"OneFails", b, map[string]bool{b: true}, []string{a}, []int{1}, 1},
		{"NotAnID", `{"id":"exp_1"}`, nil, []string{a}, nil, 2},
		{"Empty", "", nil, []string{a}, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			x := &fakeExporter{fail: tt.fail}
			var logs bytes.Buffer
			e := sqsExportEvent(t, a, tt.second)
			resp, err := handler.Export(x, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(x.ran, tt.wantRan) || x.closed != 0 {
				t.Errorf("ran %v, quarter closes %d; want %v, none", x.ran, x.closed, tt.wantRan)
			}
			sqsEvent := devtest.Fixture[events.SQSEvent](t, "testdata/sqs-event.json")
			var want []events.SQSBatchItemFailure
			for _, i := range tt.wantFailed {
				want = append(want, events.SQSBatchItemFailure{ItemIdentifier: sqsEvent.Records[i].MessageId})
			}
			if !slices.Equal(resp.BatchItemFailures, want) {
				t.Errorf("batch item failures %+v, want %+v", resp.BatchItemFailures, want)
			}
			if n := strings.Count(logs.String(), `"msg":"export message without an export id dropped"`); n != tt.wantDropped {
				t.Errorf("%d messages dropped, want %d:\n%s", n, tt.wantDropped, logs.String())
			}
		})
	}
}

// TestExportOnScheduleRequestsTheClosedQuarter feeds the real EventBridge
// scheduled event: it requests the closed quarter's bundles and runs none;
// a failure fails the invocation, so EventBridge retries it.
func TestExportOnScheduleRequestsTheClosedQuarter(t *testing.T) {
	t.Parallel()
	x := &fakeExporter{}
	h := handler.Export(x, slog.New(slog.DiscardHandler))
	resp, err := h(context.Background(), fixture(t, "scheduled-event.json"))
	if err != nil || x.closed != 1 || len(x.ran) != 0 || len(resp.BatchItemFailures) != 0 {
		t.Errorf("got %+v, %v; quarter closes %d, ran %v; want one close and nothing run", resp, err, x.closed, x.ran)
	}
	x.closeErr = errors.New("table unavailable")
	if _, err := h(context.Background(), fixture(t, "scheduled-event.json")); !errors.Is(err, x.closeErr) {
		t.Errorf("failed quarter close: %v, want %v", err, x.closeErr)
	}
}

// TestExportRefusesOtherEvents: an SNS event (or anything else) is neither
// kind, and runs nothing.
func TestExportRefusesOtherEvents(t *testing.T) {
	t.Parallel()
	x := &fakeExporter{}
	h := handler.Export(x, slog.New(slog.DiscardHandler))
	for _, raw := range []json.RawMessage{fixture(t, "sns-complaint.json"), json.RawMessage(`{}`), json.RawMessage(`"exp_1"`)} {
		if _, err := h(context.Background(), raw); err == nil {
			t.Errorf("event %.60s: no error", raw)
		}
	}
	if len(x.ran) != 0 || x.closed != 0 {
		t.Errorf("ran %v, quarter closes %d; want nothing", x.ran, x.closed)
	}
}
