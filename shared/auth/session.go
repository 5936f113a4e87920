package auth

import (
	"crypto/rand"
	"encoding/base64"
	"strings"
	"time"
)

// Lifetimes of the credentials people use.
const (
	// SignInLinkTTL is how long a link requested on the sign-in page works.
	SignInLinkTTL = 30 * time.Minute
	// ReminderLinkTTL is how long a link inside a reminder email works.
	ReminderLinkTTL = 7 * 24 * time.Hour
	// SessionIdleTTL ends a session nobody used for this long.
	SessionIdleTTL = 12 * time.Hour
	// SessionMaxTTL ends every session this long after sign-in.
	SessionMaxTTL = 7 * 24 * time.Hour
)

// LinkKind says where a sign-in link was sent from.
type LinkKind string

// Link kinds.
const (
	LinkSignIn   LinkKind = "signin"
	LinkReminder LinkKind = "reminder"
)

// NewSecret returns 256 bits from crypto/rand, base64url-encoded without
// padding (43 characters): the form of sign-in tokens, session ids and CSRF
// tokens.
func NewSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// LooksLikeSecret reports whether s has the shape NewSecret produces, so that
// malformed tokens are refused before any lookup: exactly the canonical
// encoding of 32 bytes. Decoding alone would also accept line breaks, which
// it skips, and a last character with non-zero unused bits.
func LooksLikeSecret(s string) bool {
	if len(s) != 43 || strings.ContainsAny(s, "\r\n") {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(s)
	return err == nil
}

// SignInToken is the stored record of an emailed sign-in link. The token
// itself is never stored.
type SignInToken struct {
	Hash       string
	EmployeeID string
	Kind       LinkKind
	CreatedAt  time.Time
	ExpiresAt  time.Time
}

// NewSignInToken returns a fresh token for the person and its record.
func NewSignInToken(employeeID string, kind LinkKind, now time.Time) (token string, rec SignInToken) {
	ttl := SignInLinkTTL
	if kind == LinkReminder {
		ttl = ReminderLinkTTL
	}
	token = NewSecret()
	return token, SignInToken{Hash: HashSecret(token), EmployeeID: employeeID, Kind: kind, CreatedAt: now.UTC(), ExpiresAt: now.Add(ttl).UTC()}
}

// Session is a signed-in person's session. Only the hash of the session id
// (the cookie value) is stored; the CSRF token is stored as is, since it
// grants nothing without the cookie.
type Session struct {
	Hash       string
	EmployeeID string
	CSRFToken  string
	CreatedAt  time.Time
	// LastSeen is when the session was last used; it expires SessionIdleTTL later.
	LastSeen time.Time
}

// NewSession returns a fresh session id (the cookie value) and its record.
func NewSession(employeeID string, now time.Time) (id string, s Session) {
	id = NewSecret()
	return id, Session{Hash: HashSecret(id), EmployeeID: employeeID, CSRFToken: NewSecret(), CreatedAt: now.UTC(), LastSeen: now.UTC()}
}

// ExpiresAt is when the session ends unless it is used again.
func (s Session) ExpiresAt() time.Time {
	idle, absolute := s.LastSeen.Add(SessionIdleTTL), s.CreatedAt.Add(SessionMaxTTL)
	if idle.Before(absolute) {
		return idle
	}
	return absolute
}

// Valid reports whether the session is usable at now.
func (s Session) Valid(now time.Time) bool { return now.Before(s.ExpiresAt()) }
