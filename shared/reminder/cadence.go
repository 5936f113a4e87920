package reminder

import (
	"errors"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
)

// maxBeforeDue bounds the days before the due day a reminder may be set on.
const maxBeforeDue = 365

// Validate reports every value of the cadence that makes no sense: a
// reminder day before the due day outside 0..365 or listed twice, an
// overdue interval, cap or escalation threshold below 1, the next manager
// up reached before the first, or (when Hourly) a window outside 0..24
// that does not end after it starts.
func (c Config) Validate() error {
	var errs []error
	seen := make(map[int]bool, len(c.BeforeDue))
	for _, k := range c.BeforeDue {
		switch {
		case k < 0 || k > maxBeforeDue:
			errs = append(errs, fmt.Errorf("reminder config: days before due must be 0 to %d, got %d", maxBeforeDue, k))
		case seen[k]:
			errs = append(errs, fmt.Errorf("reminder config: days before due lists %d twice", k))
		}
		seen[k] = true
	}
	if c.OverdueEvery < 1 {
		errs = append(errs, fmt.Errorf("reminder config: overdue interval must be at least 1 day, got %d", c.OverdueEvery))
	}
	if c.MaxPerAssignment < 1 {
		errs = append(errs, fmt.Errorf("reminder config: maximum reminders per assignment must be at least 1, got %d", c.MaxPerAssignment))
	}
	if c.Hourly && (c.FromHour < 0 || c.ToHour > 24 || c.FromHour >= c.ToHour) {
		errs = append(errs, fmt.Errorf("reminder config: sending hours must satisfy 0 <= from < to <= 24, got %d to %d", c.FromHour, c.ToHour))
	}
	if c.EscalateAfter < 1 {
		errs = append(errs, fmt.Errorf("reminder config: escalation must start at 1 day overdue or later, got %d", c.EscalateAfter))
	}
	if c.EscalateUpAfter < c.EscalateAfter {
		errs = append(errs, fmt.Errorf("reminder config: escalation to the next manager up (%d days) must not come before escalation to the manager (%d days)", c.EscalateUpAfter, c.EscalateAfter))
	}
	return errors.Join(errs...)
}

// DigestReason says whether the open assignment a belongs in its person's
// digest on localDay (YYYY-MM-DD, the person's local day), and why:
//
//   - nothing before the assignment day, nothing once MaxPerAssignment
//     reminders named it, nothing twice on one day;
//   - the first reminder is the notice, on the assignment day or the first
//     sending day after it;
//   - after that, the reminder days are the due day minus each BeforeDue,
//     and every OverdueEvery days from the day after the due day. A reminder
//     goes out when a reminder day has come since the last one
//     (LastRemindedOn < day <= localDay), so reminder days missed on a
//     weekend make one reminder on the next sending day, not several.
//
// The reason is ReasonOverdue once localDay is after the due day, and
// ReasonBeforeDue until then. DigestReason expects a valid Config.
func DigestReason(c Config, a assign.Assignment, localDay string) (Reason, bool) {
	if a.Status != assign.StatusOpen || a.RemindersSent >= c.MaxPerAssignment ||
		a.LastRemindedOn == localDay || localDay < a.AssignedOn {
		return "", false
	}
	if a.RemindersSent == 0 {
		return ReasonNotice, true
	}
	due, err1 := parseDay(a.DueOn)
	day, err2 := parseDay(localDay)
	if err1 != nil || err2 != nil {
		return "", false
	}
	last, ok := lastReminderDay(c, due, day)
	if !ok || last.Format(roster.DateLayout) <= a.LastRemindedOn {
		return "", false
	}
	if localDay > a.DueOn {
		return ReasonOverdue, true
	}
	return ReasonBeforeDue, true
}

// DueBefore returns the day (YYYY-MM-DD) before which an open assignment
// must be due for a run at now to remind or escalate it, its notice aside:
// a reminder day comes at most the largest BeforeDue days before the due
// day, an overdue reminder or an escalation after it, and no recipient's
// local day is more than one day after now's UTC day. An assignment awaiting
// its notice may be due any day; Plan needs those as well.
func DueBefore(c Config, now time.Time) string {
	ahead := 0
	for _, k := range c.BeforeDue {
		ahead = max(ahead, k)
	}
	return now.UTC().AddDate(0, 0, ahead+2).Format(roster.DateLayout)
}

// lastReminderDay returns the latest reminder day on or before day for an
// assignment due on due, if there is one.
func lastReminderDay(c Config, due, day time.Time) (time.Time, bool) {
	var last time.Time
	found := false
	for _, k := range c.BeforeDue {
		if r := due.AddDate(0, 0, -k); !r.After(day) && (!found || r.After(last)) {
			last, found = r, true
		}
	}
	if first := due.AddDate(0, 0, 1); c.OverdueEvery > 0 && !day.Before(first) {
		n := daysBetween(first, day) / c.OverdueEvery
		if r := first.AddDate(0, 0, n*c.OverdueEvery); !found || r.After(last) {
			last, found = r, true
		}
	}
	return last, found
}

// SendingWindow returns the local day at now in loc (UTC when nil) and
// whether mail may go out now: never on a Saturday or Sunday there when
// SkipWeekends is set, and, when the run is hourly, only from FromHour:00
// up to (not including) ToHour:00 local time.
func SendingWindow(c Config, now time.Time, loc *time.Location) (localDay string, ok bool) {
	if loc == nil {
		loc = time.UTC
	}
	t := now.In(loc)
	localDay = t.Format(roster.DateLayout)
	if c.SkipWeekends && (t.Weekday() == time.Saturday || t.Weekday() == time.Sunday) {
		return localDay, false
	}
	if c.Hourly && (t.Hour() < c.FromHour || t.Hour() >= c.ToHour) {
		return localDay, false
	}
	return localDay, true
}

// parseDay parses a YYYY-MM-DD day as midnight UTC, so that days between
// two of them are whole.
func parseDay(s string) (time.Time, error) {
	return time.Parse(roster.DateLayout, s)
}

// daysBetween returns the whole days from a to b, two days parsed by parseDay.
func daysBetween(a, b time.Time) int {
	return int(b.Sub(a).Hours()) / 24
}

// daysOverdue returns how many days localDay is after dueOn, 0 when it is
// not (or either day is malformed).
func daysOverdue(dueOn, localDay string) int {
	due, err1 := parseDay(dueOn)
	day, err2 := parseDay(localDay)
	if err1 != nil || err2 != nil {
		return 0
	}
	return max(0, daysBetween(due, day))
}
