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

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

// TestDailyAssignmentRunsTheDayOfTheEvent feeds a real EventBridge scheduled
// event to the daily handler against DynamoDB Local: the leaver whose last day
// was the day before the event loses their open training.
func TestDailyAssignmentRunsTheDayOfTheEvent(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.Table(t, client, "schedule")
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	a, err := app.New(app.Config{DynamoDB: client, TableName: name, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,start_date,end_date\n" +
		"L1,l1@example.com,Lee,all-staff,2026-01-05,2026-11-20\n"
	if _, err := a.Roster.Import(ctx, roster.Request{Body: bytes.NewBufferString(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Assigner.Daily(ctx, "2026-11-02", "test", "test", false); err != nil {
		t.Fatal(err)
	}

	e := devtest.Fixture[events.EventBridgeEvent](t, "testdata/"+"scheduled-event.json")
	sum, err := handler.DailyAssignment(a.Assigner, slog.New(slog.DiscardHandler))(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Evaluated != 1 || sum.Closed != 4 || sum.Full {
		t.Errorf("got %+v, want the leaver evaluated and 4 assignments closed", sum)
	}
	// A retried delivery of the same event changes nothing.
	again, err := handler.DailyAssignment(a.Assigner, slog.New(slog.DiscardHandler))(ctx, e)
	if err != nil || again.Closed != 0 || again.Created != 0 {
		t.Errorf("retried event: %+v %v", again, err)
	}
}

// fakeRunner records the reminder run it is asked for.
type fakeRunner struct {
	now            time.Time
	hourly, dryRun bool
	err            error
}

func (f *fakeRunner) Run(ctx context.Context, now time.Time, hourly, dryRun bool) (reminder.RunSummary, error) {
	f.now, f.hourly, f.dryRun = now, hourly, dryRun
	return reminder.RunSummary{At: now, Notifications: 3}, f.err
}

// TestHourlyRemindersRunsAtTheTimeOfTheEvent feeds a real EventBridge
// scheduled event to the hourly handler: it asks for an hourly run, not a dry
// one, at the event's time (so a retried event selects the same
// notifications), and fails with the run, logging why.
func TestHourlyRemindersRunsAtTheTimeOfTheEvent(t *testing.T) {
	t.Parallel()
	e := devtest.Fixture[events.EventBridgeEvent](t, "testdata/"+"scheduled-event.json")
	for _, tt := range []struct {
		name    string
		err     error
		wantLog string
	}{
		{"Run", nil, `"level":"INFO","msg":"reminder run"`},
		{"Failure", errors.New("table unavailable"), `"level":"ERROR","msg":"reminder run failed"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			r := &fakeRunner{err: tt.err}
			sum, err := handler.HourlyReminders(r, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), e)
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
			if !r.now.Equal(e.Time) || !r.hourly || r.dryRun {
				t.Errorf("run at %v hourly=%v dryRun=%v, want at %v, hourly, not a dry run", r.now, r.hourly, r.dryRun, e.Time)
			}
			if sum.Notifications != 3 || !sum.At.Equal(e.Time) {
				t.Errorf("summary %+v, want the run's", sum)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs lack %s:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}

// fakeFreezer records the freeze it is asked for.
type fakeFreezer struct {
	at    time.Time
	actor string
	err   error
}

func (f *fakeFreezer) FreezeClosed(ctx context.Context, at time.Time, actor string) (metrics.Frozen, error) {
	f.at, f.actor = at, actor
	return metrics.Frozen{Created: true, Snapshot: metrics.Snapshot{Quarter: "2026-Q3", RunID: "r1", People: 7, Chunks: 1, ItemsRead: 90}}, f.err
}

// fakeSealer counts the seal runs it is asked for.
type fakeSealer struct {
	runs int
	err  error
}

func (s *fakeSealer) SealThrough(context.Context) (int, error) {
	s.runs++
	return 2, s.err
}

// TestDailyFreezeFreezesBeforeTheTimeOfTheEvent feeds a real EventBridge
// scheduled event to the freeze handler: it freezes the quarter closed
// before the event's time, as the schedule, and seals the audit days that
// ended; it fails when either fails, still doing the other, logging why.
func TestDailyFreezeFreezesBeforeTheTimeOfTheEvent(t *testing.T) {
	t.Parallel()
	e := devtest.Fixture[events.EventBridgeEvent](t, "testdata/"+"scheduled-event.json")
	for _, tt := range []struct {
		name               string
		freezeErr, sealErr error
		wantLog            string
	}{
		{"Run", nil, nil, `"level":"INFO","msg":"freeze run","quarter":"2026-Q3","created":true`},
		{"Failure", errors.New("table unavailable"), nil, `"level":"ERROR","msg":"freeze run failed"`},
		{"SealFailure", nil, errors.New("key disabled"), `"level":"ERROR","msg":"audit seal run failed"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			f := &fakeFreezer{err: tt.freezeErr}
			s := &fakeSealer{err: tt.sealErr}
			sum, err := handler.DailyFreeze(f, s, slog.New(slog.NewJSONHandler(&logs, nil)))(context.Background(), e)
			if tt.freezeErr != nil && !errors.Is(err, tt.freezeErr) || tt.sealErr != nil && !errors.Is(err, tt.sealErr) ||
				tt.freezeErr == nil && tt.sealErr == nil && err != nil {
				t.Errorf("error %v, want %v and %v", err, tt.freezeErr, tt.sealErr)
			}
			if !f.at.Equal(e.Time) || f.actor != "schedule:"+e.ID {
				t.Errorf("froze before %v as %s, want %v as the schedule", f.at, f.actor, e.Time)
			}
			if s.runs != 1 || sum.Sealed != 2 {
				t.Errorf("sealed %d times, summary %d days; want one run of 2 days", s.runs, sum.Sealed)
			}
			want := handler.FreezeSummary{Quarter: "2026-Q3", Created: true, RunID: "r1", People: 7, Chunks: 1, ItemsRead: 90, Sealed: 2}
			if tt.freezeErr == nil && sum != want {
				t.Errorf("summary %+v, want %+v", sum, want)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs lack %s:\n%s", tt.wantLog, logs.String())
			}
		})
	}
}
