// Package export is the use case of evidence exports: a customer's auditor
// receives a quarter's evidence bundle (package evidence writes its files)
// for the whole organisation or one agreement. An export is requested (by
// an admin, or automatically once a quarter has closed and is frozen), runs
// asynchronously (the export function, or in-process locally), and its
// files are downloaded through short-lived presigned URLs, each download an
// audit event. Every state change is a conditional write with its audit
// event. The package imports no AWS package: the store, the object storage,
// the queue, the bundle writer and the signing key are ports.
package export

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// State is where an export is in its life: pending → running → done or
// failed; a failed one may run again (a retry), and so may one left running
// longer than StaleAfter (its run died).
type State string

// The states of an export.
const (
	Pending State = "pending"
	Running State = "running"
	Done    State = "done"
	Failed  State = "failed"
)

// OrganisationScope is the scope of a bundle of the whole organisation; an
// agreement's bundle has the scope "agreement:<key>".
const OrganisationScope = "organisation"

// ScopeOf returns the scope of a bundle of the agreement key ("" for the
// whole organisation).
func ScopeOf(agreementKey string) string {
	if agreementKey == "" {
		return OrganisationScope
	}
	return "agreement:" + agreementKey
}

// File is one file of a built bundle, as its manifest lists it.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Export is one evidence export: what was asked, by whom, where it is and,
// once done, its files.
type Export struct {
	ID      string `json:"id"`
	Quarter string `json:"quarter"`
	// Agreement is the key of the agreement whose bundle this is; "" for
	// the whole organisation.
	Agreement string `json:"agreement,omitempty"`
	// Scope is OrganisationScope or "agreement:<key>".
	Scope string `json:"scope"`
	State State  `json:"state"`
	// Files are the bundle's files once done (none before).
	Files []File `json:"files"`
	// RequestedBy is the actor who asked ("schedule" for an automatic one).
	RequestedBy string    `json:"requestedBy"`
	RequestedAt time.Time `json:"requestedAt"`
	// StartedAt is when its last run started; FinishedAt when it ended.
	StartedAt  time.Time `json:"startedAt,omitzero"`
	FinishedAt time.Time `json:"finishedAt,omitzero"`
	// Error says why a failed export failed, in words safe for any reader.
	Error string `json:"error,omitempty"`
	// Prefix is where its files lie in the evidence bucket:
	// exports/<quarter>/<organisation | agreements/<key>>/<id>/.
	Prefix string `json:"-"`
	// Version counts its stored changes (optimistic locking).
	Version int `json:"-"`
}

// HasFile reports whether the export has a file of that name.
func (e Export) HasFile(name string) bool {
	for _, f := range e.Files {
		if f.Name == name {
			return true
		}
	}
	return false
}

// mayMove reports whether an export may go from one state to the next:
// pending → running, failed → running (a retry), running → running (a run
// that died, see StaleAfter), running → done or failed, pending → failed
// (it could not be queued).
func mayMove(from, to State) bool {
	switch to {
	case Running:
		return from == Pending || from == Failed || from == Running
	case Done:
		return from == Running
	case Failed:
		return from == Running || from == Pending
	}
	return false
}

// idPrefix starts every export id.
const idPrefix = "exp_"

// newID returns a random export id: "exp_" and 16 hex digits.
func newID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return idPrefix + hex.EncodeToString(b[:])
}

// automaticID returns the id of the automatic export of a quarter for an
// agreement ("" for the organisation): derived from both, so that running
// the quarter's close again finds the export it made.
func automaticID(quarter, agreementKey string) string {
	sum := sha256.Sum256([]byte("automatic\x00" + quarter + "\x00" + agreementKey))
	return idPrefix + hex.EncodeToString(sum[:8])
}

// validID reports whether id has the shape of an export id, so that
// anything else is NotFound without a read.
func validID(id string) bool {
	rest, ok := strings.CutPrefix(id, idPrefix)
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := hex.DecodeString(rest)
	return err == nil
}

// prefixOf returns where the files of export id of a quarter and agreement
// lie.
func prefixOf(quarter, agreementKey, id string) string {
	scope := "organisation"
	if agreementKey != "" {
		scope = "agreements/" + agreementKey
	}
	return "exports/" + quarter + "/" + scope + "/" + id + "/"
}

// Errors the service answers.
var (
	// ErrNoSuchExport answers an id that names no export the caller may
	// see: an auditor scoped to one agreement is told the same about
	// another agreement's or the organisation's exports, so ids cannot be
	// probed.
	ErrNoSuchExport = apperr.New(apperr.NotFound, "no export with that id")
	// ErrNoSuchFile answers a file name the export does not have.
	ErrNoSuchFile = apperr.New(apperr.NotFound, "the export has no file of that name")
)
