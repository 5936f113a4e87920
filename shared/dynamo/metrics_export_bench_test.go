package dynamo_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/export/bundle"
	mx "github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/signing"
)

// benchQuarter is the quarter the export benchmark bundles.
const benchQuarter = "2026-Q3"

// benchAudit is the audit stream added to the benchmark's organisation
// for the export benchmark, loaded once per process.
type benchAudit struct {
	events int
	sealed int
	signer signing.Signer
	loaded time.Duration
}

var (
	benchAuditOnce sync.Once
	benchAuditData *benchAudit
	benchAuditErr  error
)

// loadBenchAudit writes an audit stream over the organisation's quarter:
// three events per person, one in each month of the quarter (a module
// completed, a policy acknowledged, a sign-in, in turn), at a day and hour
// spread over the month, in the items (hash included) the store's audited
// writes produce; then seals every day from the genesis through the
// quarter's last day as the daily sealer does, with a local key.
func loadBenchAudit(org *benchOrg) (*benchAudit, error) {
	ctx := context.Background()
	start := time.Now()
	var recs dynamo.Records
	for i, id := range org.ids {
		for k, month := range []time.Month{time.July, time.August, time.September} {
			at := time.Date(2026, month, 1+(i*7+k*3)%30, (i*13+k)%24, i%60, (i/60)%60, 0, time.UTC)
			e := audit.Event{ID: audit.BatchEventID(fmt.Sprintf("BENCH%d", month), i), At: at, Actor: "person:" + id,
				Subject: "person#" + id, Source: "192.0.2.1"}
			switch (i + k) % 3 {
			case 0:
				e.Action, e.Details = audit.ActionModuleCompleted, map[string]any{"module": "security-awareness", "cycle": 1, "score": 80 + i%21}
			case 1:
				e.Action, e.Details = audit.ActionPolicyAcknowledged, map[string]any{"policy": "acceptable-use", "version": "1.0.0", "cycle": "2026"}
			default:
				e.Action = audit.ActionSignIn
			}
			recs.Events = append(recs.Events, e)
		}
	}
	if err := org.store.LoadRecords(ctx, recs); err != nil {
		return nil, err
	}
	signer, err := signing.NewLocal()
	if err != nil {
		return nil, err
	}
	sealed := 0
	// The first run seals from its genesis (31 days back) to the day
	// before the quarter; the second the quarter's days.
	for _, now := range []time.Time{time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC), time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC)} {
		s := auditlog.Sealer{Store: org.store, Signer: signer, Now: func() time.Time { return now }}
		n, err := s.SealThrough(ctx)
		if err != nil {
			return nil, err
		}
		sealed += n
	}
	return &benchAudit{events: len(recs.Events), sealed: sealed, signer: signer, loaded: time.Since(start)}, nil
}

// readCounts counts what a bundle's build reads: the snapshot's chunks and
// people's rows, the audit events and the seals.
type readCounts struct {
	chunks, people, rows, events, seals atomic.Int64
}

func (c *readCounts) items() int64 { return c.chunks.Load() + c.events.Load() + c.seals.Load() }

// snapshotsPort is mx.Snapshots under a name that does not hide its
// Snapshots method once embedded.
type snapshotsPort = mx.Snapshots

// countingSnapshots counts the rows of the snapshots it reads.
type countingSnapshots struct {
	snapshotsPort
	c *readCounts
}

func (s countingSnapshots) SnapshotRows(ctx context.Context, m mx.Snapshot, fn func(mx.PersonRows) error) (int, error) {
	n, err := s.snapshotsPort.SnapshotRows(ctx, m, func(r mx.PersonRows) error {
		s.c.people.Add(1)
		s.c.rows.Add(int64(1 + len(r.Assignments) + len(r.Acks)))
		return fn(r)
	})
	s.c.chunks.Add(int64(n))
	return n, err
}

// countingAudit counts the audit events and seals it reads.
type countingAudit struct {
	auditlog.Store
	c *readCounts
}

func (s countingAudit) AuditDay(ctx context.Context, day string, fn func(audit.Stored) error) (int, error) {
	n, err := s.Store.AuditDay(ctx, day, fn)
	s.c.events.Add(int64(n))
	return n, err
}

func (s countingAudit) Seal(ctx context.Context, day string) (audit.SignedSeal, bool, error) {
	seal, found, err := s.Store.Seal(ctx, day)
	s.c.seals.Add(int64(1))
	return seal, found, err
}

// discardSink stores nothing: the bundle writer still hashes every file.
type discardSink struct{}

func (discardSink) Create(context.Context, string, string) (io.WriteCloser, error) {
	return discardFile{}, nil
}

type discardFile struct{}

func (discardFile) Write(p []byte) (int, error) { return len(p), nil }
func (discardFile) Close() error                { return nil }

