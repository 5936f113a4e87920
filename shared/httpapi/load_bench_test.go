package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/metrics"
)

// loadClients is how many clients BenchmarkLoadCompletions runs at once.
const loadClients = 64

// loadSize is how many completions BenchmarkLoadCompletions makes:
// LOAD_COMPLETIONS, 10,000 by default.
func loadSize(b *testing.B) int {
	v := os.Getenv("LOAD_COMPLETIONS")
	if v == "" {
		return 10_000
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		b.Fatalf("LOAD_COMPLETIONS=%q: want a positive number", v)
	}
	return n
}

// loadTask is what one client does for one assignment, in order: maybe a
// failing attempt first, then the passing one (maybe sent twice at once),
// then maybe the passing one again.
type loadTask struct {
	cookie                          *http.Cookie
	csrf, module, employeeID        string
	pass, fail                      string
	failFirst, concurrent, resubmit bool
}

// loadCounts is what the clients saw.
type loadCounts struct {
	completed, failed, refused, unexpected atomic.Int64
	firstUnexpected                        atomic.Value // string
}

// BenchmarkLoadCompletions sends LOAD_COMPLETIONS (10,000 by default)
// passing quiz submissions from 64 concurrent clients over real HTTP through
// the local API Gateway stand-in, against DynamoDB Local: one per
// assignment of 2,000 people with 5 modules each, seeded through PUT
// /api/roster (the roster import service). Every tenth assignment first
// gets a failing attempt (200, passed false); every twentieth passing
// submission is sent twice at once, and another twentieth again after it
// completed: each duplicate must be refused (409, passed once). Afterwards
// it counts what the table holds: exactly one completed assignment per
// task, exactly the attempts sent and accepted (one passing each, plus the
// failing ones), and one audit event per attempt (module.completed,
// module.attempted) — nothing lost, nothing twice. It reports the passing
// submissions' p50 and p99, completions per second and every request per
// second.
func BenchmarkLoadCompletions(b *testing.B) {
	n := loadSize(b)
	b.StopTimer()
	for range b.N {
		e, tasks := loadSetup(b, n)
		var counts loadCounts
		lat := make([]time.Duration, len(tasks))
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2 * loadClients}}
		var requests atomic.Int64
		next := make(chan int)
		var wg sync.WaitGroup
		b.StartTimer()
		start := time.Now()
		for range loadClients {
			wg.Go(func() {
				for i := range next {
					lat[i] = e.runLoadTask(client, tasks[i], &counts, &requests)
				}
			})
		}
		for i := range tasks {
			next <- i
		}
		close(next)
		wg.Wait()
		elapsed := time.Since(start)
		b.StopTimer()

		if u := counts.unexpected.Load(); u > 0 {
			b.Fatalf("%d unexpected answers, the first: %v", u, counts.firstUnexpected.Load())
		}
		e.checkLoadRecords(b, tasks, &counts)
		slices.Sort(lat)
		b.ReportMetric(percentile(lat, 0.5), "p50-ms")
		b.ReportMetric(percentile(lat, 0.99), "p99-ms")
		b.ReportMetric(float64(len(tasks))/elapsed.Seconds(), "completions/s")
		b.ReportMetric(float64(requests.Load())/elapsed.Seconds(), "requests/s")
		b.ReportMetric(float64(len(tasks)), "completions")
		b.ReportMetric(float64(counts.failed.Load()), "failed-attempts")
		b.ReportMetric(float64(counts.refused.Load()), "duplicates-refused")
	}
}

