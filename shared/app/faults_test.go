package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3presign"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/table"
)

// childEnv carries a crash child's world (JSON) to the re-executed test
// binary; see TestMain.
const childEnv = "ATTEST_FAULTS_CHILD"

// TestMain runs the tests, or, in a crash child, one job that kills
// itself at an attempt.
func TestMain(m *testing.M) {
	if raw := os.Getenv(childEnv); raw != "" {
		os.Exit(runChild(raw))
	}
	devtest.Main(m)
}

// The jobs of the fault scenarios.
const (
	jobImport = "import" // PUT /api/roster: a sync upload of the demo roster
	jobAssign = "assign" // the daily assignment run, its first (full) run
	jobRemind = "remind" // the daily reminder run, sending in-process
	jobExport = "export" // one evidence export's run (the export function)
	jobLarge  = "large"  // a large roster import of the demo roster (the import function)
)

// start is the scenarios' clock: a Monday, at noon UTC.
var start = time.Date(2026, 11, 2, 12, 0, 0, 0, time.UTC)

// redelivery is how much later the export and the import queues redeliver
// a message whose run failed or died (their visibility timeout,
// infra/evidence.go and infra/imports.go): the rerun of an export or a
// large import happens that much later, when a dead run's hold on it has
// expired.
const redelivery = 90 * time.Minute

// importTimeout is the import function's timeout: the deadline of a run.
const importTimeout = 15 * time.Minute

// importChunk is the large import's chunk (plan lines between checkpoints):
// small, so that the 65 people take several chunks and a kill lands in one.
const importChunk = 10

// world is one scenario's tracker on the shared stand-ins: a table, a mail
// domain, a bucket and a signing key of its own, and a clock. It is JSON
// so that a crash child can work on the same one.
type world struct {
	Job, Table, Domain, Bucket, KeyID, ExportID, ImportID string
	Dynamo, SES, S3, KMS                                  string // endpoints
	Now                                                   time.Time
	KillAt                                                int // in a crash child
}

// newWorld makes a world for job and prepares what the job needs, without
// faults: nothing for the import; the people, without their training, for
// the assignment run; the imported roster for the reminder run; an export
// request for the export; and for the large import its request with the
// demo roster uploaded to its URL.
func newWorld(t *testing.T, job string) *world {
	t.Helper()
	stack := devtest.Shared(t)
	ctx := context.Background()
	w := &world{Job: job, Now: start, Dynamo: stack.DynamoEndpoint(), SES: stack.SESEndpoint(), S3: stack.S3Endpoint(), KMS: stack.KMSEndpoint()}
	w.Table = devtest.Table(t, stack.DynamoClient(), "faults")
	w.Domain = strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(w.Table)) + ".test"
	if job == jobExport || job == jobLarge {
		w.Bucket = devtest.Bucket(t, stack.S3Client(), "faults")
	}
	if job == jobExport {
		keyID, err := kmssign.EnsureLocalKey(ctx, stack.KMSClient(), "alias/"+strings.ReplaceAll(w.Table, ".", "_"))
		if err != nil {
			t.Fatal(err)
		}
		w.KeyID = keyID
	}
	a := w.app(nil)
	switch job {
	case jobAssign:
		up, problems := roster.ParseCSV(bytes.NewReader(w.roster()))
		if len(problems) > 0 {
			t.Fatal(problems)
		}
		today := start.Format(roster.DateLayout)
		plan, err := roster.PlanImport(up, nil, roster.ModeSync, today, a.Catalog.HasRole)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Store.ApplyRoster(ctx, roster.Commit{Plan: plan, Stored: map[string]roster.Record{}, Actor: "test", At: start}); err != nil {
			t.Fatal(err)
		}
	case jobRemind, jobExport:
		if err := w.run(ctx, a, jobImport); err != nil {
			t.Fatal(err)
		}
	}
	if job == jobExport {
		e, err := a.Exports.Request(ctx, "2026-Q4", "", "test", "test")
		if err != nil {
			t.Fatal(err)
		}
		w.ExportID = e.ID
	}
	if job == jobLarge {
		im, url, err := a.Imports.Request(ctx, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "hris", "api")
		if err != nil {
			t.Fatal(err)
		}
		w.ImportID = im.ID
		req, err := http.NewRequestWithContext(ctx, http.MethodPut, url, bytes.NewReader(w.roster()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "text/csv")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("PUT to the upload URL: %s", resp.Status)
		}
	}
	return w
}

