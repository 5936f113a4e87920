package httpapi

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// maxPeopleShown bounds the people list; the page says how many matched.
const maxPeopleShown = 100

// peoplePage is the data of the admin console's people list.
type peoplePage struct {
	Query string
	Rows  []personRow
	// Total counts the people who match; Rows holds the first of them.
	Total int
}

// personRow is one person of the people list.
type personRow struct {
	EmployeeID, Name, Email, Department, ManagerID, ManagerName string
	Active                                                      bool
}

// personPage is the data of a person's record page.
type personPage struct {
	Person            roster.Record
	Active, Reachable bool
	UnreachableReason string
	AccessRoles       []string
	History           []revisionRow
	Assignments       []assignmentRow
	Acknowledgments   []ackRow
	Notifications     []notificationRow
}

// revisionRow is one roster revision on the record page.
type revisionRow struct {
	Rev               int
	At, Actor, Action string
	Changes           []roster.FieldChange
}

// assignmentRow is one assignment on the record page.
type assignmentRow struct {
	ModuleID, Title, Version, Status, DueOn, Completed, Closed string
	Cycle                                                      int
}

// ackRow is one policy acknowledgment on the record page.
type ackRow struct {
	PolicyID, Title, Version, Cycle, At, TypedName string
}

// notificationRow is one notification on the record page.
type notificationRow struct {
	Day, Kind, Status, Actor, Sent string
	Items                          []string
}

// peoplePageHandler answers GET /admin/people?q=: the people whose employee
// id or email is q, or whose name, id or email contains it (any case).
func (s *Server) peoplePageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	found, names, err := s.searchPeople(r.Context(), q)
	if err != nil {
		return err
	}
	page := peoplePage{Query: q, Total: len(found)}
	found, _ = capAt(found, maxPeopleShown)
	for _, rec := range found {
		page.Rows = append(page.Rows, personRow{EmployeeID: rec.EmployeeID, Name: rec.Name, Email: rec.Email, Department: rec.Department,
			ManagerID: rec.ManagerID, ManagerName: names[rec.ManagerID], Active: rec.ActiveOn(s.today())})
	}
	s.renderPage(w, r, http.StatusOK, "admin-people", who, page)
	return nil
}

// searchPeople finds the people q names, sorted by name: an exact employee
// id by its profile (GetItem), an exact address by its email claim, and
// anything else by reading the roster through its index and keeping the
// people whose name, id or email contains q, ignoring case (everyone when
// q is empty). names maps the employee ids of the roster read to names,
// for the manager column; it is nil after an exact lookup.
func (s *Server) searchPeople(ctx context.Context, q string) (found []roster.Record, names map[string]string, err error) {
	if q != "" && identity.CheckEmployeeID(q) == nil {
		rec, ok, err := s.deps.People.GetPerson(ctx, q)
		if err != nil || ok {
			return []roster.Record{rec}, nil, err
		}
	}
	if strings.Contains(q, "@") {
		rec, ok, err := s.deps.People.PersonByEmail(ctx, q)
		if err != nil || ok {
			return []roster.Record{rec}, nil, err
		}
	}
	all, err := s.deps.People.ListPeople(ctx)
	if err != nil {
		return nil, nil, err
	}
	names = make(map[string]string, len(all))
	needle := strings.ToLower(q)
	for _, rec := range all {
		names[rec.EmployeeID] = rec.Name
		if strings.Contains(strings.ToLower(rec.Name), needle) || strings.Contains(strings.ToLower(rec.EmployeeID), needle) ||
			strings.Contains(strings.ToLower(rec.Email), needle) {
			found = append(found, rec)
		}
	}
	slices.SortFunc(found, func(a, b roster.Record) int {
		return cmp.Or(cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)), cmp.Compare(a.EmployeeID, b.EmployeeID))
	})
	return found, names, nil
}

// personPageHandler answers GET /admin/people/{employeeId}: the person's
// record, read (and audited) as GET /api/people/{employeeId} reads it, with
// their acknowledgments and notifications (audited as
// GET /api/people/{employeeId}/notifications is).
func (s *Server) personPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	id := r.PathValue("employeeId")
	r = asPersonWith(r, who, consoleRoles)
	v, err := s.personRecord(r, id)
	if err != nil {
		return err
	}
	acks, err := s.deps.Acks.Store.Acknowledgments(r.Context(), id)
	if err != nil {
		return err
	}
	// The page shows the notifications too: audited as the API's read of them.
	notes, err := s.deps.Notifications.Notifications(r.Context(), identity.PersonRef(id))
	if err != nil {
		return err
	}
	if err := s.auditRead(r, id, "notifications"); err != nil {
		return err
	}
	page := personPage{Person: v.Person, Active: v.Active, Reachable: v.Reachable, UnreachableReason: v.UnreachableReason}
	for _, role := range []identity.Role{identity.Admin, identity.Auditor} {
		if v.Person.HasAccess(role) {
			page.AccessRoles = append(page.AccessRoles, string(role))
		}
	}
	for _, rev := range slices.Backward(v.History) {
		page.History = append(page.History, revisionRow{Rev: rev.Rev, At: pageTime(rev.At), Actor: rev.Actor, Action: rev.Action, Changes: rev.Changes})
	}
	now := s.deps.Now()
	for _, a := range v.Assignments {
		row := assignmentRow{ModuleID: a.ModuleID, Title: a.ModuleID, Version: a.ModuleVersion, Status: a.StatusAt(now), DueOn: a.DueOn,
			Closed: a.ClosedOn, Cycle: a.Cycle}
		if m, ok := s.deps.Catalog.Module(a.ModuleID); ok {
			row.Title = m.Title
		}
		if !a.CompletedAt.IsZero() {
			row.Completed = pageTime(a.CompletedAt)
		}
		page.Assignments = append(page.Assignments, row)
	}
	for _, a := range acks {
		row := ackRow{PolicyID: a.PolicyID, Title: a.PolicyID, Version: a.PolicyVersion, Cycle: a.Cycle, At: pageTime(a.AcknowledgedAt), TypedName: a.TypedName}
		if p, ok := s.deps.Catalog.Policy(a.PolicyID); ok {
			row.Title = p.Title
		}
		page.Acknowledgments = append(page.Acknowledgments, row)
	}
	for _, n := range slices.Backward(notes) {
		row := notificationRow{Day: n.Day, Kind: string(n.Kind), Status: string(n.Status), Actor: n.Actor, Items: n.Items}
		if !n.SentAt.IsZero() {
			row.Sent = pageTime(n.SentAt)
		}
		page.Notifications = append(page.Notifications, row)
	}
	s.renderPage(w, r, http.StatusOK, "admin-person", who, page)
	return nil
}
