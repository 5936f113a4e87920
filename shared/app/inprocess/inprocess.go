// Package inprocess wires the application whose evidence exports run in the
// same process (make dev, the demo and its tests): app.New with the real
// bundle builder (package bundle: the quarter's rows, the audit log and the
// signing key through package evidence and its PDF writer). It is a package
// of its own so that the API function, which hands exports to the export
// function instead, does not link the builder.
package inprocess

import (
	"context"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/export/bundle"
)

// New is app.New, with cfg.Exports.Build, when cfg has exports and no
// builder, building real bundles from the application's own metrics and
// audit log writer, signed by cfg.Signer.
func New(cfg app.Config) (*app.App, error) {
	if cfg.Exports == nil || cfg.Exports.Build != nil {
		return app.New(cfg)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now // app.New's default, which the bundles share
	}
	// The bundles read the application's metrics and audit log, which
	// app.New builds; no export runs before it returns.
	var b *bundle.Bundles
	x := *cfg.Exports
	x.Build = func(ctx context.Context, job export.Job, sink export.Sink) ([]export.File, error) {
		return b.Build(ctx, job, sink)
	}
	cfg.Exports = &x
	a, err := app.New(cfg)
	if err != nil {
		return nil, err
	}
	b = &bundle.Bundles{Metrics: a.Metrics, AuditLog: a.AuditLogWriter, Signer: cfg.Signer, Now: cfg.Now}
	return a, nil
}