// roster is the demo roster with every address in the world's domain.
func (w *world) roster() []byte {
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		panic(err)
	}
	for _, d := range []string{"@example.com", "@contractor.example.net", "@northwind-data.example.org"} {
		csv = bytes.ReplaceAll(csv, []byte(d), []byte("@"+w.Domain))
	}
	return csv
}

// queued is the export queue of a world: the scenarios run exports
// themselves.
type queued struct{}

func (queued) Enqueue(context.Context, string) error { return nil }

// continuations is the import queue of a world: it counts the
// continuations a run sends, which the scenarios deliver themselves.
type continuations struct{ n int }

func (q *continuations) Continue(context.Context, string) error {
	q.n++
	return nil
}

// app wires the tracker of the world, every client through f (none when
// nil).
func (w *world) app(f *devtest.Faults) *app.App {
	cfg := devstack.AWSConfig()
	if f != nil {
		f.Apply(&cfg)
	}
	db := dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) {
		o.BaseEndpoint, o.DisableValidateResponseChecksum = aws.String(w.Dynamo), true
	})
	mail := sesv2.NewFromConfig(cfg, func(o *sesv2.Options) { o.BaseEndpoint = aws.String(w.SES) })
	c := app.Config{DynamoDB: db, TableName: w.Table, SES: mail, SenderEmail: "training@attest.test", BaseURL: "http://tracker.test",
		Now: func() time.Time { return w.Now }}
	if w.KeyID != "" {
		objects := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(w.S3), true })
		keys := kms.NewFromConfig(cfg, func(o *kms.Options) { o.BaseEndpoint = aws.String(w.KMS) })
		c.Signer = kmssign.New(keys, w.KeyID)
		c.Exports = &app.ExportsConfig{Queue: queued{},
			Objects: &s3store.Store{Client: objects, Bucket: w.Bucket, Now: c.Now}}
	}
	if w.Job == jobLarge {
		objects := s3.NewFromConfig(cfg, func(o *s3.Options) { o.BaseEndpoint, o.UsePathStyle = aws.String(w.S3), true })
		c.Imports = &app.ImportsConfig{Queue: &continuations{},
			Uploads: &s3store.Uploads{Store: &s3store.Store{Client: objects, Bucket: w.Bucket, Now: c.Now}},
			Links:   &s3presign.Presigner{Bucket: w.Bucket, Region: cfg.Region, Credentials: cfg.Credentials, Endpoint: w.S3, PathStyle: true}}
	}
	a, err := inprocess.New(c) // the export's bundle writer, as the export function wires it
	if err != nil {
		panic(err)
	}
	if a.Imports != nil {
		a.Imports.ChunkLines = importChunk
	}
	return a
}

// run runs the world's job once.
func (w *world) run(ctx context.Context, a *app.App, job string) error {
	switch job {
	case jobImport:
		_, err := a.Roster.Import(ctx, roster.Request{Body: bytes.NewReader(w.roster()), ContentType: "text/csv", Mode: roster.ModeSync,
			Actor: "hris", Source: "api", Role: identity.Admin})
		return err
	case jobAssign:
		_, err := a.Assigner.Daily(ctx, start.Format(roster.DateLayout), "schedule", "schedule", false)
		return err
	case jobRemind:
		_, err := a.Reminders.Run(ctx, w.Now, false, false)
		return err
	case jobExport:
		return a.Exports.Run(ctx, w.ExportID)
	case jobLarge:
		return w.runImport(ctx, a)
	}
	return fmt.Errorf("no job %q", job)
}

// errStuck is a large import left unfinished by a run that succeeded and
// sent no continuation: its message is deleted, and nothing would ever run
// it again.
var errStuck = errors.New("left unfinished with no message to run it again")

