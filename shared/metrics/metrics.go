// Package metrics computes the accountability figures of the organisation
// and of customer agreements, as recorded at an instant: given everything
// the store holds about a person, Rows keeps only what was recorded before
// the period's end E and reduces it to the rows an evidence bundle carries;
// a Builder adds rows up into figures, over everyone and by dimension. The
// formulas are written down in docs/METRICS.md. It imports no AWS package.
package metrics

import (
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// Period is what a figure is about: the quarter that holds AsOf, cut at End.
type Period struct {
	// Quarter is the quarter holding AsOf ("2026-Q3").
	Quarter string `json:"quarter"`
	// AsOf is the last day counted (YYYY-MM-DD, UTC).
	AsOf string `json:"asOf"`
	// Start is the first instant of the quarter (UTC).
	Start time.Time `json:"start"`
	// End is E: the first instant after AsOf (UTC); only what was recorded
	// strictly before it counts.
	End time.Time `json:"end"`
}

// History is everything the store holds about one person, in any order,
// including what was recorded after the period: Rows drops that.
type History struct {
	Revisions   []roster.Revision
	Assignments []assign.Assignment
	Attempts    []assign.Attempt
	Acks        []ack.Acknowledgment
	Waivers     []waiver.Waiver
}

// PersonRows is one person as recorded before a period's end, reduced to
// the rows the figures are computed from.
type PersonRows struct {
	Person      PersonRow       `json:"person"`
	Assignments []AssignmentRow `json:"assignments"`
	Acks        []AckRow        `json:"acks"`
	// Attempts are the quiz attempts made in the period (Start ≤ At < End).
	Attempts []AttemptRow `json:"attempts,omitempty"`
}

// PersonRow is a person as their latest revision recorded before E has
// them, with the engagements they held during the period.
type PersonRow struct {
	EmployeeID     string   `json:"employeeId"`
	Name           string   `json:"name"`
	Email          string   `json:"email"`
	Roles          []string `json:"roles"`
	ManagerID      string   `json:"managerId,omitempty"`
	Department     string   `json:"department,omitempty"`
	EmploymentType string   `json:"employmentType"`
	Vendor         string   `json:"vendor,omitempty"`
	// Engagements are those held at E.
	Engagements []string `json:"engagements,omitempty"`
	StartDate   string   `json:"startDate"`
	EndDate     string   `json:"endDate,omitempty"`
	TimeZone    string   `json:"timeZone"`
	// Spans are the engagements held at any time in the period.
	Spans []Span `json:"spans,omitempty"`
}

// Span is one stretch of a person on an engagement that overlaps the period.
type Span struct {
	Engagement string `json:"engagement"`
	// JoinedOn is the day (YYYY-MM-DD, person's time zone) the stretch
	// began: the later of the start date and the day the revision adding
	// the engagement was recorded.
	JoinedOn string `json:"joinedOn"`
	// LeftAt is when the revision removing the engagement (or ending the
	// person's engagement with the organisation) took effect; zero when the
	// person still held it at E.
	LeftAt time.Time `json:"leftAt,omitzero"`
}

// Statuses of an assignment row at E (status_at_end).
const (
	Completed = "completed"
	Waived    = "waived"
	Overdue   = "overdue"
	OnTrack   = "on_track"
)

// AssignmentRow is one (person, module, cycle) assignment current at E: the
// assignments.csv columns of the evidence bundle, plus what the formulas
// need.
type AssignmentRow struct {
	EmployeeID    string    `json:"employeeId"`
	ModuleID      string    `json:"moduleId"`
	ModuleVersion string    `json:"moduleVersion"`
	Cycle         int       `json:"cycle"`
	Reason        string    `json:"reason"`
	AssignedOn    string    `json:"assignedOn"`
	AssignedAt    time.Time `json:"assignedAt"`
	DueAt         time.Time `json:"dueAt"`
	CompletedAt   time.Time `json:"completedAt,omitzero"`
	Score         int       `json:"score,omitempty"`
	Attempts      int       `json:"attempts"`
	// Status is status_at_end: Completed, Waived, Overdue or OnTrack.
	Status   string `json:"status"`
	WaiverID string `json:"waiverId,omitempty"`
}

// AckRow is one (person, policy, cycle) acknowledgment required at E, with
// the acknowledgment recorded before E if there is one.
type AckRow struct {
	EmployeeID     string    `json:"employeeId"`
	PolicyID       string    `json:"policyId"`
	PolicyVersion  string    `json:"policyVersion"`
	TextSHA256     string    `json:"textSha256,omitempty"`
	Cycle          string    `json:"cycle"`
	AcknowledgedAt time.Time `json:"acknowledgedAt,omitzero"`
	TypedName      string    `json:"typedName,omitempty"`
	IP             string    `json:"ip,omitempty"`
	UserAgent      string    `json:"userAgent,omitempty"`
	// WaiverID names the waiver covering the policy at E, if any.
	WaiverID string `json:"waiverId,omitempty"`
}

// AttemptRow is one quiz attempt made in the period.
type AttemptRow struct {
	ModuleID string    `json:"moduleId"`
	Cycle    int       `json:"cycle"`
	Number   int       `json:"number"`
	At       time.Time `json:"at"`
	Score    int       `json:"score"`
	Passed   bool      `json:"passed"`
}