// loadSetup imports ⌈n/5⌉ people with 5 modules each through the roster
// API, signs each in and returns n tasks, one per assignment, in an order
// that spreads each person's tasks over the run.
func loadSetup(b *testing.B, n int) (*env, []loadTask) {
	e := newEnv(b)
	roles := []string{"all-staff", "support"}
	mods, _ := e.app.Catalog.ItemsForRoles(roles)
	if len(mods) != 5 {
		b.Fatalf("roles %v give %d modules, want 5", roles, len(mods))
	}
	people := (n + len(mods) - 1) / len(mods)
	var csv strings.Builder
	csv.WriteString(header)
	for i := range people {
		fmt.Fprintf(&csv, "L%05d,l%05d@load.example.com,Load %d,all-staff;support,,Ops,employee,,,2026-01-05,,UTC\n", i, i, i)
	}
	if status, body := e.putRoster("", "text/csv", csv.String()); status != http.StatusOK {
		b.Fatalf("seed: %d %v", status, body)
	}
	type session struct {
		cookie *http.Cookie
		csrf   string
	}
	sessions := make([]session, people)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	ids := make(chan int)
	for range 16 {
		wg.Go(func() {
			for i := range ids {
				c, csrf, err := e.newSession(fmt.Sprintf("L%05d", i))
				mu.Lock()
				sessions[i], firstErr = session{c, csrf}, cmpErr(firstErr, err)
				mu.Unlock()
			}
		})
	}
	for i := range people {
		ids <- i
	}
	close(ids)
	wg.Wait()
	if firstErr != nil {
		b.Fatal(firstErr)
	}
	tasks := make([]loadTask, 0, n)
	for k := range n {
		// Module by module: a person's five tasks are people apart, so
		// that their own requests rarely overlap (the duplicates do).
		p, m := k%people, mods[k/people]
		s := sessions[p]
		t := loadTask{
			cookie: s.cookie, csrf: s.csrf, module: m.ID, employeeID: fmt.Sprintf("L%05d", p),
			pass: mustJSON(map[string]any{"answers": answers(m, len(m.Questions))}),
			fail: mustJSON(map[string]any{"answers": answers(m, 0)}),
		}
		t.failFirst = k%10 == 3
		t.concurrent = k%20 == 7
		t.resubmit = k%20 == 14
		tasks = append(tasks, t)
	}
	return e, tasks
}

