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

// APIKey is the stored record of an API key. The key itself is never stored.
type APIKey struct {
	Hash      string
	Role      identity.Role
	Label     string
	CreatedAt time.Time
	// RevokedAt is when the key was revoked (zero while it is not); a
	// revoked key never works again.
	RevokedAt time.Time
}

// Revoked reports whether the key was revoked.
func (k APIKey) Revoked() bool { return !k.RevokedAt.IsZero() }

// NewAPIKey returns a fresh key (shown once to the person who asked for it)
// and the record to store. The key carries 256 bits from crypto/rand.
func NewAPIKey(role identity.Role, label string, now time.Time) (key string, rec APIKey) {
	var b [32]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	key = APIKeyPrefix + hex.EncodeToString(b[:])
	return key, APIKey{Hash: HashSecret(key), Role: role, Label: label, CreatedAt: now.UTC()}
}

// HashSecret returns the hex SHA-256 of a secret (API key or token). Secrets
// carry 256 random bits, so an unsalted fast hash is enough to make the
// stored value useless to a reader of the table.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return hex.EncodeToString(sum[:])
}
