// Package auth holds the tracker's credentials: API keys for automation and
// administrators, sign-in links and sessions. Secrets are generated with
// crypto/rand and only their SHA-256 hashes are ever stored.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/identity"
)

// APIKeyPrefix starts every API key, so that leaked keys are easy to spot
// with secret scanners.
const APIKeyPrefix = "atk_"

// APIKeyIDPrefix starts every API key's id, the public name under which it
// is listed and revoked.
const APIKeyIDPrefix = "key_"

// APIKey is the stored record of an API key. The key itself is never stored.
type APIKey struct {
	// ID names the key in lists and revocations ("key_" + 16 hex digits).
	ID    string
	Hash  string
	Role  identity.Role
	Label string
	// CreatedAt is when the key was made, CreatedBy who made it (an audit
	// actor).
	CreatedAt time.Time
	CreatedBy string
	// ExpiresOn is the last day (YYYY-MM-DD, UTC) the key works; "" for a
	// key that does not expire.
	ExpiresOn string
	// Agreement is the key of the agreement an auditor key is scoped to, ""
	// for none.
	Agreement string
	// RevokedAt is when the key was revoked (zero while it is not); a
	// revoked key never works again.
	RevokedAt time.Time
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// Expired reports whether the key's last day (UTC) is over at now.
func (k APIKey) Expired(now time.Time) bool {
	if k.ExpiresOn == "" {
		return false
	}
	last, err := time.Parse(time.DateOnly, k.ExpiresOn)
	return err != nil || !now.Before(last.AddDate(0, 0, 1))
}

// Valid reports whether the key works at now: neither revoked nor expired.
func (k APIKey) Valid(now time.Time) bool { return !k.Revoked() && !k.Expired(now) }

// NewAPIKey returns a fresh key (shown once to the person who asked for it)
// and the record to store, with a fresh id. The key carries 256 bits from
// crypto/rand.
func NewAPIKey(role identity.Role, label string, now time.Time) (key string, rec APIKey) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	key = APIKeyPrefix + hex.EncodeToString(b[:])
	var id [8]byte
	_, _ = rand.Read(id[:])
	return key, APIKey{ID: APIKeyIDPrefix + hex.EncodeToString(id[:]), Hash: HashSecret(key), Role: role, Label: label, CreatedAt: now.UTC().Truncate(time.Second)}
}

// IsAPIKeyID reports whether s has the shape of an API key's id, so that
// malformed ids are refused before any lookup.
func IsAPIKeyID(s string) bool {
	hexPart, ok := strings.CutPrefix(s, APIKeyIDPrefix)
	if !ok || len(hexPart) != 16 {
		return false
	}
	for _, c := range hexPart {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// HashSecret returns the hex SHA-256 of a secret (API key or token). Secrets
// carry 256 random bits, so an unsalted fast hash is enough to make the
// stored value useless to a reader of the table.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}
