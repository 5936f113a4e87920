// Package assign decides which training each person must do and when. The
// decision is pure: given a person, the catalog, the person's existing
// assignments and a day, Decide returns the assignments to create and the open
// ones to close. Applying the plan and deciding again yields an empty plan.
package assign

import (
	"sort"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

// Status is the stored state of an assignment. Whether an open assignment is
// on track or overdue is derived from its due time when it is read.
type Status string

// Assignment statuses.
const (
	StatusOpen      Status = "open"
	StatusCompleted Status = "completed"
	StatusCancelled Status = "cancelled"
	StatusWaived    Status = "waived"
)

// Reason says why an assignment was created or closed.
type Reason string

// Reasons for creating an assignment.
const (
	ReasonHire          Reason = "hire"           // first training of a new person
	ReasonRoleChange    Reason = "role_change"    // a role added a module, or a person came back
	ReasonRenewal       Reason = "renewal"        // the last completion turned one year old
	ReasonContentChange Reason = "content_change" // a new major version of the module
)

// Reasons for closing an open assignment as cancelled.
const (
	ReasonLeaver           Reason = "leaver"             // the person's engagement ended
	ReasonSuperseded       Reason = "superseded"         // a new major version replaced it
	ReasonNoLongerRequired Reason = "no_longer_required" // no role of the person requires it any more
)

// Assignment is one cycle of one module for one person. Cycle 1 is the first
// assignment; every renewal or retraining adds a cycle and leaves the earlier
// ones as they were. AssignedOn, DueOn, LastRemindedOn and ClosedOn are
// calendar days (YYYY-MM-DD) in the person's time zone, not instants; DueAt
// and CompletedAt are instants.
type Assignment struct {
	EmployeeID    string    `json:"employeeId"`
	ModuleID      string    `json:"moduleId"`
	Cycle         int       `json:"cycle"`
	ModuleVersion string    `json:"moduleVersion"`
	ModuleMajor   int       `json:"-"`
	ContentSHA256 string    `json:"contentSha256"`
	Reason        Reason    `json:"reason"`
	AssignedOn    string    `json:"assignedOn"`
	DueOn         string    `json:"dueOn"`
	DueAt         time.Time `json:"dueAt"`
	Recurrence    string    `json:"recurrence"`
	Status        Status    `json:"status"`
	// CompletedAt is when the first passing attempt was made, in UTC to the
	// second; zero while not completed.
	CompletedAt time.Time `json:"completedAt,omitzero"`
	Score       int       `json:"score,omitempty"`
	Attempts    int       `json:"attempts"`
	// CompletedVersion and CompletedSHA256 identify the content the person
	// actually passed: a minor or patch release after assignment is taken as is.
	CompletedVersion string `json:"completedVersion,omitempty"`
	CompletedSHA256  string `json:"completedSha256,omitempty"`
	// RemindersSent counts the reminders that named this assignment; the
	// last one went out on LastRemindedOn (YYYY-MM-DD).
	RemindersSent  int    `json:"remindersSent"`
	LastRemindedOn string `json:"lastRemindedOn,omitempty"`
	// LastRemindedAt is when the last reminder naming this assignment was
	// recorded as sent; zero when none was, or when it was recorded before
	// the instant was kept (LastRemindedOn still tells the day).
	LastRemindedAt time.Time `json:"lastRemindedAt,omitzero"`
	ClosedOn       string    `json:"closedOn,omitempty"`
	CloseReason    Reason    `json:"closeReason,omitempty"`
	// RecordedAt is when the cycle was written, ClosedAt when it was
	// cancelled (zero while it is not): with CompletedAt they tell what the
	// system had recorded at any instant, which as-of metrics rely on. Both
	// are set by the store from the writing run's clock.
	RecordedAt time.Time `json:"recordedAt,omitzero"`
	ClosedAt   time.Time `json:"closedAt,omitzero"`
	// WaiverID names the waiver that covers the cycle while it is waived; a
	// waived cycle completed (a waived module may still be taken) keeps it,
	// a reopened one loses it.
	WaiverID string `json:"waiverId,omitempty"`
	// WaivedThrough is the last day (YYYY-MM-DD, UTC) the waiver holds: after
	// it the cycle shows as open (StatusAt) even before the daily run
	// reopens it.
	WaivedThrough string `json:"waivedThrough,omitempty"`
	// Version is the optimistic-locking counter of the stored item.
	Version int `json:"-"`
}

// RenewOn returns the day a completed annual assignment must be renewed: one
// year after the completion day in the person's time zone. It returns "" for
// anything else.
func (a Assignment) RenewOn(loc *time.Location) string {
	if a.Status != StatusCompleted || a.Recurrence != string(catalog.RecurrenceAnnual) || a.CompletedAt.IsZero() {
		return ""
	}
	return a.CompletedAt.In(loc).AddDate(1, 0, 0).Format(roster.DateLayout)
}

// Exemption is a waiver of one module as the engine sees it: it holds on
// every day up to and including Through (YYYY-MM-DD, UTC) unless revoked.
type Exemption struct {
	WaiverID string
	ModuleID string
	Through  string
	Revoked  bool
}

// HoldsOn reports whether the exemption holds on day (YYYY-MM-DD).
func (e Exemption) HoldsOn(day string) bool { return !e.Revoked && day <= e.Through }

// Waiving puts one open assignment under a waiver (or a waived one under
// another waiver): status waived, off the due index.
type Waiving struct {
	ModuleID string
	Cycle    int
	WaiverID string
	// Through is the last day (YYYY-MM-DD, UTC) the waiver holds.
	Through string
	// Version is the stored version the change expects (optimistic locking).
	Version int
}

// Reopening takes one waived assignment out of its waiver (expired or
// revoked): open again with its original due date, back on the due index.
type Reopening struct {
	ModuleID string
	Cycle    int
	DueOn    string
	// RemindersSent is the assignment's count of reminders: one that none
	// has named yet goes back on the due index awaiting its notice.
	RemindersSent int
	// Version is the stored version the change expects (optimistic locking).
	Version int
}

// Closure closes one open or waived assignment as cancelled.
type Closure struct {
	ModuleID string
	Cycle    int
	Reason   Reason
	// Version is the stored version the closure expects (optimistic locking).
	Version int
}

// Plan is what Decide found to do for one person.
type Plan struct {
	Create []Assignment
	Close  []Closure
	Waive  []Waiving
	Reopen []Reopening
}

// Empty reports whether the plan changes nothing.
func (p Plan) Empty() bool {
	return len(p.Create) == 0 && len(p.Close) == 0 && len(p.Waive) == 0 && len(p.Reopen) == 0
}

// live reports whether the assignment is still to be done or excused: open
// or waived, not completed or cancelled.
func (a Assignment) live() bool { return a.Status == StatusOpen || a.Status == StatusWaived }

// holding returns the exemption of module that holds on day, if any (the one
// lasting longest when several do).
func holding(exemptions []Exemption, moduleID, day string) (Exemption, bool) {
	var best Exemption
	found := false
	for _, e := range exemptions {
		if e.ModuleID == moduleID && e.HoldsOn(day) && (!found || e.Through > best.Through) {
			best, found = e, true
		}
	}
	return best, found
}

// WaiverChange returns how an assignment cycle a must change on day under
// the exemptions: put under the waiver that holds (when it is open, or
// waived under another waiver), reopened (when it is waived and none
// holds), or nothing. Only the latest live cycle of a module is ever waived.
func WaiverChange(a Assignment, exemptions []Exemption, day string) (*Waiving, *Reopening) {
	if !a.live() {
		return nil, nil
	}
	e, ok := holding(exemptions, a.ModuleID, day)
	switch {
	case ok && (a.Status == StatusOpen || a.WaiverID != e.WaiverID):
		return &Waiving{ModuleID: a.ModuleID, Cycle: a.Cycle, WaiverID: e.WaiverID, Through: e.Through, Version: a.Version}, nil
	case !ok && a.Status == StatusWaived:
		return nil, &Reopening{ModuleID: a.ModuleID, Cycle: a.Cycle, DueOn: a.DueOn, RemindersSent: a.RemindersSent, Version: a.Version}
	}
	return nil, nil
}

// Decide returns what must change for person on day (YYYY-MM-DD, the run's
// date) so that their assignments match the catalog and the customer
// agreements. The modules required are those the person's roles give, plus
// those the training obligations of the agreements in force on day require
// of the people holding their engagement (see agreement.RequiredModules)
// when no role gives them; such a module is due the obligation's WithinDays
// after it is assigned (the smallest when several obligations list it)
// instead of its own due days. Leaving the engagement, or the agreement
// ending, makes it no longer required. For every required module:
//
//   - a required module never assigned: cycle 1, assigned on the later of day
//     and the start date, due DueDays later (reason hire when the person has
//     no assignment at all, role_change otherwise);
//   - the last cycle cancelled (role removed and given back, person rejoined):
//     a new cycle, reason role_change;
//   - the last cycle on an older major version: a new cycle on the current
//     version (content_change), the open old one cancelled as superseded;
//     minor and patch versions change nothing;
//   - the last cycle of an annual module completed a year ago or more: a new
//     cycle assigned on the renewal day (renewal); the old record stays;
//   - a module no role requires any more: its open cycle is cancelled;
//   - a leaver (day after end_date): every open cycle is cancelled.
//
// Waived cycles count as open for closing. Under the person's module
// exemptions (waivers): a new cycle of a module with an exemption holding on
// day is created waived; the latest open cycle of such a module is waived;
// a waived cycle whose exemption no longer holds (expired, revoked) is
// reopened with its original due date (see WaiverChange).
//
// existing and exemptions may be in any order. Decide never modifies them.
// agreements may hold agreements not in force on day (they are skipped).
func Decide(person roster.Person, cat *catalog.Catalog, agreements []agreement.Agreement, existing []Assignment, exemptions []Exemption, day string) Plan {
	latest := latestByModule(existing)
	var plan Plan
	if !person.ActiveOn(day) {
		for _, a := range sortedLatest(latest) {
			if a.live() {
				plan.Close = append(plan.Close, Closure{ModuleID: a.ModuleID, Cycle: a.Cycle, Reason: ReasonLeaver, Version: a.Version})
			}
		}
		return plan
	}

	modules, dueDays := requiredModules(person, cat, agreements, day)
	required := make(map[string]bool, len(modules))
	loc := person.Location()
	for _, m := range modules {
		required[m.ID] = true
		last, ok := latest[m.ID]
		due := dueDays[m.ID]
		created := len(plan.Create)
		switch {
		case !ok:
			reason := ReasonRoleChange
			if len(existing) == 0 {
				reason = ReasonHire
			}
			plan.Create = append(plan.Create, newAssignment(person, m, 1, reason, laterDay(day, person.StartDate), due, loc))
		case last.Status == StatusCancelled:
			plan.Create = append(plan.Create, newAssignment(person, m, last.Cycle+1, ReasonRoleChange, laterDay(day, person.StartDate), due, loc))
		case last.ModuleMajor < m.Version.Major:
			if last.live() {
				plan.Close = append(plan.Close, Closure{ModuleID: m.ID, Cycle: last.Cycle, Reason: ReasonSuperseded, Version: last.Version})
			}
			plan.Create = append(plan.Create, newAssignment(person, m, last.Cycle+1, ReasonContentChange, laterDay(day, person.StartDate), due, loc))
		case m.Recurrence == catalog.RecurrenceAnnual && last.Status == StatusCompleted:
			if renew := last.RenewOn(loc); renew != "" && renew <= day {
				plan.Create = append(plan.Create, newAssignment(person, m, last.Cycle+1, ReasonRenewal, renew, due, loc))
			}
		default:
			waive, reopen := WaiverChange(last, exemptions, day)
			if waive != nil {
				plan.Waive = append(plan.Waive, *waive)
			}
			if reopen != nil {
				plan.Reopen = append(plan.Reopen, *reopen)
			}
		}
		if len(plan.Create) > created {
			if e, ok := holding(exemptions, m.ID, day); ok {
				a := &plan.Create[len(plan.Create)-1]
				a.Status, a.WaiverID, a.WaivedThrough = StatusWaived, e.WaiverID, e.Through
			}
		}
	}
	for _, a := range sortedLatest(latest) {
		if !required[a.ModuleID] && a.live() {
			plan.Close = append(plan.Close, Closure{ModuleID: a.ModuleID, Cycle: a.Cycle, Reason: ReasonNoLongerRequired, Version: a.Version})
		}
	}
	return plan
}

// DueAt returns the instant an assignment due on dueOn falls overdue: the end
// of that day in the person's time zone.
func DueAt(dueOn string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(roster.DateLayout, dueOn, loc)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1).UTC()
}

