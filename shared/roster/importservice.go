package roster

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"iter"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/table"
)

// Timing of large imports.
const (
	// UploadTTL is how long an import's upload URL works.
	UploadTTL = 15 * time.Minute
	// ProblemsTTL is how long the link to an import's full problem list
	// works.
	ProblemsTTL = 5 * time.Minute
	// Lease is how long a run holds an import without a checkpoint: more
	// than a Lambda invocation (15 minutes), so a live run never loses it.
	Lease = 16 * time.Minute
	// ChainMargin is how much of its deadline a run keeps: with less left
	// it stops taking chunks and hands the import to a new invocation.
	ChainMargin = 90 * time.Second
	// ChunkLines is how many plan lines a run writes between checkpoints.
	ChunkLines = 500
)

// ImportActor is the actor of a run's state changes.
const ImportActor = "import"

// ImportService requests, runs and reports large roster imports: the file
// goes to the upload bucket, a run (the import function, fed by the
// bucket's notification through a queue; in-process locally) validates it
// as PUT /api/roster does, freezes the plan and writes it chunk by chunk
// with checkpoints, resuming where a crash left it, and hands itself to a
// new invocation before its deadline.
type ImportService struct {
	Store ImportStore
	// Links presigns the upload URL and the problems' link (Request, Get).
	Links UploadLinks
	// Uploads reads the uploaded file and keeps the plan (Run).
	Uploads  Uploads
	Catalog  *catalog.Catalog
	Assigner ChunkAssigner
	// Queue takes continuations; nil runs past any deadline (in-process).
	Queue  ImportQueue
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// ChunkLines overrides ChunkLines when positive (tests).
	ChunkLines int
	// MaxBytes overrides MaxImportBytes when positive (tests).
	MaxBytes int64
}

// Request records an import with options opt, asked by actor from source,
// and returns it with the URL its file is to be PUT to.
func (s *ImportService) Request(ctx context.Context, opt Options, actor, source string) (Import, string, error) {
	now := s.now().UTC()
	opt.PlanDigest = ""
	im := Import{
		ID: newImportID(now), State: ImportPending, Mode: opt.Mode, DryRun: opt.DryRun, RequestedBy: actor, RequestedAt: now,
		Options: opt, Source: source, Problems: []apperr.Problem{}, Version: 1,
	}
	event := s.event(im, actor, source, audit.ActionImportRequested, map[string]any{"mode": string(opt.Mode), "dryRun": opt.DryRun})
	if err := s.Store.PutImport(ctx, im, event); err != nil {
		return Import{}, "", fmt.Errorf("request import: %w", err)
	}
	url, err := s.Links.PresignPut(ctx, table.UploadKey(im.ID), UploadTTL)
	if err != nil {
		return Import{}, "", err
	}
	return im, url, nil
}

// Get returns the import id as its status shows it: ErrNoSuchImport for
// an unknown id.
func (s *ImportService) Get(ctx context.Context, id string) (Import, error) {
	if !ValidImportID(id) {
		return Import{}, ErrNoSuchImport
	}
	im, found, err := s.Store.GetImport(ctx, id)
	if err != nil {
		return Import{}, err
	}
	if !found {
		return Import{}, ErrNoSuchImport
	}
	if im.ProblemsFile {
		if im.ProblemsURL, err = s.Links.PresignGet(ctx, table.ProblemsKey(id), ProblemsTTL, "problems.json"); err != nil {
			return Import{}, err
		}
	}
	return im, nil
}

// List returns every import, newest first, without problem links.
func (s *ImportService) List(ctx context.Context) ([]Import, error) {
	return s.Store.ListImports(ctx)
}

// errLeaseHeld stops a run that finds another invocation working on the
// import.
var errLeaseHeld = errors.New("another run holds the import")

