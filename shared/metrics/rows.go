package metrics

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// Rows reduces a person's history to their rows as recorded before p.End
// (E). It returns false when the person is out of the period's scope:
// unknown at E (no roster revision recorded before it), or not active on
// any day of the quarter up to AsOf (start date after AsOf, or end date
// before the quarter's first day). docs/METRICS.md ("As recorded before E")
// gives every rule.
func Rows(h History, cat *catalog.Catalog, p Period) (PersonRows, bool) {
	revs := recordedRevisions(h.Revisions, p.End)
	if len(revs) == 0 {
		return PersonRows{}, false
	}
	person := revs[len(revs)-1].Person
	if person.StartDate > p.AsOf || (person.EndDate != "" && person.EndDate < p.FirstDay()) {
		return PersonRows{}, false
	}
	loc := person.Location()
	out := PersonRows{Person: personRow(person)}
	out.Person.Spans = spans(revs, person, loc, p)
	waivers := heldWaivers(h.Waivers, p.End)
	out.Assignments = assignmentRows(h, person, loc, waivers, p)
	out.Acks = ackRows(h.Acks, person, loc, cat, waivers, p)
	for _, a := range h.Attempts {
		if !a.At.Before(p.Start) && a.At.Before(p.End) {
			out.Attempts = append(out.Attempts, AttemptRow{ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Number,
				At: a.At.UTC(), Score: a.Score, Passed: a.Passed})
		}
	}
	slices.SortFunc(out.Attempts, func(a, b AttemptRow) int {
		return cmp.Or(a.At.Compare(b.At), strings.Compare(a.ModuleID, b.ModuleID), cmp.Compare(a.Cycle, b.Cycle), cmp.Compare(a.Number, b.Number))
	})
	return out, true
}

// recordedRevisions returns the revisions recorded before end, oldest first.
func recordedRevisions(all []roster.Revision, end time.Time) []roster.Revision {
	var revs []roster.Revision
	for _, r := range all {
		if r.At.Before(end) {
			revs = append(revs, r)
		}
	}
	slices.SortStableFunc(revs, func(a, b roster.Revision) int { return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.Rev, b.Rev)) })
	return revs
}

// personRow copies the roster data of a person.
func personRow(p roster.Person) PersonRow {
	tz := p.TimeZone
	if tz == "" {
		tz = "UTC"
	}
	return PersonRow{
		EmployeeID: p.EmployeeID, Name: p.Name, Email: p.Email, Roles: slices.Clone(p.Roles),
		ManagerID: p.ManagerID, Department: p.Department, EmploymentType: string(p.EmploymentType),
		Vendor: p.Vendor, Engagements: slices.Clone(p.Engagements), StartDate: p.StartDate,
		EndDate: p.EndDate, TimeZone: tz,
	}
}

// dayStart returns the first instant of day (YYYY-MM-DD) in loc, in UTC; the
// zero time for a malformed day.
func dayStart(day string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(dayLayout, day, loc)
	if err != nil {
		return time.Time{}
	}
	return d.UTC()
}

// dayAfter returns the first instant after day (YYYY-MM-DD) in loc, in UTC.
func dayAfter(day string, loc *time.Location) time.Time {
	d, err := time.ParseInLocation(dayLayout, day, loc)
	if err != nil {
		return time.Time{}
	}
	return d.AddDate(0, 0, 1).UTC()
}

// addDays returns day (YYYY-MM-DD) plus n calendar days.
func addDays(day string, n int) string {
	d, err := time.Parse(dayLayout, day)
	if err != nil {
		return day
	}
	return d.AddDate(0, 0, n).Format(dayLayout)
}

// spans returns the stretches of the person on each engagement, from the
// revisions recorded before E, that overlap the period and the person's
// active days. person is the person as at E: its time zone and end date
// apply to every stretch.
func spans(revs []roster.Revision, person roster.Person, loc *time.Location, p Period) []Span {
	activeFrom := dayStart(person.StartDate, loc)
	var left time.Time // when the person's engagement with the organisation ends
	if person.EndDate != "" {
		left = dayAfter(person.EndDate, loc)
	}
	open := map[string]int{} // engagement → index in revs of the revision that began its stretch
	var out []Span
	// closeStretch ends the stretch of eng that began at revs[from]: dropped
	// by a revision recorded at droppedAt, or still held at E (zero).
	closeStretch := func(eng string, from int, droppedAt time.Time) {
		s := Span{Engagement: eng, JoinedOn: max(person.StartDate, revs[from].At.In(loc).Format(dayLayout))}
		begin, end := revs[from].At, p.End
		if activeFrom.After(begin) {
			begin = activeFrom
		}
		if !droppedAt.IsZero() {
			s.LeftAt, end = droppedAt.UTC(), droppedAt
		}
		if !left.IsZero() && left.Before(end) {
			s.LeftAt, end = left, left
		}
		if begin.Before(end) && end.After(p.Start) {
			out = append(out, s)
		}
	}
	for i, r := range revs {
		for eng, from := range open {
			if !slices.Contains(r.Person.Engagements, eng) {
				closeStretch(eng, from, r.At)
				delete(open, eng)
			}
		}
		for _, eng := range r.Person.Engagements {
			if _, ok := open[eng]; !ok {
				open[eng] = i
			}
		}
	}
	for eng, from := range open {
		closeStretch(eng, from, time.Time{})
	}
	// By engagement, then in time: a stretch still held at E comes last.
	slices.SortFunc(out, func(a, b Span) int {
		return cmp.Or(strings.Compare(a.Engagement, b.Engagement), strings.Compare(a.JoinedOn, b.JoinedOn),
			cmp.Compare(leftKey(a), leftKey(b)))
	})
	return out
}

