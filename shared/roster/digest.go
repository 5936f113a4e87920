package roster

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// digestedChange is a planned change as PlanDigest encodes it: whose, and
// every field before and after.
type digestedChange struct {
	EmployeeID         string        `json:"employeeId"`
	Fields             []FieldChange `json:"fields"`
	RevokesCredentials bool          `json:"revokesCredentials"`
}

// PlanDigest returns the SHA-256, hex-encoded, of a canonical encoding of
// a plan made in mode: the people created, every field of every change
// (before and after) and the count left unchanged. Two plans with the same
// digest write the same thing, so a previewed plan can be applied exactly:
// if the stored roster changes in between, so does the digest.
func PlanDigest(mode Mode, p Plan) string {
	changes := func(cs []Change) []digestedChange {
		out := make([]digestedChange, len(cs))
		for i, c := range cs {
			out[i] = digestedChange{EmployeeID: c.After.EmployeeID, Fields: c.Fields, RevokesCredentials: c.RevokesCredentials}
		}
		return out
	}
	// Encoding structs, slices and strings only: the bytes are fixed by
	// the field order, and the plan's slices are sorted by employee id.
	b, err := json.Marshal(struct {
		Mode        Mode             `json:"mode"`
		Created     []Person         `json:"created"`
		Updated     []digestedChange `json:"updated"`
		Deactivated []digestedChange `json:"deactivated"`
		Unchanged   int              `json:"unchanged"`
	}{mode, p.Created, changes(p.Updated), changes(p.Deactivated), p.Unchanged})
	if err != nil {
		panic("roster: encode plan: " + err.Error()) // cannot happen: plain data
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
