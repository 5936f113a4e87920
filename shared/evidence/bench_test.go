package evidence_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/evidence"
	m "github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
)

// discard is a Sink that hashes and forgets.
type discard struct{}

func (discard) Create(context.Context, string, string) (io.WriteCloser, error) {
	return nopCloser{}, nil
}

type nopCloser struct{}

func (nopCloser) Write(p []byte) (int, error) { return len(p), nil }
func (nopCloser) Close() error                { return nil }

// heapSample reads the bytes of live and not yet swept heap objects.
var heapSample = []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}

// BenchmarkWrite writes the organisation bundle of EVIDENCE_BENCH_PEOPLE
// synthetic people (default 10000), generated as they are read, into a
// sink that discards the bytes: people/s and the peak heap while writing,
// which must stay flat as the number of people grows.
func BenchmarkWrite(b *testing.B) {
	n := 10000
	if v := os.Getenv("EVIDENCE_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil {
			b.Fatal(err)
		}
	}
	p, err := m.QuarterPeriod("2026-Q3")
	if err != nil {
		b.Fatal(err)
	}
	spec := evidence.Spec{Period: p, Final: true, Snapshot: "RUN", GeneratedAt: p.End}
	signer, err := signing.NewLocal()
	if err != nil {
		b.Fatal(err)
	}
	depts := []string{"Engineering", "Sales", "Operations", "Finance", "Legal", "Support", "=Injected"}
	vendors := []string{"", "", "", "Northwind", "Contoso"}
	rows := func(_ context.Context, fn func(m.PersonRows) error) error {
		for i := range n {
			id := fmt.Sprintf("E%07d", i)
			due := p.Start.Add(time.Duration(i%90) * 24 * time.Hour)
			r := m.PersonRows{Person: m.PersonRow{EmployeeID: id, Name: "Person " + id, Email: id + "@example.com",
				Roles: []string{"all-staff"}, Department: depts[i%len(depts)], EmploymentType: "employee", Vendor: vendors[i%len(vendors)],
				StartDate: "2024-01-01", TimeZone: "UTC", Spans: []m.Span{{Engagement: "acme", JoinedOn: "2024-01-01"}}, Engagements: []string{"acme"}}}
			for j, mod := range []string{"privacy", "security", "phishing", "secure-coding"} {
				a := m.AssignmentRow{EmployeeID: id, ModuleID: mod, ModuleVersion: "1.0.0", Cycle: 1, AssignedAt: due.AddDate(0, 0, -30), DueAt: due, Status: m.Overdue}
				if (i+j)%3 != 0 {
					a.Status, a.CompletedAt, a.Score, a.Attempts = m.Completed, due.Add(time.Duration(j-2)*time.Hour), 90, 1
				}
				r.Assignments = append(r.Assignments, a)
			}
			for _, pol := range []string{"aup", "isms"} {
				a := m.AckRow{EmployeeID: id, PolicyID: pol, PolicyVersion: "1.0.0", Cycle: "2026", TextSHA256: "ab"}
				if i%4 != 0 {
					a.AcknowledgedAt, a.TypedName, a.IP, a.UserAgent = due, "Person "+id, "192.0.2.1", "Mozilla/5.0"
				}
				r.Acks = append(r.Acks, a)
			}
			if err := fn(r); err != nil {
				return err
			}
			if i%1000 == 0 {
				metrics.Read(heapSample)
				peak = max(peak, heapSample[0].Value.Uint64())
			}
		}
		return nil
	}
	runtime.GC()
	peak = 0
	b.ResetTimer()
	for b.Loop() {
		if _, err := evidence.Write(context.Background(), spec, rows, fakeLog, discard{}, signer); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "people/s")
	b.ReportMetric(float64(n*6)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// peak is the largest heap seen during BenchmarkWrite.
var peak uint64
