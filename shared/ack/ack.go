// Package ack holds the rules of policy acknowledgments: the cycle in which a
// person must acknowledge a policy, what a typed name may contain, the
// records kept as evidence, and the Service that opens required policies,
// holds acknowledgments back until the policy was read long enough, and
// records them. It imports no AWS package.
//
// # Cycles
//
// A person acknowledges every policy their roles require once per cycle. A
// cycle is the calendar year in the person's time zone, plus the policy's
// major version: a new major version is a material change and asks again
// within the same year, while minor and patch versions do not. The cycle is
// written as the year for major version 1 ("2026") and as the year followed
// by "-v" and the major version otherwise ("2026-v2", "2026-v0"). Cycles of
// one year sort before those of the next.
package ack

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
)

// MaxTypedNameRunes is the longest typed name accepted, in characters.
const MaxTypedNameRunes = 200

// ViewLifetime is how long the record of a first view gates an
// acknowledgment; opening the policy again after that starts a new one.
const ViewLifetime = 30 * 24 * time.Hour

// Cycle returns the acknowledgment cycle of a policy with the given major
// version at instant at, for a person in time zone loc.
func Cycle(at time.Time, loc *time.Location, major int) string {
	year := strconv.Itoa(at.In(loc).Year())
	if major == 1 {
		return year
	}
	return year + "-v" + strconv.Itoa(major)
}

// Acknowledgment is one person's acknowledgment of one policy in one cycle,
// with the evidence an auditor sees in the export.
type Acknowledgment struct {
	EmployeeID    string
	PolicyID      string
	PolicyVersion string
	// TextSHA256 is the content hash of the policy version acknowledged.
	TextSHA256 string
	Cycle      string
	// AcknowledgedAt is when the person acknowledged, in UTC to the second.
	AcknowledgedAt time.Time
	// TypedName is the name the person typed as their signature, as text.
	TypedName string
	// IP is the address the acknowledgment came from.
	IP string
	// UserAgent is the browser's User-Agent, cut by audit.UserAgent.
	UserAgent string
}

// View records when a person first opened one version of a policy in a
// cycle: the engagement gate measures reading time from it.
type View struct {
	EmployeeID    string
	PolicyID      string
	VersionSHA256 string
	Cycle         string
	FirstViewedAt time.Time
}

// ExpiresAt is when the view stops counting.
func (v View) ExpiresAt() time.Time { return v.FirstViewedAt.Add(ViewLifetime) }

// TypedName checks a typed name and returns it trimmed. It must be valid
// UTF-8, not blank, at most MaxTypedNameRunes characters long, and free of
// control characters, including the bidirectional controls that could make
// the stored text read differently from what it is. Failures are Invalid
// errors with one problem on the field typedName, whose message completes
// a sentence about the name ("is missing").
func TypedName(s string) (string, error) {
	name := strings.TrimSpace(s)
	problem := ""
	switch {
	case !utf8.ValidString(name):
		problem = "must be valid UTF-8 text"
	case name == "":
		problem = "is missing"
	case utf8.RuneCountInString(name) > MaxTypedNameRunes:
		problem = "must be at most " + strconv.Itoa(MaxTypedNameRunes) + " characters"
	case strings.IndexFunc(name, isControl) >= 0:
		problem = "must not contain control characters"
	}
	if problem != "" {
		return "", apperr.InvalidWith("typedName "+problem, []apperr.Problem{{Field: "typedName", Message: problem}})
	}
	return name, nil
}

// isControl reports control characters (C0, DEL, C1) and the Unicode
// bidirectional embedding, override and isolate characters.
func isControl(r rune) bool {
	return unicode.IsControl(r) || (r >= '\u202a' && r <= '\u202e') || (r >= '\u2066' && r <= '\u2069')
}
