package export_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/metrics"
)

// memStore keeps exports in memory with the stored semantics: conditional
// creates and state changes, newest first listing.
type memStore struct {
	mu      sync.Mutex
	exports map[string]export.Export
	events  []audit.Event
	// puts counts PutExport calls, refused ones included (on DynamoDB a
	// refused conditional write is still paid for).
	puts int
}

func (m *memStore) PutExport(_ context.Context, e export.Export, ev audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.puts++
	if _, ok := m.exports[e.ID]; ok {
		return apperr.New(apperr.Conflict, "exists")
	}
	m.exports[e.ID] = e
	m.events = append(m.events, ev)
	return nil
}

func (m *memStore) UpdateExportState(_ context.Context, from, to export.Export, ev audit.Event) (export.Export, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.exports[from.ID]
	if !ok || cur.State != from.State || cur.Version != from.Version {
		return export.Export{}, apperr.New(apperr.Conflict, "changed")
	}
	to.Version = from.Version + 1
	m.exports[to.ID] = to
	m.events = append(m.events, ev)
	return to, nil
}

func (m *memStore) GetExport(_ context.Context, id string) (export.Export, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.exports[id]
	return e, ok, nil
}

func (m *memStore) ListExports(context.Context) ([]export.Export, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []export.Export
	for _, e := range m.exports {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b export.Export) int { return b.RequestedAt.Compare(a.RequestedAt) })
	return out, nil
}

func (m *memStore) RecordDownload(_ context.Context, ev audit.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = append(m.events, ev)
	return nil
}

func (m *memStore) actions(subject string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.events {
		if e.Subject == subject {
			out = append(out, e.Action)
		}
	}
	return out
}

type frozenQuarters map[string]bool

func (f frozenQuarters) Snapshot(_ context.Context, q string) (metrics.Snapshot, bool, error) {
	return metrics.Snapshot{Quarter: q}, f[q], nil
}

type agreements []agreement.Agreement

func (as agreements) Agreement(_ context.Context, key string) (agreement.Agreement, bool, error) {
	for _, a := range as {
		if a.Key == key {
			return a, true, nil
		}
	}
	return agreement.Agreement{}, false, nil
}

func (as agreements) Agreements(context.Context) ([]agreement.Agreement, error) { return as, nil }

// memObjects stores files in memory and "presigns" a recognisable URL.
type memObjects struct {
	mu    sync.Mutex
	files map[string]string
}

func (o *memObjects) Sink(prefix string) export.Sink { return memSink{o, prefix} }

func (o *memObjects) PresignGet(_ context.Context, key string, ttl time.Duration, filename string) (string, error) {
	return fmt.Sprintf("https://objects.test/%s?ttl=%s&filename=%s", key, ttl, filename), nil
}

type memSink struct {
	o      *memObjects
	prefix string
}

func (s memSink) Create(_ context.Context, name, _ string) (io.WriteCloser, error) {
	return &memFile{o: s.o, key: s.prefix + name}, nil
}

type memFile struct {
	strings.Builder
	o   *memObjects
	key string
}

func (f *memFile) Close() error {
	f.o.mu.Lock()
	defer f.o.mu.Unlock()
	f.o.files[f.key] = f.String()
	return nil
}

// buildOne writes one file naming the job, or fails with fail when set.
func buildOne(fail *error) export.Builder {
	return func(ctx context.Context, job export.Job, sink export.Sink) ([]export.File, error) {
		if *fail != nil {
			return nil, *fail
		}
		w, err := sink.Create(ctx, "manifest.json", "application/json")
		if err != nil {
			return nil, err
		}
		body := fmt.Sprintf(`{"quarter":%q,"agreement":%q}`, job.Quarter, job.Agreement)
		_, _ = io.WriteString(w, body)
		return []export.File{{Name: "manifest.json", Bytes: int64(len(body)), SHA256: "00"}}, w.Close()
	}
}

type fixture struct {
	svc     *export.Service
	store   *memStore
	objects *memObjects
	now     time.Time
	fail    error
}

var (
	acme    = agreement.Agreement{Key: "acme", Customer: "Acme", Engagement: "acme-bank", StartDate: "2026-01-01"}
	globex  = agreement.Agreement{Key: "globex", Customer: "Globex", Engagement: "globex", StartDate: "2026-05-01", EndDate: "2026-06-30"}
	initech = agreement.Agreement{Key: "initech", Customer: "Initech", Engagement: "initech", StartDate: "2026-10-01"}
)

