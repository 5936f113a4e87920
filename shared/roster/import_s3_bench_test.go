package roster_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
)

// benchQueue is the import queue of the benchmark: the continuations the
// runs send.
type benchQueue struct {
	mu   sync.Mutex
	sent []string
}

func (q *benchQueue) Continue(ctx context.Context, id string) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.sent = append(q.sent, fmt.Sprintf(`{"importId":%q}`, id))
	return nil
}

func (q *benchQueue) next() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.sent) == 0 {
		return "", false
	}
	body := q.sent[0]
	q.sent = q.sent[1:]
	return body, true
}

// lambdaTimeout is an invocation's time, Lambda's longest: each
// invocation of the benchmark runs under a context with that deadline,
// so a run longer than it chains.
const lambdaTimeout = 15 * time.Minute

// BenchmarkImportS3 imports N new people (IMPORT_BENCH_PEOPLE, default
// 10,000) into an empty table on DynamoDB Local as a large import: the
// file PUT to the presigned URL on the S3 stand-in, then the import
// function's handler in-process, fed the S3 notification and then the
// continuations it sends itself (each invocation under a 15-minute
// deadline). It reports rows per second, the peak Go heap, the
// invocations used and (IMPORT_BENCH_CAPACITY=1) the write units; beside it, in the same run, the
// synchronous PUT /api/roster path (roster.Service) on min(N, 2,500)
// people, and the ratio of the two rates.
func BenchmarkImportS3(b *testing.B) {
	n := 10_000
	if v := os.Getenv("IMPORT_BENCH_PEOPLE"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n <= 0 {
			b.Fatalf("IMPORT_BENCH_PEOPLE=%q", v)
		}
	}
	csv := syntheticCSV(n)
	stack := devtest.Shared(b)
	// The write units are counted only when asked (IMPORT_BENCH_CAPACITY=1):
	// the counter reads every item a transaction writes, which slows both
	// paths down.
	capacity := &devtest.Capacity{}
	client := stack.DynamoClient()
	if os.Getenv("IMPORT_BENCH_CAPACITY") != "" {
		client = stack.DynamoClient(capacity.Option)
	}
	s3c := stack.S3Client()
	logger := slog.New(slog.DiscardHandler)
	// Warm DynamoDB Local up (its JIT) before either path is timed: the
	// first thousand writes of a session run at half speed.
	warm, err := app.New(app.Config{DynamoDB: client, TableName: devtest.Table(b, client, "benchwarm"), Logger: logger})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := warm.Roster.Import(context.Background(), roster.Request{Body: bytes.NewReader(syntheticCSV(500)), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	var peak atomic.Uint64
	var elapsed, syncElapsed time.Duration
	var invocations, syncRows int
	var wru float64
	b.StopTimer()
	for range b.N {
		q := &benchQueue{}
		bucket := devtest.Bucket(b, s3c, "bench")
		uploads := &s3store.Uploads{Store: &s3store.Store{Client: s3c, Bucket: bucket, Now: time.Now}}
		a, err := app.New(app.Config{DynamoDB: client, TableName: devtest.Table(b, client, "bench"), Logger: logger,
			Imports: &app.ImportsConfig{Uploads: uploads, Links: stack.S3Presigner(bucket), Queue: q}})
		if err != nil {
			b.Fatal(err)
		}
		h := handler.Import(a.Imports, logger)
		capacity.Reset()
		runtime.GC()
		stop := sampleHeap(&peak)
		start := time.Now()
		b.StartTimer()
		im, url, err := a.Imports.Request(context.Background(), roster.Options{Mode: roster.ModeSync, Role: identity.HRIS}, "bench", "bench")
		if err != nil {
			b.Fatal(err)
		}
		req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(csv))
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			b.Fatalf("upload: %v %v", resp, err)
		}
		resp.Body.Close()
		body := fmt.Sprintf(`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{"object":{"key":"imports/%s/upload"}}}]}`, im.ID)
		for ok := true; ok; body, ok = q.next() {
			invocations++
			ctx, cancel := context.WithTimeout(context.Background(), lambdaTimeout)
			out, err := h(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: strconv.Itoa(invocations), Body: body}}})
			cancel()
			if err != nil || len(out.BatchItemFailures) > 0 {
				b.Fatalf("invocation %d failed: %v", invocations, err)
			}
		}
		b.StopTimer()
		elapsed += time.Since(start)
		stop()
		got, err := a.Imports.Get(context.Background(), im.ID)
		if err != nil || got.State != roster.ImportDone || got.Result.Created != n {
			b.Fatalf("import %+v (%v), want done with %d created", got, err, n)
		}
		if t := capacity.Total(); t.Calls > 0 {
			b.Logf("capacity: %s", capacity.Report())
			wru += t.Write
		}

		// The synchronous path, side by side, on a table of its own.
		m := min(n, 2_500)
		sa, err := app.New(app.Config{DynamoDB: client, TableName: devtest.Table(b, client, "benchsync"), Logger: logger})
		if err != nil {
			b.Fatal(err)
		}
		syncStart := time.Now()
		if _, err := sa.Roster.Import(context.Background(), roster.Request{Body: bytes.NewReader(syntheticCSV(m)), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "bench"}); err != nil {
			b.Fatal(err)
		}
		syncElapsed += time.Since(syncStart)
		syncRows += m
	}
	rate, syncRate := float64(n*b.N)/elapsed.Seconds(), float64(syncRows)/syncElapsed.Seconds()
	b.ReportMetric(float64(n), "people")
	b.ReportMetric(rate, "rows/s")
	b.ReportMetric(syncRate, "sync-rows/s")
	b.ReportMetric(rate/syncRate, "s3/sync")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(invocations)/float64(b.N), "invocations/op")
	if wru > 0 {
		b.ReportMetric(wru/float64(n*b.N), "WRU/row")
	}
}
