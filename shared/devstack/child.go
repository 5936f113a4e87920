package devstack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	sigTerm = syscall.SIGTERM
	sigKill = syscall.SIGKILL
)

// tailLines is how many lines of a child's output an error message quotes.
// A Java stack trace for a failed bind is about 25 lines.
const tailLines = 40

// child is one running stand-in process.
type child struct {
	name   string
	port   int
	cmd    *exec.Cmd
	out    *output
	exited chan struct{} // closed once the process has been reaped
	// retired is set before the stack ends the child on purpose and
	// replaces it (MoveDynamoData): its exit is then no failure.
	retired atomic.Bool
}

// startChild starts cmd in its own process group, through l so that the
// parent-death signal is tied to a thread that lives as long as the stack.
func startChild(l *launcher, name string, cmd *exec.Cmd, port int, logs *logSink) (*child, error) {
	c := &child{name: name, port: port, cmd: cmd, out: &output{name: name, logs: logs}, exited: make(chan struct{})}
	cmd.Stdout = c.out // the same writer for both: one pipe, lines stay in order
	cmd.Stderr = c.out
	cmd.SysProcAttr = sysProcAttr()
	if err := l.start(cmd); err != nil {
		return nil, err
	}
	go func() {
		_ = cmd.Wait() // the exit status is read from cmd.ProcessState
		c.out.flush()
		close(c.exited)
	}()
	return c, nil
}

func (c *child) endpoint() string { return fmt.Sprintf("http://127.0.0.1:%d", c.port) }

// probe is a readiness check: a request with no body, and which responses
// mean ready (nil accepts any HTTP response).
type probe struct {
	method, path string
	accept       func(*http.Response) bool
}

// waitReady polls the child with p until it gets a response p accepts, the
// child exits, or ctx ends.
func (c *child) waitReady(ctx context.Context, client *http.Client, p probe) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.exited:
			cancel() // abandon a probe in flight, e.g. to a stranger on our port
		case <-ctx.Done():
		}
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !c.answers(ctx, client, p) {
		select {
		case <-tick.C:
			continue
		case <-c.exited:
		case <-ctx.Done():
		}
		select {
		case <-c.exited:
			return fmt.Errorf("%w: %w", errExitedEarly, c.exitError("exited before becoming ready"))
		default:
			return fmt.Errorf("%s (pid %d) not answering %s %s: %w%s",
				c.name, c.cmd.Process.Pid, p.method, c.endpoint()+p.path, ctx.Err(), c.out.tail())
		}
	}
	return nil
}

// answers makes one readiness probe, giving up after a second.
func (c *child) answers(ctx context.Context, client *http.Client, p probe) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, p.method, c.endpoint()+p.path, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return p.accept == nil || p.accept(resp)
}

// errExitedEarly marks a child that exited before it answered its
// readiness check.
var errExitedEarly = errors.New("devstack: a stand-in exited before it was ready")

// exitError describes how the (exited) child ended, with its last output.
func (c *child) exitError(what string) error {
	return fmt.Errorf("%s (pid %d) %s: %s%s", c.name, c.cmd.Process.Pid, what, c.cmd.ProcessState, c.out.tail())
}

// signal sends sig to the child's process group unless the child has already
// been reaped (its pid could then belong to someone else).
func (c *child) signal(sig syscall.Signal) {
	select {
	case <-c.exited:
	default:
		_ = syscall.Kill(-c.cmd.Process.Pid, sig) // ESRCH: it exited meanwhile
	}
}

// awaitExit waits for the child to exit until deadline, then kills its
// process group and reports that it had to.
func (c *child) awaitExit(deadline time.Time) error {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-c.exited:
		return nil
	case <-t.C:
	}
	c.signal(sigKill)
	<-c.exited
	return fmt.Errorf("stop %s: still running %s after SIGTERM, killed", c.name, stopGrace)
}

// launcher starts child processes from one goroutine locked to its OS
// thread. Linux sends the parent-death signal (Pdeathsig) when the *thread*
// that forked the child exits, not the process; the Go runtime terminates a
// thread when a goroutine locked to it returns, so forking from an arbitrary
// goroutine could get a child killed at a random moment. The launcher
// goroutine keeps its thread until close; it then returns still locked, so
// the thread exits and any child that somehow survived Stop gets SIGKILL.
type launcher struct {
	reqs chan launchReq
}

type launchReq struct {
	cmd  *exec.Cmd
	errc chan error
}

func newLauncher() *launcher {
	l := &launcher{reqs: make(chan launchReq)}
	go func() {
		runtime.LockOSThread() // never unlocked, see the type comment
		for r := range l.reqs {
			r.errc <- r.cmd.Start()
		}
	}()
	return l
}

func (l *launcher) start(cmd *exec.Cmd) error {
	errc := make(chan error, 1)
	l.reqs <- launchReq{cmd: cmd, errc: errc}
	return <-errc
}

func (l *launcher) close() { close(l.reqs) }

// logSink is the Log writer shared by the children; the mutex keeps their
// lines whole when the writer is not safe for concurrent use.
type logSink struct {
	mu     sync.Mutex
	w      io.Writer // nil discards
	prefix bool
}

func (l *logSink) line(name, text string) {
	if l.w == nil || name == KMSName && strings.HasPrefix(text, "INFO[") && strings.Contains(text, " message signed with ") {
		// Local KMS logs every signature at INFO: one a day of the demo's
		// year of audit seals. Its other lines pass.
		return
	}
	if l.prefix {
		text = "[" + name + "] " + text
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, text+"\n") // a failing log must not stop the child
}

// output receives a child's stdout and stderr, forwards whole lines to the
// log and keeps the last tailLines lines for error messages.
type output struct {
	name    string
	logs    *logSink
	mu      sync.Mutex
	partial []byte
	last    []string
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.partial = append(o.partial, p...)
	for {
		i := bytes.IndexByte(o.partial, '\n')
		if i < 0 {
			return len(p), nil
		}
		o.add(string(o.partial[:i]))
		o.partial = o.partial[i+1:]
	}
}

// flush emits a last line that did not end in a newline.
func (o *output) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.partial) > 0 {
		o.add(string(o.partial))
		o.partial = nil
	}
}

// ansiEscape matches terminal control sequences such as colours, which Local
// KMS writes even to a pipe.
var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]`)

func (o *output) add(line string) {
	line = ansiEscape.ReplaceAllString(strings.TrimSuffix(line, "\r"), "")
	o.logs.line(o.name, line)
	o.last = append(o.last, line)
	if len(o.last) > tailLines {
		o.last = o.last[len(o.last)-tailLines:]
	}
}

// tail formats the last lines of output for appending to an error message.
func (o *output) tail() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.last) == 0 {
		return " (no output)"
	}
	return "; last output:\n\t" + strings.Join(o.last, "\n\t")
}