func newFixture(t *testing.T, frozen ...string) *fixture {
	t.Helper()
	f := &fixture{store: &memStore{exports: map[string]export.Export{}}, objects: &memObjects{files: map[string]string{}},
		now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	fq := frozenQuarters{}
	for _, q := range frozen {
		fq[q] = true
	}
	f.svc = &export.Service{Store: f.store, Snapshots: fq, Agreements: agreements{acme, globex, initech}, Objects: f.objects, Links: f.objects,
		Build: buildOne(&f.fail), Now: func() time.Time { return f.now }}
	t.Cleanup(f.svc.Wait)
	return f
}

func TestRequestValidates(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, quarter, agreement string
		code                     apperr.Code
		field                    string
	}{
		{"malformed quarter", "2026-3", "", apperr.Invalid, "quarter"},
		{"future quarter", "2027-Q1", "", apperr.Invalid, "quarter"},
		{"closed, not frozen", "2026-Q2", "", apperr.Conflict, "quarter"},
		{"unknown agreement", "2026-Q4", "nope", apperr.Invalid, "agreement"},
		{"agreement not in force then", "2026-Q3", "globex", apperr.Invalid, "agreement"},
		{"agreement starting later", "2026-Q3", "initech", apperr.Invalid, "agreement"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, "2026-Q3")
			_, err := f.svc.Request(context.Background(), tt.quarter, tt.agreement, "person:A", "127.0.0.1")
			e, ok := apperr.As(err)
			if !ok || e.Code != tt.code || len(e.Problems) != 1 || e.Problems[0].Field != tt.field {
				t.Fatalf("got %v, want %s on %s", err, tt.code, tt.field)
			}
			if all, _ := f.store.ListExports(context.Background()); len(all) != 0 {
				t.Errorf("stored %v", all)
			}
		})
	}
}

// TestRequestRunsInProcess: without a queue the export runs in-process;
// after Wait it is done with its files under its prefix, and each state
// change was an audit event.
func TestRequestRunsInProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, "2026-Q3")
	for _, tt := range []struct{ quarter, agreement, scope, prefix string }{
		{"2026-Q3", "acme", "agreement:acme", "exports/2026-Q3/agreements/acme/"},
		{"2026-Q4", "", "organisation", "exports/2026-Q4/organisation/"},
	} {
		e, err := f.svc.Request(ctx, tt.quarter, tt.agreement, "person:A", "127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if e.State != export.Pending || e.Scope != tt.scope || !strings.HasPrefix(e.Prefix, tt.prefix+e.ID) || len(e.ID) != len("exp_")+16 {
			t.Errorf("requested %+v", e)
		}
		f.svc.Wait()
		got, err := f.svc.Get(ctx, e.ID, "")
		if err != nil || got.State != export.Done || len(got.Files) != 1 || got.StartedAt.IsZero() || got.FinishedAt.IsZero() {
			t.Fatalf("after the run: %+v %v", got, err)
		}
		if body := f.objects.files[e.Prefix+"manifest.json"]; !strings.Contains(body, tt.quarter) {
			t.Errorf("stored file %q", body)
		}
		want := []string{audit.ActionExportRequested, audit.ActionExportStarted, audit.ActionExportCompleted}
		if got := f.store.actions("export#" + e.ID); !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		// Running a done export again does nothing.
		if err := f.svc.Run(ctx, e.ID); err != nil || len(f.store.actions("export#"+e.ID)) != 3 {
			t.Errorf("rerun: %v %v", err, f.store.actions("export#"+e.ID))
		}
	}
}

