package roster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/table"
)

// clock is a test clock; step, when set, advances it at every reading.
type clock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// queue records continuations.
type queue struct {
	mu  sync.Mutex
	ids []string
}

func (q *queue) Continue(ctx context.Context, id string) error {
	q.mu.Lock()
	q.ids = append(q.ids, id)
	q.mu.Unlock()
	return nil
}

func (q *queue) pop() (string, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.ids) == 0 {
		return "", false
	}
	id := q.ids[0]
	q.ids = q.ids[1:]
	return id, true
}

// crasher cancels the context of the run it is armed for once the k-th
// TransactWriteItems call after arming has returned.
type crasher struct {
	mu     sync.Mutex
	k      int
	n      int
	cancel context.CancelFunc
}

func (c *crasher) arm(k int, cancel context.CancelFunc) {
	c.mu.Lock()
	c.k, c.n, c.cancel = k, 0, cancel
	c.mu.Unlock()
}

func (c *crasher) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("crasher",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				if awsmiddleware.GetOperationName(ctx) == "TransactWriteItems" {
					c.mu.Lock()
					c.n++
					if c.cancel != nil && c.n == c.k {
						c.cancel()
						c.cancel = nil
					}
					c.mu.Unlock()
				}
				return out, md, err
			}), middleware.After)
	})
}

// loser loses the response of the k-th attempt of an operation after
// arming: the request takes effect, then the client sees a read timeout,
// as when a connection is lost in flight, and its retryer tries again.
type loser struct {
	mu   sync.Mutex
	op   string
	k, n int
	lost int
}

func (l *loser) arm(op string, k int) {
	l.mu.Lock()
	l.op, l.k, l.n, l.lost = op, k, 0, 0
	l.mu.Unlock()
}

// lose reports whether to lose the response of this attempt of op.
func (l *loser) lose(op string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if op != l.op {
		return false
	}
	l.n++
	if l.n == l.k {
		l.lost++
		return true
	}
	return false
}

func (l *loser) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("loser",
			func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleDeserialize(ctx, in)
				if err != nil || !l.lose(awsmiddleware.GetOperationName(ctx)) {
					return out, md, err
				}
				if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{Err: &net.OpError{
					Op: "read", Net: "tcp", Err: fmt.Errorf("test: response lost: %w", os.ErrDeadlineExceeded)}}
			}), middleware.After)
	})
}

// importEnv is an application with large imports on a fresh table and
// bucket of the local stand-ins.
type importEnv struct {
	app     *app.App
	clock   *clock
	queue   *queue
	crash   *crasher
	lose    *loser
	ddb     *dynamodb.Client
	table   string
	uploads *s3store.Uploads
}

func newImportEnv(t testing.TB) *importEnv {
	t.Helper()
	stack := devtest.Shared(t)
	e := &importEnv{clock: &clock{t: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)}, queue: &queue{}, crash: &crasher{}, lose: &loser{}}
	e.ddb = stack.DynamoClient(e.crash.option, e.lose.option)
	e.table = devtest.Table(t, e.ddb, "imports")
	s3c := stack.S3Client()
	bucket := devtest.Bucket(t, s3c, "imports")
	e.uploads = &s3store.Uploads{Store: &s3store.Store{Client: s3c, Bucket: bucket, Now: time.Now}}
	a, err := app.New(app.Config{DynamoDB: e.ddb, TableName: e.table, Now: e.clock.now,
		Imports: &app.ImportsConfig{Uploads: e.uploads, Links: stack.S3Presigner(bucket), Queue: e.queue}})
	if err != nil {
		t.Fatal(err)
	}
	a.Imports.ChunkLines = 7
	e.app = a
	return e
}

// request requests an import and uploads body to its URL with curl's
// method (a plain HTTP PUT).
func (e *importEnv) request(t testing.TB, opt roster.Options, contentType string, body []byte) roster.Import {
	t.Helper()
	im, url, err := e.app.Imports.Request(t.Context(), opt, "admin@example.com", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPut, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("PUT to the upload URL: %s", resp.Status)
	}
	return im
}

// run runs the import (as the S3 notification's delivery does) and
// returns it as GET shows it.
func (e *importEnv) run(t testing.TB, id string) roster.Import {
	t.Helper()
	if err := e.app.Imports.Run(t.Context(), id, time.Time{}); err != nil {
		t.Fatal(err)
	}
	return e.get(t, id)
}

