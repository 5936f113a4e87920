// Package evidence writes a quarter's evidence bundle: the files a
// customer's auditor receives (docs/CONTRACT "Quarterly evidence bundle"),
// from a stream of people's rows, into a Sink. One pass over the rows
// writes people.csv, assignments.csv and acknowledgments.csv as they
// arrive and adds the rows up into the figures, so that memory does not
// grow with the number of people; then come audit-log.jsonl, metrics.json,
// summary.html, summary.pdf, SHA256SUMS, manifest.json and its signature.
// Everything but the manifest's generated_at is a function of the rows,
// the audit log and the Spec: a closed quarter's bundle built twice is the
// same bytes. It imports no AWS package.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
)

// The files of a bundle, in the order Write writes them.
const (
	PeopleFile          = "people.csv"
	AssignmentsFile     = "assignments.csv"
	AcknowledgmentsFile = "acknowledgments.csv"
	AuditLogFile        = "audit-log.jsonl"
	MetricsFile         = "metrics.json"
	SummaryHTMLFile     = "summary.html"
	SummaryPDFFile      = "summary.pdf"
	SumsFile            = "SHA256SUMS"
	ManifestFile        = "manifest.json"
	SignatureFile       = "manifest.json.sig"
)

// FormatVersion is the version of the bundle's layout, in the manifest.
const FormatVersion = 1

// Sink stores the files of one bundle.
type Sink interface {
	// Create opens the file name for writing; several files are open at
	// once. The file is complete when Close returns nil. A file whose
	// writing failed is ended with CloseWithError(err) when the writer has
	// that method (as io.PipeWriter does), else with Close after the
	// context given to Create was cancelled: the sink must then keep
	// nothing of it.
	Create(ctx context.Context, name, contentType string) (io.WriteCloser, error)
}

// Spec is what a bundle is about.
type Spec struct {
	// Period is the quarter, cut at E = Period.End: the quarter's end for
	// a final bundle, the instant of the request for a preview.
	Period metrics.Period
	// Final is true for a closed quarter built from its frozen snapshot.
	Final bool
	// Agreement is the agreement whose engagement's people the bundle
	// covers; nil for the whole organisation.
	Agreement *agreement.Agreement
	// GeneratedAt is when the bundle was built: the only thing that
	// differs between two builds of a closed quarter.
	GeneratedAt time.Time
	// Snapshot is the run id of the frozen snapshot ("" for a preview).
	Snapshot string
}

// Scope returns the bundle's scope: "organisation" or "agreement:<key>".
func (s Spec) Scope() string {
	if s.Agreement == nil {
		return metrics.ScopeOrganisation
	}
	return "agreement:" + s.Agreement.Key
}

// Rows hands fn every person's rows for the Spec's period, one at a time,
// in employee-id order; an error of fn stops it and is returned.
type Rows func(ctx context.Context, fn func(metrics.PersonRows) error) error

// LogCounts is what writing the audit log found.
type LogCounts struct {
	// Events counts the event lines (in scope or redacted).
	Events int `json:"events"`
	// InScope counts the events written in full.
	InScope int `json:"inScope"`
	// Days counts the days covered; Unsealed those without a seal yet.
	Days     int `json:"days"`
	Unsealed int `json:"unsealed"`
}

// AuditLog writes audit-log.jsonl for the Spec's period to w: in full the
// events inScope accepts, the others redacted to their hash, with each
// day's seal.
type AuditLog func(ctx context.Context, w io.Writer, inScope func(audit.Event) bool) (LogCounts, error)

// File is one file of a bundle.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Counts are the rows of a bundle.
type Counts struct {
	People          int `json:"people"`
	Assignments     int `json:"assignments"`
	Acknowledgments int `json:"acknowledgments"`
	// AuditEvents counts the audit events written in full.
	AuditEvents int `json:"auditEvents"`
}

