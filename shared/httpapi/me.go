package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
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
	// WaiverID names the waiver that holds the assignment; null otherwise.
	WaiverID *string `json:"waiverId"`
	// waivedUntil is the last day (UTC) the waiver holds, for the page.
	waivedUntil string
}

type mePolicy struct {
	PolicyID       string     `json:"policyId"`
	Title          string     `json:"title"`
	Version        string     `json:"version"`
	VersionSHA256  string     `json:"versionSha256"`
	Cycle          string     `json:"cycle"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt"`
	// Status is acknowledged, waived (a waiver holds, so nothing is asked)
	// or pending.
	Status string `json:"status"`
	// WaiverID names the waiver that holds the policy; null otherwise.
	WaiverID    *string `json:"waiverId"`
	waivedUntil string
}

// Statuses of a policy on /me.
const (
	policyAcknowledged = "acknowledged"
	policyWaived       = "waived"
	policyPending      = "pending"
)

// meFor builds the view of the signed-in person at now. The person's
// assignments, acknowledgments and waivers are read at the same time. An
// assignment is waived while its waiver holds; one stored as waived whose
// waiver has expired (the daily run reopens it the next morning) shows as
// open already.
func (s *Server) meFor(r *http.Request, who *signedIn) (meView, error) {
	p := who.person.Person
	var (
		acked               map[[2]string]time.Time
		waivers             []waiver.Waiver
		ackedErr, waiverErr error
		wg                  sync.WaitGroup
	)
	wg.Go(func() { acked, ackedErr = s.deps.Acks.AcknowledgedAt(r.Context(), p.EmployeeID) })
	wg.Go(func() {
		waivers, waiverErr = s.deps.Waivers.List(r.Context(), waiver.ListOptions{EmployeeID: p.EmployeeID, Active: true})
	})
	all, err := s.deps.People.Assignments(r.Context(), p.EmployeeID)
	wg.Wait()
	if err = errors.Join(err, ackedErr, waiverErr); err != nil {
		return meView{}, err
	}
	byID, byItem := make(map[string]waiver.Waiver, len(waivers)), make(map[string]waiver.Waiver, len(waivers))
	for _, w := range waivers {
		byID[w.ID], byItem[w.Item] = w, w
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
		shown := a
		w, holds := byID[a.WaiverID]
		if a.Status == assign.StatusWaived && !holds {
			shown.Status = assign.StatusOpen
		}
		ma := meAssignment{
			ModuleID: a.ModuleID, Title: title, ModuleVersion: a.ModuleVersion, Cycle: a.Cycle,
			AssignedOn: a.AssignedOn, DueOn: a.DueOn, DueAt: a.DueAt, Status: shown.StatusAt(now), Minutes: minutes,
		}
		if shown.Status == assign.StatusWaived {
			ma.WaiverID, ma.waivedUntil = orNull(w.ID), w.ExpiresOn
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
			Status: policyPending,
		}
		w, waived := byItem[waiver.PolicyPrefix+pol.ID]
		if at, ok := acked[[2]string{pol.ID, cycle}]; ok {
			mp.AcknowledgedAt, mp.Status = &at, policyAcknowledged
		} else if waived {
			mp.Status = policyWaived
		}
		if waived {
			mp.WaiverID, mp.waivedUntil = orNull(w.ID), w.ExpiresOn
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
	Waived   []waivedItem
	Policies []policyItem
	Zone     string
	// HasTeam is set for a person somebody reports to: the page links to
	// their team.
	HasTeam bool
}

// policyItem is a policy on the /me page; Acknowledged is shown in the
// person's time zone, empty while still to do; WaivedUntil is the last day
// of the waiver that holds it, empty when none does.
type policyItem struct {
	PolicyID, Title, Version, Acknowledged, WaivedUntil string
}

// waivedItem is a waived module on the /me page: nothing is asked while the
// waiver holds, but it may still be taken.
type waivedItem struct {
	ModuleID, Title, WaivedUntil string
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
		item := policyItem{PolicyID: p.PolicyID, Title: p.Title, Version: p.Version, WaivedUntil: p.waivedUntil}
		switch p.Status {
		case policyAcknowledged:
			item.Acknowledged = formatInstant(*p.AcknowledgedAt, loc)
		case policyPending:
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
		case assign.ShownWaived:
			page.Waived = append(page.Waived, waivedItem{ModuleID: a.ModuleID, Title: a.Title, WaivedUntil: a.waivedUntil})
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
