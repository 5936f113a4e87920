package demo_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/demo"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/s3store"
)

// BenchmarkDemoYear seeds the demo organisation's year (365 days, seed 1,
// into a fresh table) as the first start of make dev does: on a stack of
// its own, DynamoDB Local's database in devstack.ScratchDir, then moved to
// a data directory on disk (Stack.MoveDynamoData), the S3 server and Local
// KMS keeping their data on disk. DEMO_BENCH_DYNAMO=disk keeps DynamoDB
// Local's data on disk throughout (make dev before issue 9's speed-up),
// =memory runs it in memory (the tests' stack). It reports the wall time
// of demo.Run and the move (wall-s; issue 9's goal is under 60 s on two
// cores) and of the move alone (move-s), the CPU time of this process
// (go-cpu-s) and of the stand-ins (stand-ins-cpu-s), the time at least one
// call to each stand-in was in flight (<service>-busy-s) and the calls to
// each (<service>-calls); with -v it logs the wall time and DynamoDB calls
// by kind of simulated event, the slowest events and each DynamoDB
// operation's calls and summed latency.
func BenchmarkDemoYear(b *testing.B) {
	mode := os.Getenv("DEMO_BENCH_DYNAMO")
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		dir := b.TempDir()
		opts := devstack.Options{S3DataDir: filepath.Join(dir, "s3"), KMSDataDir: filepath.Join(dir, "kms")}
		switch mode {
		case "", "scratch":
			scratch, err := os.MkdirTemp(devstack.ScratchDir(), "demo-bench-")
			if err != nil {
				b.Fatal(err)
			}
			defer os.RemoveAll(scratch)
			opts.DynamoDataDir = scratch
		case "disk":
			opts.DynamoDataDir = filepath.Join(dir, "dynamodb")
		case "memory":
		default:
			b.Fatalf("DEMO_BENCH_DYNAMO=%s: want scratch, disk or memory", mode)
		}
		stack, err := devstack.Start(ctx, opts)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = stack.Stop() })
		calls := &callTimes{busy: map[string]*busyClock{}, ops: map[string]*opTime{}}
		client := stack.DynamoClient(func(o *dynamodb.Options) { o.HTTPClient = calls.client("dynamodb") })
		name := devtest.Table(b, client, "demo")
		keys := stack.KMSClient(func(o *kms.Options) { o.HTTPClient = calls.client("kms") })
		keyID, err := kmssign.EnsureLocalKey(ctx, keys, "alias/demo-bench")
		if err != nil {
			b.Fatal(err)
		}
		s3c := stack.S3Client(func(o *s3.Options) { o.HTTPClient = calls.client("s3") })
		objects := &s3store.Store{Client: s3c, Bucket: devtest.Bucket(b, s3c, "demo"), Now: time.Now}
		cfg := app.Config{DynamoDB: client, TableName: name, SenderEmail: "training@attest.test", BaseURL: "http://tracker.test",
			SES:    stack.SESClient(func(o *sesv2.Options) { o.HTTPClient = calls.client("ses") }),
			Signer: kmssign.New(keys, keyID), Exports: &app.ExportsConfig{Objects: objects}}
		phases := map[string]time.Duration{}
		count := map[string]int{}
		dbCalls := map[string]int{}
		lastCalls := 0
		var slowest []slow
		observe := func(what string, took time.Duration) {
			k := kindOf(what)
			phases[k] += took
			count[k]++
			calls.mu.Lock()
			n := calls.busy["dynamodb"].calls
			calls.mu.Unlock()
			dbCalls[k] += n - lastCalls
			lastCalls = n
			slowest = append(slowest, slow{what, took})
		}
		calls.reset()
		cpu0, kids0 := selfCPU(), childrenCPU()
		b.StartTimer()
		started := time.Now()
		sum, err := demo.Run(ctx, demo.Options{Config: cfg, End: end, Days: 365, Seed: 1, Observe: observe})
		// The CPU of the simulation, read before the move ends DynamoDB
		// Local's process.
		goCPU, kidsCPU := selfCPU()-cpu0, childrenCPU()-kids0
		var move time.Duration
		if err == nil && opts.DynamoDataDir != "" && mode != "disk" {
			moved := time.Now()
			err = stack.MoveDynamoData(ctx, filepath.Join(dir, "dynamodb"))
			move = time.Since(moved)
		}
		wall := time.Since(started)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if err := stack.Stop(); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(move.Seconds(), "move-s")
		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(goCPU.Seconds(), "go-cpu-s") // both without the move
		b.ReportMetric(kidsCPU.Seconds(), "stand-ins-cpu-s")
		for svc, c := range calls.busy {
			b.ReportMetric(c.busyTime().Seconds(), svc+"-busy-s")
			b.ReportMetric(float64(c.calls), svc+"-calls")
		}
		var kinds []string
		for k := range phases {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			b.Logf("%-22s %5d events %8.2f s %6d DynamoDB calls", k, count[k], phases[k].Seconds(), dbCalls[k])
		}
		var ops []string
		for op := range calls.ops {
			ops = append(ops, op)
		}
		sort.Slice(ops, func(i, j int) bool { return calls.ops[ops[i]].total > calls.ops[ops[j]].total })
		for _, op := range ops {
			o := calls.ops[op]
			b.Logf("op: %-45s %6d calls %8.2f s summed, %6.2f ms mean", op, o.calls, o.total.Seconds(), o.total.Seconds()*1000/float64(o.calls))
		}
		sort.Slice(slowest, func(i, j int) bool { return slowest[i].took > slowest[j].took })
		for _, e := range slowest[:min(10, len(slowest))] {
			b.Logf("slow: %-50s %v", e.what, e.took.Round(time.Millisecond))
		}
		b.Logf("DynamoDB Local data: %s; load average %s", map[string]string{"": "scratch, then moved", "scratch": "scratch, then moved", "disk": "on disk", "memory": "in memory"}[mode], loadAverage())
		b.Logf("%v wall, %v Go CPU, %v stand-ins CPU: %s", wall.Round(time.Millisecond), goCPU.Round(time.Millisecond), kidsCPU.Round(time.Millisecond), sum)
		b.StartTimer()
	}
}