// ManifestAgreement names the agreement of an agreement's bundle.
type ManifestAgreement struct {
	Key        string `json:"key"`
	Customer   string `json:"customer"`
	Engagement string `json:"engagement"`
}

// Manifest is manifest.json: what the bundle holds, signed.
type Manifest struct {
	FormatVersion int    `json:"formatVersion"`
	Quarter       string `json:"quarter"`
	AsOf          string `json:"asOf"`
	// End is E (RFC 3339).
	End       string             `json:"end"`
	Final     bool               `json:"final"`
	Scope     string             `json:"scope"`
	Agreement *ManifestAgreement `json:"agreement,omitempty"`
	Snapshot  string             `json:"snapshot"`
	// GeneratedAt is when the bundle was built (RFC 3339).
	GeneratedAt string `json:"generated_at"`
	// Files are every file but the manifest and its signature, by name.
	Files  []File `json:"files"`
	Counts Counts `json:"counts"`
	// AuditLog is what the audit log holds.
	AuditLog LogCounts `json:"auditLog"`
	// ContentVersions are, by "module:<id>" and "policy:<id>", the
	// content versions the rows name (several joined with ", ").
	ContentVersions map[string]string `json:"contentVersions"`
	KeyID           string            `json:"keyId"`
	// SHA256SUMS is the SHA-256 of the SHA256SUMS file.
	SHA256SUMS string `json:"sha256sums"`
	// Written lists every file written, manifest and signature included,
	// in the order written (not part of manifest.json).
	Written []File `json:"-"`
}

// timestamp writes an instant as RFC 3339 UTC to the second; the zero
// time is empty.
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Write builds the bundle of spec from rows and log into sink, signs its
// manifest with signer, and returns the manifest. An error leaves the
// files it had opened aborted (see Sink).
func Write(ctx context.Context, spec Spec, rows Rows, log AuditLog, sink Sink, signer signing.Signer) (Manifest, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	w := &writer{ctx: ctx, cancel: cancel, sink: sink}
	m, err := w.write(spec, rows, log, signer)
	if err != nil {
		w.abort(err)
		return Manifest{}, fmt.Errorf("evidence bundle %s %s: %w", spec.Period.Quarter, spec.Scope(), err)
	}
	return m, nil
}

// writer is one run of Write.
type writer struct {
	ctx    context.Context
	cancel context.CancelCauseFunc
	sink   Sink
	open   []*file
	done   []File
}

// file is a file being written: it counts and hashes what goes through.
type file struct {
	name string
	w    io.WriteCloser
	h    hash.Hash
	n    int64
}

// Write implements io.Writer.
func (f *file) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.h.Write(p[:n])
	f.n += int64(n)
	return n, err
}

// create opens a file of the bundle.
func (w *writer) create(name, contentType string) (*file, error) {
	wc, err := w.sink.Create(w.ctx, name, contentType)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	f := &file{name: name, w: wc, h: sha256.New()}
	w.open = append(w.open, f)
	return f, nil
}

// finish closes a file and records it.
func (w *writer) finish(f *file) error {
	w.open = slices.DeleteFunc(w.open, func(g *file) bool { return g == f })
	if err := f.w.Close(); err != nil {
		return fmt.Errorf("close %s: %w", f.name, err)
	}
	w.done = append(w.done, File{Name: f.name, Bytes: f.n, SHA256: hex.EncodeToString(f.h.Sum(nil))})
	return nil
}

// whole writes a file of the bundle at once.
func (w *writer) whole(name, contentType string, data []byte) error {
	f, err := w.create(name, contentType)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return w.finish(f)
}

// abort ends every file still open after err.
func (w *writer) abort(err error) {
	w.cancel(err)
	for _, f := range w.open {
		if c, ok := f.w.(interface{ CloseWithError(error) error }); ok {
			_ = c.CloseWithError(err)
		} else {
			_ = f.w.Close()
		}
	}
	w.open = nil
}

