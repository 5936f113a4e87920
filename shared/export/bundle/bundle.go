// Package bundle builds evidence bundles for the export service: it joins
// the quarter's rows (package metrics), the audit log (package auditlog)
// and the signing key in package evidence's Write. It is apart from package
// export so that the functions that only store exports do not link the
// bundle writer and its templates.
package bundle

import (
	"context"
	"io"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/evidence"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
)

// Bundles builds evidence bundles (an export.Builder): the quarter's rows from the
// metrics (a closed quarter's frozen snapshot, or the current quarter up to
// the request), the audit log of the quarter, written and signed by
// package evidence.
type Bundles struct {
	// Metrics reads the quarter's rows; its clock is replaced by the
	// job's request instant, which cuts a preview.
	Metrics *metrics.Service
	// AuditLog writes the audit log of the bundle's period.
	AuditLog *auditlog.Writer
	// Signer signs the manifest.
	Signer signing.Signer
	// Now is the clock of generated_at.
	Now func() time.Time
}

// Build implements export.Builder.
func (b *Bundles) Build(ctx context.Context, job export.Job, sink export.Sink) ([]export.File, error) {
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
		c, err := b.AuditLog.WriteLog(ctx, w, start, end, inScope)
		return evidence.LogCounts(c), err
	}
	man, err := evidence.Write(ctx, spec, src.Rows, log, sink, b.Signer)
	if err != nil {
		return nil, err
	}
	files := make([]export.File, len(man.Written))
	for i, f := range man.Written {
		files[i] = export.File{Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256}
	}
	return files, nil
}
