package roster

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
)

// ImportState is where a large import is in its life: pending (waiting for
// its file) → validating → invalid (nothing written), done (a dry run), or
// writing → done or failed (a conflict stopped it; the lines before it
// stay written).
type ImportState string

// The states of a large import.
const (
	ImportPending    ImportState = "pending"
	ImportValidating ImportState = "validating"
	ImportInvalid    ImportState = "invalid"
	ImportWriting    ImportState = "writing"
	ImportDone       ImportState = "done"
	ImportFailed     ImportState = "failed"
)

// Final reports whether nothing more happens to an import in state s.
func (s ImportState) Final() bool {
	return s == ImportInvalid || s == ImportDone || s == ImportFailed
}

// Progress counts what a writing import has written so far.
type Progress struct {
	Created            int `json:"created"`
	Updated            int `json:"updated"`
	Deactivated        int `json:"deactivated"`
	AssignmentsCreated int `json:"assignmentsCreated"`
	AssignmentsClosed  int `json:"assignmentsClosed"`
}

// Import is one large roster import: what was asked, where it is and, as
// it goes, its problems, progress and result. The JSON fields are the
// contract's (GET /api/roster/imports/{id}); the others are the run's
// bookkeeping.
type Import struct {
	ID    string      `json:"id"`
	State ImportState `json:"state"`
	// Rows counts the upload's rows, once validated.
	Rows int `json:"rows"`
	// RowsWritten counts the plan's lines written: people created, updated
	// or deactivated, each with its audit event and assignments.
	RowsWritten int `json:"rowsWritten"`
	// Problems holds why the upload is invalid or the import failed: at
	// most MaxImportProblems; ProblemsURL links the full list when longer.
	Problems    []apperr.Problem `json:"problems"`
	ProblemsURL string           `json:"problemsUrl,omitempty"`
	// Result is the outcome: the counts once validated, with the
	// assignments once done.
	Result      *Result   `json:"result"`
	Mode        Mode      `json:"mode"`
	DryRun      bool      `json:"dryRun"`
	RequestedBy string    `json:"requestedBy"`
	RequestedAt time.Time `json:"requestedAt"`
	FinishedAt  time.Time `json:"finishedAt,omitzero"`

	// Options are the upload's options and the requester's role.
	Options Options `json:"-"`
	// Source is where the request came from, for the audit events.
	Source string `json:"-"`
	// ProblemCount counts every problem; ProblemsKey is set when the full
	// list was stored.
	ProblemCount int  `json:"-"`
	ProblemsFile bool `json:"-"`
	// Day is the validation day (YYYY-MM-DD): the plan's and the
	// assignments' day.
	Day string `json:"-"`
	// PlanKey, PlanSHA256, PlanBytes and PlanLines identify the frozen
	// plan; a run refuses a plan whose hash differs.
	PlanKey    string `json:"-"`
	PlanSHA256 string `json:"-"`
	PlanBytes  int64  `json:"-"`
	PlanLines  int    `json:"-"`
	// Batch is the audit batch id of the people's events
	// (audit.BatchEventID(Batch, n)).
	Batch string `json:"-"`
	// NextLine is how many plan lines are written with their events.
	NextLine int `json:"-"`
	// ChunkAt is the time the chunk starting at NextLine writes under (its
	// events' At); zero when that chunk has not started.
	ChunkAt time.Time `json:"-"`
	// EarlierChunkAts are the instants the chunk at NextLine wrote under
	// before ChunkAt: a resumed chunk whose day was sealed meanwhile writes
	// the rest under a new instant, and a later resume checks them all.
	EarlierChunkAts []time.Time `json:"-"`
	Progress        Progress    `json:"-"`
	// LeaseUntil and Runner say which invocation works on the import.
	LeaseUntil time.Time `json:"-"`
	Runner     string    `json:"-"`
	// Version counts its stored changes (optimistic locking).
	Version int `json:"-"`
}

// MaxImportBytes is the largest file a large import accepts: 100 MB.
const MaxImportBytes = 100_000_000

// MaxImportProblems is the most problems an import's status lists; the
// full list is linked (ProblemsURL).
const MaxImportProblems = 1000

// LineConflict is the error of a plan line that could not be written
// because what it was planned against changed meanwhile.
type LineConflict struct {
	Line PlanLine
}

// Error implements error.
func (e *LineConflict) Error() string {
	return fmt.Sprintf("plan line %d (%s): the stored data changed since validation", e.Line.N, e.Line.After.EmployeeID)
}

// LineWrite is how ApplyRosterLines writes lines: under the import's batch
// of audit event ids, at one instant, by actor from source.
type LineWrite struct {
	Batch  string
	At     time.Time
	Actor  string
	Source string
}