// leftKey orders spans by when they ended, those not ended last.
func leftKey(s Span) int64 {
	if s.LeftAt.IsZero() {
		return math.MaxInt64
	}
	return s.LeftAt.UnixNano()
}

// heldWaivers returns the waivers that hold at end: granted before it, not
// revoked before it, and not expired on end's UTC day.
func heldWaivers(all []waiver.Waiver, end time.Time) map[string]waiver.Waiver {
	day := waiver.Day(end)
	held := map[string]waiver.Waiver{}
	for _, w := range all {
		if !w.GrantedAt.Before(end) || (!w.RevokedAt.IsZero() && w.RevokedAt.Before(end)) || day > w.ExpiresOn {
			continue
		}
		// Of several waivers of one item, the one lasting longest names it.
		if b, ok := held[w.Item]; !ok || w.ExpiresOn > b.ExpiresOn || (w.ExpiresOn == b.ExpiresOn && w.ID < b.ID) {
			held[w.Item] = w
		}
	}
	return held
}

// recordedAt returns when an assignment cycle was recorded: RecordedAt, or
// for cycles written before it was kept, the start of AssignedOn.
func recordedAt(a assign.Assignment, loc *time.Location) time.Time {
	if !a.RecordedAt.IsZero() {
		return a.RecordedAt
	}
	return dayStart(a.AssignedOn, loc)
}

// cancelledBy reports whether a cycle was cancelled before end: ClosedAt,
// or for cycles cancelled before it was kept, the start of ClosedOn.
func cancelledBy(a assign.Assignment, loc *time.Location, end time.Time) bool {
	if a.Status != assign.StatusCancelled {
		return false
	}
	at := a.ClosedAt
	if at.IsZero() {
		at = dayStart(a.ClosedOn, loc)
	}
	return at.Before(end)
}

// cycleKey names one cycle of one module.
type cycleKey struct {
	module string
	cycle  int
}

// assignmentRows returns, per module, the latest cycle recorded before E
// unless it was cancelled before E, with its status at E.
func assignmentRows(h History, person roster.Person, loc *time.Location, waivers map[string]waiver.Waiver, p Period) []AssignmentRow {
	latest := map[string]assign.Assignment{}
	for _, a := range h.Assignments {
		if !recordedAt(a, loc).Before(p.End) {
			continue
		}
		if b, ok := latest[a.ModuleID]; !ok || a.Cycle > b.Cycle {
			latest[a.ModuleID] = a
		}
	}
	attempts := map[cycleKey]int{}
	for _, at := range h.Attempts {
		if at.At.Before(p.End) {
			attempts[cycleKey{at.ModuleID, at.Cycle}]++
		}
	}
	var out []AssignmentRow
	for _, id := range slices.Sorted(maps.Keys(latest)) {
		a := latest[id]
		if cancelledBy(a, loc, p.End) {
			continue
		}
		r := AssignmentRow{
			EmployeeID: person.EmployeeID, ModuleID: a.ModuleID, ModuleVersion: a.ModuleVersion, Cycle: a.Cycle,
			Reason: string(a.Reason), AssignedOn: a.AssignedOn, AssignedAt: dayStart(a.AssignedOn, loc),
			DueAt: a.DueAt.UTC(), Attempts: attempts[cycleKey{a.ModuleID, a.Cycle}],
		}
		w, waived := waivers[waiver.ModulePrefix+a.ModuleID]
		if waived {
			r.WaiverID = w.ID
		}
		switch {
		case !a.CompletedAt.IsZero() && a.CompletedAt.Before(p.End):
			r.Status, r.CompletedAt, r.Score = Completed, a.CompletedAt.UTC(), a.Score
		case waived:
			r.Status = Waived
		case a.DueAt.Before(p.End):
			r.Status = Overdue
		default:
			r.Status = OnTrack
		}
		out = append(out, r)
	}
	return out
}

// ackRows returns one row per policy the person's roles require at E, in
// the cycle of AsOf's calendar year, with the acknowledgment recorded
// before E if any.
func ackRows(acks []ack.Acknowledgment, person roster.Person, loc *time.Location, cat *catalog.Catalog, waivers map[string]waiver.Waiver, p Period) []AckRow {
	if cat == nil {
		return nil
	}
	_, policies := cat.ItemsForRoles(person.Roles)
	asOf := dayStart(p.AsOf, loc)
	var out []AckRow
	for _, pol := range policies {
		r := AckRow{EmployeeID: person.EmployeeID, PolicyID: pol.ID, PolicyVersion: pol.Version.String(),
			TextSHA256: pol.SHA256, Cycle: ack.Cycle(asOf, loc, pol.Version.Major)}
		for _, a := range acks {
			if a.PolicyID == pol.ID && a.Cycle == r.Cycle && a.AcknowledgedAt.Before(p.End) &&
				(r.AcknowledgedAt.IsZero() || a.AcknowledgedAt.Before(r.AcknowledgedAt)) {
				r.PolicyVersion, r.TextSHA256, r.AcknowledgedAt = a.PolicyVersion, a.TextSHA256, a.AcknowledgedAt.UTC()
				r.TypedName, r.IP, r.UserAgent = a.TypedName, a.IP, a.UserAgent
			}
		}
		if w, ok := waivers[waiver.PolicyPrefix+pol.ID]; ok {
			r.WaiverID = w.ID
		}
		out = append(out, r)
	}
	return out
}