// Run works on import id until it is done, invalid or failed, or until
// less than ChainMargin is left before deadline (zero: none), when it
// hands the import to a new invocation through the queue. A run that
// finds another one working on the import, or the import finished or
// unknown, returns nil at once; so does one that loses its lease. An error
// means the work is to be retried (the message redelivered): the import
// stays where it was, and a later run resumes it.
func (s *ImportService) Run(ctx context.Context, id string, deadline time.Time) error {
	im, found, err := s.Store.GetImport(ctx, id)
	if err != nil {
		return err
	}
	if !found {
		s.logger().WarnContext(ctx, "import run for an unknown import", "importId", id)
		return nil
	}
	r := &importRun{s: s, runner: rand.Text(), deadline: deadline}
	err = r.run(ctx, im)
	if errors.Is(err, errLeaseHeld) {
		s.logger().InfoContext(ctx, "import run left to the run that holds it", "importId", id)
		return nil
	}
	return err
}

// importRun is one invocation's work on one import.
type importRun struct {
	s        *ImportService
	runner   string
	deadline time.Time
}

func (r *importRun) run(ctx context.Context, im Import) error {
	switch im.State {
	case ImportPending, ImportValidating:
		var err error
		if im, err = r.validate(ctx, im); err != nil || im.State != ImportWriting {
			return err
		}
		return r.write(ctx, im)
	case ImportWriting:
		im, err := r.take(ctx, im)
		if err != nil {
			return err
		}
		return r.write(ctx, im)
	}
	return nil
}

// held reports whether another run holds im's lease.
func (r *importRun) held(im Import) bool {
	return im.Runner != "" && im.Runner != r.runner && r.s.now().Before(im.LeaseUntil)
}

// take takes im's lease (a checkpoint): errLeaseHeld if another run holds
// it, or takes it first.
func (r *importRun) take(ctx context.Context, im Import) (Import, error) {
	if r.held(im) {
		return Import{}, errLeaseHeld
	}
	return r.checkpoint(ctx, im, func(*Import) {})
}

// lease sets to's lease to this run.
func (r *importRun) lease(to *Import) {
	to.Runner, to.LeaseUntil = r.runner, r.s.now().UTC().Add(Lease)
}

// checkpoint stores im changed by change, with the lease renewed;
// errLeaseHeld if another run moved it meanwhile.
func (r *importRun) checkpoint(ctx context.Context, im Import, change func(*Import)) (Import, error) {
	to := im
	change(&to)
	r.lease(&to)
	next, err := r.s.Store.CheckpointImport(ctx, im, to)
	if apperr.CodeOf(err) == apperr.Conflict {
		return r.landed(ctx, im, to)
	}
	return next, err
}

// landed tells a write of the import record from → to whose condition
// failed from one that another run made: when the response of this run's
// own write is lost after the write took effect, the SDK sends it again,
// and the retry finds the version it moved on. It returns the stored
// import if it is to (the next version, in to's state, held by to's runner
// until to's lease, finished when to is), errLeaseHeld if another run
// moved it.
func (r *importRun) landed(ctx context.Context, from, to Import) (Import, error) {
	stored, found, err := r.s.Store.GetImport(ctx, from.ID)
	if err != nil {
		return Import{}, err
	}
	if !found || stored.Version != from.Version+1 || stored.State != to.State || stored.Runner != to.Runner ||
		!stored.LeaseUntil.Equal(to.LeaseUntil) || !stored.FinishedAt.Equal(to.FinishedAt) || stored.NextLine != to.NextLine {
		return Import{}, errLeaseHeld
	}
	return stored, nil
}

// move moves im to state by change, with its audit event.
func (r *importRun) move(ctx context.Context, im Import, state ImportState, action string, details map[string]any, change func(*Import)) (Import, error) {
	to := im
	to.State = state
	change(&to)
	if state.Final() {
		to.Runner, to.LeaseUntil, to.FinishedAt = "", time.Time{}, r.s.now().UTC()
	} else {
		r.lease(&to)
	}
	next, err := r.s.Store.MoveImport(ctx, im, to, r.s.event(im, ImportActor, "", action, details))
	if apperr.CodeOf(err) == apperr.Conflict {
		return r.landed(ctx, im, to)
	}
	return next, err
}