// requiredModules returns the modules person must take on day, sorted by
// id, and the days each is due after it is assigned: the modules of the
// person's roles with their own due days, then those the agreements in force
// require of the person's engagements (that no role gives, and that the
// catalog holds) with the obligation's deadline.
func requiredModules(person roster.Person, cat *catalog.Catalog, agreements []agreement.Agreement, day string) ([]*catalog.Module, map[string]int) {
	modules, _ := cat.ItemsForRoles(person.Roles)
	dueDays := make(map[string]int, len(modules))
	for _, m := range modules {
		dueDays[m.ID] = m.DueDays
	}
	extra := agreement.RequiredModules(agreements, person.Engagements, day)
	if len(extra) == 0 {
		return modules, dueDays
	}
	for id, days := range extra {
		if _, given := dueDays[id]; given {
			continue
		}
		if m, ok := cat.Module(id); ok {
			modules = append(modules, m)
			dueDays[id] = days
		}
	}
	sort.Slice(modules, func(i, j int) bool { return modules[i].ID < modules[j].ID })
	return modules, dueDays
}

func newAssignment(p roster.Person, m *catalog.Module, cycle int, reason Reason, assignedOn string, dueDays int, loc *time.Location) Assignment {
	due := addDays(assignedOn, dueDays)
	return Assignment{
		EmployeeID:    p.EmployeeID,
		ModuleID:      m.ID,
		Cycle:         cycle,
		ModuleVersion: m.Version.String(),
		ModuleMajor:   m.Version.Major,
		ContentSHA256: m.SHA256,
		Reason:        reason,
		AssignedOn:    assignedOn,
		DueOn:         due,
		DueAt:         DueAt(due, loc),
		Recurrence:    string(m.Recurrence),
		Status:        StatusOpen,
	}
}

