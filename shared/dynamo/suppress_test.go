package dynamo_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/dynamo"
)

// auditActions returns the actions of the audit events of day.
func auditActions(t *testing.T, s *dynamo.Store, day time.Time) []string {
	t.Helper()
	events, err := s.AuditEvents(context.Background(), day.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range events {
		out = append(out, e.Action)
	}
	return out
}

func TestMarkUndeliverableOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	bounced := t0.Add(-time.Hour)

	if _, found, err := s.Undeliverable(ctx, "ann@example.com"); err != nil || found {
		t.Fatalf("before: found=%v err=%v", found, err)
	}
	if err := s.MarkUndeliverable(ctx, "Ann@Example.com", "bounce", "ses-1", bounced); err != nil {
		t.Fatal(err)
	}
	// The same event again, and a later complaint: the first record stays.
	if err := s.MarkUndeliverable(ctx, "Ann@Example.com", "bounce", "ses-1", bounced); err != nil {
		t.Fatalf("replay: %v", err)
	}
	if err := s.MarkUndeliverable(ctx, "ann@example.com", "complaint", "ses-2", t0); err != nil {
		t.Fatalf("second reason: %v", err)
	}
	reason, found, err := s.Undeliverable(ctx, "ANN@example.com")
	if err != nil || !found || reason != "bounce" {
		t.Errorf("got %q found=%v err=%v, want the first reason", reason, found, err)
	}
	if got := auditActions(t, s, t0); len(got) != 1 || got[0] != audit.ActionEmailUndeliverable {
		t.Errorf("audit events %v, want one %s", got, audit.ActionEmailUndeliverable)
	}
}

func TestMarkUndeliverableConcurrently(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	errs := make(chan error, 8)
	for range 8 {
		go func() { errs <- s.MarkUndeliverable(ctx, "race@example.com", "bounce", "ses-1", t0) }()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Errorf("concurrent mark: %v", err)
		}
	}
	if got := auditActions(t, s, t0); len(got) != 1 {
		t.Errorf("%d audit events, want 1", len(got))
	}
}

func TestUndeliverableSetReadsInChunks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	var asked []string
	want := map[string]bool{}
	for i := range 250 {
		e := fmt.Sprintf("p%03d@example.com", i)
		if i%40 == 7 {
			if err := s.MarkUndeliverable(ctx, e, "bounce", "ses", t0); err != nil {
				t.Fatal(err)
			}
			e = strings.ToUpper(e) // asked in another case than stored
			want[e] = true
		}
		asked = append(asked, e)
	}
	asked = append(asked, asked[7], asked[8]) // duplicates are fine
	got, err := s.UndeliverableSet(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("got %d undeliverable, want %d: %v", len(got), len(want), got)
	}
	for e := range want {
		if !got[e] {
			t.Errorf("%s missing from %v", e, got)
		}
	}
	if empty, err := s.UndeliverableSet(ctx, nil); err != nil || len(empty) != 0 {
		t.Errorf("no addresses: %v %v", empty, err)
	}
}

// throttlingAPI leaves keys unprocessed, as DynamoDB does under load: every
// BatchGetItem call processes at most perCall keys and returns the rest.
type throttlingAPI struct {
	*dynamodb.Client
	perCall int
	calls   atomic.Int32
}

func (a *throttlingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	a.calls.Add(1)
	now, later := map[string]types.KeysAndAttributes{}, map[string]types.KeysAndAttributes{}
	for name, ka := range in.RequestItems {
		n := min(a.perCall, len(ka.Keys))
		head, tail := ka, ka
		head.Keys, tail.Keys = ka.Keys[:n], ka.Keys[n:]
		if n > 0 {
			now[name] = head
		}
		if len(tail.Keys) > 0 {
			later[name] = tail
		}
	}
	out := &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{}}
	if len(now) > 0 {
		res, err := a.Client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: now}, opts...)
		if err != nil {
			return nil, err
		}
		out.Responses = res.Responses
	}
	out.UnprocessedKeys = later
	return out, nil
}

func TestUndeliverableSetRetriesUnprocessedKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, client, name := newStore(t, &now)
	for _, e := range []string{"a@example.com", "d@example.com"} {
		if err := s.MarkUndeliverable(ctx, e, "complaint", "ses", t0); err != nil {
			t.Fatal(err)
		}
	}
	asked := []string{"a@example.com", "b@example.com", "c@example.com", "d@example.com", "e@example.com"}

	slow := &throttlingAPI{Client: client, perCall: 2}
	got, err := dynamo.New(slow, name, func() time.Time { return now }).UndeliverableSet(ctx, asked)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !got["a@example.com"] || !got["d@example.com"] {
		t.Errorf("got %v, want a and d", got)
	}
	if n := slow.calls.Load(); n != 3 {
		t.Errorf("%d BatchGetItem calls, want 3 (2 + 2 + 1 keys)", n)
	}

	stuck := &throttlingAPI{Client: client, perCall: 0}
	if _, err := dynamo.New(stuck, name, func() time.Time { return now }).UndeliverableSet(ctx, asked); err == nil || !strings.Contains(err.Error(), "unprocessed") {
		t.Errorf("keys never processed: err %v", err)
	}
}
