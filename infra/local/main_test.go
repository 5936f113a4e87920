package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
	"github.com/attest-oss/attest/shared/roster"
)

// freePort returns a TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// devRun is one run of the make dev program.
type devRun struct {
	cmd    *exec.Cmd
	output strings.Builder
	lines  chan string
}

func startDev(t *testing.T, bin string, env []string) *devRun {
	t.Helper()
	r := &devRun{cmd: exec.Command(bin), lines: make(chan string, 1000)}
	r.cmd.Env = append(os.Environ(), env...)
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = r.cmd.Stdout
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			r.lines <- sc.Text()
		}
		close(r.lines)
	}()
	t.Cleanup(func() { _ = r.cmd.Process.Kill() })
	return r
}

// demoRosterSize counts the people of the demo roster.
func demoRosterSize(t *testing.T) int {
	t.Helper()
	b, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	up, problems := roster.ParseCSV(bytes.NewReader(b))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return len(up.People)
}

// waitLimit bounds the wait for one line of output: seeding the demo year
// takes under a minute alone, several when every package's tests share two
// cores, as in CI.
const waitLimit = 5 * time.Minute

// waitFor reads output until a line matches re, and returns the submatches.
func (r *devRun) waitFor(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case line, ok := <-r.lines:
			if !ok {
				t.Fatalf("make dev exited before printing %v; output:\n%s", re, r.output.String())
			}
			r.output.WriteString(line + "\n")
			if m := re.FindStringSubmatch(line); m != nil {
				return m
			}
		case <-deadline:
			t.Fatalf("no line matching %v within %v; output:\n%s", re, waitLimit, r.output.String())
		}
	}
}

// drain reads the rest of the output until the program closes it.
func (r *devRun) drain() string {
	for line := range r.lines {
		r.output.WriteString(line + "\n")
	}
	return r.output.String()
}

// TestMakeDevServesSeedsAndStopsCleanly runs the real make dev program twice
// on free ports and a temporary data directory: the first run seeds the demo
// organisation's year and serves it, and a manager and an admin go through
// their day on it from the printed sign-in links (demoJourneys); Ctrl-C
// stops every child; the second run finds the data again and does not seed
// twice. Every exchange is held to the OpenAPI document.
func TestMakeDevServesSeedsAndStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole local stack twice")
	}
	bin := filepath.Join(t.TempDir(), "dev")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	apiPort, dynamoPort, sesPort, s3Port, kmsPort := freePort(t), freePort(t), freePort(t), freePort(t), freePort(t)
	dataDir := t.TempDir()
	env := []string{
		fmt.Sprintf("DEV_PORT=%d", apiPort), fmt.Sprintf("DEV_DYNAMODB_PORT=%d", dynamoPort),
		fmt.Sprintf("DEV_SES_PORT=%d", sesPort), fmt.Sprintf("DEV_S3_PORT=%d", s3Port), fmt.Sprintf("DEV_KMS_PORT=%d", kmsPort),
		"DEV_DATA_DIR=" + dataDir, "DEV_API_KEY=atk_devtest",
	}
	base := fmt.Sprintf("http://127.0.0.1:%d", apiPort)

	first := startDev(t, bin, env)
	seeded := first.waitFor(t, regexp.MustCompile(`seeded the demo organisation: (\d+) people`))
	if want := strconv.Itoa(demoRosterSize(t)); seeded[1] != want {
		t.Errorf("seeded %s people, want the %s of content/demo/roster.csv", seeded[1], want)
	}
	key := first.waitFor(t, regexp.MustCompile(`Admin API key\s+(\S+)`))[1]
	if key != "atk_devtest" {
		t.Errorf("printed key %q, want the one from DEV_API_KEY", key)
	}
	first.waitFor(t, regexp.MustCompile(`Sign in as admin`))
	get(t, base+"/healthz", "", http.StatusOK)
	get(t, base+"/api/people/E001", key, http.StatusOK)
	demoJourneys(t, base, first.output.String(), key)
	for _, want := range []string{
		fmt.Sprintf("S3 server       http://127.0.0.1:%d", s3Port), fmt.Sprintf("Local KMS       http://127.0.0.1:%d", kmsPort),
		"Evidence        bucket attest-evidence, signing key alias/attest-evidence",
	} {
		if !strings.Contains(first.output.String(), want) {
			t.Errorf("the banner lacks %q:\n%s", want, first.output.String())
		}
	}

	if err := first.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	out := first.drain()
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("make dev did not exit cleanly on Ctrl-C: %v\n%s", err, out)
	}
	for _, port := range []int{apiPort, dynamoPort, sesPort, s3Port, kmsPort} {
		if conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), time.Second); err == nil {
			conn.Close()
			t.Errorf("port %d still answers after Ctrl-C: a child was orphaned", port)
		}
	}

	second := startDev(t, bin, env)
	second.waitFor(t, regexp.MustCompile(`Admin API key`))
	if strings.Contains(second.output.String(), "seeded") {
		t.Error("the second run seeded again: data did not survive the restart")
	}
	for _, sub := range []string{"dynamodb", "s3", "kms"} {
		if _, err := os.Stat(filepath.Join(dataDir, sub)); err != nil {
			t.Errorf("no %s data under DEV_DATA_DIR: %v", sub, err)
		}
	}
	get(t, base+"/api/people/E020", key, http.StatusOK)
	// The dev key is made through the key use case, once: GET /api/keys lists it.
	if keys := get(t, base+"/api/keys", key, http.StatusOK); strings.Count(keys, `"label":"dev-admin"`) != 1 || strings.Contains(keys, key) {
		t.Errorf("GET /api/keys should list the dev key once, without the secret: %s", keys)
	}
	_ = second.cmd.Process.Signal(syscall.SIGINT)
	second.drain()
	_ = second.cmd.Wait()
}

// get fetches url (with the API key, if any) through a client that holds
// the exchange to the OpenAPI document, expects status want and returns the
// body.
func get(t *testing.T, url, key string, want int) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := contracttest.Load(t).Client(t, nil).Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %d %s, want %d", url, resp.StatusCode, body, want)
	}
	return string(body)
}
