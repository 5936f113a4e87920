package outbox_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/reminder"
)

// faults decides, per SendEmail call, whether SES fails it.
type faults struct {
	calls   atomic.Int64
	failing func(call int64) error
}

// option injects the faults into the SES client's middleware stack. With
// inRetryLoop the fault sits inside the SDK's retry loop (a retryable error
// is retried by the SDK); otherwise before it (the error reaches our code).
func (f *faults) option(inRetryLoop bool) func(*sesv2.Options) {
	return func(o *sesv2.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
			position := middleware.Before
			if inRetryLoop {
				position = middleware.After
			}
			return stack.Finalize.Add(middleware.FinalizeMiddlewareFunc("injectFaults",
				func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
					if err := f.failing(f.calls.Add(1)); err != nil {
						return middleware.FinalizeOutput{}, middleware.Metadata{}, err
					}
					return next.HandleFinalize(ctx, in)
				}), position)
		})
	}
}

var monday = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// firstDay imports the demo organisation on Monday 2 November and returns
// how many notices that day must send (one per active person with training).
func firstDay(t *testing.T, w *world) int {
	t.Helper()
	ppl := w.importDemo()
	n := 0
	for id, p := range ppl {
		if !p.ActiveOn("2026-11-02") || p.StartDate > "2026-11-02" {
			continue
		}
		all, err := w.app.Store.Assignments(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) > 0 {
			n++
		}
	}
	return n
}

func TestCrashAfterNSendsThenRerunSendsTheRestOnce(t *testing.T) {
	t.Parallel()
	var crashed atomic.Bool
	f := &faults{failing: func(call int64) error {
		if call > 10 && crashed.Load() {
			return errors.New("injected: the sender died")
		}
		return nil
	}}
	crashed.Store(true)
	w := newWorld(t, monday, f.option(false))
	want := firstDay(t, w)
	if _, err := w.run("2026-11-02"); err == nil {
		t.Fatal("the run with a dead sender reported no error")
	}
	if got := len(w.sent()); got != 10 {
		t.Fatalf("before the crash %d emails went out, want 10", got)
	}
	crashed.Store(false)
	if _, err := w.run("2026-11-02"); err != nil {
		t.Fatalf("rerun: %v", err)
	}
	rest := w.sent()
	if len(rest) != want-10 {
		t.Errorf("the rerun sent %d, want the other %d", len(rest), want-10)
	}
	seen := map[string]bool{}
	for _, s := range rest {
		if seen[s] {
			t.Errorf("%s sent twice", s)
		}
		seen[s] = true
	}
}

func TestSESErrorsAreRetriedWithoutDuplicates(t *testing.T) {
	t.Parallel()
	t.Run("RetryableThrottlingInsideTheSDK", func(t *testing.T) {
		t.Parallel()
		f := &faults{failing: func(call int64) error {
			if call%3 == 0 {
				return &smithy.GenericAPIError{Code: "Throttling", Message: "injected: rate exceeded"}
			}
			return nil
		}}
		w := newWorld(t, monday, f.option(true))
		want := firstDay(t, w)
		if _, err := w.run("2026-11-02"); err != nil {
			t.Fatalf("run: %v", err)
		}
		if got := w.sent(); len(got) != want || hasDuplicates(got) {
			t.Errorf("sent %d (duplicates: %v), want %d once each", len(got), hasDuplicates(got), want)
		}
		if f.calls.Load() <= int64(want) {
			t.Errorf("%d SES calls for %d emails: the faults were not exercised", f.calls.Load(), want)
		}
	})
	t.Run("RejectedSendsWaitForTheNextRun", func(t *testing.T) {
		t.Parallel()
		var failing atomic.Bool
		failing.Store(true)
		f := &faults{failing: func(call int64) error {
			if failing.Load() && call%4 == 0 {
				return &smithy.GenericAPIError{Code: "MessageRejected", Message: "injected"}
			}
			return nil
		}}
		w := newWorld(t, monday, f.option(false))
		want := firstDay(t, w)
		if _, err := w.run("2026-11-02"); err == nil {
			t.Fatal("rejected sends were not reported")
		}
		first := w.sent()
		failing.Store(false)
		if _, err := w.run("2026-11-02"); err != nil {
			t.Fatalf("rerun: %v", err)
		}
		all := append(first, w.sent()...)
		if len(all) != want || hasDuplicates(all) || len(first) == want {
			t.Errorf("first run %d, both runs %d (duplicates: %v), want %d once each", len(first), len(all), hasDuplicates(all), want)
		}
		hist, _ := w.app.Store.Notifications(context.Background(), "person#E020")
		if len(hist) != 1 || hist[0].Status != "sent" {
			t.Errorf("history of E020 %+v", hist)
		}
	})
}