// TestFailedRunKeepsSafeTextAndRetries: an internal error is logged, not
// shown; a domain error's message is shown; a failed export runs again.
func TestFailedRunKeepsSafeTextAndRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.fail = errors.New("dial tcp 10.0.0.7:443: secret detail")
	e, err := f.svc.Request(ctx, "2026-Q4", "", "person:A", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Wait()
	got, _ := f.svc.Get(ctx, e.ID, "")
	if got.State != export.Failed || strings.Contains(got.Error, "secret") || got.Error == "" {
		t.Errorf("failed export %+v", got)
	}
	f.fail = apperr.New(apperr.Conflict, "the metrics of 2026-Q3 are not frozen yet")
	if err := f.svc.Run(ctx, e.ID); err == nil {
		t.Error("a failing run returned no error (the queue would not retry)")
	}
	if got, _ = f.svc.Get(ctx, e.ID, ""); got.State != export.Failed || got.Error != "the metrics of 2026-Q3 are not frozen yet" {
		t.Errorf("failed export %+v", got)
	}
	f.fail = nil
	if err := f.svc.Run(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ = f.svc.Get(ctx, e.ID, ""); got.State != export.Done || got.Error != "" {
		t.Errorf("retried export %+v", got)
	}
	want := []string{audit.ActionExportRequested, audit.ActionExportStarted, audit.ActionExportFailed, audit.ActionExportStarted,
		audit.ActionExportFailed, audit.ActionExportStarted, audit.ActionExportCompleted}
	if got := f.store.actions("export#" + e.ID); !slices.Equal(got, want) {
		t.Errorf("events %v, want %v", got, want)
	}
}

// TestStaleRunRunsAgain: a running export is left alone until StaleAfter,
// then a redelivered message runs it.
func TestStaleRunRunsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	e := export.Export{ID: "exp_0123456789abcdef", Quarter: "2026-Q4", Scope: "organisation", State: export.Running,
		StartedAt: f.now, Prefix: "exports/2026-Q4/organisation/exp_0123456789abcdef/", Version: 2}
	f.store.exports[e.ID] = e
	if err := f.svc.Run(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, e.ID, ""); got.State != export.Running {
		t.Errorf("a fresh running export was run again: %+v", got)
	}
	f.now = f.now.Add(export.StaleAfter)
	if err := f.svc.Run(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.svc.Get(ctx, e.ID, ""); got.State != export.Done {
		t.Errorf("a stale export was not run again: %+v", got)
	}
	if err := f.svc.Run(ctx, "exp_ffffffffffffffff"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown id: %v", err)
	}
}

// failingQueue refuses every message.
type failingQueue struct{}

func (failingQueue) Enqueue(context.Context, string) error { return errors.New("queue down") }

func TestRequestThatCannotBeQueuedFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.Queue = failingQueue{}
	if _, err := f.svc.Request(context.Background(), "2026-Q4", "", "person:A", "1.2.3.4"); err == nil {
		t.Fatal("no error")
	}
	all, _ := f.store.ListExports(context.Background())
	if len(all) != 1 || all[0].State != export.Failed || !strings.Contains(all[0].Error, "could not be queued") {
		t.Errorf("exports %+v", all)
	}
}

// TestScopeAndDownload: a scoped reader sees its agreement's exports only
// (another's, and the organisation's, are NotFound); a download needs a
// done export and a file it has, and each is an audit event with its actor
// and source.
func TestScopeAndDownload(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	own, err := f.svc.Request(ctx, "2026-Q4", "acme", "person:A", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(time.Minute)
	org, err := f.svc.Request(ctx, "2026-Q4", "", "person:A", "1.2.3.4")
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Wait()
	if all, _ := f.svc.List(ctx, ""); len(all) != 2 || all[0].ID != org.ID {
		t.Errorf("list %+v, want the newest first", all)
	}
	if mine, _ := f.svc.List(ctx, "acme"); len(mine) != 1 || mine[0].ID != own.ID {
		t.Errorf("scoped list %+v", mine)
	}
	for _, id := range []string{org.ID, "exp_ffffffffffffffff", "../etc", ""} {
		if _, err := f.svc.Get(ctx, id, "acme"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("scoped get %q: %v", id, err)
		}
		if _, err := f.svc.Download(ctx, id, "manifest.json", "apikey:aud:1", "acme", "1.2.3.4"); apperr.CodeOf(err) != apperr.NotFound {
			t.Errorf("scoped download %q: %v", id, err)
		}
	}
	if _, err := f.svc.Download(ctx, own.ID, "people.csv", "apikey:aud:1", "acme", "1.2.3.4"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("unknown file: %v", err)
	}
	url, err := f.svc.Download(ctx, own.ID, "manifest.json", "apikey:aud:1", "acme", "1.2.3.4")
	if err != nil || url != "https://objects.test/"+own.Prefix+"manifest.json?ttl=5m0s&filename=manifest.json" {
		t.Fatalf("download: %q %v", url, err)
	}
	last := f.store.events[len(f.store.events)-1]
	if last.Action != audit.ActionExportDownloaded || last.Actor != "apikey:aud:1" || last.Source != "1.2.3.4" ||
		last.Details["file"] != "manifest.json" || last.Subject != "export#"+own.ID {
		t.Errorf("download event %+v", last)
	}
	pending := export.Export{ID: "exp_00000000000000aa", Quarter: "2026-Q4", Agreement: "acme", State: export.Pending, Version: 1}
	f.store.exports[pending.ID] = pending
	if _, err := f.svc.Download(ctx, pending.ID, "manifest.json", "apikey:aud:1", "acme", "1.2.3.4"); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("download of a pending export: %v", err)
	}
}