type slow struct {
	what string
	took time.Duration
}

// kindOf is the kind of a simulated event: its description without the
// day, person or key it names.
func kindOf(what string) string {
	for _, k := range []string{"daily assignment run", "freeze run", "export run", "reminder run", "nudges", "roster upload",
		"quiz attempt", "policy opened", "acknowledgment", "waiver revoked", "waiver", "agreement", "count"} {
		if strings.HasPrefix(what, k) {
			return k
		}
	}
	return "other"
}

// callTimes measures, per stand-in, the calls made and the time at least
// one was in flight.
type callTimes struct {
	mu   sync.Mutex
	busy map[string]*busyClock
	// ops sums the latency of each DynamoDB operation (X-Amz-Target).
	ops map[string]*opTime
}

type opTime struct {
	calls int
	total time.Duration
}

type busyClock struct {
	calls    int
	inFlight int
	since    time.Time
	total    time.Duration
}

func (c *busyClock) busyTime() time.Duration { return c.total }

func (t *callTimes) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, c := range t.busy {
		*c = busyClock{}
	}
	t.ops = map[string]*opTime{}
}

func (t *callTimes) client(service string) *http.Client {
	t.mu.Lock()
	if t.busy[service] == nil {
		t.busy[service] = &busyClock{}
	}
	t.mu.Unlock()
	return &http.Client{Transport: roundTrip(func(r *http.Request) (*http.Response, error) {
		t.mu.Lock()
		c := t.busy[service]
		c.calls++
		if c.inFlight == 0 {
			c.since = time.Now()
		}
		c.inFlight++
		t.mu.Unlock()
		began := time.Now()
		resp, err := http.DefaultTransport.RoundTrip(r)
		t.mu.Lock()
		op := service + " " + r.Header.Get("X-Amz-Target")
		if t.ops[op] == nil {
			t.ops[op] = &opTime{}
		}
		t.ops[op].calls++
		t.ops[op].total += time.Since(began)
		c.inFlight--
		if c.inFlight == 0 {
			c.total += time.Since(c.since)
		}
		t.mu.Unlock()
		return resp, err
	})}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// selfCPU is this process's user and system CPU time.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childrenCPU is the user and system CPU time of this process's running
// children (the stand-ins), from /proc (zero elsewhere).
func childrenCPU() time.Duration {
	entries, _ := os.ReadDir("/proc")
	me := strconv.Itoa(os.Getpid())
	var ticks int64
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		// Fields after the name: state(0) ppid(1) ... utime(11) stime(12).
		if len(f) < 13 || f[1] != me {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + st
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// loadAverage is the first three fields of /proc/loadavg ("" elsewhere).
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