// runImport is one delivery of the large import's message to the import
// function (handler.Import: Run with the invocation's deadline), followed
// by the continuations it sends, if any, as the queue delivers them. An
// error is a failed delivery, which the queue delivers again; an import
// that is not done after a delivery that succeeded is stuck (errStuck).
func (w *world) runImport(ctx context.Context, a *app.App) error {
	q := a.Imports.Queue.(*continuations)
	for {
		sent := q.n
		if err := a.Imports.Run(ctx, w.ImportID, w.Now.Add(importTimeout)); err != nil {
			return err
		}
		// the scenario's look, not the function's: no faults
		im, err := w.app(nil).Imports.Get(ctx, w.ImportID)
		if err != nil {
			return err
		}
		switch {
		case im.State == roster.ImportDone:
			return nil
		case im.State.Final():
			return fmt.Errorf("import %s ended %s: %v: %w", im.ID, im.State, im.Problems, errStuck)
		case q.n == sent:
			return fmt.Errorf("import %s %s at line %d of %d: %w", im.ID, im.State, im.NextLine, im.PlanLines, errStuck)
		}
	}
}

// untilDone runs the world's job until it succeeds, as the scheduler or
// the queue would (an export's or a large import's rerun comes a
// redelivery later), and returns how many runs it took. A large import
// that a run leaves stuck fails the test.
func (w *world) untilDone(t *testing.T, a *app.App, maxRuns int) int {
	t.Helper()
	for n := 1; ; n++ {
		err := w.run(context.Background(), a, w.Job)
		if err == nil {
			return n
		}
		if n == maxRuns || errors.Is(err, errStuck) {
			t.Fatalf("%s still failing after %d runs: %v", w.Job, n, err)
		}
		if w.Job == jobExport || w.Job == jobLarge {
			w.Now = w.Now.Add(redelivery)
		}
	}
}

// runChild is the crash child: it runs the job of the world in raw with
// no faults but a SIGKILL at the world's KillAt-th attempt. It exits 0 if
// the job ended first, 3 if it failed.
func runChild(raw string) int {
	var w world
	if err := json.Unmarshal([]byte(raw), &w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	f := &devtest.Faults{}
	f.KillAt(w.KillAt)
	if err := w.run(context.Background(), w.app(f), w.Job); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	return 0
}

// crash runs the world's job in a child process that is killed at its
// k-th attempt.
func (w *world) crash(t *testing.T, k int) {
	t.Helper()
	child := *w
	child.KillAt = k
	raw, err := json.Marshal(child)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(raw))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed at attempt %d\n%s", err, k, out)
	}
}

// counts are what a world holds afterwards: items by type (audit events by
// action), the keys of the items whose keys are deterministic, the emails
// sent to its domain, the files of its export or large import, and the
// large import's result.
type counts struct {
	items  map[string]int
	keys   map[string][]string
	mail   []string
	files  []string
	result string
}

// keyed are the item types compared key by key (the others by number:
// audit events and tokens have random ids).
var keyed = []string{"person", "revision", "email", "assignment", "notification"}

// perAttempt are the records each attempt writes anew, by design: a
// retried send issues a fresh sign-in link (its token and its audit
// event), and each run of an export records its start (and a failed one
// its failure). A world under faults may hold more of them, never fewer.
var perAttempt = []string{"token", "audit signin.link_sent", "audit export.started", "audit export.failed"}

// count reads everything the world holds.
func (w *world) count(t *testing.T) counts {
	t.Helper()
	ctx := context.Background()
	stack := devtest.Shared(t)
	c := counts{items: map[string]int{}, keys: map[string][]string{}}
	p := dynamodb.NewScanPaginator(stack.DynamoClient(), &dynamodb.ScanInput{TableName: aws.String(w.Table)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			kind := str(it["type"])
			if kind == "audit" {
				kind += " " + str(it["action"])
			}
			c.items[kind]++
			if slices.Contains(keyed, kind) {
				k := str(it["PK"]) + " " + str(it["SK"])
				if kind == "assignment" {
					// what the reminder run counts on it
					k += " reminded " + num(it["remindersSent"]) + " " + str(it["lastRemindedOn"])
				}
				c.keys[kind] = append(c.keys[kind], strings.ReplaceAll(strings.ToLower(k), w.Domain, "D"))
			}
		}
	}
	for _, ks := range c.keys {
		sort.Strings(ks)
	}
	mails, err := stack.SentMail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mails {
		for _, to := range m.To {
			if local, ok := strings.CutSuffix(strings.ToLower(to), "@"+w.Domain); ok {
				c.mail = append(c.mail, local+" "+m.Subject)
			}
		}
	}
	sort.Strings(c.mail)
	prefix := ""
	if w.ExportID != "" {
		e, err := w.app(nil).Exports.Get(ctx, w.ExportID, "")
		if err != nil {
			t.Fatal(err)
		}
		if e.State != export.Done {
			t.Errorf("export %s is %s", e.ID, e.State)
		}
		prefix = e.Prefix
		defer func() {
			for _, f := range e.Files {
				if !slices.Contains(c.files, f.Name) {
					t.Errorf("export %s lists %s, which is not in the bucket", e.ID, f.Name)
				}
			}
		}()
	}
	if w.ImportID != "" {
		im, err := w.app(nil).Imports.Get(ctx, w.ImportID)
		if err != nil {
			t.Fatal(err)
		}
		if im.State != roster.ImportDone || im.RowsWritten != im.PlanLines {
			t.Errorf("import %s is %s, %d of %d lines written", im.ID, im.State, im.RowsWritten, im.PlanLines)
		}
		res, err := json.Marshal(im.Result)
		if err != nil {
			t.Fatal(err)
		}
		c.result = fmt.Sprintf("rows %d, lines %d, %s", im.Rows, im.PlanLines, res)
		prefix = strings.TrimSuffix(table.UploadKey(im.ID), "upload")
	}
	if w.Bucket != "" {
		out, err := stack.S3Client().ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(w.Bucket)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Contents {
			c.files = append(c.files, strings.TrimPrefix(aws.ToString(o.Key), prefix))
		}
		sort.Strings(c.files)
	}
	return c
}

