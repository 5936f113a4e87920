// Command coldstart measures each Lambda function's cold start the way
// issue 12 states it: the init duration of its bootstrap under the AWS
// Lambda Runtime Interface Emulator (RIE), next to a hello-world function
// (package hello here) built with the same flags in the same run, and the
// gzipped size of the arm64 release bootstrap that `make build` ships.
//
// It runs from the repository root (as `make coldstart` and `make bench`
// run it) and
//
//  1. builds every functions/<fn> and hello twice with the release flags
//     of `make build` (GOOS=linux, CGO_ENABLED=0, -tags lambda.norpc
//     -trimpath -ldflags "-s -w"): once for this machine's GOARCH, to run
//     here, and once for arm64, to weigh (gzip -9, computed here);
//  2. for each of -n rounds (after one discarded warm-up round), and within
//     a round for each function in turn, so drift in the machine's load
//     reaches every function alike: starts a fresh RIE with the native
//     bootstrap, sends one invoke (RIE initialises the function on the
//     first invoke) and reads the init duration from RIE's
//     "INIT REPORT(durationMs: …)" line, and whether init succeeded from
//     "INIT RTDONE(status: …)";
//  3. in the same rounds, starts the bootstrap once more without RIE, under
//     a stub Runtime API, and times it from exec to its first request for
//     the next invocation: init without the emulator's own share (on a
//     two-core machine RIE adds several milliseconds to every init, which
//     flattens the ratios);
//  4. prints a Markdown table: median and p90 init per function under RIE,
//     the ratio of the medians to hello's, the same without RIE, the native
//     and the gzipped arm64 sizes (Go's compress/gzip at level 9, which
//     comes out about 3 % larger than GNU gzip -9).
//
// The REPORT line's "Init Duration" is not used: this RIE initialises
// asynchronously and reports there only the time to start the init
// (well under a millisecond), not the init itself.
//
// The functions get the environment the stack gives them (plausible names
// and ARNs, the same set for all; each reads only its own), static
// credentials and a region, so that loading the AWS configuration needs no
// network, and every AWS endpoint pointed at a closed local port with one
// attempt, so that an invoke that calls AWS fails at once without leaving
// the machine. Only init is measured; the invoke's outcome is not.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// hello is the name of the baseline in the table.
const hello = "hello"

func main() {
	rounds := flag.Int("n", 15, "measured rounds; each starts every function once, in a fresh RIE")
	rie := flag.String("rie", "build/tools/aws-lambda-rie", "the Runtime Interface Emulator (make tools builds it)")
	out := flag.String("out", "build/coldstart", "where the bootstraps are built")
	goCmd := flag.String("go", "go", "the go command")
	flag.Parse()
	if err := run(*rounds, *rie, *out, *goCmd); err != nil {
		fmt.Fprintln(os.Stderr, "coldstart:", err)
		os.Exit(1)
	}
}

// function is one bootstrap to measure.
type function struct {
	name    string
	pkg     string   // the package path to build, relative to the root
	native  string   // the bootstrap built for this machine
	arm64   string   // the release bootstrap, as make build builds it
	size    int64    // bytes of the native bootstrap
	gzipped int64    // bytes of the arm64 bootstrap after gzip -9
	samples []sample // under RIE, one per measured round
	direct  []sample // without RIE, one per measured round
}

// sample is one cold start.
type sample struct {
	ms float64
	ok bool // INIT RTDONE(status: success)
}

func run(rounds int, rie, out, goCmd string) error {
	if rounds < 1 {
		return errors.New("-n must be at least 1")
	}
	if _, err := os.Stat(rie); err != nil {
		return fmt.Errorf("the emulator: %w (make tools builds it)", err)
	}
	rie, err := filepath.Abs(rie)
	if err != nil {
		return err
	}
	dirs, err := filepath.Glob("functions/*")
	if err != nil {
		return err
	}
	fns := []*function{{name: hello, pkg: "./infra/coldstart/hello"}}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			fns = append(fns, &function{name: filepath.Base(d), pkg: "./" + filepath.ToSlash(d)})
		}
	}
	if len(fns) == 1 {
		return errors.New("no functions/*: run from the repository root")
	}

	for _, fn := range fns {
		fmt.Fprintf(os.Stderr, "build %s (%s, arm64)\n", fn.name, runtime.GOARCH)
		fn.native, err = build(goCmd, fn.pkg, runtime.GOARCH, filepath.Join(out, runtime.GOARCH, fn.name, "bootstrap"))
		if err != nil {
			return err
		}
		fn.arm64 = fn.native
		if runtime.GOARCH != "arm64" {
			if fn.arm64, err = build(goCmd, fn.pkg, "arm64", filepath.Join(out, "arm64", fn.name, "bootstrap")); err != nil {
				return err
			}
		}
		fi, err := os.Stat(fn.native)
		if err != nil {
			return err
		}
		fn.size = fi.Size()
		if fn.gzipped, err = gzippedSize(fn.arm64); err != nil {
			return err
		}
	}

	for r := 0; r <= rounds; r++ {
		fmt.Fprintf(os.Stderr, "round %d of %d%s\n", r, rounds, map[bool]string{true: " (warm-up, discarded)"}[r == 0])
		for _, fn := range fns {
			s, err := coldStart(rie, fn.native)
			if err != nil {
				return fmt.Errorf("%s: %w", fn.name, err)
			}
			d, err := directStart(fn.native)
			if err != nil {
				return fmt.Errorf("%s without RIE: %w", fn.name, err)
			}
			if r > 0 {
				fn.samples = append(fn.samples, s)
				fn.direct = append(fn.direct, d)
			}
		}
	}
	report(os.Stdout, fns, rounds)
	return nil
}

