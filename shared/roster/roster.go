// Package roster imports roster uploads: it parses and validates them, plans
// the changes against the stored roster, writes them all-or-nothing with
// respect to validation, and runs the assignment engine for the people who
// changed.
package roster

import (
	"context"
	"io"
	"mime"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/people"
)

// MaxBodyBytes is the largest roster upload accepted through the API: 4 MiB.
// API Gateway hands Lambda at most 6 MB of event, and a body it base64-encodes
// grows by a third, so 4 MiB stays under the cap either way. At about 130
// bytes a row, that is some 30,000 people; larger organisations will upload
// through S3 or SCIM.
const MaxBodyBytes = 4 << 20

// Store is what an import needs from storage.
type Store interface {
	// ListPeople returns every stored person.
	ListPeople(ctx context.Context) ([]people.Record, error)
	// ApplyRoster writes a planned import; Conflict if a person changed meanwhile.
	ApplyRoster(ctx context.Context, c people.Commit) error
}

// Service imports rosters.
type Service struct {
	Store    Store
	Catalog  *catalog.Catalog
	Assigner *assign.Runner
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Request is one roster upload.
type Request struct {
	Body        io.Reader
	ContentType string
	Mode        people.Mode
	DryRun      bool
	// Actor and Source are recorded in the audit events.
	Actor  string
	Source string
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
// every problem, and nothing is written. An unsupported content type returns
// Unsupported.
func (s *Service) Import(ctx context.Context, req Request) (Result, error) {
	upload, problems, err := parse(req.Body, req.ContentType)
	if err != nil {
		return Result{}, err
	}
	if len(problems) > 0 {
		return Result{}, apperr.InvalidWith("the roster is invalid; nothing was written", problems)
	}
	stored, err := s.Store.ListPeople(ctx)
	if err != nil {
		return Result{}, err
	}
	storedPeople := make([]people.Person, len(stored))
	byID := make(map[string]people.Record, len(stored))
	for i, r := range stored {
		storedPeople[i] = r.Person
		byID[r.EmployeeID] = r
	}
	now := s.now()
	today := now.UTC().Format(people.DateLayout)
	plan, err := people.PlanImport(upload, storedPeople, req.Mode, today, s.Catalog.HasRole)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Created:     len(plan.Created),
		Updated:     len(plan.Updated),
		Deactivated: len(plan.Deactivated),
		Unchanged:   plan.Unchanged,
		DryRun:      req.DryRun,
		Warnings:    append(upload.Warnings, plan.Warnings...),
	}
	if res.Warnings == nil {
		res.Warnings = []apperr.Problem{}
	}
	if !req.DryRun {
		commit := people.Commit{Plan: plan, Stored: byID, Actor: req.Actor, Source: req.Source, At: now}
		if err := s.Store.ApplyRoster(ctx, commit); err != nil {
			return Result{}, err
		}
	}
	var subjects []assign.Subject
	for _, p := range plan.Created {
		subjects = append(subjects, assign.Subject{Person: p, New: true})
	}
	for _, c := range append(plan.Updated, plan.Deactivated...) {
		subjects = append(subjects, assign.Subject{Person: c.After})
	}
	sum, err := s.Assigner.Evaluate(ctx, subjects, today, req.Actor, req.Source, req.DryRun)
	if err != nil {
		return Result{}, err
	}
	res.AssignmentsCreated, res.AssignmentsClosed = sum.Created, sum.Closed
	return res, nil
}

// parse reads the body according to its media type.
func parse(body io.Reader, contentType string) (people.Upload, []apperr.Problem, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return people.Upload{}, nil, apperr.New(apperr.Unsupported, "Content-Type must be text/csv or application/json")
	}
	switch mediaType {
	case "text/csv":
		u, problems := people.ParseCSV(body)
		return u, problems, nil
	case "application/json":
		u, problems := people.ParseJSON(body)
		return u, problems, nil
	}
	return people.Upload{}, nil, apperr.New(apperr.Unsupported, "Content-Type must be text/csv or application/json, not %q", mediaType)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