// ImportStore keeps large imports (item IMPORTS / <id> of package table)
// and writes their plans.
type ImportStore interface {
	PeopleLister
	// PutImport stores a new import with its audit event in one
	// transaction, only if no import has its id.
	PutImport(ctx context.Context, im Import, event audit.Event) error
	// MoveImport replaces from (as read) by to, at the next version, with
	// its audit event in one transaction, only if the stored import is still
	// at from's state and version: Conflict otherwise. Entering writing
	// takes the import write lock (only if free: Conflict otherwise),
	// leaving it releases the lock. It returns to as stored.
	MoveImport(ctx context.Context, from, to Import, event audit.Event) (Import, error)
	// CheckpointImport replaces from by to (same state), at the next
	// version, only if the stored import is still at from's version:
	// Conflict otherwise. It records no event.
	CheckpointImport(ctx context.Context, from, to Import) (Import, error)
	// GetImport returns the import with the given id, or found=false.
	GetImport(ctx context.Context, id string) (Import, bool, error)
	// ListImports returns every import, newest first.
	ListImports(ctx context.Context) ([]Import, error)
	// ApplyRosterLines writes plan lines, each person in one transaction
	// with its revision, email claims and audit event
	// (audit.BatchEventID(w.Batch, line.N) at w.At). A line whose condition
	// fails returns a *LineConflict; the lines written stay written.
	ApplyRosterLines(ctx context.Context, lines []PlanLine, w LineWrite) error
	// EventsAt returns those of the audit events ids (all at one instant)
	// that exist, by id.
	EventsAt(ctx context.Context, at time.Time, ids []string) (map[string]audit.Event, error)
	// Seal returns the seal of the audit day (YYYY-MM-DD), or found=false
	// while the day is not sealed.
	Seal(ctx context.Context, day string) (audit.SignedSeal, bool, error)
}

// ImportLocked is the error of a move to writing while another import
// holds the import write lock.
type ImportLocked struct {
	// By is the id of the import that holds it.
	By string
}

// Error implements error.
func (e *ImportLocked) Error() string { return "the import " + e.By + " holds the import write lock" }

// ImportLock tells whether a large import is writing (holds the import
// write lock), so that PUT /api/roster refuses to write meanwhile.
type ImportLock interface {
	// ImportWriting returns the id of the import that writes, if any.
	ImportWriting(ctx context.Context) (id string, writing bool, err error)
}

// importWritingError is the Conflict error of a synchronous import while
// the large import id writes; its problem names the import.
func importWritingError(id string) error {
	return &apperr.Error{Code: apperr.Conflict,
		Message:  fmt.Sprintf("the large import %s is writing the roster; try again once it is done (GET /api/roster/imports/%s)", id, id),
		Problems: []apperr.Problem{{Field: "import", Message: id}}}
}

// UploadLinks presigns the upload bucket's URLs (package s3presign): what
// requesting an import and reading its status need.
type UploadLinks interface {
	// PresignPut returns a URL that uploads the object key for ttl.
	PresignPut(ctx context.Context, key string, ttl time.Duration) (string, error)
	// PresignGet returns a URL that downloads the object key for ttl,
	// saved as filename.
	PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error)
}

// Uploads is the upload bucket (package s3store): what running an import
// needs.
type Uploads interface {
	// OpenUpload returns the object key with its size and content type,
	// without reading it; NotFound if there is none.
	OpenUpload(ctx context.Context, key string) (body io.ReadCloser, size int64, contentType string, err error)
	// Open returns the object key and its size.
	Open(ctx context.Context, key string) (io.ReadCloser, int64, error)
	// Create streams the object key in; it is stored once Close returns nil.
	Create(ctx context.Context, key, contentType string) (io.WriteCloser, error)
	// Delete removes the object key (nothing if absent).
	Delete(ctx context.Context, key string) error
}

// ChunkSubject is a person whose assignments an import chunk decides.
type ChunkSubject struct {
	Person Person
	// New marks a person just created, who has no assignments to read.
	New bool
	// EventID names the assignments.changed event of the person's writes.
	EventID string
}

// ChunkAssigner assigns training to an import's people (package assign's
// Runner).
type ChunkAssigner interface {
	Assigner
	// AssignChunk decides the subjects' assignments on day and writes
	// them, each person's in one transaction with their
	// assignments.changed event (subject.EventID, at at); it returns how
	// many assignments it created and closed.
	AssignChunk(ctx context.Context, subjects []ChunkSubject, day, actor, source string, at time.Time) (created, closed int, err error)
}

// ImportQueue hands an import to the import function again (SQS in AWS).
type ImportQueue interface {
	// Continue asks for import id to be run on.
	Continue(ctx context.Context, id string) error
}

// importIDPrefix starts every import id.
const importIDPrefix = "imp_"

// newImportID returns a time-ordered import id: "imp_", 12 hex digits of
// the milliseconds since 1970, 4 random ones.
func newImportID(now time.Time) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.UnixMilli())<<16)
	var r [2]byte
	_, _ = rand.Read(r[:]) // never fails (crypto/rand)
	b[6], b[7] = r[0], r[1]
	return importIDPrefix + hex.EncodeToString(b[:])
}

// ValidImportID reports whether id has the shape of an import id, so that
// anything else is NotFound without a read.
func ValidImportID(id string) bool {
	rest, ok := strings.CutPrefix(id, importIDPrefix)
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

// ErrNoSuchImport answers an id that names no import.
var ErrNoSuchImport = apperr.New(apperr.NotFound, "no import with that id")