func latestByModule(existing []Assignment) map[string]Assignment {
	latest := make(map[string]Assignment, len(existing))
	for _, a := range existing {
		if cur, ok := latest[a.ModuleID]; !ok || a.Cycle > cur.Cycle {
			latest[a.ModuleID] = a
		}
	}
	return latest
}

func sortedLatest(latest map[string]Assignment) []Assignment {
	out := make([]Assignment, 0, len(latest))
	for _, a := range latest {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ModuleID < out[j].ModuleID })
	return out
}

func laterDay(a, b string) string {
	if b > a {
		return b
	}
	return a
}

func addDays(day string, n int) string {
	d, err := time.Parse(roster.DateLayout, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(roster.DateLayout)
}

// PersonPlan is the plan decided for one person.
type PersonPlan struct {
	EmployeeID string
	Plan       Plan
	// EventID, when set, is the id of the plan's audit event (a large
	// import's, derived from its plan line); otherwise the store numbers
	// the events of one write.
	EventID string
}

// Statuses an assignment shows to people, derived at a given instant.
const (
	ShownCompleted = "completed"
	ShownOnTrack   = "on_track"
	ShownOverdue   = "overdue"
	ShownWaived    = "waived"
	ShownCancelled = "cancelled"
)

// StatusAt returns the status people see at now: completed and cancelled
// as stored, waived while the waiver holds (through WaivedThrough, UTC); an
// open assignment, or a waived one whose waiver has run out and which the
// next daily run reopens, is overdue from its due instant (the end of the
// due day in the person's time zone), on track before it.
func (a Assignment) StatusAt(now time.Time) string {
	switch a.Status {
	case StatusCompleted:
		return ShownCompleted
	case StatusWaived:
		if a.WaivedThrough == "" || now.UTC().Format(time.DateOnly) <= a.WaivedThrough {
			return ShownWaived
		}
	case StatusCancelled:
		return ShownCancelled
	}
	if !now.Before(a.DueAt) {
		return ShownOverdue
	}
	return ShownOnTrack
}
