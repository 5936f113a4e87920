package reminder

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/roster"
)

// IsVendor reports whether the recipient is a vendor's contact address
// rather than a person of the roster.
func (r Recipient) IsVendor() bool { return identity.IsVendorRef(r.Key) }

// Input is everything one reminder run decides from.
type Input struct {
	// Config is the cadence; Plan expects it valid (see Config.Validate).
	Config Config
	// Now is the instant of the run.
	Now time.Time
	// Open are the open assignments: at least those awaiting their notice
	// (RemindersSent 0) and those due before DueBefore(Config, Now), from
	// the due index; more change nothing, others than open ones are ignored.
	Open []assign.Assignment
	// People holds by employee id the people of Open, their managers up to
	// two levels and the vendors' owners. A missing record skips that rung
	// of the escalation.
	People map[string]roster.Person
	// Vendors holds the vendors' escalation contacts by vendor key (the
	// roster's vendor name, exactly as written there).
	Vendors map[string]orgconfig.Vendor
	// Unreachable holds lower-case email addresses that bounced or
	// complained: they are never a recipient.
	Unreachable map[string]bool
}

// Plan returns the notifications to send at in.Now, sorted by recipient key
// and kind:
//
//   - a digest per person listing each open assignment DigestReason accepts
//     on the person's local day, sorted by due day;
//   - an escalation per recipient listing the overdue assignments of the
//     people they are accountable for: the direct reports overdue
//     EscalateAfter days or more and the reports of those reports overdue
//     EscalateUpAfter days or more. Subcontractor staff whose vendor has a
//     contact or an owner escalate, from EscalateAfter days, to those
//     instead of their managers. Days overdue count in the report's time
//     zone; reports no longer active are not escalated.
//
// A recipient gets nothing when their sending window is closed (weekend or
// hour in their time zone), when they are no longer active on their local
// day, or when their address is unreachable; nobody else is sent their
// share. Each notification's Day is the recipient's local day: sending it
// once per recipient, kind and day is the caller's part (a digest also
// stops itself once the caller records the reminders on the assignments).
func Plan(in Input) []Notification {
	byPerson := make(map[string][]assign.Assignment)
	for _, a := range in.Open {
		if a.Status == assign.StatusOpen {
			byPerson[a.EmployeeID] = append(byPerson[a.EmployeeID], a)
		}
	}
	var out []Notification
	esc := escalations{}
	for _, id := range slices.Sorted(maps.Keys(byPerson)) {
		p, ok := in.People[id]
		if !ok {
			continue
		}
		if n, ok := in.digest(p, byPerson[id]); ok {
			out = append(out, n)
		}
		in.escalate(esc, p, byPerson[id])
	}
	for _, n := range esc {
		slices.SortFunc(n.Lines, compareEscalationLines)
		out = append(out, *n)
	}
	slices.SortFunc(out, func(a, b Notification) int {
		return cmp.Or(cmp.Compare(a.Recipient.Key, b.Recipient.Key), cmp.Compare(a.Kind, b.Kind))
	})
	return out
}

// NudgeNotification returns the manual reminder for p at now: every open
// assignment of p among open, sorted by due day, with ReasonNudge. It
// returns false when p has nothing open or is no longer active on their
// local day. A nudge ignores the sending window and the cap; leaving out
// unreachable addresses is the caller's part.
func NudgeNotification(p roster.Person, open []assign.Assignment, now time.Time) (Notification, bool) {
	loc := p.Location()
	day := now.In(loc).Format(roster.DateLayout)
	if !p.ActiveOn(day) {
		return Notification{}, false
	}
	var lines []Line
	for _, a := range open {
		if a.Status == assign.StatusOpen && a.EmployeeID == p.EmployeeID {
			lines = append(lines, Line{Person: p, Assignment: a, Reason: ReasonNudge, DaysOverdue: daysOverdue(a.DueOn, day)})
		}
	}
	if len(lines) == 0 {
		return Notification{}, false
	}
	slices.SortFunc(lines, compareDigestLines)
	return Notification{Recipient: personRecipient(p, loc), Kind: KindNudge, Day: day, Lines: lines}, true
}

// digest returns p's digest for this run, if one is due.
func (in Input) digest(p roster.Person, open []assign.Assignment) (Notification, bool) {
	r, day, ok := in.reachablePerson(p)
	if !ok {
		return Notification{}, false
	}
	var lines []Line
	for _, a := range open {
		if reason, ok := DigestReason(in.Config, a, day); ok {
			lines = append(lines, Line{Person: p, Assignment: a, Reason: reason, DaysOverdue: daysOverdue(a.DueOn, day)})
		}
	}
	if len(lines) == 0 {
		return Notification{}, false
	}
	slices.SortFunc(lines, compareDigestLines)
	return Notification{Recipient: r, Kind: KindDigest, Day: day, Lines: lines}, true
}

// escalations collects the escalation notifications of a run by recipient
// key.
type escalations map[string]*Notification

