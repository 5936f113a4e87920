package roster

import (
	"context"
	"io"
	"maps"
	"mime"
	"slices"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
)

// MaxBodyBytes is the largest roster upload accepted through the API: 4 MiB.
// API Gateway hands Lambda at most 6 MB of event, and a body it base64-encodes
// grows by a third, so 4 MiB stays under the cap either way. At about 130
// bytes a row, that is some 30,000 people; larger organisations will upload
// through S3 or SCIM.
const MaxBodyBytes = 4 << 20

// Assigner assigns training to the people an import created or changed
// (package assign's Runner).
type Assigner interface {
	// AssignImported evaluates created (who have no assignments yet) and
	// changed people on day and, unless dryRun, writes the result; it
	// returns how many assignments it created and closed.
	AssignImported(ctx context.Context, created, changed []Person, day, actor, source string, dryRun bool) (assigned, closed int, err error)
}

// Store is what an import needs from storage.
type Store interface {
	// ListPeople returns every stored person.
	ListPeople(ctx context.Context) ([]Record, error)
	// ApplyRoster writes a planned import; Conflict if a person changed meanwhile.
	ApplyRoster(ctx context.Context, c Commit) error
	// ImportJournal returns the import journal; the zero Journal if none
	// was stored.
	ImportJournal(ctx context.Context) (Journal, error)
	// PutImportJournal stores j if the stored journal is still at
	// j.Version (0: none stored), Conflict otherwise, and returns j as
	// stored, its version one more.
	PutImportJournal(ctx context.Context, j Journal) (Journal, error)
}

// Journal is what imports remember between them, so that an import run
// again after one that failed or died half-way (its writes are many
// transactions, then the assignment of training) finishes what that one
// left: the people it wrote before it died are unchanged for the rerun's
// plan, but their training was never assigned.
type Journal struct {
	// Unfinished is when the earliest import that has not finished began
	// writing; zero when every import finished. An import evaluates the
	// training of every person stored since then, besides those it
	// changes itself.
	Unfinished time.Time
	// Version is the optimistic-locking counter; 0 means never stored.
	Version int
}

