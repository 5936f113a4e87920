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
// as pending before the email is sent, then marked sent. Day is a calendar
// day (YYYY-MM-DD) in the recipient's time zone, not an instant.
type Record struct {
	Recipient string `json:"recipient"`
	Email     string `json:"email"`
	Kind      Kind   `json:"kind"`
	Day       string `json:"day"`
	Status    Status `json:"status"`
	// Items names what the email was about: "E020 security-awareness#1 overdue".
	Items     []string  `json:"items"`
	CreatedAt time.Time `json:"createdAt"`
	// SentAt is when SES accepted the email, in UTC to the second; zero
	// while pending.
	SentAt    time.Time `json:"sentAt,omitzero"`
	MessageID string    `json:"messageId,omitempty"`
	// Tries counts the sending attempts; LastError is the last failure's
	// kind (never the email body).
	Tries     int    `json:"tries"`
	LastError string `json:"lastError,omitempty"`
	// Actor is who caused it: "schedule", or the nudging manager or admin.
	Actor string `json:"actor"`
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
