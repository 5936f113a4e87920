package export

import (
	"context"
	"io"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/evidence"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
)

// AuditLog writes the audit-log.jsonl of the UTC days covering [start,
// end): the events in scope whole, the others by their hash, and each
// day's seal (package auditlog).
type AuditLog func(ctx context.Context, w io.Writer, start, end time.Time, inScope func(audit.Event) bool) (evidence.LogCounts, error)

// Bundles builds evidence bundles (a Builder): the quarter's rows from the
// metrics (a closed quarter's frozen snapshot, or the current quarter up to
// the request), the audit log of the quarter, written and signed by
// package evidence.
type Bundles struct {
	// Metrics reads the quarter's rows; its clock is replaced by the
	// job's request instant, which cuts a preview.
	Metrics *metrics.Service
	// AuditLog writes the audit log of the bundle's period.
	AuditLog AuditLog
	// Signer signs the manifest.
	Signer signing.Signer
	// Now is the clock of generated_at.
	Now func() time.Time
}

// Build implements Builder.
func (b *Bundles) Build(ctx context.Context, job Job, sink Sink) ([]File, error) {
	m := *b.Metrics
	m.Now = func() time.Time { return job.RequestedAt }
	src, err := m.QuarterRows(ctx, job.Quarter)
	if err != nil {
		return nil, err
	}
	spec := evidence.Spec{Period: src.Period, Final: src.Final, Snapshot: src.Snapshot, GeneratedAt: b.Now().UTC().Truncate(time.Second)}
	if job.Agreement != "" {
		a, found, err := src.Agreement(ctx, job.Agreement)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, apperr.New(apperr.NotFound, "no agreement %q", job.Agreement)
		}
		spec.Agreement = &a
	}
	start, end := src.Period.Start, src.Period.End
	log := func(ctx context.Context, w io.Writer, inScope func(audit.Event) bool) (evidence.LogCounts, error) {
		return b.AuditLog(ctx, w, start, end, inScope)
	}
	man, err := evidence.Write(ctx, spec, src.Rows, log, sink, b.Signer)
	if err != nil {
		return nil, err
	}
	files := make([]File, len(man.Written))
	for i, f := range man.Written {
		files[i] = File{Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256}
	}
	return files, nil
}
