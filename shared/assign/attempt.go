package assign

import (
	"time"

	"github.com/attest-oss/attest/shared/catalog"
)

// Attempt is one submitted quiz of one assignment cycle. Every attempt is
// kept, passed or not.
type Attempt struct {
	EmployeeID    string            `json:"employeeId"`
	ModuleID      string            `json:"moduleId"`
	Cycle         int               `json:"cycle"`
	Number        int               `json:"attempt"`
	ModuleVersion string            `json:"moduleVersion"`
	ContentSHA256 string            `json:"contentSha256"`
	Answers       map[string]string `json:"answers"`
	Score         int               `json:"score"`
	Passed        bool              `json:"passed"`
	At            time.Time         `json:"at"`
	Source        string            `json:"source,omitempty"`
	UserAgent     string            `json:"userAgent,omitempty"`
}

// Completion is what the first passing attempt records on its assignment.
type Completion struct {
	// At is when the passing attempt was made, in UTC to the second.
	At      time.Time
	Score   int
	Version string
	SHA256  string
	// RenewOn is the day an annual module is due again (empty otherwise); the
	// assignment is put on the wake index for that day.
	RenewOn string
}

// CompletionOf returns the completion a passing attempt at module m records,
// for a person in time zone loc.
func CompletionOf(m *catalog.Module, at time.Time, score int, loc *time.Location) Completion {
	at = at.UTC().Truncate(time.Second)
	done := Assignment{Status: StatusCompleted, Recurrence: string(m.Recurrence), CompletedAt: at}
	return Completion{At: at, Score: score, Version: m.Version.String(), SHA256: m.SHA256, RenewOn: done.RenewOn(loc)}
}
