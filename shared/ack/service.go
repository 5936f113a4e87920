package ack

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Store keeps policy acknowledgments and the first views that gate them.
type Store interface {
	// RecordPolicyView stores a first view unless one of the same person,
	// policy, cycle and version is stored already.
	RecordPolicyView(ctx context.Context, v View) error
	// PolicyView returns the first view of a policy version in a cycle, or
	// found=false.
	PolicyView(ctx context.Context, employeeID, policyID, cycle, sha256 string) (View, bool, error)
	// Acknowledgment returns the person's acknowledgment of a policy in a
	// cycle, or found=false.
	Acknowledgment(ctx context.Context, employeeID, policyID, cycle string) (Acknowledgment, bool, error)
	// Acknowledgments returns every acknowledgment of a person, every cycle.
	Acknowledgments(ctx context.Context, employeeID string) ([]Acknowledgment, error)
	// PutAcknowledgment stores a new acknowledgment with its audit event or,
	// when the cycle's acknowledgment exists, returns it with created=false.
	PutAcknowledgment(ctx context.Context, a Acknowledgment, event audit.Event) (Acknowledgment, bool, error)
}

var (
	errPolicyNotRequired = apperr.New(apperr.NotFound, "no such policy among those you must acknowledge")
	errStalePolicy       = apperr.New(apperr.Conflict, "the policy changed since you opened it; reload and read the current version")
)

// Service lets people read and acknowledge the policies their roles require.
type Service struct {
	Store   Store
	Catalog *catalog.Catalog
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Required returns the policy with id if a person holding roles must
// acknowledge it; any other id is NotFound.
func (s *Service) Required(roles []string, id string) (*catalog.Policy, error) {
	_, policies := s.Catalog.ItemsForRoles(roles)
	for _, p := range policies {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, errPolicyNotRequired
}

// Opened is a required policy as the person sees it now.
type Opened struct {
	Policy *catalog.Policy
	Cycle  string
	// Acked is the acknowledgment of the current cycle, if any.
	Acked *Acknowledgment
}

// Open finds a required policy and this cycle's acknowledgment of it. Until
// the person has acknowledged it, opening the policy records the first
// view, from which the reading time is measured.
func (s *Service) Open(ctx context.Context, p roster.Person, id string) (Opened, error) {
	pol, err := s.Required(p.Roles, id)
	if err != nil {
		return Opened{}, err
	}
	now := s.now()
	op := Opened{Policy: pol, Cycle: Cycle(now, p.Location(), pol.Version.Major)}
	a, found, err := s.Store.Acknowledgment(ctx, p.EmployeeID, pol.ID, op.Cycle)
	if err != nil {
		return Opened{}, err
	}
	if found {
		op.Acked = &a
		return op, nil
	}
	err = s.Store.RecordPolicyView(ctx, View{
		EmployeeID: p.EmployeeID, PolicyID: pol.ID, VersionSHA256: pol.SHA256, Cycle: op.Cycle, FirstViewedAt: now.UTC(),
	})
	return op, err
}

// AcknowledgedAt returns the acknowledgment times of a person's policies by
// policy id and cycle.
func (s *Service) AcknowledgedAt(ctx context.Context, employeeID string) (map[[2]string]time.Time, error) {
	all, err := s.Store.Acknowledgments(ctx, employeeID)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]time.Time, len(all))
	for _, a := range all {
		out[[2]string{a.PolicyID, a.Cycle}] = a.AcknowledgedAt
	}
	return out, nil
}

// Request is a person's acknowledgment of a policy as they send it.
type Request struct {
	Person   roster.Person
	PolicyID string
	// TypedName is the name typed as a signature; VersionSHA256 the content
	// hash of the version the person read.
	TypedName, VersionSHA256 string
	// Source is where the request came from (an IP address); UserAgent the
	// browser's User-Agent as sent, which is kept cut (audit.UserAgent).
	Source, UserAgent string
}

// Acknowledge records the person's acknowledgment of a required policy in
// the current cycle. The version hash must be the current one and the
// policy must have been open for its minimum reading time. A repeat within
// the cycle returns the stored acknowledgment with created=false and writes
// nothing.
func (s *Service) Acknowledge(ctx context.Context, req Request) (a Acknowledgment, created bool, err error) {
	p, err := s.Required(req.Person.Roles, req.PolicyID)
	if err != nil {
		return Acknowledgment{}, false, err
	}
	if req.VersionSHA256 == "" {
		return Acknowledgment{}, false, apperr.InvalidWith("versionSha256 is missing: give the SHA-256 of the version you read",
			[]apperr.Problem{{Field: "versionSha256", Message: "is missing"}})
	}
	if req.VersionSHA256 != p.SHA256 {
		return Acknowledgment{}, false, errStalePolicy
	}
	name, err := TypedName(req.TypedName)
	if err != nil {
		return Acknowledgment{}, false, err
	}
	now := s.now()
	emp := req.Person.EmployeeID
	cycle := Cycle(now, req.Person.Location(), p.Version.Major)
	existing, found, err := s.Store.Acknowledgment(ctx, emp, p.ID, cycle)
	if err != nil || found {
		return existing, false, err
	}
	if err := s.checkReadingTime(ctx, emp, p, cycle, now); err != nil {
		return Acknowledgment{}, false, err
	}
	a = Acknowledgment{
		EmployeeID: emp, PolicyID: p.ID, PolicyVersion: p.Version.String(), TextSHA256: p.SHA256, Cycle: cycle,
		AcknowledgedAt: now.UTC().Truncate(time.Second), TypedName: name,
		IP: req.Source, UserAgent: audit.UserAgent(req.UserAgent),
	}
	event := audit.Event{
		ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(emp), Action: audit.ActionPolicyAcknowledged,
		Subject: identity.PersonRef(emp), Source: a.IP,
		Details: map[string]any{"policy": p.ID, "version": a.PolicyVersion, "versionSha256": p.SHA256, "cycle": cycle},
	}
	return s.Store.PutAcknowledgment(ctx, a, event)
}

// checkReadingTime is the engagement gate: the person must have opened this
// version of p in this cycle at least p.MinReadSeconds ago.
func (s *Service) checkReadingTime(ctx context.Context, employeeID string, p *catalog.Policy, cycle string, now time.Time) error {
	v, found, err := s.Store.PolicyView(ctx, employeeID, p.ID, cycle, p.SHA256)
	if err != nil {
		return err
	}
	minimum := time.Duration(p.MinReadSeconds) * time.Second
	if found && now.Sub(v.FirstViewedAt) >= minimum {
		return nil
	}
	if p.MinReadSeconds == 0 {
		return apperr.New(apperr.Invalid, "open and read the policy first")
	}
	msg := fmt.Sprintf("read the policy for at least %d seconds first", p.MinReadSeconds)
	if found {
		left := (minimum - now.Sub(v.FirstViewedAt) + time.Second - 1).Truncate(time.Second)
		msg += fmt.Sprintf(" (%d seconds to go)", int(left.Seconds()))
	}
	return apperr.New(apperr.Invalid, "%s", msg)
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