// build builds pkg with make build's release flags for linux/goarch into
// dst, and returns dst.
func build(goCmd, pkg, goarch, dst string) (string, error) {
	cmd := exec.Command(goCmd, "build", "-tags", "lambda.norpc", "-trimpath", "-ldflags", "-s -w", "-o", dst, pkg)
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s for %s: %w", pkg, goarch, err)
	}
	return filepath.Abs(dst)
}

// gzippedSize is the size of the file at path after gzip -9.
func gzippedSize(path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n countWriter
	zw, err := gzip.NewWriterLevel(&n, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := io.Copy(zw, f); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	return int64(n), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) {
	*c += countWriter(len(p))
	return len(p), nil
}

// The function's environment: what the stack sets (every function's
// variables; each reads its own), what Lambda sets, and AWS settings that
// keep the SDK off the network.
var functionEnv = []string{
	"TABLE_NAME=attest-tracker",
	"SENDER_EMAIL=training@attest.test",
	"BASE_URL=https://tracker.attest.test",
	"CONFIGURATION_SET=attest-tracker",
	"QUEUE_URL=https://sqs.us-east-1.amazonaws.com/111122223333/reminders",
	"EVIDENCE_BUCKET=attest-evidence",
	"EVIDENCE_BUCKET_KEY_ID=arn:aws:kms:us-east-1:111122223333:key/bucket-key",
	"EVIDENCE_RETENTION_DAYS=2557",
	"SIGNING_KEY_ID=arn:aws:kms:us-east-1:111122223333:key/signing-key",
	"EXPORT_QUEUE_URL=https://sqs.us-east-1.amazonaws.com/111122223333/exports",
	"LOG_LEVEL=INFO",
	"AWS_REGION=us-east-1",
	"AWS_DEFAULT_REGION=us-east-1",
	"AWS_ACCESS_KEY_ID=AKIDCOLDSTART",
	"AWS_SECRET_ACCESS_KEY=coldstart",
	"AWS_SESSION_TOKEN=coldstart",
	"AWS_EC2_METADATA_DISABLED=true",
	"AWS_CONFIG_FILE=/nonexistent/aws/config",
	"AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws/credentials",
	// The invoke's AWS calls go nowhere, once.
	"AWS_ENDPOINT_URL=http://127.0.0.1:9",
	"AWS_MAX_ATTEMPTS=1",
	// RIE's own settings: a short timeout bounds a stuck invoke.
	"AWS_LAMBDA_FUNCTION_TIMEOUT=10",
	"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024",
}

var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	initDone   = regexp.MustCompile(`INIT RTDONE\(status: ([a-z]+)\)`)
)

