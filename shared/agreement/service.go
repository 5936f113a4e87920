package agreement

import (
	"context"
	"fmt"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
)

// Store keeps the customer agreements.
type Store interface {
	// Agreement returns the agreement with the given key, or found=false.
	Agreement(ctx context.Context, key string) (Agreement, bool, error)
	// Agreements returns every agreement, ordered by key.
	Agreements(ctx context.Context) ([]Agreement, error)
	// PutAgreement stores a as the next version, with its agreement.saved
	// audit event naming the changed fields, if the stored version is
	// still a.Version (0: none stored); Conflict otherwise.
	PutAgreement(ctx context.Context, a Agreement, changed []string, actor string) error
}

// Assigner runs the assignment engine for the people holding one of
// engagements, on the current day, so that a saved agreement takes effect at
// once (package assign's Runner).
type Assigner interface {
	// AssignEngagements returns how many assignments it created and closed.
	AssignEngagements(ctx context.Context, engagements []string, actor, source string) (assigned, closed int, err error)
}

// Service reads and saves customer agreements. An auditor's API key may be
// scoped to one agreement: the scope argument of List and Get ("" for
// none) limits what it sees.
type Service struct {
	Store    Store
	Catalog  *catalog.Catalog
	Assigner Assigner
}

// Saved is the outcome of Put.
type Saved struct {
	Agreement
	// Created is set when no agreement with the key was stored before.
	Created bool `json:"-"`
	// AssignmentsCreated and AssignmentsClosed count what the engine did
	// for the people on the agreement's engagement (and on its former one,
	// when the engagement changed).
	AssignmentsCreated int `json:"assignmentsCreated"`
	AssignmentsClosed  int `json:"assignmentsClosed"`
}

var errNoSuchAgreement = apperr.New(apperr.NotFound, "no agreement with that key")

// List returns every agreement ordered by key; under a scope, only that
// agreement (if stored).
func (s *Service) List(ctx context.Context, scope string) ([]Agreement, error) {
	all, err := s.Store.Agreements(ctx)
	if err != nil || scope == "" {
		return all, err
	}
	for _, a := range all {
		if a.Key == scope {
			return []Agreement{a}, nil
		}
	}
	return []Agreement{}, nil
}

// Get returns the agreement with the given key: NotFound when there is none
// (or the key is malformed), Forbidden under a scope naming another
// agreement.
func (s *Service) Get(ctx context.Context, key, scope string) (Agreement, error) {
	if scope != "" && key != scope {
		return Agreement{}, apperr.New(apperr.Forbidden, "this API key may only read the agreement %q", scope)
	}
	if CheckKey(key) != nil {
		return Agreement{}, errNoSuchAgreement
	}
	a, found, err := s.Store.Agreement(ctx, key)
	if err != nil {
		return Agreement{}, err
	}
	if !found {
		return Agreement{}, errNoSuchAgreement
	}
	return a, nil
}

// Put creates or replaces the agreement a.Key with a's terms (a.Version and
// who saved it are ignored) after Validate, and returns it as stored. Terms
// equal to the stored ones write nothing. Either way it then runs the
// assignment engine for the people on the agreement's engagement (and on
// the engagement it replaces), so its modules are assigned, or no longer
// required ones cancelled, at once; a retried Put repairs an engine run that
// failed. Two concurrent saves cannot both be stored (Conflict).
func (s *Service) Put(ctx context.Context, a Agreement, actor, source string) (Saved, error) {
	if err := Validate(a, s.Catalog); err != nil {
		return Saved{}, err
	}
	cur, found, err := s.Store.Agreement(ctx, a.Key)
	if err != nil {
		return Saved{}, err
	}
	engagements := []string{a.Engagement}
	if found && cur.Engagement != a.Engagement {
		engagements = append(engagements, cur.Engagement)
	}
	stored := cur
	if changed := cur.Changed(a); !found || len(changed) > 0 {
		next := a
		next.Version = cur.Version
		if err := s.Store.PutAgreement(ctx, next, changed, actor); err != nil {
			return Saved{}, err
		}
		if stored, _, err = s.Store.Agreement(ctx, a.Key); err != nil {
			return Saved{}, err
		}
	}
	out := Saved{Agreement: stored, Created: !found}
	out.AssignmentsCreated, out.AssignmentsClosed, err = s.Assigner.AssignEngagements(ctx, engagements, actor, source)
	if err != nil {
		return Saved{}, fmt.Errorf("assign the modules of agreement %q: %w", a.Key, err)
	}
	return out, nil
}
