package httpapi

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
)

// meView is GET /api/me: the signed-in person, their assignments and the
// policies they must acknowledge (contract shape).
type meView struct {
	Person      mePerson       `json:"person"`
	Assignments []meAssignment `json:"assignments"`
	Policies    []mePolicy     `json:"policies"`
	CSRFToken   string         `json:"csrfToken"`
}

type mePerson struct {
	EmployeeID string   `json:"employeeId"`
	Name       string   `json:"name"`
	Email      string   `json:"email"`
	Roles      []string `json:"roles"`
	TimeZone   string   `json:"timeZone"`
}

type meAssignment struct {
	ModuleID      string     `json:"moduleId"`
	Title         string     `json:"title"`
	ModuleVersion string     `json:"moduleVersion"`
	Cycle         int        `json:"cycle"`
	AssignedOn    string     `json:"assignedOn"`
	DueOn         string     `json:"dueOn"`
	DueAt         time.Time  `json:"dueAt"`
	Status        string     `json:"status"`
	CompletedAt   *time.Time `json:"completedAt"`
	Score         *int       `json:"score"`
	Minutes       int        `json:"estimatedMinutes"`
}

type mePolicy struct {
	PolicyID       string     `json:"policyId"`
	Title          string     `json:"title"`
	Version        string     `json:"version"`
	VersionSHA256  string     `json:"versionSha256"`
	Cycle          string     `json:"cycle"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt"`
}

// meFor builds the view of the signed-in person at now. The person's
// assignments and acknowledgments are read at the same time.
func (s *Server) meFor(r *http.Request, who *signedIn) (meView, error) {
	p := who.person.Person
	var (
		acked    map[[2]string]time.Time
		ackedErr error
		wg       sync.WaitGroup
	)
	wg.Go(func() { acked, ackedErr = s.deps.Acks.AcknowledgedAt(r.Context(), p.EmployeeID) })
	all, err := s.deps.People.Assignments(r.Context(), p.EmployeeID)
	wg.Wait()
	if err != nil {
		return meView{}, err
	}
	if ackedErr != nil {
		return meView{}, ackedErr
	}
	now := s.deps.Now()
	v := meView{
		Person:    mePerson{EmployeeID: p.EmployeeID, Name: p.Name, Email: p.Email, Roles: nonNil(p.Roles), TimeZone: p.TimeZone},
		CSRFToken: who.session.CSRFToken,
	}
	for _, a := range all {
		title, minutes := a.ModuleID, 0
		if m, ok := s.deps.Catalog.Module(a.ModuleID); ok {
			title, minutes = m.Title, m.EstimatedMinutes
		}
		ma := meAssignment{
			ModuleID: a.ModuleID, Title: title, ModuleVersion: a.ModuleVersion, Cycle: a.Cycle,
			AssignedOn: a.AssignedOn, DueOn: a.DueOn, DueAt: a.DueAt, Status: a.StatusAt(now), Minutes: minutes,
		}
		if a.Status == assign.StatusCompleted {
			ma.CompletedAt, ma.Score = &a.CompletedAt, &a.Score
		}
		v.Assignments = append(v.Assignments, ma)
	}
	sort.SliceStable(v.Assignments, func(i, j int) bool { return v.Assignments[i].DueAt.Before(v.Assignments[j].DueAt) })
	_, policies := s.deps.Catalog.ItemsForRoles(p.Roles)
	for _, pol := range policies {
		cycle := ack.Cycle(now, p.Location(), pol.Version.Major)
		mp := mePolicy{
			PolicyID: pol.ID, Title: pol.Title, Version: pol.Version.String(), VersionSHA256: pol.SHA256, Cycle: cycle,
		}
		if at, ok := acked[[2]string{pol.ID, cycle}]; ok {
			mp.AcknowledgedAt = &at
		}
		v.Policies = append(v.Policies, mp)
	}
	v.Assignments, v.Policies = nonNil(v.Assignments), nonNil(v.Policies)
	return v, nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	v, err := s.meFor(r, who)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// mePage is the data of the /me page: what is open, what is done, and the
// next step, with dates in the person's time zone.
type mePage struct {
	Person   mePerson
	Next     string
	Open     []openItem
	Done     []doneItem
	Policies []policyItem
	Zone     string
	// HasTeam is set for a person somebody reports to: the page links to
	// their team.
	HasTeam bool
}

// policyItem is a policy on the /me page; Acknowledged is shown in the
// person's time zone, empty while still to do.
type policyItem struct {
	PolicyID, Title, Version, Acknowledged string
}

type openItem struct {
	ModuleID, Title, Status, StatusLabel, Due string
	Minutes                                   int
}

type doneItem struct {
	Title, Completed string
	Score            int
}

func (s *Server) mePageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	v, err := s.meFor(r, who)
	if err != nil {
		return err
	}
	hasTeam, err := s.deps.Teams.HasReports(r.Context(), who.person.EmployeeID)
	if err != nil {
		return err
	}
	loc := who.person.Location()
	page := mePage{Person: v.Person, Zone: loc.String(), HasTeam: hasTeam}
	pendingPolicies := 0
	for _, p := range v.Policies {
		item := policyItem{PolicyID: p.PolicyID, Title: p.Title, Version: p.Version}
		if p.AcknowledgedAt != nil {
			item.Acknowledged = formatInstant(*p.AcknowledgedAt, loc)
		} else {
			pendingPolicies++
		}
		page.Policies = append(page.Policies, item)
	}
	now := s.deps.Now()
	for _, a := range v.Assignments {
		switch a.Status {
		case assign.ShownOnTrack, assign.ShownOverdue:
			page.Open = append(page.Open, openItem{
				ModuleID: a.ModuleID, Title: a.Title, Status: a.Status, Minutes: a.Minutes,
				StatusLabel: map[string]string{assign.ShownOnTrack: "Due", assign.ShownOverdue: "Overdue"}[a.Status],
				Due:         describeDue(a.DueOn, now.In(loc).Format(roster.DateLayout)),
			})
		case assign.ShownCompleted:
			done := doneItem{Title: a.Title, Completed: "completed " + formatInstant(*a.CompletedAt, loc)}
			if a.Score != nil {
				done.Score = *a.Score
			}
			page.Done = append(page.Done, done)
		}
	}
	switch {
	case len(page.Open) > 0:
		page.Next = fmt.Sprintf("complete %s (%s).", page.Open[0].Title, strings.ToLower(page.Open[0].Due[:1])+page.Open[0].Due[1:])
	case pendingPolicies > 0:
		page.Next = "read and acknowledge the policies below."
	}
	s.renderPage(w, r, http.StatusOK, "me", who, page)
	return nil
}

// describeDue says when something is due, relative to today, both in the
// person's time zone.
func describeDue(dueOn, today string) string {
	due, err1 := time.Parse(roster.DateLayout, dueOn)
	now, err2 := time.Parse(roster.DateLayout, today)
	if err1 != nil || err2 != nil {
		return "due " + dueOn
	}
	days := int(due.Sub(now).Hours() / 24)
	date := due.Format("Monday 2 January 2006")
	switch {
	case days == -1:
		return "Was due yesterday, " + date
	case days < 0:
		return fmt.Sprintf("Was due %s, %d days ago", date, -days)
	case days == 0:
		return "Due today, " + date
	case days == 1:
		return "Due tomorrow, " + date
	}
	return fmt.Sprintf("Due %s, in %d days", date, days)
}

// formatInstant shows an instant in loc.
func formatInstant(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2 January 2006 15:04 MST")
}