func (e *importEnv) get(t testing.TB, id string) roster.Import {
	t.Helper()
	im, err := e.app.Imports.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// counts counts the items of the table by kind: the partition prefix,
// and for audit events their action.
func (e *importEnv) counts(t testing.TB) map[string]int {
	t.Helper()
	out := map[string]int{}
	p := dynamodb.NewScanPaginator(e.ddb, &dynamodb.ScanInput{TableName: aws.String(e.table)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var pk, sk, action string
			_ = attributeString(it["PK"], &pk)
			_ = attributeString(it["SK"], &sk)
			_ = attributeString(it["action"], &action)
			kind, _, _ := strings.Cut(pk, "#")
			switch {
			case kind == "AUDIT":
				kind += " " + action
			case kind == "PERSON":
				k, _, _ := strings.Cut(sk, "#")
				kind += " " + k
			case kind == "JOB":
				kind = pk
			}
			out[kind]++
		}
	}
	return out
}

// perPerson counts, for each person, their profile, revisions, email
// claims, assignments and audit events by action.
func (e *importEnv) perPerson(t testing.TB) map[string]map[string]int {
	t.Helper()
	out := map[string]map[string]int{}
	add := func(id, what string) {
		if out[id] == nil {
			out[id] = map[string]int{}
		}
		out[id][what]++
	}
	p := dynamodb.NewScanPaginator(e.ddb, &dynamodb.ScanInput{TableName: aws.String(e.table)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			var pk, sk, action, subject, owner string
			_ = attributeString(it["PK"], &pk)
			_ = attributeString(it["SK"], &sk)
			_ = attributeString(it["action"], &action)
			_ = attributeString(it["subject"], &subject)
			_ = attributeString(it["employeeId"], &owner)
			switch {
			case strings.HasPrefix(pk, "PERSON#"):
				k, _, _ := strings.Cut(sk, "#")
				add(strings.TrimPrefix(pk, "PERSON#"), k)
			case strings.HasPrefix(pk, "EMAIL#"):
				add(owner, "EMAIL")
			case strings.HasPrefix(pk, "AUDIT#"):
				if id, ok := identity.PersonOfRef(subject); ok {
					add(id, action)
				}
			}
		}
	}
	return out
}

// people returns n people as CSV rows of the contract's header.
func peopleCSV(n int, name func(i int) string) []byte {
	var b bytes.Buffer
	b.WriteString("employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n")
	for i := range n {
		mgr := ""
		if i > 0 {
			mgr = fmt.Sprintf("P%04d", (i-1)/5)
		}
		fmt.Fprintf(&b, "P%04d,p%04d@example.com,%s,all-staff;engineer,%s,Dept,employee,,,2026-01-05,,Europe/Berlin\n", i, i, name(i), mgr)
	}
	return b.Bytes()
}

func named(i int) string { return fmt.Sprintf("Person %04d", i) }

// TestLargeImportMatchesPutRoster: an upload imported through the bucket
// ends done with the result PUT /api/roster gives for the same file on the
// same stored roster, and writes the same items; the synchronous path is
// refused while an import writes.
func TestLargeImportMatchesPutRoster(t *testing.T) {
	first := peopleCSV(30, named)
	// The second upload renames some, leaves out others (a sync
	// deactivates them) and adds new people.
	second := peopleCSV(40, func(i int) string {
		if i%4 == 0 {
			return fmt.Sprintf("Renamed %04d", i)
		}
		return named(i)
	})
	second = bytes.Replace(second, []byte("P0029,p0029@example.com"), []byte("P0029,new0029@example.com"), 1)
	opt := roster.Options{Mode: roster.ModeSync, Role: identity.Admin}
	confirm := 0
	opt.ConfirmDeactivations = &confirm

	sync, large := newImportEnv(t), newImportEnv(t)
	var want roster.Result
	for i, file := range [][]byte{first, second} {
		res, err := sync.app.Roster.Import(t.Context(), roster.Request{Body: bytes.NewReader(file), ContentType: "text/csv", Mode: opt.Mode, Actor: "admin@example.com", Role: identity.Admin})
		if err != nil {
			t.Fatal(err)
		}
		im := large.request(t, opt, "text/csv", file)
		got := large.run(t, im.ID)
		if got.State != roster.ImportDone || got.Result == nil {
			t.Fatalf("upload %d: import %+v, want done with a result", i+1, got)
		}
		if !reflect.DeepEqual(*got.Result, res) {
			t.Errorf("upload %d: result %+v, want PUT /api/roster's %+v", i+1, *got.Result, res)
		}
		want = res
		if got.RowsWritten != res.Created+res.Updated+res.Deactivated || got.Rows != 30+10*i {
			t.Errorf("upload %d: rows %d, rowsWritten %d; want %d and %d", i+1, got.Rows, got.RowsWritten, 30+10*i, res.Created+res.Updated+res.Deactivated)
		}
	}
	if want.Created != 10 || want.Updated == 0 {
		t.Fatalf("second upload: %+v; the test wants creations and updates", want)
	}
	syncCounts, largeCounts := sync.counts(t), large.counts(t)
	for k, n := range syncCounts {
		if k == table.JobPK(table.RosterJournalJob) {
			continue // the synchronous path's journal, which the large import's checkpoints replace
		}
		if largeCounts[k] != n {
			t.Errorf("%s: %d items after the large imports, %d after PUT /api/roster", k, largeCounts[k], n)
		}
	}
	list, err := large.app.Imports.List(t.Context())
	if err != nil || len(list) != 2 || list[0].RequestedAt.Before(list[1].RequestedAt) {
		t.Errorf("List = %d imports, %v; want both, newest first", len(list), err)
	}
}

// TestInvalidImportWritesNothing: an invalid upload ends invalid with
// every problem PUT /api/roster reports, and writes no one; so does a dry
// run (done with PUT ?dryRun=true's result), a file over the size limit
// (deleted), and an hris upload granting admin.
func TestInvalidImportWritesNothing(t *testing.T) {
	e := newImportEnv(t)
	seed := e.request(t, roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, "text/csv", peopleCSV(12, named))
	if got := e.run(t, seed.ID); got.State != roster.ImportDone {
		t.Fatalf("seed import: %+v", got)
	}
	bad := peopleCSV(20, named)
	bad = bytes.Replace(bad, []byte("2026-01-05"), []byte("2026-13-05"), 3)
	bad = bytes.Replace(bad, []byte("p0015@example.com"), []byte("not-an-address"), 1)
	_, syncErr := e.app.Roster.Import(t.Context(), roster.Request{Body: bytes.NewReader(bad), ContentType: "text/csv", Mode: roster.ModeUpsert, DryRun: true, Role: identity.Admin})
	wantProblems := invalidOf(t, syncErr)
	dryRes, err := e.app.Roster.Import(t.Context(), roster.Request{Body: bytes.NewReader(peopleCSV(15, named)), ContentType: "text/csv", Mode: roster.ModeUpsert, DryRun: true, Role: identity.Admin})
	if err != nil {
		t.Fatal(err)
	}
	e.app.Imports.MaxBytes = 4000
	admin := bytes.Replace(peopleCSV(14, named), []byte("P0013,p0013@example.com,Person 0013,all-staff;engineer"), []byte("P0013,p0013@example.com,Person 0013,all-staff;admin"), 1)
	for _, c := range []struct {
		name  string
		opt   roster.Options
		file  []byte
		state roster.ImportState
		check func(t *testing.T, im roster.Import)
	}{
		{"invalid rows", roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, bad, roster.ImportInvalid, func(t *testing.T, im roster.Import) {
			if !reflect.DeepEqual(im.Problems, wantProblems) {
				t.Errorf("problems %v, want PUT /api/roster's %v", im.Problems, wantProblems)
			}
			if im.ProblemsURL != "" {
				t.Errorf("problemsUrl %q for %d problems, want none", im.ProblemsURL, len(im.Problems))
			}
		}},
		{"dry run", roster.Options{Mode: roster.ModeUpsert, DryRun: true, Role: identity.Admin}, peopleCSV(15, named), roster.ImportDone, func(t *testing.T, im roster.Import) {
			if im.Result == nil || !reflect.DeepEqual(*im.Result, dryRes) {
				t.Errorf("result %+v, want PUT ?dryRun=true's %+v", im.Result, dryRes)
			}
		}},
		{"over the size limit", roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, peopleCSV(80, named), roster.ImportInvalid, func(t *testing.T, im roster.Import) {
			if len(im.Problems) != 1 || im.Problems[0].Field != "file" || !strings.Contains(im.Problems[0].Message, "over 4000 bytes") {
				t.Errorf("problems %v, want the file refused as too large", im.Problems)
			}
			if _, _, _, err := e.uploads.OpenUpload(t.Context(), "imports/"+im.ID+"/upload"); apperr.CodeOf(err) != apperr.NotFound {
				t.Errorf("the refused file is still stored (%v)", err)
			}
		}},
		{"hris grants admin", roster.Options{Mode: roster.ModeUpsert, Role: identity.HRIS}, admin, roster.ImportInvalid, func(t *testing.T, im roster.Import) {
			if len(im.Problems) != 1 || im.Problems[0].Row != 15 || im.Problems[0].Field != "roles" {
				t.Errorf("problems %v, want row 15's roles refused", im.Problems)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := e.counts(t)
			im := e.request(t, c.opt, "text/csv", c.file)
			got := e.run(t, im.ID)
			if got.State != c.state {
				t.Fatalf("state %s (%v), want %s", got.State, got.Problems, c.state)
			}
			c.check(t, got)
			after := e.counts(t)
			for k, n := range after {
				if !strings.HasPrefix(k, "AUDIT import.") && k != "IMPORTS" && before[k] != n {
					t.Errorf("%s: %d items before, %d after", k, before[k], n)
				}
			}
		})
	}
}

// TestInvalidImportListsEveryProblem: an upload of 2,500 bad rows ends
// invalid with the first 1,000 problems in its status and a short-lived
// link to all 2,500, each with its row and field, and writes no one;
// PUT /api/roster refuses the same file with its 1,000 problems as before.
func TestInvalidImportListsEveryProblem(t *testing.T) {
	const bad = 2500
	e := newImportEnv(t)
	seed := e.request(t, roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, "text/csv", peopleCSV(12, named))
	if got := e.run(t, seed.ID); got.State != roster.ImportDone {
		t.Fatalf("seed import: %+v", got)
	}
	file := bytes.Replace(peopleCSV(bad+100, named), []byte("2026-01-05"), []byte("2026-13-05"), bad)

	before := e.counts(t)
	_, syncErr := e.app.Roster.Import(t.Context(), roster.Request{Body: bytes.NewReader(file), ContentType: "text/csv", Mode: roster.ModeUpsert, Actor: "admin@example.com", Role: identity.Admin})
	syncProblems := invalidOf(t, syncErr)
	if len(syncProblems) != roster.MaxImportProblems || syncProblems[999].Message != fmt.Sprintf("%d more problems were not listed", bad-999) {
		t.Fatalf("PUT /api/roster: %d problems, the last %v; want 1,000, the last counting the %d others", len(syncProblems), syncProblems[len(syncProblems)-1], bad-999)
	}

	im := e.request(t, roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, "text/csv", file)
	got := e.run(t, im.ID)
	if got.State != roster.ImportInvalid || len(got.Problems) != roster.MaxImportProblems {
		t.Fatalf("import: %s with %d problems, want invalid with %d", got.State, len(got.Problems), roster.MaxImportProblems)
	}
	if !reflect.DeepEqual(got.Problems[:999], syncProblems[:999]) {
		t.Errorf("the status's problems differ from PUT /api/roster's")
	}
	if got.ProblemsURL == "" || !strings.Contains(got.ProblemsURL, "X-Amz-Expires=300") {
		t.Fatalf("problemsUrl %q, want a link valid 5 minutes", got.ProblemsURL)
	}
	resp, err := http.Get(got.ProblemsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var full struct {
		Problems []apperr.Problem `json:"problems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&full); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET problemsUrl: %s, %v", resp.Status, err)
	}
	if len(full.Problems) != bad {
		t.Fatalf("problems.json lists %d problems, want %d", len(full.Problems), bad)
	}
	for i, p := range full.Problems {
		if p.Row != i+2 || p.Field != "start_date" || p.Message == "" {
			t.Fatalf("problem %d: %v, want row %d's start_date", i, p, i+2)
		}
	}
	if !reflect.DeepEqual(full.Problems[:roster.MaxImportProblems], got.Problems) {
		t.Errorf("the status's problems are not the first of problems.json")
	}

	after := e.counts(t)
	for k, n := range after {
		if !strings.HasPrefix(k, "AUDIT import.") && k != "IMPORTS" && before[k] != n {
			t.Errorf("%s: %d items before, %d after", k, before[k], n)
		}
	}
	if after["PERSON PROFILE"] != 12 {
		t.Errorf("%d profiles, want the 12 seeded", after["PERSON PROFILE"])
	}
}

func invalidOf(t *testing.T, err error) []apperr.Problem {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || len(e.Problems) < 4 {
		t.Fatalf("PUT /api/roster: %v, want Invalid with every problem", err)
	}
	return e.Problems
}

// expectedPerPerson is what one import of peopleCSV(n) leaves for each
// person, as PUT /api/roster writes it.
func expectedPerPerson(t *testing.T, file []byte) map[string]map[string]int {
	t.Helper()
	e := newImportEnv(t)
	if _, err := e.app.Roster.Import(t.Context(), roster.Request{Body: bytes.NewReader(file), ContentType: "text/csv", Mode: roster.ModeSync, Role: identity.Admin}); err != nil {
		t.Fatal(err)
	}
	return e.perPerson(t)
}

// TestImportResumesAfterACrash cancels a run after its k-th
// TransactWriteItems call (in the middle of a chunk, at a checkpoint,
// between people and their assignments), runs it again as a redelivery
// does once the lease expired, and finds every person written exactly
// once: profile, revision, email claim, assignments, audit events.
func TestImportResumesAfterACrash(t *testing.T) {
	file := peopleCSV(40, named)
	want := expectedPerPerson(t, file)
	for _, k := range []int{2, 3, 4, 5, 8, 13} {
		t.Run(fmt.Sprint("k=", k), func(t *testing.T) {
			e := newImportEnv(t)
			im := e.request(t, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "text/csv", file)
			ctx, cancel := context.WithCancel(t.Context())
			e.crash.arm(k, cancel)
			err := e.app.Imports.Run(ctx, im.ID, time.Time{})
			cancel()
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("crashed run: %v, want cancelled", err)
			}
			if got := e.get(t, im.ID); got.State != roster.ImportWriting {
				t.Fatalf("after the crash: %s", got.State)
			}
			if err := e.app.Imports.Run(t.Context(), im.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if got := e.get(t, im.ID); got.State != roster.ImportWriting {
				t.Fatalf("a redelivery within the lease took the import: %s", got.State)
			}
			e.clock.advance(roster.Lease + time.Minute)
			got := e.run(t, im.ID)
			if got.State != roster.ImportDone || got.Result.Created != 40 || got.RowsWritten != 40 {
				t.Fatalf("resumed import: %+v", got)
			}
			if n := wantAssignments(want); got.Result.AssignmentsCreated != n {
				t.Errorf("assignments created %d, want %d", got.Result.AssignmentsCreated, n)
			}
			comparePerPerson(t, e.perPerson(t), want)
		})
	}
}

// TestImportSurvivesALostResponse loses the response of a run's write to
// the import record (a state change: TransactWriteItems; a checkpoint:
// PutItem) after it took effect: the SDK retries, the retry's condition
// fails on the version the lost write moved on, and the run must know its
// own write and go on. (It used to take it for another run's and return
// without error, so the queue deleted the message and the import stayed
// writing, with nothing to run it again.)
func TestImportSurvivesALostResponse(t *testing.T) {
	file := peopleCSV(20, named)
	want := expectedPerPerson(t, file)
	// 20 people in chunks of 7: PutItem 1, 2 are the first chunk's
	// checkpoints, 6 the last one's; TransactWriteItems 1 and 2 are the
	// moves to validating and writing.
	for _, c := range []struct {
		op string
		k  int
	}{{"PutItem", 1}, {"PutItem", 2}, {"PutItem", 6}, {"TransactWriteItems", 1}, {"TransactWriteItems", 2}} {
		t.Run(fmt.Sprint(c.op, c.k), func(t *testing.T) {
			e := newImportEnv(t)
			im := e.request(t, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "text/csv", file)
			e.lose.arm(c.op, c.k)
			got := e.run(t, im.ID)
			if e.lose.lost != 1 {
				t.Fatalf("%d responses lost, want 1", e.lose.lost)
			}
			if got.State != roster.ImportDone || got.Result.Created != 20 || got.RowsWritten != 20 {
				t.Fatalf("import after the run: %s, %d rows written, result %+v; want done", got.State, got.RowsWritten, got.Result)
			}
			comparePerPerson(t, e.perPerson(t), want)
		})
	}
}

func wantAssignments(per map[string]map[string]int) int {
	n := 0
	for _, c := range per {
		n += c["ASSIGN"]
	}
	return n
}

func comparePerPerson(t *testing.T, got, want map[string]map[string]int) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d people, want %d", len(got), len(want))
	}
	for id, w := range want {
		if !reflect.DeepEqual(got[id], w) {
			t.Errorf("%s: %v, want %v", id, got[id], w)
		}
	}
}

// TestImportChainsBeforeItsDeadline: with little time per invocation, a
// run hands the import on through the queue, and the import completes
// across invocations, each person written once.
func TestImportChainsBeforeItsDeadline(t *testing.T) {
	file := peopleCSV(60, named)
	want := expectedPerPerson(t, file)
	e := newImportEnv(t)
	e.clock.step = 100 * time.Millisecond
	im := e.request(t, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "text/csv", file)
	invocations := 0
	for id, ok := im.ID, true; ok; id, ok = e.queue.pop() {
		invocations++
		if invocations > 100 {
			t.Fatal("no end to the continuations")
		}
		if err := e.app.Imports.Run(t.Context(), id, e.clock.now().Add(roster.ChainMargin+time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	got := e.get(t, im.ID)
	if got.State != roster.ImportDone || got.Result.Created != 60 {
		t.Fatalf("import: %+v", got)
	}
	if invocations < 3 {
		t.Errorf("%d invocations; the deadline should have forced continuations", invocations)
	}
	comparePerPerson(t, e.perPerson(t), want)
	t.Logf("%d invocations", invocations)
}

// TestImportDuplicateDelivery runs one message twice at once: one run
// takes the import, the other leaves it, and everyone is written once.
func TestImportDuplicateDelivery(t *testing.T) {
	file := peopleCSV(30, named)
	want := expectedPerPerson(t, file)
	e := newImportEnv(t)
	im := e.request(t, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "text/csv", file)
	var wg sync.WaitGroup
	var failed atomic.Int32
	for range 2 {
		wg.Go(func() {
			if err := e.app.Imports.Run(t.Context(), im.ID, time.Time{}); err != nil {
				t.Error(err)
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	if got := e.get(t, im.ID); got.State != roster.ImportDone || got.Result.Created != 30 {
		t.Fatalf("import: %+v", got)
	}
	comparePerPerson(t, e.perPerson(t), want)
}

// conflictingStore changes a person behind the import's back as soon as
// the import starts writing.
type conflictingStore struct {
	roster.ImportStore
	change func()
	once   sync.Once
}

func (s *conflictingStore) MoveImport(ctx context.Context, from, to roster.Import, event auditEvent) (roster.Import, error) {
	im, err := s.ImportStore.MoveImport(ctx, from, to, event)
	if err == nil && to.State == roster.ImportWriting {
		s.once.Do(s.change)
	}
	return im, err
}

// TestImportConflictFailsNamingTheRow: a person changed between
// validation and writing stops the import: failed, naming the row; the
// lines before it stay written; the synchronous path was refused while
// the import held the roster.
func TestImportConflictFailsNamingTheRow(t *testing.T) {
	e := newImportEnv(t)
	seed := e.request(t, roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, "text/csv", peopleCSV(20, named))
	if got := e.run(t, seed.ID); got.State != roster.ImportDone {
		t.Fatalf("seed: %+v", got)
	}
	update := peopleCSV(20, func(i int) string { return fmt.Sprintf("Renamed %04d", i) })
	var syncErr error
	e.app.Imports.Store = &conflictingStore{ImportStore: e.app.Store, change: func() {
		_, syncErr = e.app.Roster.Import(context.Background(), roster.Request{Body: bytes.NewReader(peopleCSV(1, named)), ContentType: "text/csv", Mode: roster.ModeUpsert, Role: identity.Admin})
		rec, _, err := e.app.Store.GetPerson(context.Background(), "P0012")
		if err != nil {
			t.Error(err)
			return
		}
		after := rec.Person
		after.Department = "Elsewhere"
		if err := e.app.Store.ApplyRoster(context.Background(), roster.Commit{
			Plan:   roster.Plan{Updated: []roster.Change{{Before: rec.Person, After: after, Fields: roster.Diff(rec.Person, after)}}},
			Stored: map[string]roster.Record{"P0012": rec}, Actor: "someone", At: e.clock.now(),
		}); err != nil {
			t.Error(err)
		}
	}}
	im := e.request(t, roster.Options{Mode: roster.ModeUpsert, Role: identity.Admin}, "text/csv", update)
	got := e.run(t, im.ID)
	if got.State != roster.ImportFailed || len(got.Problems) != 1 || got.Problems[0].Row != 14 || !strings.Contains(got.Problems[0].Message, "P0012") {
		t.Fatalf("import: %s %v, want failed naming row 14 (P0012)", got.State, got.Problems)
	}
	if e, ok := apperr.As(syncErr); !ok || e.Code != apperr.Conflict || !strings.Contains(e.Message, im.ID) {
		t.Errorf("PUT /api/roster while the import wrote: %v, want a Conflict naming %s", syncErr, im.ID)
	}
	rec, _, _ := e.app.Store.GetPerson(t.Context(), "P0005")
	if rec.Name != "Renamed 0005" {
		t.Errorf("P0005 (before the conflict, in an earlier chunk) is %q, want it written", rec.Name)
	}
	if id, writing, err := e.app.Store.ImportWriting(t.Context()); err != nil || writing {
		t.Errorf("the lock is still held by %s (%v)", id, err)
	}
}

// auditEvent is an audit event, as MoveImport takes it.
type auditEvent = audit.Event

// attributeString sets *s to v's string, if it is one.
func attributeString(v types.AttributeValue, s *string) bool {
	if str, ok := v.(*types.AttributeValueMemberS); ok {
		*s = str.Value
		return true
	}
	return false
}

// TestImportResumesOnANewDayAfterItsSeal: a run crashes before midnight,
// the day is sealed, and the import resumes the next day: the rest of the
// chunk is written under a new instant (the sealed day takes no more
// events), and a second crash within that chunk still writes no one twice.
func TestImportResumesOnANewDayAfterItsSeal(t *testing.T) {
	file := peopleCSV(40, named)
	want := expectedPerPerson(t, file)
	e := newImportEnv(t)
	e.clock.t = time.Date(2026, 6, 15, 23, 50, 0, 0, time.UTC)
	im := e.request(t, roster.Options{Mode: roster.ModeSync, Role: identity.Admin}, "text/csv", file)
	crash := func(k int) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		e.crash.arm(k, cancel)
		if err := e.app.Imports.Run(ctx, im.ID, time.Time{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("crashed run: %v, want cancelled", err)
		}
	}
	crash(3) // the people of the first chunk written, not their assignments
	sealedDay := e.counts(t)
	if err := e.app.Store.PutSeal(t.Context(), audit.SignedSeal{Day: "2026-06-15", Bytes: []byte(`{"day":"2026-06-15"}`), Signature: []byte("sig")}); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(100 * time.Minute) // 01:30 the next day, the lease long expired
	crash(1)
	e.clock.advance(roster.Lease + time.Minute)
	if got := e.run(t, im.ID); got.State != roster.ImportDone || got.Result.Created != 40 {
		t.Fatalf("resumed import: %+v", got)
	}
	comparePerPerson(t, e.perPerson(t), want)
	events, err := e.app.Store.AuditEvents(t.Context(), "2026-06-15")
	if err != nil {
		t.Fatal(err)
	}
	people := 0
	for _, ev := range events {
		if _, ok := identity.PersonOfRef(ev.Subject); ok {
			people++
		}
	}
	if was := sealedDay["AUDIT person.created"] + sealedDay["AUDIT assignments.changed"]; people != was {
		t.Errorf("the sealed day holds %d people's events, %d when it was sealed", people, was)
	}
}