// validate validates the upload of a pending import (or one whose
// validation died): it ends invalid, done (a dry run), or writing with the
// plan frozen.
func (r *importRun) validate(ctx context.Context, im Import) (Import, error) {
	var err error
	if im.State == ImportPending {
		im, err = r.move(ctx, im, ImportValidating, audit.ActionImportValidating, nil, func(*Import) {})
	} else {
		im, err = r.take(ctx, im)
	}
	if err != nil {
		return Import{}, err
	}
	key := table.UploadKey(im.ID)
	body, size, contentType, err := r.s.Uploads.OpenUpload(ctx, key)
	if apperr.CodeOf(err) == apperr.NotFound {
		return r.invalid(ctx, im, []apperr.Problem{{Field: "file", Message: "no file was uploaded"}})
	}
	if err != nil {
		return Import{}, err
	}
	defer body.Close()
	limit := int64(MaxImportBytes)
	if r.s.MaxBytes > 0 {
		limit = r.s.MaxBytes
	}
	if size > limit {
		body.Close()
		if err := r.s.Uploads.Delete(ctx, key); err != nil {
			return Import{}, err
		}
		return r.invalid(ctx, im, []apperr.Problem{{Field: "file", Message: fmt.Sprintf("over %s (%d bytes); nothing was written", sizeText(limit), size)}})
	}
	now := r.s.now()
	v, err := validate(ctx, r.s.Store, r.s.Catalog, io.LimitReader(body, limit), contentType, im.Options, now, maxFileProblems)
	if e, ok := apperr.As(err); ok {
		problems := e.Problems
		if len(problems) == 0 {
			problems = []apperr.Problem{{Field: "file", Message: e.Message}}
		}
		return r.invalid(ctx, im, problems)
	}
	if err != nil {
		return Import{}, err
	}
	res := v.result
	if im.Options.DryRun {
		res.AssignmentsCreated, res.AssignmentsClosed, err = r.s.Assigner.AssignImported(ctx, v.plan.Created, v.changed(), v.today, im.RequestedBy, im.Source, true)
		if err != nil {
			return Import{}, err
		}
		return r.move(ctx, im, ImportDone, audit.ActionImportDone, resultDetails(res), func(to *Import) {
			to.Rows, to.Result = len(v.upload.People), &res
		})
	}
	lines, err := PlanLines(Commit{Plan: v.plan, Stored: v.stored}, uploadRows(v.upload))
	if err != nil {
		return Import{}, err
	}
	planKey := table.PlanKey(im.ID)
	sum, n, err := r.putPlan(ctx, planKey, lines)
	if err != nil {
		return Import{}, err
	}
	writing, err := r.move(ctx, im, ImportWriting, audit.ActionImportWriting, map[string]any{"lines": len(lines), "sha256": sum}, func(to *Import) {
		to.Rows, to.Result, to.Day = len(v.upload.People), &res, v.today
		to.PlanKey, to.PlanSHA256, to.PlanBytes, to.PlanLines = planKey, sum, n, len(lines)
		to.Batch, to.NextLine, to.ChunkAt = im.ID, 0, time.Time{}
	})
	var locked *ImportLocked
	if errors.As(err, &locked) {
		return r.fail(ctx, im, apperr.Problem{Field: "import", Message: fmt.Sprintf(
			"the import %s is writing the roster; nothing was written. Upload the file again as a new import once it is done", locked.By)})
	}
	return writing, err
}

// sizeText says a size limit in megabytes when it is whole ones.
func sizeText(n int64) string {
	if n%1_000_000 == 0 {
		return fmt.Sprintf("%d MB", n/1_000_000)
	}
	return fmt.Sprintf("%d bytes", n)
}

// invalid ends im as invalid with problems: the first MaxImportProblems
// in the record, the whole list in the bucket when longer.
func (r *importRun) invalid(ctx context.Context, im Import, problems []apperr.Problem) (Import, error) {
	file := len(problems) > MaxImportProblems
	if file {
		if err := r.putProblems(ctx, im.ID, problems); err != nil {
			return Import{}, err
		}
	}
	return r.move(ctx, im, ImportInvalid, audit.ActionImportInvalid, map[string]any{"problems": len(problems)}, func(to *Import) {
		to.Problems, to.ProblemCount, to.ProblemsFile = problems[:min(len(problems), MaxImportProblems)], len(problems), file
	})
}

