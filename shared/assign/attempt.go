package assign

import (
	"time"

	"github.com/attest-oss/attest/shared/catalog"
)

// Attempt is one submitted quiz of one assignment cycle. Every attempt is
// kept, passed or not.
type Attempt struct {
	EmployeeID    string            `json:"employeeId" dynamodbav:"employeeId"`
	ModuleID      string            `json:"moduleId" dynamodbav:"moduleId"`
	Cycle         int               `json:"cycle" dynamodbav:"cycle"`
	Number        int               `json:"attempt" dynamodbav:"number"`
	ModuleVersion string            `json:"moduleVersion" dynamodbav:"moduleVersion"`
	ContentSHA256 string            `json:"contentSha256" dynamodbav:"contentSha256"`
	Answers       map[string]string `json:"answers" dynamodbav:"answers"`
	Score         int               `json:"score" dynamodbav:"score"`
	Passed        bool              `json:"passed" dynamodbav:"passed"`
	At            time.Time         `json:"at" dynamodbav:"at"`
	Source        string            `json:"source,omitempty" dynamodbav:"source,omitempty"`
	UserAgent     string            `json:"userAgent,omitempty" dynamodbav:"userAgent,omitempty"`
}

// Completion is what the first passing attempt records on its assignment.
type Completion struct {
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
	done := Assignment{Status: StatusCompleted, Recurrence: string(m.Recurrence), CompletedAt: at.UTC().Format(time.RFC3339)}
	return Completion{At: at.UTC(), Score: score, Version: m.Version.String(), SHA256: m.SHA256, RenewOn: done.RenewOn(loc)}
}