// runLoadTask does one task and returns the passing submission's latency
// (the first to answer when it is sent twice at once).
func (e *env) runLoadTask(c *http.Client, t loadTask, counts *loadCounts, requests *atomic.Int64) time.Duration {
	unexpected := func(what string, status int, body string) {
		counts.unexpected.Add(1)
		counts.firstUnexpected.CompareAndSwap(nil, fmt.Sprintf("%s %s of %s: %d %s", what, t.module, t.employeeID, status, body))
	}
	send := func(body string) (int, attemptAnswer, string) {
		requests.Add(1)
		req, _ := http.NewRequest(http.MethodPost, e.url+"/api/me/modules/"+t.module+"/attempts", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", t.csrf)
		req.AddCookie(t.cookie)
		resp, err := c.Do(req)
		if err != nil {
			return 0, attemptAnswer{}, err.Error()
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var a attemptAnswer
		_ = json.Unmarshal(raw, &a)
		return resp.StatusCode, a, string(raw)
	}
	if t.failFirst {
		status, a, raw := send(t.fail)
		if status != http.StatusOK || a.Passed || a.Attempt != 1 {
			unexpected("failing attempt at", status, raw)
		} else {
			counts.failed.Add(1)
		}
	}
	wantAttempt := 1
	if t.failFirst {
		wantAttempt = 2
	}
	start := time.Now()
	if !t.concurrent {
		status, a, raw := send(t.pass)
		d := time.Since(start)
		if status != http.StatusOK || !a.Passed || a.Attempt != wantAttempt {
			unexpected("passing attempt at", status, raw)
		} else {
			counts.completed.Add(1)
		}
		if t.resubmit {
			if status, _, raw := send(t.pass); status != http.StatusConflict {
				unexpected("resubmission of", status, raw)
			} else {
				counts.refused.Add(1)
			}
		}
		return d
	}
	// The same passing submission twice at once: one completes, the other
	// is refused.
	type answer struct {
		status int
		a      attemptAnswer
		raw    string
		took   time.Duration
	}
	answers := make(chan answer, 2)
	for range 2 {
		go func() {
			status, a, raw := send(t.pass)
			answers <- answer{status, a, raw, time.Since(start)}
		}()
	}
	x, y := <-answers, <-answers
	if x.status != http.StatusOK {
		x, y = y, x
	}
	switch {
	case x.status != http.StatusOK || !x.a.Passed || x.a.Attempt != wantAttempt:
		unexpected("one of two simultaneous passing attempts at", x.status, x.raw)
	case y.status != http.StatusConflict:
		unexpected("the other of two simultaneous passing attempts at", y.status, y.raw)
	default:
		counts.completed.Add(1)
		counts.refused.Add(1)
	}
	return min(x.took, y.took)
}

// attemptAnswer is the JSON answer of a submission.
type attemptAnswer struct {
	Passed  bool `json:"passed"`
	Attempt int  `json:"attempt"`
}

// checkLoadRecords counts what the table holds after the load: one
// completed assignment per task with one passing attempt (after its failing
// one, if any), no other attempt, and one audit event per attempt.
func (e *env) checkLoadRecords(b *testing.B, tasks []loadTask, counts *loadCounts) {
	b.Helper()
	ctx := context.Background()
	type key struct{ person, module string }
	want := map[key]loadTask{}
	for _, t := range tasks {
		want[key{t.employeeID, t.module}] = t
	}
	completed, attempts, passing := 0, 0, 0
	seen := map[string]bool{}
	_, err := e.app.Store.PersonHistories(ctx, func(h metrics.History) error {
		for _, a := range h.Assignments {
			t, ok := want[key{a.EmployeeID, a.ModuleID}]
			switch {
			case !ok && a.Status == assign.StatusCompleted:
				return fmt.Errorf("%s/%s completed without a task", a.EmployeeID, a.ModuleID)
			case !ok:
			case a.Status != assign.StatusCompleted:
				return fmt.Errorf("%s/%s is %s after its passing attempt", a.EmployeeID, a.ModuleID, a.Status)
			case a.Attempts != 1+boolInt(t.failFirst):
				return fmt.Errorf("%s/%s counts %d attempts", a.EmployeeID, a.ModuleID, a.Attempts)
			default:
				completed++
			}
		}
		for _, at := range h.Attempts {
			id := fmt.Sprintf("%s/%s/%d/%d", at.EmployeeID, at.ModuleID, at.Cycle, at.Number)
			if seen[id] {
				return fmt.Errorf("attempt %s twice", id)
			}
			seen[id] = true
			attempts++
			if at.Passed {
				passing++
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	failed := int(counts.failed.Load())
	if completed != len(tasks) || passing != len(tasks) || attempts != len(tasks)+failed {
		b.Fatalf("stored %d completed assignments, %d attempts (%d passing); want %d, %d (%d)",
			completed, attempts, passing, len(tasks), len(tasks)+failed, len(tasks))
	}
	events, err := e.app.Store.AuditEvents(ctx, e.now.Format(time.DateOnly))
	if err != nil {
		b.Fatal(err)
	}
	byAction := map[string]int{}
	subjects := map[string]bool{}
	for _, ev := range events {
		byAction[ev.Action]++
		if ev.Action == audit.ActionModuleCompleted {
			s := fmt.Sprintf("%s/%v", ev.Subject, ev.Details["module"])
			if subjects[s] {
				b.Fatalf("%s completed twice in the audit log", s)
			}
			subjects[s] = true
		}
	}
	if byAction[audit.ActionModuleCompleted] != len(tasks) || byAction[audit.ActionModuleAttempted] != failed {
		b.Fatalf("audit log: %d %s, %d %s; want %d, %d", byAction[audit.ActionModuleCompleted], audit.ActionModuleCompleted,
			byAction[audit.ActionModuleAttempted], audit.ActionModuleAttempted, len(tasks), failed)
	}
	b.ReportMetric(float64(attempts), "attempts-stored")
	b.ReportMetric(float64(byAction[audit.ActionModuleCompleted]+byAction[audit.ActionModuleAttempted]), "attempt-events-stored")
}

func boolInt(v bool) int {
	if v {
		return 1
	}
	return 0
}