// putProblems stores the full problem list of an import as
// {"problems": [...]}, streamed one problem at a time.
func (r *importRun) putProblems(ctx context.Context, id string, problems []apperr.Problem) error {
	w, err := r.s.Uploads.Create(ctx, table.ProblemsKey(id), "application/json")
	if err != nil {
		return err
	}
	if err := encodeProblems(w, problems); err != nil {
		return abandon(w, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("store the problems: %w", err)
	}
	return nil
}

// encodeProblems writes {"problems": [...]} to w without building it in
// memory whole.
func encodeProblems(w io.Writer, problems []apperr.Problem) error {
	bw := bufio.NewWriter(w)
	bw.WriteString(`{"problems":[`)
	for i, p := range problems {
		b, err := json.Marshal(p)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteByte(',')
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]}\n")
	return bw.Flush()
}

// putPlan freezes the plan: it stores lines under key and returns the
// SHA-256 (hex) and length of the object.
func (r *importRun) putPlan(ctx context.Context, key string, lines []PlanLine) (string, int64, error) {
	w, err := r.s.Uploads.Create(ctx, key, PlanContentType)
	if err != nil {
		return "", 0, err
	}
	h := &hashCounter{h: sha256.New()}
	if err := EncodePlan(io.MultiWriter(w, h), lines); err != nil {
		return "", 0, abandon(w, err)
	}
	if err := w.Close(); err != nil {
		return "", 0, fmt.Errorf("store the plan: %w", err)
	}
	return hex.EncodeToString(h.h.Sum(nil)), h.n, nil
}

// abandon abandons a started upload (s3store's writers can) and returns err.
func abandon(w io.WriteCloser, err error) error {
	if a, ok := w.(interface{ CloseWithError(error) error }); ok {
		return a.CloseWithError(err)
	}
	_ = w.Close()
	return err
}

// hashCounter hashes and counts what is written to it.
type hashCounter struct {
	h hash.Hash
	n int64
}

func (c *hashCounter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return c.h.Write(p)
}

// checkPlan reads the frozen plan whole and compares it with the record.
func (r *importRun) checkPlan(ctx context.Context, im Import) error {
	body, _, err := r.s.Uploads.Open(ctx, im.PlanKey)
	if err != nil {
		return err
	}
	defer body.Close()
	h := &hashCounter{h: sha256.New()}
	if _, err := io.Copy(h, body); err != nil {
		return fmt.Errorf("read the plan: %w", err)
	}
	if sum := hex.EncodeToString(h.h.Sum(nil)); sum != im.PlanSHA256 || h.n != im.PlanBytes {
		return fmt.Errorf("the plan of import %s is not the one frozen (SHA-256 %s, %d bytes; want %s, %d bytes)", im.ID, sum, h.n, im.PlanSHA256, im.PlanBytes)
	}
	return nil
}

// write writes the plan of a writing import from NextLine on, chunk by
// chunk, each closed by a checkpoint, and ends it done (or failed on a
// conflict); with little time left it hands the import on.
func (r *importRun) write(ctx context.Context, im Import) error {
	if err := r.checkPlan(ctx, im); err != nil {
		return err
	}
	body, _, err := r.s.Uploads.Open(ctx, im.PlanKey)
	if err != nil {
		return err
	}
	defer body.Close()
	next, stop := iter.Pull2(DecodePlan(body))
	defer stop()
	for range im.NextLine {
		if _, err, ok := next(); !ok || err != nil {
			return fmt.Errorf("skip to line %d of the plan: %v", im.NextLine+1, err)
		}
	}
	size := r.s.ChunkLines
	if size <= 0 {
		size = ChunkLines
	}
	for im.NextLine < im.PlanLines {
		if !r.deadline.IsZero() && r.deadline.Sub(r.s.now()) < ChainMargin {
			return r.handOver(ctx, im)
		}
		chunk := make([]PlanLine, 0, min(size, im.PlanLines-im.NextLine))
		for len(chunk) < cap(chunk) {
			l, err, ok := next()
			if !ok {
				return fmt.Errorf("the plan of import %s ends at line %d of %d", im.ID, im.NextLine+len(chunk), im.PlanLines)
			}
			if err != nil {
				return err
			}
			chunk = append(chunk, l)
		}
		if im, err = r.writeChunk(ctx, im, chunk); err != nil {
			return err
		}
		if im.State != ImportWriting {
			return nil
		}
	}
	res := *im.Result
	res.AssignmentsCreated, res.AssignmentsClosed = im.Progress.AssignmentsCreated, im.Progress.AssignmentsClosed
	_, err = r.move(ctx, im, ImportDone, audit.ActionImportDone, resultDetails(res), func(to *Import) { to.Result = &res })
	return err
}

