package waiver

import (
	"context"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Store keeps waivers and applies their effect on assignments.
type Store interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// Assignments returns every assignment of the person.
	Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error)
	// Waivers returns every waiver of the person, oldest first.
	Waivers(ctx context.Context, employeeID string) ([]Waiver, error)
	// AllWaivers returns every waiver, oldest first.
	AllWaivers(ctx context.Context) ([]Waiver, error)
	// WaiverByID returns the waiver with the given id, or found=false.
	WaiverByID(ctx context.Context, id string) (Waiver, bool, error)
	// GrantWaiver stores w, puts the assignment change (if any) and writes
	// the audit event, in one transaction. It is a Conflict when the person
	// has another waiver of the item holding on w's grant day (UTC), or the
	// assignment changed since it was read.
	GrantWaiver(ctx context.Context, w Waiver, change *assign.Waiving, event audit.Event) error
	// RevokeWaiver marks w revoked (w carries RevokedAt and RevokedBy),
	// reopens the assignment (if any) and writes the audit event, in one
	// transaction; holding says whether w still held, so that its claim on
	// the item is released. Conflict if w or the assignment changed.
	RevokeWaiver(ctx context.Context, w Waiver, holding bool, reopen *assign.Reopening, event audit.Event) error
}

// ErrNoSuchWaiver answers an id that names no waiver.
var ErrNoSuchWaiver = apperr.New(apperr.NotFound, "no waiver with that id")

// maxTries bounds the retries of a grant or revocation whose write met a
// concurrent change of the person's assignments.
const maxTries = 3

// Service grants, lists and revokes waivers.
type Service struct {
	Store   Store
	Catalog *catalog.Catalog
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Grant registers the waiver req asks for, by actor from source, and
// returns it. Bad input is an Invalid error naming each field in error;
// another waiver of the same item holding today is a Conflict naming its
// id. A module waiver waives the person's open cycle of the module in the
// same transaction.
func (s *Service) Grant(ctx context.Context, req Request, actor, source string) (Waiver, error) {
	now := s.now().UTC().Truncate(time.Second)
	today := Day(now)
	req.Reason, req.Approver = strings.TrimSpace(req.Reason), strings.TrimSpace(req.Approver)
	var person *roster.Person
	if req.EmployeeID != "" && identity.CheckEmployeeID(req.EmployeeID) == nil {
		rec, found, err := s.Store.GetPerson(ctx, req.EmployeeID)
		if err != nil {
			return Waiver{}, err
		}
		if found {
			person = &rec.Person
		}
	}
	if ps := Check(req, person, s.Catalog, today); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return Waiver{}, apperr.InvalidWith(strings.Join(msgs, "; "), ps)
	}
	w := Waiver{
		ID: NewID(), EmployeeID: req.EmployeeID, Item: req.Item, Reason: req.Reason, Approver: req.Approver,
		ExpiresOn: req.ExpiresOn, GrantedBy: actor, GrantedAt: now,
	}
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionWaiverGranted, Source: source,
		Subject: identity.PersonRef(w.EmployeeID),
		Details: map[string]any{"waiverId": w.ID, "item": w.Item, "expiresOn": w.ExpiresOn, "approver": w.Approver, "reason": w.Reason}}
	for try := 1; ; try++ {
		if err := s.refuseSecond(ctx, w, today); err != nil {
			return Waiver{}, err
		}
		change, err := s.waiving(ctx, w, today)
		if err != nil {
			return Waiver{}, err
		}
		if change != nil {
			event.Details["cycle"] = change.Cycle
		}
		err = s.Store.GrantWaiver(ctx, w, change, event)
		if apperr.CodeOf(err) != apperr.Conflict || try == maxTries {
			if err != nil {
				if again := s.refuseSecond(ctx, w, today); again != nil {
					return Waiver{}, again
				}
				return Waiver{}, err
			}
			return w, nil
		}
	}
}

// refuseSecond is a Conflict naming the person's waiver of w's item that
// holds today, if there is one.
func (s *Service) refuseSecond(ctx context.Context, w Waiver, today string) error {
	existing, err := s.Store.Waivers(ctx, w.EmployeeID)
	if err != nil {
		return err
	}
	for _, x := range existing {
		if x.ID != w.ID && x.Item == w.Item && x.HoldsOn(today) {
			return apperr.New(apperr.Conflict, "%s already has a waiver of %s until %s: %s (revoke it first)",
				w.EmployeeID, w.Item, x.ExpiresOn, x.ID)
		}
	}
	return nil
}