// TestQuarterClosed: nothing before the closed quarter is frozen; then the
// organisation's export and one per agreement in force during it; a rerun
// requests nothing new and tries no write.
func TestQuarterClosed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.now = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
	if got, err := f.svc.QuarterClosed(ctx); err != nil || len(got) != 0 {
		t.Fatalf("before the freeze: %v %v", got, err)
	}
	f.svc.Snapshots = frozenQuarters{"2026-Q2": true}
	first, err := f.svc.QuarterClosed(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	for _, e := range first {
		scopes = append(scopes, e.Scope)
		if e.Quarter != "2026-Q2" || e.RequestedBy != export.ScheduleActor {
			t.Errorf("automatic export %+v", e)
		}
	}
	if want := []string{"organisation", "agreement:acme", "agreement:globex"}; !slices.Equal(scopes, want) {
		t.Errorf("scopes %v, want %v", scopes, want)
	}
	f.svc.Wait()
	puts := f.store.puts
	again, err := f.svc.QuarterClosed(ctx)
	if err != nil || len(again) != 3 {
		t.Fatalf("rerun: %v %v", again, err)
	}
	// The daily rerun only reads: it tries no write that would be refused.
	if f.store.puts != puts {
		t.Errorf("rerun tried %d writes, want none", f.store.puts-puts)
	}
	for i, e := range again {
		if e.ID != first[i].ID || e.State != export.Done {
			t.Errorf("rerun %d: %+v, want %s done", i, e, first[i].ID)
		}
		if n := len(f.store.actions("export#" + e.ID)); n != 3 {
			t.Errorf("%s: %d events, want requested, started, completed", e.ID, n)
		}
	}
}

// raceStore is a memStore where another run records each export between
// this run's read, which finds nothing, and its write.
type raceStore struct {
	*memStore
	other func(id string) // records the export as the other run would
	mu    sync.Mutex      // guards raced: in-process runs read too
	raced map[string]bool
}

func (r *raceStore) GetExport(ctx context.Context, id string) (export.Export, bool, error) {
	r.mu.Lock()
	first := !r.raced[id]
	r.raced[id] = true
	r.mu.Unlock()
	if first {
		r.other(id)
		return export.Export{}, false, nil
	}
	return r.memStore.GetExport(ctx, id)
}

// TestQuarterClosedLosesARaceGracefully: when another schedule run records
// an export between this run's read and its write, the refused write is no
// error and the run answers the export the other one recorded, once.
func TestQuarterClosedLosesARaceGracefully(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t)
	f.now = time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC)
	other := &export.Service{Store: f.store, Snapshots: frozenQuarters{"2026-Q2": true}, Agreements: f.svc.Agreements,
		Objects: f.objects, Links: f.objects, Build: f.svc.Build, Now: func() time.Time { return f.now.Add(-time.Minute) }}
	t.Cleanup(other.Wait)
	store := &raceStore{memStore: f.store, raced: map[string]bool{}, other: func(string) {
		if _, err := other.QuarterClosed(ctx); err != nil {
			t.Errorf("the other run: %v", err)
		}
	}}
	f.svc.Store, f.svc.Snapshots = store, frozenQuarters{"2026-Q2": true}
	got, err := f.svc.QuarterClosed(ctx)
	if err != nil || len(got) != 3 {
		t.Fatalf("QuarterClosed = %v, %v; want the three exports", got, err)
	}
	for _, e := range got {
		if !e.RequestedAt.Equal(f.now.Add(-time.Minute)) {
			t.Errorf("%s requested at %v, want the other run's %v", e.ID, e.RequestedAt, f.now.Add(-time.Minute))
		}
	}
	other.Wait()
	f.svc.Wait()
	for _, e := range got {
		if n := len(f.store.actions("export#" + e.ID)); n != 3 {
			t.Errorf("%s: %d events, want requested, started, completed once each", e.ID, n)
		}
	}
}