// writeChunk writes one chunk of lines, starting at im.NextLine, and
// checkpoints past it. A chunk that a crashed run started (ChunkAt set)
// first reads which of its events exist, and writes only the rest.
func (r *importRun) writeChunk(ctx context.Context, im Import, chunk []PlanLine) (Import, error) {
	resumed := !im.ChunkAt.IsZero()
	var err error
	if !resumed {
		if im, err = r.checkpoint(ctx, im, func(to *Import) { to.ChunkAt = r.s.now().UTC() }); err != nil {
			return Import{}, err
		}
	}
	assignID := func(l PlanLine) string { return audit.BatchEventID(im.Batch, im.PlanLines+l.N) }
	written := map[string]audit.Event{}
	if resumed {
		if written, err = r.writtenEvents(ctx, im, chunk, assignID); err != nil {
			return Import{}, err
		}
		if im, err = r.unsealedChunkAt(ctx, im, chunk, written, assignID); err != nil {
			return Import{}, err
		}
	}
	at := im.ChunkAt
	var todo []PlanLine
	progress := im.Progress
	for _, l := range chunk {
		switch l.Action {
		case audit.ActionPersonCreated:
			progress.Created++
		case audit.ActionPersonUpdated:
			progress.Updated++
		case audit.ActionPersonDeactivated:
			progress.Deactivated++
		}
		if _, ok := written[audit.BatchEventID(im.Batch, l.N)]; !ok {
			todo = append(todo, l)
		}
	}
	w := LineWrite{Batch: im.Batch, At: at, Actor: im.RequestedBy, Source: im.Source}
	var conflict *LineConflict
	if err := r.s.Store.ApplyRosterLines(ctx, todo, w); errors.As(err, &conflict) {
		return r.fail(ctx, im, conflictProblem(conflict.Line))
	} else if err != nil {
		return Import{}, err
	}
	var subjects []ChunkSubject
	for _, l := range chunk {
		if e, ok := written[assignID(l)]; ok {
			progress.AssignmentsCreated += countListed(e.Details["created"])
			progress.AssignmentsClosed += countListed(e.Details["closed"])
			continue
		}
		subjects = append(subjects, ChunkSubject{Person: l.After, New: l.Created() && !resumed, EventID: assignID(l)})
	}
	created, closed, err := r.s.Assigner.AssignChunk(ctx, subjects, im.Day, im.RequestedBy, im.Source, at)
	if err != nil {
		return Import{}, err
	}
	progress.AssignmentsCreated += created
	progress.AssignmentsClosed += closed
	return r.checkpoint(ctx, im, func(to *Import) {
		to.NextLine += len(chunk)
		to.RowsWritten = to.NextLine
		to.ChunkAt, to.EarlierChunkAts = time.Time{}, nil
		to.Progress = progress
	})
}

// writtenEvents returns the events of a resumed chunk's lines (people's
// and assignments') that exist, under every instant the chunk wrote under.
func (r *importRun) writtenEvents(ctx context.Context, im Import, chunk []PlanLine, assignID func(PlanLine) string) (map[string]audit.Event, error) {
	ids := make([]string, 0, 2*len(chunk))
	for _, l := range chunk {
		ids = append(ids, audit.BatchEventID(im.Batch, l.N), assignID(l))
	}
	written := map[string]audit.Event{}
	for _, at := range append(slices.Clone(im.EarlierChunkAts), im.ChunkAt) {
		found, err := r.s.Store.EventsAt(ctx, at, ids)
		if err != nil {
			return nil, err
		}
		maps.Copy(written, found)
	}
	return written, nil
}

