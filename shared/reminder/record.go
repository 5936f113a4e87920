package reminder

import "time"

// Status is where a notification's delivery stands.
type Status string

// Delivery statuses.
const (
	// StatusPending: recorded, not (yet) accepted by SES. A run that finds a
	// pending record sends it again: the previous one stopped before it could
	// record the send.
	StatusPending Status = "pending"
	// StatusSent: SES accepted it; nothing will send it again.
	StatusSent Status = "sent"
)

// Record is the outbox entry and history line of one notification: written
// as pending before the email is sent, then marked sent.
type Record struct {
	Recipient string `json:"recipient" dynamodbav:"recipient"`
	Email     string `json:"email" dynamodbav:"email"`
	Kind      Kind   `json:"kind" dynamodbav:"kind"`
	Day       string `json:"day" dynamodbav:"day"`
	Status    Status `json:"status" dynamodbav:"status"`
	Subject   string `json:"subject" dynamodbav:"subject"`
	// Items names what the email was about: "E020 security-awareness#1 overdue".
	Items     []string  `json:"items" dynamodbav:"items"`
	CreatedAt time.Time `json:"createdAt" dynamodbav:"createdAt"`
	SentAt    string    `json:"sentAt,omitempty" dynamodbav:"sentAt,omitempty"`
	MessageID string    `json:"messageId,omitempty" dynamodbav:"messageId,omitempty"`
	// Tries counts the sending attempts; LastError is the last failure's
	// kind (never the email body).
	Tries     int    `json:"tries" dynamodbav:"tries"`
	LastError string `json:"lastError,omitempty" dynamodbav:"lastError,omitempty"`
	// Actor is who caused it: "schedule", or the nudging manager or admin.
	Actor string `json:"actor" dynamodbav:"actor"`
}

// RunSummary says what a run found and did.
type RunSummary struct {
	At            time.Time      `json:"at"`
	DryRun        bool           `json:"dryRun"`
	Paused        bool           `json:"paused"`
	OpenRead      int            `json:"openAssignmentsRead"`
	Notifications int            `json:"notifications"`
	ByKind        map[string]int `json:"byKind"`
	// Planned lists every notification of a dry run (recipient, kind, day, items).
	Planned []Planned `json:"planned,omitempty"`
}

// Planned is a notification a dry run would send.
type Planned struct {
	Recipient string   `json:"recipient"`
	Email     string   `json:"email"`
	Kind      string   `json:"kind"`
	Day       string   `json:"day"`
	Items     []string `json:"items"`
}