// add lists line in the escalation to r, whose local day is day. Each
// assignment reaches a recipient by one rung at most: the two managers
// differ (a person is not their own manager) and so do a vendor's contact
// and owner.
func (e escalations) add(r Recipient, day string, line Line) {
	if r.Key == identity.PersonRef(line.Person.EmployeeID) {
		return // nobody is escalated to themselves
	}
	n, ok := e[r.Key]
	if !ok {
		n = &Notification{Recipient: r, Kind: KindEscalation, Day: day}
		e[r.Key] = n
	}
	n.Lines = append(n.Lines, line)
}

// escalate adds p's overdue assignments to the escalations of the people
// accountable for p.
func (in Input) escalate(e escalations, p roster.Person, open []assign.Assignment) {
	day := in.Now.In(p.Location()).Format(roster.DateLayout)
	if !p.ActiveOn(day) {
		return
	}
	for _, a := range open {
		over := daysOverdue(a.DueOn, day)
		if over < in.Config.EscalateAfter {
			continue
		}
		line := Line{Person: p, Assignment: a, DaysOverdue: over}
		if v, ok := in.vendorOf(p); ok {
			if v.ContactEmail != "" {
				if r, rday, ok := in.reachableVendor(p.Vendor, v.ContactEmail); ok {
					e.add(r, rday, line)
				}
			}
			if owner, ok := in.People[v.OwnerID]; ok && v.OwnerID != "" {
				if r, rday, ok := in.reachablePerson(owner); ok {
					e.add(r, rday, line)
				}
			}
			continue
		}
		manager, ok := in.managerOf(p)
		if !ok {
			continue
		}
		if r, rday, ok := in.reachablePerson(manager); ok {
			e.add(r, rday, line)
		}
		if over < in.Config.EscalateUpAfter {
			continue
		}
		if up, ok := in.managerOf(manager); ok {
			if r, rday, ok := in.reachablePerson(up); ok {
				e.add(r, rday, line)
			}
		}
	}
}

// vendorOf returns the escalation contacts of a subcontractor's vendor, if
// the vendor has a contact or an owner.
func (in Input) vendorOf(p roster.Person) (orgconfig.Vendor, bool) {
	if p.EmploymentType != roster.Subcontractor || p.Vendor == "" {
		return orgconfig.Vendor{}, false
	}
	v, ok := in.Vendors[p.Vendor]
	return v, ok && (v.ContactEmail != "" || v.OwnerID != "")
}

// managerOf returns p's manager, if p has one other than themselves and
// their record is known.
func (in Input) managerOf(p roster.Person) (roster.Person, bool) {
	if p.ManagerID == "" || p.ManagerID == p.EmployeeID {
		return roster.Person{}, false
	}
	m, ok := in.People[p.ManagerID]
	return m, ok
}

// reachablePerson returns p as a recipient and p's local day, if mail may
// go to p now.
func (in Input) reachablePerson(p roster.Person) (Recipient, string, bool) {
	loc := p.Location()
	day, open := SendingWindow(in.Config, in.Now, loc)
	if !open || !p.ActiveOn(day) || !in.reachable(p.Email) {
		return Recipient{}, "", false
	}
	return personRecipient(p, loc), day, true
}

// reachableVendor returns a vendor's contact as a recipient (in UTC) and
// the day there, if mail may go to it now.
func (in Input) reachableVendor(key, email string) (Recipient, string, bool) {
	day, open := SendingWindow(in.Config, in.Now, time.UTC)
	if !open || !in.reachable(email) {
		return Recipient{}, "", false
	}
	return Recipient{Key: identity.VendorRef(key), Email: email, Name: key, TimeZone: time.UTC}, day, true
}

// reachable reports whether email is an address mail may go to.
func (in Input) reachable(email string) bool {
	email = strings.ToLower(strings.TrimSpace(email))
	return email != "" && !in.Unreachable[email]
}

// personRecipient returns p as a recipient in loc, p's time zone.
func personRecipient(p roster.Person, loc *time.Location) Recipient {
	return Recipient{Key: identity.PersonRef(p.EmployeeID), Email: p.Email, Name: p.Name, TimeZone: loc}
}

// compareDigestLines orders one person's lines by due day, module and cycle.
func compareDigestLines(a, b Line) int {
	return cmp.Or(
		cmp.Compare(a.Assignment.DueOn, b.Assignment.DueOn),
		cmp.Compare(a.Assignment.ModuleID, b.Assignment.ModuleID),
		cmp.Compare(a.Assignment.Cycle, b.Assignment.Cycle),
	)
}

// compareEscalationLines groups lines by person (name, then id) and orders
// each person's lines as a digest.
func compareEscalationLines(a, b Line) int {
	return cmp.Or(
		cmp.Compare(a.Person.Name, b.Person.Name),
		cmp.Compare(a.Person.EmployeeID, b.Person.EmployeeID),
		compareDigestLines(a, b),
	)
}
