package httpapi

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// readBody reads at most limit bytes of the request body; a longer body is a
// TooLarge error.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, apperr.New(apperr.TooLarge, "the body is over the limit of %d bytes", limit)
	}
	if err != nil {
		return nil, apperr.New(apperr.Invalid, "the body could not be read")
	}
	return b, nil
}

// sourceOf names where a request came from, for audit events.
func sourceOf(r *http.Request) string { return r.RemoteAddr }

// auditRead records that the caller read one of a person's records
// (profile, notifications), unless the caller is that person: who, whose,
// which, when and from where. It is written before the record is sent, so
// no read goes unrecorded.
func (s *Server) auditRead(r *http.Request, employeeID, record string) error {
	actor := caller(r).actor
	if actor == identity.PersonActor(employeeID) {
		return nil
	}
	return s.deps.Audit.PutAuditEvent(r.Context(), audit.Event{
		ID: audit.NewBatchID(), At: s.deps.Now(), Actor: actor, Action: audit.ActionPersonRead,
		Subject: identity.PersonRef(employeeID), Source: sourceOf(r),
		Details: map[string]any{"record": record, "userAgent": audit.UserAgent(r.UserAgent())},
	})
}

func (s *Server) putRoster(w http.ResponseWriter, r *http.Request) error {
	opt, err := rosterOptions(r)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, roster.MaxBodyBytes)
	if err != nil {
		return err
	}
	who := caller(r)
	res, err := s.deps.Roster.Import(r.Context(), roster.Request{
		Body: bytes.NewReader(body), ContentType: r.Header.Get("Content-Type"),
		Mode: opt.Mode, DryRun: opt.DryRun, Actor: who.actor, Source: sourceOf(r),
		Role: opt.Role, ConfirmDeactivations: opt.ConfirmDeactivations,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// personView is a person as stored, with their history and assignments.
type personView struct {
	Person      roster.Record       `json:"person"`
	Active      bool                `json:"active"`
	History     []roster.Revision   `json:"history"`
	Assignments []assign.Assignment `json:"assignments"`
	// Reachable is false once mail to the person's address bounced
	// permanently or drew a complaint; UnreachableReason says which.
	Reachable         bool   `json:"reachable"`
	UnreachableReason string `json:"unreachableReason,omitempty"`
}

func (s *Server) getPerson(w http.ResponseWriter, r *http.Request) error {
	v, err := s.personRecord(r, r.PathValue("employeeId"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// personRecord reads a person as stored, with their history, assignments
// and whether their address is reachable, and records that the caller read
// it (auditRead): GET /api/people/{id} and the admin console's record page.
// The roster history (every past email, role, manager and end date, and
// who changed them) is for admins and auditors: a manager reading a report
// gets their training and an empty history.
func (s *Server) personRecord(r *http.Request, id string) (personView, error) {
	rec, found, err := s.deps.People.GetPerson(r.Context(), id)
	if err != nil {
		return personView{}, err
	}
	if !found {
		return personView{}, roster.ErrNoSuchPerson
	}
	var history []roster.Revision
	if caller(r).privileged {
		if history, err = s.deps.People.PersonHistory(r.Context(), id); err != nil {
			return personView{}, err
		}
	}
	assignments, err := s.deps.People.Assignments(r.Context(), id)
	if err != nil {
		return personView{}, err
	}
	reason, undeliverable, err := s.deps.Suppressions.Undeliverable(r.Context(), rec.Email)
	if err != nil {
		return personView{}, err
	}
	if err := s.auditRead(r, id, "profile"); err != nil {
		return personView{}, err
	}
	return personView{
		Person: rec, Active: rec.ActiveOn(s.today()),
		History: nonNil(history), Assignments: nonNil(assignments),
		Reachable: !undeliverable, UnreachableReason: reason,
	}, nil
}

// runRequest is the body of the run endpoints (assignments, reminders).
type runRequest struct {
	Date   string `json:"date"`
	DryRun bool   `json:"dryRun"`
}

// readRunRequest reads {"date": "YYYY-MM-DD", "dryRun": bool} (both
// optional; an empty body is allowed) and returns the day, today (UTC) when
// none is given.
func (s *Server) readRunRequest(w http.ResponseWriter, r *http.Request) (day time.Time, dryRun bool, err error) {
	body, err := readBody(w, r, 4<<10)
	if err != nil {
		return time.Time{}, false, err
	}
	var req runRequest
	if len(bytes.TrimSpace(body)) > 0 {
		if err := decodeStrict(body, &req, `{"date": "YYYY-MM-DD", "dryRun": false}`); err != nil {
			return time.Time{}, false, err
		}
	}
	if req.Date == "" {
		return s.deps.Now().UTC().Truncate(24 * time.Hour), req.DryRun, nil
	}
	day, err = time.Parse(roster.DateLayout, req.Date)
	if err != nil {
		return time.Time{}, false, apperr.New(apperr.Invalid, "date must be YYYY-MM-DD")
	}
	return day, req.DryRun, nil
}

// runAssignments runs the daily assignment job on demand (the same code the
// schedule runs); the date defaults to today (UTC).
func (s *Server) runAssignments(w http.ResponseWriter, r *http.Request) error {
	day, dryRun, err := s.readRunRequest(w, r)
	if err != nil {
		return err
	}
	sum, err := s.deps.Assigner.Daily(r.Context(), day.Format(roster.DateLayout), caller(r).actor, sourceOf(r), dryRun)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

func parseBool(s string) (bool, error) {
	if s == "" {
		return false, nil
	}
	return strconv.ParseBool(s)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
