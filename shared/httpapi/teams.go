package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/team"
)

// teamRoles may see every team: by API key, or as an access role.
var teamRoles = []identity.Role{identity.Admin, identity.Auditor}

// teamRequest reads a team view's query (scope, status, department) for
// managerID, as viewer.
func teamRequest(q url.Values, managerID string, viewer team.Viewer) (team.Request, error) {
	scope, err := team.ParseScope(q.Get("scope"))
	if err != nil {
		return team.Request{}, err
	}
	status, err := team.ParseStatus(q.Get("status"))
	if err != nil {
		return team.Request{}, err
	}
	return team.Request{ManagerID: managerID, Scope: scope, Status: status, Department: q.Get("department"), Viewer: viewer}, nil
}

// getTeam answers GET /api/teams/{managerId}: the team as JSON, or with
// format=csv as a CSV download of the same rows.
func (s *Server) getTeam(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	format := q.Get("format")
	if format != "" && format != "json" && format != "csv" {
		return apperr.InvalidWith("format must be json or csv", []apperr.Problem{{Field: "format", Message: "must be json or csv"}})
	}
	p := caller(r)
	id := r.PathValue("managerId")
	req, err := teamRequest(q, id, team.Viewer{EmployeeID: p.employeeID, Privileged: p.privileged, Actor: p.actor, Source: sourceOf(r)})
	if err != nil {
		return err
	}
	v, err := s.deps.Teams.View(r.Context(), req)
	if err != nil {
		return err
	}
	if format != "csv" {
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	var buf bytes.Buffer
	if err := team.WriteCSV(&buf, v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="team-%s-%s.csv"`, safeFilePart(id), s.today()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
	return nil
}

// safeFilePart keeps the letters, digits, '-' and '_' of s, for a file name
// in a header.
func safeFilePart(s string) string {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			out = append(out, c)
		}
	}
	return string(out)
}

// teamPage is the data of the /team page.
type teamPage struct {
	ManagerName, ManagerID string
	Own                    bool
	Totals                 team.Totals
	Rate                   string
	Rows                   []teamRow
	Scope, Status          string
	Department             string
	Statuses               []teamOption
	// Query is the page's query (manager, scope, filters), for the CSV
	// link and to come back to after a nudge.
	Query, CSV string
	// Notice tells the outcome of a nudge; Alert is set when it failed.
	Notice string
	Alert  bool
}

type teamOption struct {
	Value, Label string
	Selected     bool
}

// teamRow is one person on the /team page.
type teamRow struct {
	EmployeeID, Name, Department string
	Depth                        int
	Items                        []teamItem
	Policies                     string
	Reachable                    bool
	LastReminder                 string
	Overdue, CanNudge            bool
}

// teamItem is one assignment in a row: its title and what it stands at.
type teamItem struct {
	Title, Status, Label string
}

var statusLabels = map[string]string{
	assign.ShownOverdue: "Overdue", assign.ShownOnTrack: "On track", assign.ShownCompleted: "Completed", assign.ShownWaived: "Waived",
}

// teamPageHandler answers GET /team: the signed-in person's team, or, with
// manager=<id>, the team of a manager below them (or any, for admins and
// auditors).
func (s *Server) teamPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	return s.renderTeamPage(w, r, who, http.StatusOK, r.URL.Query(), "", false)
}

// renderTeamPage renders the team page for the query q, with a notice.
func (s *Server) renderTeamPage(w http.ResponseWriter, r *http.Request, who *signedIn, status int, q url.Values, notice string, alert bool) error {
	managerID := q.Get("manager")
	if managerID == "" {
		managerID = who.person.EmployeeID
	}
	viewer := team.Viewer{
		EmployeeID: who.person.EmployeeID, Privileged: who.person.HasAccess(identity.Admin) || who.person.HasAccess(identity.Auditor),
		Actor: identity.PersonActor(who.person.EmployeeID), Source: sourceOf(r),
	}
	req, err := teamRequest(q, managerID, viewer)
	if err != nil {
		return err
	}
	v, err := s.deps.Teams.View(r.Context(), req)
	if err != nil {
		return err
	}
	// Managers in the chain and admins may nudge; an auditor only reads.
	canNudge := who.person.HasAccess(identity.Admin) || managerID == who.person.EmployeeID || !viewer.Privileged
	page := teamPage{
		ManagerName: v.Manager.Name, ManagerID: managerID, Own: managerID == who.person.EmployeeID,
		Totals: v.Totals, Rate: "—", Scope: string(req.Scope), Status: req.Status, Department: req.Department,
		Notice: notice, Alert: alert,
	}
	if v.Totals.CompletionRate != nil {
		page.Rate = strconv.FormatFloat(*v.Totals.CompletionRate*100, 'f', 1, 64) + " %"
	}
	page.Statuses = append(page.Statuses, teamOption{Value: "", Label: "Any status", Selected: req.Status == ""})
	for _, st := range team.Statuses {
		page.Statuses = append(page.Statuses, teamOption{Value: st, Label: statusLabels[st], Selected: req.Status == st})
	}
	back := url.Values{}
	if q.Get("manager") != "" {
		back.Set("manager", managerID)
	}
	for _, k := range []string{"scope", "status", "department"} {
		if q.Get(k) != "" {
			back.Set(k, q.Get(k))
		}
	}
	page.Query = back.Encode()
	csv := url.Values{"format": {"csv"}}
	for _, k := range []string{"scope", "status", "department"} {
		if back.Get(k) != "" {
			csv.Set(k, back.Get(k))
		}
	}
	page.CSV = "/api/teams/" + url.PathEscape(managerID) + "?" + csv.Encode()
	loc := who.person.Location()
	for _, m := range v.People {
		row := teamRow{EmployeeID: m.EmployeeID, Name: m.Name, Department: m.Department, Depth: m.Depth,
			Reachable: m.Reachable, LastReminder: "never", Overdue: m.Overdue() > 0}
		row.CanNudge = row.Overdue && canNudge
		if m.LastReminderAt != nil {
			row.LastReminder = formatInstant(*m.LastReminderAt, loc)
		}
		for _, it := range m.Assignments {
			title := it.ModuleID
			if mod, ok := s.deps.Catalog.Module(it.ModuleID); ok {
				title = mod.Title
			}
			label := statusLabels[it.Status]
			switch it.Status {
			case assign.ShownOverdue:
				label = fmt.Sprintf("Overdue %d %s", it.DaysOverdue, plural(it.DaysOverdue, "day", "days"))
			case assign.ShownOnTrack:
				label = "On track, due " + it.DueAt.In(loc).Format("2 Jan 2006")
			}
			row.Items = append(row.Items, teamItem{Title: title, Status: it.Status, Label: label})
		}
		acked, waived := m.PolicyCounts()
		row.Policies = fmt.Sprintf("%d of %d acknowledged", acked, len(m.Policies))
		if waived > 0 {
			row.Policies += fmt.Sprintf(", %d waived", waived)
		}
		if len(m.Policies) == 0 {
			row.Policies = "none required"
		}
		page.Rows = append(page.Rows, row)
		if notice == "" && q.Get("nudged") == m.EmployeeID {
			page.Notice = "Reminder sent to " + m.Name + "."
		}
	}
	s.renderPage(w, r, status, "team", who, page)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// formNudge answers POST /team/nudge/{employeeId}, the team page's nudge
// button: the person's manager chain or an admin may (as the JSON nudge),
// once per person per day. Success goes back to the team page with its
// notice; a refused nudge (already reminded today, nothing open, an
// unreachable address) shows the team page with the reason (409).
func (s *Server) formNudge(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	id := r.PathValue("employeeId")
	ok, err := s.maySee(r.Context(), who, id, []identity.Role{identity.Admin})
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.NotFound, "no person has the employee id %s", id)
	}
	back := url.Values{}
	for _, k := range []string{"manager", "scope", "status", "department"} {
		if v := r.PostFormValue(k); v != "" {
			back.Set(k, v)
		}
	}
	_, err = s.deps.Reminders.NudgePerson(r.Context(), id, identity.PersonActor(who.person.EmployeeID), sourceOf(r))
	if e, isErr := apperr.As(err); isErr && e.Code == apperr.Conflict {
		return s.renderTeamPage(w, r, who, http.StatusConflict, back, "Not sent: "+e.Message+".", true)
	}
	if err != nil {
		return err
	}
	back.Set("nudged", id)
	http.Redirect(w, r, "/team?"+back.Encode(), http.StatusSeeOther)
	return nil
}