// coldStart starts RIE on bootstrap in a fresh process group, invokes it
// once, and returns the init duration RIE reports.
func coldStart(rie, bootstrap string) (sample, error) {
	addr, err := freeAddr()
	if err != nil {
		return sample{}, err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return sample{}, err
	}
	var logs syncBuffer
	cmd := exec.Command(rie, "--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr, bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + os.TempDir()}, functionEnv...)
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
	}()

	if err := waitListening(addr, 10*time.Second); err != nil {
		return sample{}, fmt.Errorf("%w\n%s", err, logs.String())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/2015-03-31/functions/function/invocations", strings.NewReader("{}"))
	if err != nil {
		return sample{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return sample{}, fmt.Errorf("invoke: %w\n%s", err, logs.String())
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	// The init lines come before the invoke's response; allow the log
	// writer a moment all the same.
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		s, ok := parseInit(logs.String())
		if ok {
			return s, nil
		}
		if time.Now().After(deadline) {
			return sample{}, fmt.Errorf("no INIT REPORT in RIE's output:\n%s", logs.String())
		}
	}
}

// directStart starts bootstrap under a stub Runtime API, with the
// environment RIE would give it, and returns the time from exec to its first
// request (GET …/runtime/invocation/next), or ok false when it exits first.
// The stub never answers, so the function never runs.
func directStart(bootstrap string) (sample, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return sample{}, err
	}
	next := make(chan time.Time, 1)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case next <- time.Now():
		default:
		}
		<-r.Context().Done()
	})}
	go func() { _ = srv.Serve(l) }()
	defer srv.Close()

	cmd := exec.Command(bootstrap)
	cmd.Dir = filepath.Dir(bootstrap)
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=" + os.TempDir(),
		"AWS_LAMBDA_RUNTIME_API=" + l.Addr().String(),
		"AWS_LAMBDA_FUNCTION_NAME=test_function", "AWS_LAMBDA_FUNCTION_VERSION=$LATEST",
		"AWS_LAMBDA_LOG_GROUP_NAME=/aws/lambda/Functions", "AWS_LAMBDA_LOG_STREAM_NAME=$LATEST",
	}, functionEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return sample{}, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	defer func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
	}()
	select {
	case t := <-next:
		return sample{ms: float64(t.Sub(start).Microseconds()) / 1000, ok: true}, nil
	case <-exited:
		return sample{ms: float64(time.Since(start).Microseconds()) / 1000}, nil
	case <-time.After(10 * time.Second):
		return sample{}, errors.New("no request to the Runtime API after 10s")
	}
}

// parseInit reads the first init's duration and status from RIE's output.
// (A failed init is followed by a second, "phase: invoke" INIT REPORT, which
// is not the cold start.)
func parseInit(logs string) (sample, bool) {
	m := initReport.FindStringSubmatch(logs)
	d := initDone.FindStringSubmatch(logs)
	if m == nil || d == nil {
		return sample{}, false
	}
	ms, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return sample{}, false
	}
	return sample{ms: ms, ok: d[1] == "success"}, true
}

// freeAddr returns a local address with a port free a moment ago.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func waitListening(addr string, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("RIE is not listening on %s after %s", addr, limit)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// syncBuffer is a bytes.Buffer safe for the child's two output streams and
// the reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// report prints the Markdown table, headed with the machine, its load and
// the date.
func report(w io.Writer, fns []*function, rounds int) {
	fmt.Fprintf(w, "\n### Cold start under the Runtime Interface Emulator — %s, %s, %d cores, %s/%s, %s, load average %s\n\n",
		time.Now().UTC().Format(time.DateOnly), cpuModel(), runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	fmt.Fprintf(w, "%d cold starts per function under RIE (a fresh RIE and process each) and %[1]d without (exec to the first /next under a stub Runtime API), interleaved, after one discarded round. MB are 10⁶ bytes.\n\n", rounds)
	fmt.Fprintf(w, "| function | init ok (both ways) | init median (RIE) | p90 | vs hello | init median (no RIE) | p90 | vs hello | bootstrap (%s) | gzipped bootstrap (arm64) |\n", runtime.GOARCH)
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	base, directBase := median(fns[0].samples), median(fns[0].direct)
	for _, fn := range fns {
		ok := 0
		for _, s := range append(slices.Clone(fn.samples), fn.direct...) {
			if s.ok {
				ok++
			}
		}
		med, direct := median(fn.samples), median(fn.direct)
		fmt.Fprintf(w, "| %s | %d/%d | %.1f ms | %.1f ms | %.1f× | %.1f ms | %.1f ms | %.1f× | %.1f MB | %.2f MB |\n",
			fn.name, ok, len(fn.samples)+len(fn.direct), med, percentile(fn.samples, 0.9), med/base,
			direct, percentile(fn.direct, 0.9), direct/directBase, mb(fn.size), mb(fn.gzipped))
	}
}

func mb(n int64) float64 { return float64(n) / 1e6 }

func sorted(ss []sample) []float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = s.ms
	}
	slices.Sort(v)
	return v
}

func median(ss []sample) float64 {
	v := sorted(ss)
	if len(v) == 0 {
		return 0
	}
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

// percentile is the nearest-rank p-th percentile.
func percentile(ss []sample, p float64) float64 {
	v := sorted(ss)
	if len(v) == 0 {
		return 0
	}
	i := int(math.Ceil(float64(len(v))*p)) - 1
	return v[max(0, min(i, len(v)-1))]
}

// cpuModel is the processor's name from /proc/cpuinfo, as go test prints it.
func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown cpu"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown cpu"
}

// loadAverage is the 1, 5 and 15 minute load averages from /proc/loadavg.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}
