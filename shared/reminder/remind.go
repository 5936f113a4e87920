// Package reminder decides, without any I/O, who gets which reminder email on
// a given day: the person's daily digest of open training, and escalations
// of overdue training to managers, the next manager up and, for
// subcontractor staff, the vendor's contact and internal owner. The cadence
// is configuration with sensible defaults.
package reminder

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
)

// Config is the reminder cadence.
type Config struct {
	// BeforeDue are the days before the due day on which a reminder goes out.
	BeforeDue []int
	// OverdueEvery is the interval in days of reminders while overdue; the
	// first goes out the day after the due day.
	OverdueEvery int
	// MaxPerAssignment caps the reminders (the first notice included) that
	// name one assignment.
	MaxPerAssignment int
	// SkipWeekends sends nothing on Saturdays and Sundays in the recipient's
	// time zone; a reminder that fell on a weekend goes out on Monday.
	SkipWeekends bool
	// Hourly says the run happens every hour; then mail goes out only
	// between FromHour and ToHour (local time of the recipient).
	Hourly           bool
	FromHour, ToHour int
	// EscalateAfter: a report overdue this many days or more is listed in
	// their manager's daily digest (and, for subcontractor staff, the
	// vendor contact's and the vendor owner's).
	EscalateAfter int
	// EscalateUpAfter: overdue this many days or more, the next manager up
	// gets it as well.
	EscalateUpAfter int
}

// DefaultConfig is the cadence used unless configured otherwise.
func DefaultConfig() Config {
	return Config{
		BeforeDue: []int{14, 7, 3, 1}, OverdueEvery: 7, MaxPerAssignment: 10,
		SkipWeekends: true, FromHour: 8, ToHour: 18,
		EscalateAfter: 7, EscalateUpAfter: 21,
	}
}

// Kind is the kind of a notification.
type Kind string

// Notification kinds. One of each kind goes to a recipient per day at most.
const (
	KindDigest     Kind = "digest"     // a person's own open training
	KindEscalation Kind = "escalation" // overdue training of the people a recipient is accountable for
	KindNudge      Kind = "nudge"      // a manager's or admin's manual reminder
)

// Reason says why an assignment is in a person's digest.
type Reason string

// Reasons.
const (
	ReasonNotice    Reason = "notice"     // first notice after assignment
	ReasonBeforeDue Reason = "before_due" // one of the reminders before the due day
	ReasonOverdue   Reason = "overdue"    // weekly while overdue
	ReasonNudge     Reason = "nudge"      // named in a manual nudge
)

// Recipient is who a notification goes to: a person of the roster, or a
// vendor's contact address.
type Recipient struct {
	// Key is "person#<employeeId>" or "vendor#<vendor key>".
	Key      string
	Email    string
	Name     string
	TimeZone *time.Location
}

// recipientJSON is how a Recipient travels in queue messages: the time zone
// by name, since a *time.Location has no JSON form.
type recipientJSON struct {
	Key, Email, Name, TimeZone string
}

// MarshalJSON encodes the time zone by its IANA name.
func (r Recipient) MarshalJSON() ([]byte, error) {
	zone := "UTC"
	if r.TimeZone != nil {
		zone = r.TimeZone.String()
	}
	return json.Marshal(recipientJSON{Key: r.Key, Email: r.Email, Name: r.Name, TimeZone: zone})
}

// UnmarshalJSON decodes what MarshalJSON wrote; an unknown zone is an error.
func (r *Recipient) UnmarshalJSON(b []byte) error {
	var v recipientJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	loc, err := time.LoadLocation(v.TimeZone)
	if err != nil {
		return fmt.Errorf("recipient time zone: %w", err)
	}
	*r = Recipient{Key: v.Key, Email: v.Email, Name: v.Name, TimeZone: loc}
	return nil
}

// Line is one assignment in a notification.
type Line struct {
	Person     roster.Person
	Assignment assign.Assignment
	// Reason is set for digest lines.
	Reason Reason
	// DaysOverdue is positive once the due day has passed (local to the person).
	DaysOverdue int
}

// Notification is one email to send: its recipient, kind, the recipient's
// local day (which makes its identity: recipient, kind, day) and its lines.
type Notification struct {
	Recipient Recipient
	Kind      Kind
	Day       string
	Lines     []Line
}