// unsealedChunkAt moves a resumed chunk with lines left to write off a
// sealed day: the audit day of ChunkAt, if sealed meanwhile (a crash, then
// a restart after the day's seal), takes no more events, so the rest is
// written under a new instant, recorded first (the earlier one is kept for
// the next resume's check).
func (r *importRun) unsealedChunkAt(ctx context.Context, im Import, chunk []PlanLine, written map[string]audit.Event, assignID func(PlanLine) string) (Import, error) {
	left := false
	for _, l := range chunk {
		_, person := written[audit.BatchEventID(im.Batch, l.N)]
		_, assigned := written[assignID(l)]
		left = left || !person || !assigned
	}
	if !left {
		return im, nil
	}
	_, sealed, err := r.s.Store.Seal(ctx, im.ChunkAt.UTC().Format(time.DateOnly))
	if err != nil || !sealed {
		return im, err
	}
	return r.checkpoint(ctx, im, func(to *Import) {
		to.EarlierChunkAts = append(slices.Clone(im.EarlierChunkAts), im.ChunkAt)
		to.ChunkAt = r.s.now().UTC()
	})
}

// countListed counts the items of an assignments.changed event's list
// ("m1#1,m2#1"; "" is none).
func countListed(v any) int {
	s, _ := v.(string)
	if s == "" {
		return 0
	}
	return strings.Count(s, ",") + 1
}

// conflictProblem is the problem of a plan line that could not be written.
func conflictProblem(l PlanLine) apperr.Problem {
	msg := fmt.Sprintf("%s (%s) changed since the upload was validated; the lines before it are written. Upload the file again as a new import",
		l.After.EmployeeID, strings.TrimPrefix(l.Action, "person."))
	return apperr.Problem{Row: l.Row, Field: "employee_id", Message: msg}
}

// fail ends a writing (or validating) import as failed with problem.
func (r *importRun) fail(ctx context.Context, im Import, problem apperr.Problem) (Import, error) {
	return r.move(ctx, im, ImportFailed, audit.ActionImportFailed, map[string]any{"problem": problem.String()}, func(to *Import) {
		to.Problems, to.ProblemCount = []apperr.Problem{problem}, 1
		if im.Result != nil {
			res := *im.Result
			res.AssignmentsCreated, res.AssignmentsClosed = im.Progress.AssignmentsCreated, im.Progress.AssignmentsClosed
			to.Result = &res
		}
	})
}

// handOver releases the lease at a checkpoint and asks the queue for a
// new invocation, in that order: if the message cannot be sent, the error
// makes SQS redeliver the one being handled.
func (r *importRun) handOver(ctx context.Context, im Import) error {
	if r.s.Queue == nil {
		return errors.New("import: no queue to hand the import over to")
	}
	to := im
	to.Runner, to.LeaseUntil = "", r.s.now().UTC()
	if _, err := r.s.Store.CheckpointImport(ctx, im, to); apperr.CodeOf(err) == apperr.Conflict {
		if _, err := r.landed(ctx, im, to); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := r.s.Queue.Continue(ctx, im.ID); err != nil {
		return fmt.Errorf("hand import %s over: %w", im.ID, err)
	}
	r.s.logger().InfoContext(ctx, "import handed over", "importId", im.ID, "nextLine", im.NextLine, "lines", im.PlanLines)
	return nil
}

// resultDetails are the counts of a result, for an audit event.
func resultDetails(res Result) map[string]any {
	return map[string]any{"created": res.Created, "updated": res.Updated, "deactivated": res.Deactivated, "unchanged": res.Unchanged,
		"assignmentsCreated": res.AssignmentsCreated, "assignmentsClosed": res.AssignmentsClosed, "dryRun": res.DryRun}
}

// event returns the audit event of a change to im.
func (s *ImportService) event(im Import, actor, source, action string, details map[string]any) audit.Event {
	return audit.Event{ID: audit.NewBatchID(), At: s.now(), Actor: actor, Action: action, Subject: identity.ImportRef(im.ID),
		Source: source, Details: details}
}

func (s *ImportService) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *ImportService) logger() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.Default()
}
