// Package waiver is the exceptions register: a waiver excuses one person
// from one module or policy, for a reason an approver gave, up to an expiry
// day. While it holds the item is waived: not reminded, not counted as
// overdue, shown as waived. Revoking keeps the record. The package holds the
// rules (Check, Holds) and the use case (Service: grant, list, revoke, each
// with its audit event in the same transaction as its effect on the
// person's assignments).
package waiver

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Limits of a waiver's description.
const (
	// MaxReasonLen is the longest reason, in characters.
	MaxReasonLen = 500
	// MaxApproverLen is the longest approver, in characters.
	MaxApproverLen = 200
)

// Item prefixes: a waiver covers "module:<id>" or "policy:<id>".
const (
	ModulePrefix = "module:"
	PolicyPrefix = "policy:"
)

// IDPrefix starts every waiver id ("wvr_" + 16 hex digits).
const IDPrefix = "wvr_"

// Waiver is one entry of the register. ExpiresOn (YYYY-MM-DD) is the last
// day it holds, in UTC. A revoked waiver keeps its record with RevokedAt
// and RevokedBy set.
type Waiver struct {
	ID         string
	EmployeeID string
	Item       string
	Reason     string
	Approver   string
	ExpiresOn  string
	GrantedBy  string
	GrantedAt  time.Time
	RevokedAt  time.Time
	RevokedBy  string
}

// Revoked reports whether the waiver was revoked.
func (w Waiver) Revoked() bool { return !w.RevokedAt.IsZero() }

// HoldsOn reports whether the waiver holds on day (YYYY-MM-DD, UTC): not
// revoked and day is not after ExpiresOn.
func (w Waiver) HoldsOn(day string) bool { return !w.Revoked() && day <= w.ExpiresOn }

// HoldsAt reports whether the waiver holds at the instant now.
func (w Waiver) HoldsAt(now time.Time) bool { return w.HoldsOn(Day(now)) }

// ModuleID returns the module a module waiver covers, or "" for a policy
// waiver.
func (w Waiver) ModuleID() string {
	id, _ := strings.CutPrefix(w.Item, ModulePrefix)
	if id == w.Item {
		return ""
	}
	return id
}

// PolicyID returns the policy a policy waiver covers, or "".
func (w Waiver) PolicyID() string {
	id, _ := strings.CutPrefix(w.Item, PolicyPrefix)
	if id == w.Item {
		return ""
	}
	return id
}

// WakeOn is the first day the waiver no longer holds (the day after
// ExpiresOn): the daily assignment run re-evaluates the person then.
func (w Waiver) WakeOn() string {
	d, err := time.Parse(time.DateOnly, w.ExpiresOn)
	if err != nil {
		return ""
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly)
}

// Exemption returns a module waiver as the assignment engine sees it;
// ok=false for a policy waiver.
func (w Waiver) Exemption() (e assign.Exemption, ok bool) {
	m := w.ModuleID()
	if m == "" {
		return assign.Exemption{}, false
	}
	return assign.Exemption{WaiverID: w.ID, ModuleID: m, Through: w.ExpiresOn, Revoked: w.Revoked()}, true
}

// Exemptions returns the module waivers among ws for the engine.
func Exemptions(ws []Waiver) []assign.Exemption {
	var out []assign.Exemption
	for _, w := range ws {
		if e, ok := w.Exemption(); ok {
			out = append(out, e)
		}
	}
	return out
}

// Day returns the UTC day (YYYY-MM-DD) of an instant, the calendar waivers
// expire by.
func Day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// NewID returns a fresh waiver id: "wvr_" and 16 hex digits from crypto/rand.
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return IDPrefix + hex.EncodeToString(b[:])
}

// IsID reports whether s has the shape of a waiver id, so that malformed
// ids are refused before any lookup.
func IsID(s string) bool {
	h, ok := strings.CutPrefix(s, IDPrefix)
	if !ok || len(h) != 16 {
		return false
	}
	for _, c := range h {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Request asks for a waiver.
type Request struct {
	EmployeeID string
	Item       string
	Reason     string
	Approver   string
	ExpiresOn  string
}

// Check returns the request's problems, one per field in error, or nil.
// person is the stored person of EmployeeID (nil when there is none); today
// is the current UTC day. A waiver may expire today (it holds through the
// end of that day, UTC) and at most one year ahead. Any module or policy of
// the catalog may be waived, required of the person today or not (a role
// change may make it so while the waiver holds).
func Check(req Request, person *roster.Person, cat *catalog.Catalog, today string) []apperr.Problem {
	var ps []apperr.Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, apperr.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	switch {
	case req.EmployeeID == "":
		bad("employeeId", "is required")
	case person == nil || identity.CheckEmployeeID(req.EmployeeID) != nil:
		bad("employeeId", "names no person in the roster")
	case !person.ActiveOn(today):
		bad("employeeId", "names a person who has left (end date %s)", person.EndDate)
	}
	switch m, p := strings.CutPrefix(req.Item, ModulePrefix); {
	case req.Item == "":
		bad("item", "is required: module:<id> or policy:<id>")
	case p:
		if _, ok := cat.Module(m); !ok {
			bad("item", "names no module of the catalog")
		}
	case strings.HasPrefix(req.Item, PolicyPrefix):
		if _, ok := cat.Policy(strings.TrimPrefix(req.Item, PolicyPrefix)); !ok {
			bad("item", "names no policy of the catalog")
		}
	default:
		bad("item", "must be module:<id> or policy:<id>")
	}
	text := func(field, value string, limit int, what string) {
		v := strings.TrimSpace(value)
		switch {
		case v == "":
			bad(field, "is required: %s", what)
		case !utf8.ValidString(v) || strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }):
			bad(field, "may hold only printable characters")
		case utf8.RuneCountInString(v) > limit:
			bad(field, "must be at most %d characters", limit)
		}
	}
	text("reason", req.Reason, MaxReasonLen, "why the person is excused")
	text("approver", req.Approver, MaxApproverLen, "who approved the exception")
	day, err := time.Parse(time.DateOnly, req.ExpiresOn)
	now, _ := time.Parse(time.DateOnly, today)
	latest := now.AddDate(1, 0, 0).Format(time.DateOnly)
	switch {
	case req.ExpiresOn == "":
		bad("expiresOn", "is required: the last day the waiver holds, YYYY-MM-DD")
	case err != nil:
		bad("expiresOn", "must be a date YYYY-MM-DD")
	case day.Format(time.DateOnly) < today:
		bad("expiresOn", "must not be in the past (today is %s, UTC)", today)
	case day.Format(time.DateOnly) > latest:
		bad("expiresOn", "must be at most one year ahead (%s)", latest)
	}
	return ps
}
