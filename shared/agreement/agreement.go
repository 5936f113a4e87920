// Package agreement holds customer agreements: the engagement whose people
// they cover, their dates, and their obligations (training of listed modules
// or acknowledgment of listed policies within a number of days, against a
// target rate). It imports no AWS package.
package agreement

// Kinds of obligation.
const (
	KindTraining       = "training"
	KindAcknowledgment = "acknowledgment"
)

// Agreement is one customer agreement as the compliance officer records it.
type Agreement struct {
	Key        string `json:"key"`
	Customer   string `json:"customer"`
	Engagement string `json:"engagement"`
	// StartDate and EndDate (YYYY-MM-DD, EndDate optional) bound the days
	// the agreement is in force.
	StartDate   string       `json:"startDate"`
	EndDate     string       `json:"endDate,omitempty"`
	Obligations []Obligation `json:"obligations"`
	// Version is the optimistic-locking counter of the stored agreement.
	Version int `json:"version"`
}

// Obligation is one clause of an agreement.
type Obligation struct {
	// ID is the clause number ("4.2").
	ID   string `json:"id"`
	Text string `json:"text"`
	Kind string `json:"kind"`
	// Items are "module:<id>" for training, "policy:<id>" for acknowledgment.
	Items []string `json:"items"`
	// WithinDays is the deadline: that many days after the person joined the
	// engagement or was assigned the item, whichever is later.
	WithinDays int `json:"withinDays"`
	// Target is the rate (0..1) the figure must reach for the obligation to
	// be met.
	Target float64 `json:"target"`
}

// InForceOn reports whether the agreement is in force on day (YYYY-MM-DD).
func (a Agreement) InForceOn(day string) bool {
	return a.StartDate <= day && (a.EndDate == "" || day <= a.EndDate)
}
