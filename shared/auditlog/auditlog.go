// Package auditlog makes the audit stream tamper-evident and proves it
// (docs/AUDIT.md): the Sealer closes each UTC day that ended with a signed
// seal over the hash chain of its events, linked to the previous day's seal;
// the Verifier re-walks events and seals and names the first broken link;
// the Writer writes a period's events with their seals as audit-log.jsonl,
// which anyone verifies offline with the public key. Events are never
// touched: seals are written beside them, once, so no write in the system
// waits on another. It imports no AWS package.
package auditlog

import (
	"context"
	"time"

	"github.com/attest-oss/attest/shared/audit"
)

// Store reads the audit events and reads and writes the seals (package
// dynamo's Store).
type Store interface {
	// AuditDay hands the events of one UTC day to fn in stream order, with
	// the hash stored beside each, and returns how many it read.
	AuditDay(ctx context.Context, day string, fn func(audit.Stored) error) (int, error)
	// PutSeal writes a day's seal only if the day has none (else a
	// Conflict error).
	PutSeal(ctx context.Context, seal audit.SignedSeal) error
	// Seal returns a day's seal, or found=false.
	Seal(ctx context.Context, day string) (audit.SignedSeal, bool, error)
	// LastSeal returns the latest day's seal, or found=false.
	LastSeal(ctx context.Context) (audit.SignedSeal, bool, error)
	// FirstSeal returns the earliest day's seal, or found=false.
	FirstSeal(ctx context.Context) (audit.SignedSeal, bool, error)
	// Seals returns the seals of the days from through to, by day.
	Seals(ctx context.Context, from, to string) ([]audit.SignedSeal, error)
}

// days returns the UTC days from through to (YYYY-MM-DD, inclusive).
func days(from, to time.Time) []string {
	var out []string
	for d := from.UTC().Truncate(24 * time.Hour); !d.After(to); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(time.DateOnly))
	}
	return out
}