func str(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// compare fails the test unless got holds what the clean run left:
// the same items (per-attempt records at least as many), the same files,
// and the same emails but for dup extra copies (of emails SES accepted
// whose acceptance was lost).
func compare(t *testing.T, clean, got counts, dup int) {
	t.Helper()
	kinds := map[string]bool{}
	for k := range clean.items {
		kinds[k] = true
	}
	for k := range got.items {
		kinds[k] = true
	}
	for k := range kinds {
		switch {
		case slices.Contains(perAttempt, k) && got.items[k] >= clean.items[k]:
		case got.items[k] != clean.items[k]:
			t.Errorf("%d %s records, want %d", got.items[k], k, clean.items[k])
		}
	}
	for _, k := range keyed {
		if lost, extra := diff(clean.keys[k], got.keys[k]); len(lost)+len(extra) > 0 {
			t.Errorf("%s records: lost %v, extra %v", k, head(lost), head(extra))
		}
	}
	if lost, extra := diff(clean.files, got.files); len(lost)+len(extra) > 0 {
		t.Errorf("files: lost %v, extra %v", lost, extra)
	}
	if got.result != clean.result {
		t.Errorf("import result: %s, clean run %s", got.result, clean.result)
	}
	lost, extra := diff(clean.mail, got.mail)
	if len(lost) > 0 || len(extra) != dup {
		t.Errorf("emails: %d sent, clean run %d: lost %v, extra %v, want %d extra (lost responses of SendEmail)",
			len(got.mail), len(clean.mail), head(lost), head(extra), dup)
	}
}

// diff returns the elements of sorted a missing from sorted b, and those
// of b beyond a, one for one.
func diff(a, b []string) (lost, extra []string) {
	n := map[string]int{}
	for _, s := range b {
		n[s]++
	}
	for _, s := range a {
		if n[s] > 0 {
			n[s]--
		} else {
			lost = append(lost, s)
		}
	}
	for _, s := range b {
		if n[s] > 0 {
			n[s]--
			extra = append(extra, s)
		}
	}
	return lost, extra
}

func num(v types.AttributeValue) string {
	if n, ok := v.(*types.AttributeValueMemberN); ok {
		return n.Value
	}
	return "0"
}

func head(s []string) []string { return s[:min(len(s), 5)] }

// summary is one line of what a world holds, for the log.
func (c counts) summary() string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range c.items {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%s %d", k, c.items[k]))
	}
	return fmt.Sprintf("%s; %d emails, %d files", strings.Join(parts, ", "), len(c.mail), len(c.files))
}

// cleanRun runs job once without faults and returns what it left and the
// operation of each of its attempts.
func cleanRun(t *testing.T, job string) (counts, []string) {
	t.Helper()
	w := newWorld(t, job)
	trace := devtest.NewFaults(0, 0)
	if err := w.run(context.Background(), w.app(trace), job); err != nil {
		t.Fatalf("clean %s: %v", job, err)
	}
	c := w.count(t)
	t.Logf("clean %s: %d attempts; %s", job, len(trace.Sequence()), c.summary())
	return c, trace.Sequence()
}