func hasDuplicates(s []string) bool {
	seen := map[string]bool{}
	for _, x := range s {
		if seen[x] {
			return true
		}
		seen[x] = true
	}
	return false
}

func TestPausedOrganisationSendsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, monday)
	want := firstDay(t, w)
	ctx := context.Background()
	if err := w.app.Store.PutSettings(ctx, orgconfig.Settings{SendingPaused: true}, "test"); err != nil {
		t.Fatal(err)
	}
	sum, err := w.app.Reminders.Run(ctx, monday.Add(3*time.Hour), false, false)
	if err != nil || !sum.Paused || sum.Notifications != want || len(sum.Planned) != want {
		t.Fatalf("paused run: %+v %v", sum, err)
	}
	if got := w.sent(); len(got) != 0 {
		t.Fatalf("a paused organisation sent %d emails", len(got))
	}
	st, _ := w.app.Store.Settings(ctx)
	if err := w.app.Store.PutSettings(ctx, orgconfig.Settings{SendingPaused: false, Version: st.Version}, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.run("2026-11-02"); err != nil {
		t.Fatal(err)
	}
	if got := w.sent(); len(got) != want {
		t.Errorf("after unpausing: %d emails, want %d", len(got), want)
	}
}

func TestDryRunListsAndSendsNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, monday)
	want := firstDay(t, w)
	sum, err := w.app.Reminders.Run(context.Background(), monday.Add(3*time.Hour), false, true)
	if err != nil || sum.Notifications != want || len(sum.Planned) != want || sum.OpenRead == 0 {
		t.Fatalf("dry run %+v %v", sum, err)
	}
	if got := w.sent(); len(got) != 0 {
		t.Errorf("a dry run sent %d emails", len(got))
	}
}

func TestWeekendsAreQuiet(t *testing.T) {
	t.Parallel()
	w := newWorld(t, monday)
	firstDay(t, w)
	// Saturday 7 November at 12:00 UTC is Saturday everywhere the demo
	// organisation works: nobody hears anything, not even a first notice.
	if _, err := w.run("2026-11-07"); err != nil {
		t.Fatal(err)
	}
	if got := w.sent(); len(got) != 0 {
		t.Errorf("on Saturday: %v", got)
	}
	// Monday catches up: every first notice, once.
	if _, err := w.run("2026-11-09"); err != nil {
		t.Fatal(err)
	}
	if got := w.sent(); len(got) == 0 || hasDuplicates(got) {
		t.Errorf("on Monday: %d emails, duplicates %v", len(got), hasDuplicates(got))
	}
}

// TestQueueHandlerReportsOnlyFailedMessages feeds the send function's
// handler a real-shaped SQS event: a good notification, one SES rejects,
// and an undecodable body (dropped, not retried).
func TestQueueHandlerReportsOnlyFailedMessages(t *testing.T) {
	t.Parallel()
	f := &faults{failing: func(call int64) error {
		if call == 2 {
			return &smithy.GenericAPIError{Code: "MessageRejected", Message: "injected"}
		}
		return nil
	}}
	w := newWorld(t, monday, f.option(false))
	ppl := w.importDemo()
	e := devtest.Fixture[events.SQSEvent](t, "../../handler/testdata/sqs-event.json")
	ctx := context.Background()
	bodies := []string{}
	for _, id := range []string{"E020", "E021"} {
		p := ppl[id]
		all, _ := w.app.Store.Assignments(ctx, id)
		n := reminder.Notification{Recipient: reminder.Recipient{Key: "person#" + id, Email: p.Email, Name: p.Name, TimeZone: p.Location()},
			Kind: reminder.KindDigest, Day: "2026-11-02"}
		for _, a := range all {
			n.Lines = append(n.Lines, reminder.Line{Person: p, Assignment: a, Reason: reminder.ReasonNotice})
		}
		b, _ := json.Marshal(n)
		bodies = append(bodies, string(b))
	}
	e.Records[0].Body, e.Records[1].Body = bodies[0], bodies[1]
	send := handler.Send(w.app.Reminders, slog.New(slog.DiscardHandler))
	resp, err := send(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != e.Records[1].MessageId {
		t.Errorf("failures %+v, want only the second message", resp.BatchItemFailures)
	}
	if got := w.sent(); len(got) != 1 || !strings.HasPrefix(got[0], strings.ToLower(ppl["E020"].Email)) {
		t.Errorf("sent %v, want E020's digest only", got)
	}
	// SQS redelivers the failed message: it goes out once, the other is not repeated.
	resp, err = send(ctx, e)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: %+v %v", resp, err)
	}
	if got := w.sent(); len(got) != 1 || !strings.HasPrefix(got[0], strings.ToLower(ppl["E021"].Email)) {
		t.Errorf("redelivery sent %v, want E021's digest only", got)
	}
}