// Service imports rosters.
type Service struct {
	Store    Store
	Catalog  *catalog.Catalog
	Assigner Assigner
	// Imports, when set, refuses a write while a large import writes.
	Imports ImportLock
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Request is one roster upload.
type Request struct {
	Body        io.Reader
	ContentType string
	Mode        Mode
	DryRun      bool
	// Actor and Source are recorded in the audit events.
	Actor  string
	Source string
	// Role is the caller's role: only identity.Admin may grant or remove
	// the access roles admin and auditor (CheckAccess); empty is no role.
	Role identity.Role
	// ConfirmDeactivations, when not nil, is the number of people the
	// uploader expects the import to deactivate (CheckDeactivations).
	ConfirmDeactivations *int
	// PlanDigest, when not empty, is the digest (Preview.Digest) of the
	// plan the uploader previewed: an import whose plan differs (the stored
	// roster changed meanwhile) writes nothing and returns ErrPlanChanged.
	PlanDigest string
}

// options returns what validation needs of the request.
func (r Request) options() Options {
	return Options{Mode: r.Mode, DryRun: r.DryRun, Role: r.Role, ConfirmDeactivations: r.ConfirmDeactivations, PlanDigest: r.PlanDigest}
}

// ErrPlanChanged is the Conflict error of an import whose plan is not the
// one previewed (Request.PlanDigest).
var ErrPlanChanged = apperr.New(apperr.Conflict, "the roster changed since the preview; nothing was written")

// Preview is a dry run's outcome with the plan itself: who would be
// created, changed (field by field) and deactivated.
type Preview struct {
	Result Result
	Plan   Plan
	// Digest identifies the plan (PlanDigest), for applying exactly it.
	Digest string
}

// Result is the outcome reported to the uploader (contract shape).
type Result struct {
	Created            int              `json:"created"`
	Updated            int              `json:"updated"`
	Deactivated        int              `json:"deactivated"`
	Unchanged          int              `json:"unchanged"`
	AssignmentsCreated int              `json:"assignmentsCreated"`
	AssignmentsClosed  int              `json:"assignmentsClosed"`
	DryRun             bool             `json:"dryRun"`
	Warnings           []apperr.Problem `json:"warnings"`
}

// Import validates the upload and, unless it is a dry run, writes it and
// assigns training. An invalid upload returns an Invalid *apperr.Error with
// every problem, and nothing is written; so does an upload with changes the
// caller's role may not make (CheckAccess), and a sync deactivating
// many people without their number confirmed (CheckDeactivations), which a
// dry run only warns about. An unsupported content type returns
// Unsupported.
func (s *Service) Import(ctx context.Context, req Request) (Result, error) {
	p, err := s.run(ctx, req)
	return p.Result, err
}

// Preview is Import as a dry run (req.DryRun is ignored) that also returns
// the plan and its digest.
func (s *Service) Preview(ctx context.Context, req Request) (Preview, error) {
	req.DryRun = true
	return s.run(ctx, req)
}

// run imports (or, as a dry run, previews) an upload.
func (s *Service) run(ctx context.Context, req Request) (Preview, error) {
	if err := s.checkNoImportWriting(ctx, req.DryRun); err != nil {
		return Preview{}, err
	}
	now := s.now()
	v, err := validate(ctx, s.Store, s.Catalog, req.Body, req.ContentType, req.options(), now, maxProblems)
	if err != nil {
		return Preview{}, err
	}
	journal, err := s.Store.ImportJournal(ctx)
	if err != nil {
		return Preview{}, err
	}
	res := v.result
	changed := append(v.changed(), unfinished(journal, v.stored, v.plan)...)
	writes := len(v.plan.Created)+len(changed) > 0
	if !req.DryRun && writes {
		if journal, err = s.begin(ctx, journal, now); err != nil {
			return Preview{}, err
		}
		commit := Commit{Plan: v.plan, Stored: v.stored, Actor: req.Actor, Source: req.Source, At: now}
		if err := s.Store.ApplyRoster(ctx, commit); err != nil {
			return Preview{}, err
		}
	}
	res.AssignmentsCreated, res.AssignmentsClosed, err = s.Assigner.AssignImported(ctx, v.plan.Created, changed, v.today, req.Actor, req.Source, req.DryRun)
	if err != nil {
		return Preview{}, err
	}
	if !req.DryRun && writes {
		// A Conflict means another import began meanwhile: it finishes
		// the journal (or its rerun does).
		if _, err := s.Store.PutImportJournal(ctx, Journal{Version: journal.Version}); err != nil && apperr.CodeOf(err) != apperr.Conflict {
			return Preview{}, err
		}
	}
	return Preview{Result: res, Plan: v.plan, Digest: v.digest}, nil
}

// checkNoImportWriting refuses a write while a large import is writing (a
// Conflict error naming it), when the service knows about large imports.
func (s *Service) checkNoImportWriting(ctx context.Context, dryRun bool) error {
	if dryRun || s.Imports == nil {
		return nil
	}
	id, writing, err := s.Imports.ImportWriting(ctx)
	if err != nil {
		return err
	}
	if writing {
		return importWritingError(id)
	}
	return nil
}

// begin records in the journal that an import starts writing at now,
// before it writes anything, and returns the journal as stored.
func (s *Service) begin(ctx context.Context, j Journal, now time.Time) (Journal, error) {
	if j.Unfinished.IsZero() || now.Before(j.Unfinished) {
		j.Unfinished = now
	}
	return s.Store.PutImportJournal(ctx, j)
}

// unfinished returns the stored people an unfinished import wrote
// (journal) that the plan leaves unchanged: their training is evaluated
// again.
func unfinished(j Journal, stored map[string]Record, plan Plan) []Person {
	if j.Unfinished.IsZero() {
		return nil
	}
	inPlan := map[string]bool{}
	for _, p := range plan.Created {
		inPlan[p.EmployeeID] = true
	}
	for _, c := range append(plan.Updated, plan.Deactivated...) {
		inPlan[c.After.EmployeeID] = true
	}
	var out []Person
	for _, id := range slices.Sorted(maps.Keys(stored)) {
		if r := stored[id]; !inPlan[id] && !r.UpdatedAt.Before(j.Unfinished) {
			out = append(out, r.Person)
		}
	}
	return out
}

// parse reads the body according to its media type, returning at most
// limit problems (the last saying how many more there were).
func parse(body io.Reader, contentType string, limit int) (Upload, []apperr.Problem, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return Upload{}, nil, apperr.New(apperr.Unsupported, "Content-Type must be text/csv or application/json")
	}
	switch mediaType {
	case "text/csv":
		u, problems := parseCSV(body, limit)
		return u, problems, nil
	case "application/json":
		u, problems := parseJSON(body, limit)
		return u, problems, nil
	}
	return Upload{}, nil, apperr.New(apperr.Unsupported, "Content-Type must be text/csv or application/json, not %q", mediaType)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
