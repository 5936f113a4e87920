package handler

import (
	"context"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

func TestImportIDs(t *testing.T) {
	upload, err := os.ReadFile("testdata/s3-upload-event.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, body string
		want       []string
		wantErr    bool
	}{
		{"S3 notification", string(upload), []string{"imp_0123456789abcdef"}, false},
		{"continuation", `{"importId":"imp_0123456789abcdef"}`, []string{"imp_0123456789abcdef"}, false},
		{"S3 test event", `{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"attest-uploads"}`, nil, false},
		{"continuation of no import", `{"importId":"exp_0123456789abcdef"}`, nil, true},
		{"another object", `{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"imports/imp_0123456789abcdef/plan.jsonl.gz"}}}]}`, nil, true},
		{"not from S3", `{"Records":[{"eventSource":"aws:sqs","s3":{"object":{"key":"imports/imp_0123456789abcdef/upload"}}}]}`, nil, true},
		{"not JSON", `imp_0123456789abcdef`, nil, true},
		{"empty object", `{}`, nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := ImportIDs([]byte(c.body))
			if (err != nil) != c.wantErr || !slices.Equal(got, c.want) {
				t.Errorf("ImportIDs = %v, %v; want %v, error %v", got, err, c.want, c.wantErr)
			}
		})
	}
}

// runs records the imports run, failing those in fail.
type runs struct {
	ran       []string
	deadlines []time.Time
	fail      map[string]bool
}

func (r *runs) Run(ctx context.Context, id string, deadline time.Time) error {
	r.ran = append(r.ran, id)
	r.deadlines = append(r.deadlines, deadline)
	if r.fail[id] {
		return context.DeadlineExceeded
	}
	return nil
}

// TestImportHandlerReportsFailedRuns: each message's import runs with the
// invocation's deadline; failed runs are reported for redelivery, messages
// naming no import are dropped.
func TestImportHandlerReportsFailedRuns(t *testing.T) {
	r := &runs{fail: map[string]bool{"imp_00000000000000ff": true}}
	h := Import(r, slog.New(slog.DiscardHandler))
	deadline := time.Now().Add(15 * time.Minute)
	ctx, cancel := context.WithDeadline(t.Context(), deadline)
	defer cancel()
	resp, err := h(ctx, events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "m1", Body: `{"importId":"imp_0123456789abcdef"}`},
		{MessageId: "m2", Body: `garbage`},
		{MessageId: "m3", Body: `{"importId":"imp_00000000000000ff"}`},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"imp_0123456789abcdef", "imp_00000000000000ff"}; !slices.Equal(r.ran, want) || !r.deadlines[0].Equal(deadline) {
		t.Errorf("ran %v with deadlines %v; want %v with the invocation's", r.ran, r.deadlines, want)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "m3" {
		t.Errorf("failures %+v, want m3", resp.BatchItemFailures)
	}
}