// BenchmarkExport builds the organisation's evidence bundle of 2026-Q3
// (frozen once) for the benchmark's synthetic organisation (BenchmarkMetrics;
// METRICS_BENCH_PEOPLE people) with three audit events per person in the
// quarter and every day sealed, through bundle.Bundles exactly as the
// export function does (the frozen rows, auditlog.Writer, a local signing
// key), streaming into the S3 server through s3store (SSE-KMS and
// compliance retention asked for, as in production) or into a sink that
// only hashes. It compares each build with a bare paginated read of the
// same items taken just before it in the same run (the snapshot's rows,
// each day's audit events and seal, handed to functions that do nothing):
// bare/bundle is the bare read's time over the build's (goal ≥ 0.7). It
// reports rows/s (people, assignment and acknowledgment rows per second),
// the peak heap of live objects while building (goal: flat, ≤ 128 MB), the
// items read and the bytes written. It runs after BenchmarkMetrics (this
// file's name sorts after metrics_bench_test.go), whose Freeze measures the
// freezing this one reuses.
func BenchmarkExport(b *testing.B) {
	org := benchOrgOf(b)
	ctx := context.Background()
	if _, err := org.svc.Freeze(ctx, benchQuarter, "bench"); err != nil {
		b.Fatal(err)
	}
	benchAuditOnce.Do(func() { benchAuditData, benchAuditErr = loadBenchAudit(org) })
	if benchAuditErr != nil {
		b.Fatal(benchAuditErr)
	}
	aud := benchAuditData
	p, err := mx.QuarterPeriod(benchQuarter)
	if err != nil {
		b.Fatal(err)
	}
	snap, found, err := org.store.Snapshot(ctx, benchQuarter)
	if err != nil || !found {
		b.Fatalf("snapshot of %s: found %v, %v", benchQuarter, found, err)
	}
	var days []string
	for d := p.Start; d.Before(p.End); d = d.AddDate(0, 0, 1) {
		days = append(days, d.Format(time.DateOnly))
	}

	// bareRead reads what a build reads and does nothing with it.
	bareRead := func(b *testing.B, c *readCounts) {
		store := countingSnapshots{snapshotsPort: org.store, c: c}
		if _, err := store.SnapshotRows(ctx, snap, func(mx.PersonRows) error { return nil }); err != nil {
			b.Fatal(err)
		}
		log := countingAudit{Store: org.store, c: c}
		for _, day := range days {
			if _, err := log.AuditDay(ctx, day, func(audit.Stored) error { return nil }); err != nil {
				b.Fatal(err)
			}
			if _, _, err := log.Seal(ctx, day); err != nil {
				b.Fatal(err)
			}
		}
	}
	timeBareRead := func(b *testing.B) time.Duration {
		start := time.Now()
		bareRead(b, &readCounts{})
		return time.Since(start)
	}
	// A first read, untimed, warms DynamoDB Local (its JIT and caches): the
	// first pass over the items is several times slower than the next.
	cold := timeBareRead(b)
	report := func(b *testing.B, c *readCounts, elapsed time.Duration, peak uint64) {
		b.ReportMetric(float64(org.people), "people")
		b.ReportMetric(float64(c.rows.Load())/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(c.rows.Load()), "rows")
		b.ReportMetric(float64(c.events.Load()), "audit-events")
		b.ReportMetric(float64(c.items()), "items-read")
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	}
	b.Run("BareRead", func(b *testing.B) {
		var c readCounts
		var elapsed time.Duration
		runtime.GC()
		stop := heapPeak()
		for b.Loop() {
			c = readCounts{}
			start := time.Now()
			bareRead(b, &c)
			elapsed += time.Since(start)
		}
		report(b, &c, elapsed/time.Duration(b.N), stop())
		b.ReportMetric(cold.Seconds(), "cold-s")
		b.ReportMetric(aud.loaded.Seconds(), "audit-seed-s")
		b.ReportMetric(float64(aud.sealed), "days-sealed")
	})

	client := devtest.Shared(b).S3Client()
	objects := &s3store.Store{Client: client, Bucket: devtest.Bucket(b, client, "exportbench"),
		KMSKeyID: "arn:aws:kms:us-east-1:111122223333:key/bench", Retention: 7 * 365 * 24 * time.Hour, Now: time.Now}
	build := func(sink func(run int) export.Sink) func(b *testing.B) {
		return func(b *testing.B) {
			var c readCounts
			var bare, built time.Duration
			var peak uint64
			var written int64
			run := 0
			for b.Loop() {
				// The bare read beside each build, untimed by the benchmark:
				// the ratio compares the two at the same moment of the
				// shared machine. They take turns going first, so that
				// neither always reads what the other just warmed.
				b.StopTimer()
				if run%2 == 0 {
					bare += timeBareRead(b)
				}
				c = readCounts{}
				svc := *org.svc
				svc.Snapshots = countingSnapshots{snapshotsPort: org.store, c: &c}
				bundles := &bundle.Bundles{Metrics: &svc, AuditLog: &auditlog.Writer{Store: countingAudit{Store: org.store, c: &c}},
					Signer: aud.signer, Now: time.Now}
				runtime.GC()
				stop := heapPeak()
				b.StartTimer()
				start := time.Now()
				files, err := bundles.Build(ctx, export.Job{ID: fmt.Sprintf("bench-%d", run), Quarter: benchQuarter, RequestedAt: p.End.Add(time.Hour)}, sink(run))
				if err != nil {
					b.Fatal(err)
				}
				built += time.Since(start)
				b.StopTimer()
				peak = max(peak, stop())
				written = 0
				for _, f := range files {
					written += f.Bytes
				}
				if run%2 == 1 {
					bare += timeBareRead(b)
				}
				run++
				b.StartTimer()
			}
			report(b, &c, built/time.Duration(b.N), peak)
			b.ReportMetric(float64(written)/(1<<20), "MB-written")
			b.ReportMetric(bare.Seconds()/float64(b.N), "bare-s")
			b.ReportMetric(bare.Seconds()/built.Seconds(), "bare/bundle")
		}
	}
	b.Run("Bundle", build(func(run int) export.Sink { return objects.Sink(fmt.Sprintf("exports/bench/%d/", run)) }))
	b.Run("BundleDiscard", build(func(int) export.Sink { return discardSink{} }))
}