// write writes the files in order.
func (w *writer) write(spec Spec, rows Rows, log AuditLog, signer signing.Signer) (Manifest, error) {
	t, err := w.tables(spec, rows)
	if err != nil {
		return Manifest{}, err
	}
	lf, err := w.create(AuditLogFile, "application/x-ndjson")
	if err != nil {
		return Manifest{}, err
	}
	logCounts, err := log(w.ctx, lf, t.inScope(spec))
	if err != nil {
		return Manifest{}, fmt.Errorf("write %s: %w", AuditLogFile, err)
	}
	if err := w.finish(lf); err != nil {
		return Manifest{}, err
	}
	mf := newMetricsFile(spec, t)
	data, err := encodeJSON(mf)
	if err != nil {
		return Manifest{}, err
	}
	if err := w.whole(MetricsFile, "application/json", data); err != nil {
		return Manifest{}, err
	}
	view := newSummary(spec, mf, t.counts, logCounts)
	html, err := view.html()
	if err != nil {
		return Manifest{}, err
	}
	if err := w.whole(SummaryHTMLFile, "text/html; charset=utf-8", html); err != nil {
		return Manifest{}, err
	}
	pdf, err := view.pdf()
	if err != nil {
		return Manifest{}, err
	}
	if err := w.whole(SummaryPDFFile, "application/pdf", pdf); err != nil {
		return Manifest{}, err
	}
	files := slices.Clone(w.done)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var sums bytes.Buffer
	for _, f := range files {
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Name)
	}
	if err := w.whole(SumsFile, "text/plain; charset=utf-8", sums.Bytes()); err != nil {
		return Manifest{}, err
	}
	sumsFile := w.done[len(w.done)-1]
	files = append(files, sumsFile)
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })

	m := Manifest{
		FormatVersion: FormatVersion,
		Quarter:       spec.Period.Quarter, AsOf: spec.Period.AsOf, End: timestamp(spec.Period.End),
		Final: spec.Final, Scope: spec.Scope(), Snapshot: spec.Snapshot,
		GeneratedAt:     timestamp(spec.GeneratedAt),
		Files:           files,
		Counts:          t.counts,
		AuditLog:        logCounts,
		ContentVersions: t.contentVersions(),
		KeyID:           signer.KeyID(),
		SHA256SUMS:      sumsFile.SHA256,
	}
	m.Counts.AuditEvents = logCounts.InScope
	if a := spec.Agreement; a != nil {
		m.Agreement = &ManifestAgreement{Key: a.Key, Customer: a.Customer, Engagement: a.Engagement}
	}
	data, err = encodeJSON(m)
	if err != nil {
		return Manifest{}, err
	}
	sig, err := signing.SignMessage(w.ctx, signer, data)
	if err != nil {
		return Manifest{}, fmt.Errorf("sign %s: %w", ManifestFile, err)
	}
	if err := w.whole(ManifestFile, "application/json", data); err != nil {
		return Manifest{}, err
	}
	if err := w.whole(SignatureFile, "application/octet-stream", sig); err != nil {
		return Manifest{}, err
	}
	m.Written = w.done
	return m, nil
}

// encodeJSON encodes v indented, without HTML escaping, ending in a
// newline.
func encodeJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// inScope returns which audit events the bundle carries in full: every
// one for the organisation; for an agreement, the events about a person
// the bundle lists or about the agreement itself.
func (t *tables) inScope(spec Spec) func(audit.Event) bool {
	if spec.Agreement == nil {
		return func(audit.Event) bool { return true }
	}
	ref := identity.AgreementRef(spec.Agreement.Key)
	return func(e audit.Event) bool {
		if id, ok := identity.PersonOfRef(e.Subject); ok {
			_, listed := t.ids[id]
			return listed
		}
		return e.Subject == ref
	}
}

// errRowOrder is returned when rows do not come in employee-id order.
var errRowOrder = errors.New("rows are not in employee-id order")
