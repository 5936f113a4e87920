package quiz_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// answers returns answers to m's quiz: all right, or all wrong.
func answers(m *catalog.Module, pass bool) map[string]string {
	out := map[string]string{}
	for _, q := range m.Questions {
		out[q.ID] = q.Correct
		if !pass {
			for _, o := range q.Options {
				if o.ID != q.Correct {
					out[q.ID] = o.ID
					break
				}
			}
		}
	}
	return out
}

// TestSubmitCompletesExactlyOnceUnderConcurrency sends failing and passing
// submissions of one module at once, on DynamoDB Local: every recorded
// attempt has its own number, without gaps; exactly one attempt completes
// the assignment, and it is the last one; every refused submission is a
// Conflict and records nothing.
func TestSubmitCompletesExactlyOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	client := devtest.Shared(t).DynamoClient()
	ctx := context.Background()
	name := devtest.Table(t, client, "quiz")
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	a, err := app.New(app.Config{DynamoDB: client, TableName: name, BaseURL: "http://tracker.test", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,start_date,time_zone\nQ1,q1@example.com,Quinn,all-staff,2026-01-05,Asia/Tokyo\n"
	if _, err := a.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	rec, _, err := a.Store.GetPerson(ctx, "Q1")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := a.Catalog.Module("security-awareness")
	a.Quiz.AttemptsPerDay = 100 // the daily cap has its own test

	// submitAll sends n submissions at once, the i-th passing if pass(i),
	// and returns the recorded outcomes; refusals must be Conflicts. Every
	// other one brings the assignments as read before the round (as a
	// request reads them alongside its session), stale once another
	// submission has written.
	submitAll := func(n int, pass func(i int) bool) []quiz.Outcome {
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			outcomes []quiz.Outcome
		)
		read, err := a.Quiz.ModuleAssignments(ctx, "Q1", m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			wg.Go(func() {
				sub := quiz.Submission{Person: rec.Person, ModuleID: m.ID, Answers: answers(m, pass(i)), Source: "192.0.2.1", UserAgent: "test"}
				if i%2 == 1 {
					sub.Assignments = read
				}
				out, err := a.Quiz.Submit(ctx, sub)
				mu.Lock()
				defer mu.Unlock()
				if apperr.CodeOf(err) == apperr.Conflict {
					return
				}
				if err != nil {
					t.Errorf("a submission failed with %v, want only Conflicts", err)
					return
				}
				outcomes = append(outcomes, out)
			})
		}
		wg.Wait()
		t.Logf("%d of %d submissions recorded", len(outcomes), n)
		return outcomes
	}
	// First failing ones only, then failing and passing ones mixed. Under
	// contention every passing submission of a round may lose its race and
	// be refused as a Conflict, so mixed rounds repeat until one passes.
	outcomes := submitAll(12, func(int) bool { return false })
	passed := 0
	for round := 0; round < 10 && passed == 0; round++ {
		for _, o := range submitAll(12, func(i int) bool { return i%3 == 0 }) {
			if o.Passed {
				passed++
			}
			outcomes = append(outcomes, o)
		}
	}

	numbers := map[int]bool{}
	for _, o := range outcomes {
		if numbers[o.Attempt] {
			t.Errorf("attempt number %d given twice", o.Attempt)
		}
		numbers[o.Attempt] = true
	}
	if passed != 1 {
		t.Fatalf("%d submissions completed the module, want 1 (outcomes %+v)", passed, outcomes)
	}

	stored, err := a.Store.Attempts(ctx, "Q1", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored) != len(outcomes) {
		t.Fatalf("%d attempts stored, %d reported recorded", len(stored), len(outcomes))
	}
	for i, at := range stored {
		if at.Number != i+1 || !numbers[at.Number] {
			t.Errorf("stored attempt %d has number %d", i, at.Number)
		}
		if last := i == len(stored)-1; at.Passed != last {
			t.Errorf("attempt %d passed=%v, want only the last one passed", at.Number, at.Passed)
		}
	}

	st, err := a.Quiz.Module(ctx, "Q1", m.ID)
	if err != nil {
		t.Fatal(err)
	}
	if st.Open != nil || st.Completed == nil || st.Completed.Status != assign.StatusCompleted || st.Completed.Attempts != len(stored) {
		t.Errorf("module state after the submissions: open %v, completed %+v", st.Open, st.Completed)
	}
	events, err := a.Store.AuditEvents(ctx, now.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, ev := range events {
		counts[ev.Action]++
	}
	if counts[audit.ActionModuleCompleted] != 1 || counts[audit.ActionModuleAttempted] != len(stored)-1 {
		t.Errorf("audit events %v, want one completion and %d other attempts", counts, len(stored)-1)
	}
}

// TestSubmitCapsAttemptsPerDay submits more failing attempts at once than
// the daily cap allows, on DynamoDB Local: exactly the cap is recorded
// (each refusal is a Conflict, to be retried, or RateLimited), further
// submissions are RateLimited naming the limit and the reset, with nothing
// recorded, and the next UTC day the person can try again.
func TestSubmitCapsAttemptsPerDay(t *testing.T) {
	t.Parallel()
	client := devtest.Shared(t).DynamoClient()
	ctx := context.Background()
	name := devtest.Table(t, client, "quizcap")
	now := time.Date(2026, 11, 2, 23, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	a, err := app.New(app.Config{DynamoDB: client, TableName: name, BaseURL: "http://tracker.test", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	a.Quiz.AttemptsPerDay = 3
	csv := "employee_id,email,name,roles,start_date,time_zone\nQ2,q2@example.com,Quincy,all-staff,2026-01-05,Asia/Tokyo\n"
	if _, err := a.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	rec, _, err := a.Store.GetPerson(ctx, "Q2")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := a.Catalog.Module("security-awareness")
	submit := func(pass bool) error {
		_, err := a.Quiz.Submit(ctx, quiz.Submission{Person: rec.Person, ModuleID: m.ID, Answers: answers(m, pass), Source: "192.0.2.1", UserAgent: "test"})
		return err
	}

	var wg sync.WaitGroup
	for range 12 {
		wg.Go(func() {
			if err := submit(false); err != nil && apperr.CodeOf(err) != apperr.Conflict && apperr.CodeOf(err) != apperr.RateLimited {
				t.Errorf("a concurrent submission failed with %v", err)
			}
		})
	}
	wg.Wait()
	// Retry the refused ones until the cap answers.
	for range 6 {
		if err := submit(false); apperr.CodeOf(err) == apperr.RateLimited {
			break
		}
	}
	stored, err := a.Store.Attempts(ctx, "Q2", m.ID)
	if err != nil || len(stored) != 3 {
		t.Fatalf("%d attempts stored (err %v), want the cap of 3", len(stored), err)
	}
	err = submit(true)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.RateLimited || !strings.Contains(e.Message, "all 3 attempts") || !strings.Contains(e.Message, "2026-11-03 00:00 UTC") {
		t.Errorf("over the cap: %v, want RateLimited naming 3 and 2026-11-03 00:00 UTC", err)
	}
	st, err := a.Quiz.Module(ctx, "Q2", m.ID)
	if err != nil || st.Today.Left != 0 || st.Today.Limit != 3 {
		t.Errorf("module state over the cap: %+v err %v", st.Today, err)
	}

	mu.Lock()
	now = now.Add(time.Hour) // 00:00 UTC the next day
	mu.Unlock()
	if err := submit(true); err != nil {
		t.Errorf("the next day: %v", err)
	}
}
