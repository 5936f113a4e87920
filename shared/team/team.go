// Package team is the manager's team view: the people under a manager (their
// direct reports, or the whole subtree at any depth), each with the status of
// their current training, their policy acknowledgments of the current cycle,
// whether their address is reachable and when they were last reminded, with
// totals, filters and a CSV form of the same rows. The rules that shape a
// view (which assignments count, statuses, days overdue, order, totals) are
// pure functions of this file; Service (service.go) finds the people through
// the reports index and reads their records.
package team

import (
	"math"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// Scope says how far down a team view reaches.
type Scope string

// Scopes of a team view.
const (
	// ScopeDirect is the manager's direct reports only (depth 1).
	ScopeDirect Scope = "direct"
	// ScopeAll is the whole subtree, at every depth. It is the default.
	ScopeAll Scope = "all"
)

// ParseScope reads the scope parameter: "direct", "all", or empty for all.
func ParseScope(s string) (Scope, error) {
	switch Scope(s) {
	case "", ScopeAll:
		return ScopeAll, nil
	case ScopeDirect:
		return ScopeDirect, nil
	}
	return "", apperr.InvalidWith("scope must be direct or all", []apperr.Problem{{Field: "scope", Message: "must be direct or all"}})
}

// Statuses a team view may be filtered by: those of assign.Assignment.StatusAt
// that a view shows (cancelled assignments are left out).
var Statuses = []string{assign.ShownOverdue, assign.ShownOnTrack, assign.ShownCompleted, assign.ShownWaived}

// ParseStatus reads the status filter: one of Statuses, or empty for none.
func ParseStatus(s string) (string, error) {
	if s == "" || slices.Contains(Statuses, s) {
		return s, nil
	}
	msg := "must be one of " + strings.Join(Statuses, ", ")
	return "", apperr.InvalidWith("status "+msg, []apperr.Problem{{Field: "status", Message: msg}})
}

// View is a manager's team as shown (contract shape of GET /api/teams/{id}).
type View struct {
	ManagerID string   `json:"managerId"`
	Scope     Scope    `json:"scope"`
	Totals    Totals   `json:"totals"`
	People    []Member `json:"people"`
	// Manager is the manager's roster entry, for pages.
	Manager roster.Person `json:"-"`
}

// Totals sums the assignments of the people shown. CompletionRate is
// completed / (completed + onTrack + overdue), the bundle's formula (waived
// assignments count in neither), rounded to 4 decimals; null when there is
// nothing to complete.
type Totals struct {
	People         int      `json:"people"`
	Completed      int      `json:"completed"`
	OnTrack        int      `json:"onTrack"`
	Overdue        int      `json:"overdue"`
	Waived         int      `json:"waived"`
	CompletionRate *float64 `json:"completionRate"`
}

// Member is one person of a team.
type Member struct {
	EmployeeID string `json:"employeeId"`
	Name       string `json:"name"`
	Department string `json:"department"`
	ManagerID  string `json:"managerId"`
	// Depth is 1 for a direct report, 2 for a report's report, and so on.
	Depth int `json:"depth"`
	// Reachable is false once mail to the person bounced or drew a complaint.
	Reachable bool `json:"reachable"`
	// LastReminderAt is when the last reminder or nudge naming one of the
	// person's assignments was sent (see LastReminder).
	LastReminderAt *time.Time `json:"lastReminderAt"`
	Assignments    []Item     `json:"assignments"`
	Policies       []Policy   `json:"policies"`
	// Email is the person's address, for the reachability check.
	Email string `json:"-"`
}

// Item is one assignment of a member as shown.
type Item struct {
	ModuleID string    `json:"moduleId"`
	Cycle    int       `json:"cycle"`
	DueAt    time.Time `json:"dueAt"`
	// Status is assign.Assignment.StatusAt: completed, on_track, overdue or waived.
	Status string `json:"status"`
	// DaysOverdue counts the days since the due day, in the person's time
	// zone, of an overdue assignment; 0 otherwise.
	DaysOverdue int        `json:"daysOverdue"`
	CompletedAt *time.Time `json:"completedAt"`
	WaiverID    *string    `json:"waiverId"`
}

// Policy is one policy a member must acknowledge in the current cycle.
type Policy struct {
	PolicyID       string     `json:"policyId"`
	Cycle          string     `json:"cycle"`
	AcknowledgedAt *time.Time `json:"acknowledgedAt"`
	// WaiverID names the waiver that holds for a policy not acknowledged
	// this cycle (nobody asks for it meanwhile); null otherwise.
	WaiverID *string `json:"waiverId"`
}

// PolicyCounts returns how many of the member's policies are acknowledged
// this cycle, and how many of the others a waiver holds for.
func (m Member) PolicyCounts() (acked, waived int) {
	for _, p := range m.Policies {
		switch {
		case p.AcknowledgedAt != nil:
			acked++
		case p.WaiverID != nil:
			waived++
		}
	}
	return acked, waived
}

// pending reports whether any policy still waits for its acknowledgment.
func pending(ps []Policy) bool {
	return slices.ContainsFunc(ps, func(p Policy) bool { return p.AcknowledgedAt == nil })
}

// WaivePolicies sets the waiver of each unacknowledged policy of ps that a
// waiver among ws holds for at now.
func WaivePolicies(ps []Policy, ws []waiver.Waiver, now time.Time) {
	for i, p := range ps {
		if p.AcknowledgedAt != nil {
			continue
		}
		for _, w := range ws {
			if w.PolicyID() == p.PolicyID && w.HoldsAt(now) {
				id := w.ID
				ps[i].WaiverID = &id
				break
			}
		}
	}
}

// Overdue returns the most days overdue of the member's assignments, 0 when
// none is overdue.
func (m Member) Overdue() int {
	most := 0
	for _, it := range m.Assignments {
		if it.Status == assign.ShownOverdue {
			most = max(most, it.DaysOverdue)
		}
	}
	return most
}

// HasStatus reports whether one of the member's assignments has status.
func (m Member) HasStatus(status string) bool {
	return slices.ContainsFunc(m.Assignments, func(it Item) bool { return it.Status == status })
}

// Items returns the assignments a team view shows of a person at now: the
// latest cycle of each module, unless it is cancelled (a module no longer
// required, or a leaver's), ordered by module. Earlier cycles are history.
func Items(all []assign.Assignment, now time.Time, loc *time.Location) []Item {
	latest := map[string]assign.Assignment{}
	for _, a := range all {
		if cur, ok := latest[a.ModuleID]; !ok || a.Cycle > cur.Cycle {
			latest[a.ModuleID] = a
		}
	}
	out := make([]Item, 0, len(latest))
	for _, a := range latest {
		status := a.StatusAt(now)
		if status == assign.ShownCancelled {
			continue
		}
		it := Item{ModuleID: a.ModuleID, Cycle: a.Cycle, DueAt: a.DueAt.UTC(), Status: status}
		if status == assign.ShownOverdue {
			it.DaysOverdue = DaysOverdue(a.DueOn, now, loc)
		}
		if status == assign.ShownCompleted && !a.CompletedAt.IsZero() {
			at := a.CompletedAt.UTC()
			it.CompletedAt = &at
		}
		if status == assign.ShownWaived {
			id := a.WaiverID
			it.WaiverID = &id
		}
		out = append(out, it)
	}
	slices.SortFunc(out, func(a, b Item) int { return strings.Compare(a.ModuleID, b.ModuleID) })
	return out
}

// DaysOverdue returns the whole days from the due day (YYYY-MM-DD) to now's
// day in loc: 1 the day after the due day. It is 0 on or before the due day
// and for a malformed day.
func DaysOverdue(dueOn string, now time.Time, loc *time.Location) int {
	due, err := time.Parse(roster.DateLayout, dueOn)
	if err != nil {
		return 0
	}
	today, _ := time.Parse(roster.DateLayout, now.In(loc).Format(roster.DateLayout))
	return max(0, int(today.Sub(due).Hours())/24)
}

// LastReminder returns when the person was last reminded, from their
// assignments (every cycle): the latest LastRemindedAt, or for an
// assignment reminded before that instant was kept, the start of its
// LastRemindedOn day in loc. Nil when none was ever reminded.
func LastReminder(all []assign.Assignment, loc *time.Location) *time.Time {
	var last time.Time
	for _, a := range all {
		at := a.LastRemindedAt
		if at.IsZero() && a.LastRemindedOn != "" {
			d, err := time.ParseInLocation(roster.DateLayout, a.LastRemindedOn, loc)
			if err != nil {
				continue
			}
			at = d
		}
		if at.After(last) {
			last = at
		}
	}
	if last.IsZero() {
		return nil
	}
	last = last.UTC()
	return &last
}

// Policies returns the policies a person holding roles must acknowledge in
// the cycle current at now in loc (ack.Cycle), each with its
// acknowledgment time from acked (by policy id and cycle) if any.
func Policies(cat *catalog.Catalog, roles []string, now time.Time, loc *time.Location, acked []ack.Acknowledgment) []Policy {
	at := make(map[[2]string]time.Time, len(acked))
	for _, a := range acked {
		at[[2]string{a.PolicyID, a.Cycle}] = a.AcknowledgedAt
	}
	_, policies := cat.ItemsForRoles(roles)
	out := make([]Policy, 0, len(policies))
	for _, pol := range policies {
		p := Policy{PolicyID: pol.ID, Cycle: ack.Cycle(now, loc, pol.Version.Major)}
		if t, ok := at[[2]string{pol.ID, p.Cycle}]; ok {
			t = t.UTC()
			p.AcknowledgedAt = &t
		}
		out = append(out, p)
	}
	return out
}

// Sort orders members as the view shows them: the most days overdue first
// (everyone with something overdue before everyone without), then by name,
// then by employee id.
func Sort(ms []Member) {
	slices.SortStableFunc(ms, func(a, b Member) int {
		if oa, ob := a.Overdue(), b.Overdue(); oa != ob {
			return ob - oa
		}
		if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
			return c
		}
		return strings.Compare(a.EmployeeID, b.EmployeeID)
	})
}