// TestFaults runs each job under 20 % faults on every AWS call (throttling,
// 5xx, lost responses) until it succeeds, with the SDK's retries; runs it
// a few times with 20 % of its writes failing and no retries, then until
// it succeeds; and kills it mid-run at several points and run again; each time
// the world must hold exactly what a clean run leaves.
func TestFaults(t *testing.T) {
	t.Parallel()
	for i, job := range []string{jobImport, jobAssign, jobRemind, jobExport, jobLarge} {
		t.Run(job, func(t *testing.T) {
			t.Parallel()
			clean, seq := cleanRun(t, job)
			lostSends := func(f *devtest.Faults) int {
				return f.Injected()[devtest.Injection{Fault: devtest.LostResponse, Op: "SendEmail"}]
			}
			t.Run("Retried", func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, job)
				f := devtest.NewFaults(uint64(100+i), 0.2)
				runs := w.untilDone(t, w.app(f), 20)
				t.Logf("%s: %d runs; %v", t.Name(), runs, f)
				compare(t, clean, w.count(t), lostSends(f))
			})
			t.Run("NoRetries", func(t *testing.T) {
				t.Parallel()
				w := newWorld(t, job)
				f := devtest.NewFaults(uint64(200+i), 0.2)
				f.MaxAttempts, f.Ops = 1, writes
				a := w.app(f)
				failed := 0
				for range stormRuns {
					if err := w.run(context.Background(), a, job); errors.Is(err, errStuck) {
						t.Fatal(err)
					} else if err != nil {
						failed++
					}
					if job == jobExport || job == jobLarge {
						w.Now = w.Now.Add(redelivery)
					}
				}
				f.SetRate(0)
				runs := w.untilDone(t, a, 3)
				t.Logf("%s: %d of %d runs failed in the storm, then %d runs; %v", t.Name(), failed, stormRuns, runs, f)
				compare(t, clean, w.count(t), lostSends(f))
			})
			for _, k := range killPoints(job, seq) {
				t.Run(fmt.Sprintf("KilledAt%d", k), func(t *testing.T) {
					t.Parallel()
					w := newWorld(t, job)
					w.crash(t, k)
					if job == jobExport || job == jobLarge {
						w.Now = w.Now.Add(redelivery)
					}
					runs := w.untilDone(t, w.app(nil), 3)
					dup := 0
					if seq[k-1] == "SendEmail" {
						dup = 1 // accepted by SES, killed before recording it
					}
					t.Logf("killed at attempt %d of %d (%s), then %d runs", k, len(seq), seq[k-1], runs)
					compare(t, clean, w.count(t), dup)
				})
			}
		})
	}
}

// stormRuns is how many runs of a job the scenario without retries makes
// while 20 % of the writes fail; then the storm is over and the job is run
// until it succeeds.
const stormRuns = 3

// writes are the operations that change something, which the scenarios
// without retries fail: with every read failing too, a job that reads
// a hundred times before its first write would never get there.
var writes = []string{"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem", "SendEmail",
	"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "Sign"}

// killPoints picks the attempts at which a crash child dies: a third and
// two thirds through the clean run, and the first write after the half
// (for the reminder run, also the first SendEmail after it; for the large
// import, also the plan's upload and, after the half, the first chunk's
// people written before their assignments and the checkpoint that closes
// a chunk).
func killPoints(job string, seq []string) []int {
	n := len(seq)
	points := []int{n / 3, 2 * n / 3}
	seen := map[string]bool{}
	for k := n/2 + 1; k < n; k++ { // not the last: a run may take one fewer
		op := seq[k-1]
		if slices.Contains(writes, op) && !seen["write"] || op == "SendEmail" && !seen[op] {
			seen["write"], seen[op] = true, true
			points = append(points, k)
		}
	}
	if job == jobLarge {
		points = append(points, slices.Index(seq, "PutObject")+1)
		people, checkpoint := false, false
		for k := n/2 + 1; k < n; k++ {
			prev, op, after := seq[k-2], seq[k-1], seq[k]
			if !people && op == "TransactWriteItems" && prev == "PutItem" && after == "Query" {
				people = true
				points = append(points, k)
			}
			if !checkpoint && op == "PutItem" && prev == "TransactWriteItems" {
				checkpoint = true
				points = append(points, k)
			}
		}
	}
	sort.Ints(points)
	return slices.Compact(points)
}