// waiving returns the change a module waiver makes to the person's latest
// cycle of the module (open, or waived under a waiver that no longer
// holds), or nil.
func (s *Service) waiving(ctx context.Context, w Waiver, today string) (*assign.Waiving, error) {
	e, ok := w.Exemption()
	if !ok {
		return nil, nil
	}
	last, found, err := s.latest(ctx, w.EmployeeID, e.ModuleID)
	if err != nil || !found {
		return nil, err
	}
	change, _ := assign.WaiverChange(last, []assign.Exemption{e}, today)
	return change, nil
}

// latest returns the person's latest cycle of a module.
func (s *Service) latest(ctx context.Context, employeeID, moduleID string) (assign.Assignment, bool, error) {
	all, err := s.Store.Assignments(ctx, employeeID)
	if err != nil {
		return assign.Assignment{}, false, err
	}
	var last assign.Assignment
	found := false
	for _, a := range all {
		if a.ModuleID == moduleID && (!found || a.Cycle > last.Cycle) {
			last, found = a, true
		}
	}
	return last, found, nil
}

// ListOptions filter a listing.
type ListOptions struct {
	// EmployeeID lists one person's waivers; empty lists everybody's.
	EmployeeID string
	// Active keeps only the waivers that hold now.
	Active bool
}

// List returns the waivers opt asks for, oldest first.
func (s *Service) List(ctx context.Context, opt ListOptions) ([]Waiver, error) {
	var (
		all []Waiver
		err error
	)
	switch {
	case opt.EmployeeID == "":
		all, err = s.Store.AllWaivers(ctx)
	case identity.CheckEmployeeID(opt.EmployeeID) != nil:
		return nil, apperr.InvalidWith("employeeId: is not an employee id",
			[]apperr.Problem{{Field: "employeeId", Message: "is not an employee id"}})
	default:
		all, err = s.Store.Waivers(ctx, opt.EmployeeID)
	}
	if err != nil || !opt.Active {
		return all, err
	}
	now := s.now()
	out := all[:0]
	for _, w := range all {
		if w.HoldsAt(now) {
			out = append(out, w)
		}
	}
	return out, nil
}

// Revoke revokes the waiver with the given id at once, by actor from
// source, and returns it as stored; the record is kept. A module waiver's
// waived cycle reopens in the same transaction with its original due date
// (overdue if that has passed). Revoking a revoked waiver changes nothing
// and returns it as it is; revoking an expired one records the revocation
// only. An unknown id is ErrNoSuchWaiver.
func (s *Service) Revoke(ctx context.Context, id, actor, source string) (Waiver, error) {
	if !IsID(id) {
		return Waiver{}, ErrNoSuchWaiver
	}
	for try := 1; ; try++ {
		w, found, err := s.Store.WaiverByID(ctx, id)
		if err != nil {
			return Waiver{}, err
		}
		if !found {
			return Waiver{}, ErrNoSuchWaiver
		}
		if w.Revoked() {
			return w, nil
		}
		now := s.now().UTC().Truncate(time.Second)
		holding := w.HoldsAt(now)
		var reopen *assign.Reopening
		if m := w.ModuleID(); m != "" {
			last, found, err := s.latest(ctx, w.EmployeeID, m)
			if err != nil {
				return Waiver{}, err
			}
			if found && last.Status == assign.StatusWaived && last.WaiverID == w.ID {
				_, reopen = assign.WaiverChange(last, nil, Day(now))
			}
		}
		w.RevokedAt, w.RevokedBy = now, actor
		details := map[string]any{"waiverId": w.ID, "item": w.Item, "expiresOn": w.ExpiresOn}
		if reopen != nil {
			details["cycle"] = reopen.Cycle
		}
		event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionWaiverRevoked, Source: source,
			Subject: identity.PersonRef(w.EmployeeID), Details: details}
		err = s.Store.RevokeWaiver(ctx, w, holding, reopen, event)
		if err == nil {
			return w, nil
		}
		if apperr.CodeOf(err) != apperr.Conflict || try == maxTries {
			return Waiver{}, err
		}
	}
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