// Filter returns the members of department (any case; all when empty) with
// at least one assignment in status (all when empty).
func Filter(ms []Member, status, department string) []Member {
	out := ms[:0:0]
	for _, m := range ms {
		if department != "" && !strings.EqualFold(m.Department, department) {
			continue
		}
		if status != "" && !m.HasStatus(status) {
			continue
		}
		out = append(out, m)
	}
	return out
}

// OrganisationSubject is the subject of the audit event of an organisation
// overview (Service.Organisation).
const OrganisationSubject = "organisation"

// Org is the whole organisation's training, by department.
type Org struct {
	Totals Totals
	// OverduePeople counts the people with something overdue.
	OverduePeople int
	Departments   []Department
}

// Department is one department's totals: its people's assignments as Sum
// counts them, and how many of its people have something overdue.
type Department struct {
	// Name is the department as the roster writes it; empty for people
	// without one.
	Name          string
	Totals        Totals
	OverduePeople int
}

// ByDepartment sums members by department (departments that differ only in
// case are one, named as first met), ordered by name, the people without a
// department last.
func ByDepartment(ms []Member) []Department {
	groups := map[string][]Member{}
	names := map[string]string{}
	for _, m := range ms {
		k := strings.ToLower(m.Department)
		if _, ok := names[k]; !ok {
			names[k] = m.Department
		}
		groups[k] = append(groups[k], m)
	}
	out := make([]Department, 0, len(groups))
	for k, g := range groups {
		d := Department{Name: names[k], Totals: Sum(g)}
		for _, m := range g {
			if m.HasStatus(assign.ShownOverdue) {
				d.OverduePeople++
			}
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b Department) int {
		if (a.Name == "") != (b.Name == "") {
			if a.Name == "" {
				return 1
			}
			return -1
		}
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	return out
}

// Sum returns the totals of members.
func Sum(ms []Member) Totals {
	t := Totals{People: len(ms)}
	for _, m := range ms {
		for _, it := range m.Assignments {
			switch it.Status {
			case assign.ShownCompleted:
				t.Completed++
			case assign.ShownOnTrack:
				t.OnTrack++
			case assign.ShownOverdue:
				t.Overdue++
			case assign.ShownWaived:
				t.Waived++
			}
		}
	}
	if n := t.Completed + t.OnTrack + t.Overdue; n > 0 {
		rate := math.Round(float64(t.Completed)/float64(n)*10000) / 10000
		t.CompletionRate = &rate
	}
	return t
}
