// Package audit defines the tracker's audit events: who did what, to what,
// when and from where. Events form one ordered, immutable stream (ordered by
// time, then id) so that a later release can chain them with hashes; they are
// written in the same transaction as the record they describe.
package audit

import (
	"crypto/rand"
	"fmt"
	"time"
	"unicode/utf8"
)

// Actions recorded in the audit stream.
const (
	ActionPersonCreated      = "person.created"
	ActionPersonUpdated      = "person.updated"
	ActionPersonDeactivated  = "person.deactivated"
	ActionAssignmentsChanged = "assignments.changed"
	ActionSignInLinkSent     = "signin.link_sent"
	ActionSignIn             = "signin"
	ActionSignOut            = "signout"
	ActionModuleAttempted    = "module.attempted"
	ActionModuleCompleted    = "module.completed"
	ActionPolicyAcknowledged = "policy.acknowledged"
	ActionEmailUndeliverable = "email.undeliverable"
	ActionSettingsChanged    = "settings.changed"
	ActionVendorChanged      = "vendor.changed"
)

// Actions about API keys, nudges and reads of someone's record.
const (
	ActionAPIKeyCreated  = "apikey.created"
	ActionAPIKeyRevoked  = "apikey.revoked"
	ActionReminderNudged = "reminder.nudged"
	// ActionPersonRead records that someone other than the person read
	// their record; Details["record"] says which (profile, notifications).
	ActionPersonRead = "person.read"
	// ActionTeamRead records that someone viewed a manager's team (the
	// training of the people under them); Details holds the managerId, the
	// scope and the count of people shown. The admin console's overview of
	// the whole organisation records it with the subject "organisation",
	// the scope "organisation" and the count of people.
	ActionTeamRead = "team.read"
)

// Actions of the exceptions register (package waiver).
const (
	ActionWaiverGranted = "waiver.granted"
	ActionWaiverRevoked = "waiver.revoked"
)

// ActionAgreementSaved records that a customer agreement was created or
// changed (package agreement); Details holds its key, version and the names
// of the fields that changed.
const ActionAgreementSaved = "agreement.saved"

// Event is one audit record.
type Event struct {
	ID      string    `json:"id"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Action  string    `json:"action"`
	Subject string    `json:"subject"`
	// Source is where the request came from (an IP address, or "schedule").
	Source  string         `json:"source,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// Day returns the UTC day of the event, which partitions the stream.
func (e Event) Day() string { return e.At.UTC().Format(time.DateOnly) }

// SortTime returns the event time in fixed-width RFC 3339 with nanoseconds,
// so that events sort by time as strings.
func (e Event) SortTime() string { return e.At.UTC().Format("2006-01-02T15:04:05.000000000Z") }

// NewBatchID returns a random identifier for a group of events written by one
// operation; events of the batch are numbered with [BatchEventID].
func NewBatchID() string { return rand.Text() }

// BatchEventID returns the id of the n-th event of a batch; ids of one batch
// sort in the order they were numbered.
func BatchEventID(batch string, n int) string { return fmt.Sprintf("%s-%06d", batch, n) }

// MaxUserAgentBytes is how much of a browser's User-Agent a record keeps.
const MaxUserAgentBytes = 512

// UserAgent cuts a User-Agent header to MaxUserAgentBytes without splitting
// a UTF-8 sequence, for the records that say where something came from.
func UserAgent(ua string) string {
	if len(ua) <= MaxUserAgentBytes {
		return ua
	}
	cut := MaxUserAgentBytes
	for cut > 0 && !utf8.RuneStart(ua[cut]) {
		cut--
	}
	return ua[:cut]
}

// ActionMetricsFrozen records that a closed quarter's metrics were frozen:
// its snapshot's manifest was written (subject "quarter:<YYYY-Qn>").
const ActionMetricsFrozen = "metrics.frozen"

// Actions of evidence exports (package export), subject "export#<id>":
// requested (Details: quarter, scope), started, completed (Details: the
// files' count) or failed (Details: the safe error text), and every
// download of one of its files (Details: the file, quarter and scope), which
// changes no state but is recorded.
const (
	ActionExportRequested  = "export.requested"
	ActionExportStarted    = "export.started"
	ActionExportCompleted  = "export.completed"
	ActionExportFailed     = "export.failed"
	ActionExportDownloaded = "export.downloaded"
)

// Actions of large roster imports (package roster's ImportService), subject
// "import#<id>": requested (Details: mode, dryRun), then validating,
// invalid (Details: the count of problems), writing (Details: the plan's
// lines and SHA-256), done (Details: the result's counts) or failed
// (Details: the problem). The people's own changes are recorded by their
// person.* and assignments.changed events, as for PUT /api/roster.
const (
	ActionImportRequested  = "import.requested"
	ActionImportValidating = "import.validating"
	ActionImportInvalid    = "import.invalid"
	ActionImportWriting    = "import.writing"
	ActionImportDone       = "import.done"
	ActionImportFailed     = "import.failed"
)
