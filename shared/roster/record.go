package roster

import (
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// ErrNoSuchPerson is the NotFound error for an employee id that names no
// stored person; callers that may not see a person answer with it too, so
// ids cannot be probed.
var ErrNoSuchPerson = apperr.New(apperr.NotFound, "no person with that employee id")

// Record is a person as stored: the roster data plus the bookkeeping that
// optimistic locking and history need.
type Record struct {
	Person
	// Revision counts the roster changes of this person (1 on creation).
	Revision int `json:"revision"`
	// Version is the optimistic-locking counter of the stored item.
	Version   int       `json:"-"`
	UpdatedAt time.Time `json:"updatedAt"`
	// CredentialsNotBefore is when the roster last revoked the person's
	// sign-in links and sessions (Change.RevokesCredentials); zero when it
	// never did. Links and sessions created before it no longer work.
	CredentialsNotBefore time.Time `json:"-"`
}

// Revoked reports whether a sign-in link or session of the person created
// at created was revoked by a later roster change.
func (r Record) Revoked(created time.Time) bool { return created.Before(r.CredentialsNotBefore) }

// Revision is one roster change of a person, kept forever: what the person
// looked like after the change, what changed, who changed it and when.
type Revision struct {
	Rev     int           `json:"revision"`
	At      time.Time     `json:"at"`
	Actor   string        `json:"actor"`
	Action  string        `json:"action"`
	Changes []FieldChange `json:"changes"`
	Person  Person        `json:"person"`
}

// Commit is a planned roster import ready to be written.
type Commit struct {
	Plan Plan
	// Stored holds the stored records the plan was made against, by employee
	// id; their versions guard the writes.
	Stored map[string]Record
	Actor  string
	Source string
	At     time.Time
}
