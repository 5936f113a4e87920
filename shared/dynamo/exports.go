package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/table"
)

// exportItem is how an evidence export is stored (EXPORTS / <id>).
type exportItem struct {
	PK          string                `dynamodbav:"PK"`
	SK          string                `dynamodbav:"SK"`
	Type        string                `dynamodbav:"type"`
	ID          string                `dynamodbav:"id"`
	Quarter     string                `dynamodbav:"quarter"`
	Agreement   string                `dynamodbav:"agreement,omitempty"`
	Scope       string                `dynamodbav:"scope"`
	State       string                `dynamodbav:"state"`
	Files       []exportFileAttribute `dynamodbav:"files"`
	RequestedBy string                `dynamodbav:"requestedBy"`
	RequestedAt string                `dynamodbav:"requestedAt"`
	StartedAt   string                `dynamodbav:"startedAt,omitempty"`
	FinishedAt  string                `dynamodbav:"finishedAt,omitempty"`
	Error       string                `dynamodbav:"error,omitempty"`
	Prefix      string                `dynamodbav:"prefix"`
	Version     int                   `dynamodbav:"version"`
}

// exportFileAttribute is one file of an export item.
type exportFileAttribute struct {
	Name   string `dynamodbav:"name"`
	Bytes  int64  `dynamodbav:"bytes"`
	SHA256 string `dynamodbav:"sha256"`
}

// formatNano writes an export's instants with nanoseconds (UTC), "" for the
// zero time, so that they read back equal.
func formatNano(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func parseNano(attr, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("attribute %s: %w", attr, err)
	}
	return t, nil
}

func newExportItem(e export.Export) exportItem {
	files := make([]exportFileAttribute, len(e.Files))
	for i, f := range e.Files {
		files[i] = exportFileAttribute{Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256}
	}
	return exportItem{
		PK: table.ExportsPK, SK: table.ExportSK(e.ID), Type: table.TypeExport,
		ID: e.ID, Quarter: e.Quarter, Agreement: e.Agreement, Scope: e.Scope, State: string(e.State), Files: files,
		RequestedBy: e.RequestedBy, RequestedAt: formatNano(e.RequestedAt), StartedAt: formatNano(e.StartedAt),
		FinishedAt: formatNano(e.FinishedAt), Error: e.Error, Prefix: e.Prefix, Version: e.Version,
	}
}

func (it exportItem) export() (export.Export, error) {
	requested, err := parseNano("requestedAt", it.RequestedAt)
	if err != nil {
		return export.Export{}, err
	}
	started, err := parseNano("startedAt", it.StartedAt)
	if err != nil {
		return export.Export{}, err
	}
	finished, err := parseNano("finishedAt", it.FinishedAt)
	if err != nil {
		return export.Export{}, err
	}
	var files []export.File // nil until done
	for _, f := range it.Files {
		files = append(files, export.File{Name: f.Name, Bytes: f.Bytes, SHA256: f.SHA256})
	}
	return export.Export{
		ID: it.ID, Quarter: it.Quarter, Agreement: it.Agreement, Scope: it.Scope, State: export.State(it.State), Files: files,
		RequestedBy: it.RequestedBy, RequestedAt: requested, StartedAt: started, FinishedAt: finished,
		Error: it.Error, Prefix: it.Prefix, Version: it.Version,
	}, nil
}

// PutExport stores a new export with its audit event (export.requested) in
// one transaction, only if no export has its id: a Conflict error
// otherwise (an automatic export's id is derived from its quarter and
// scope, so a rerun finds it).
func (s *Store) PutExport(ctx context.Context, e export.Export, event audit.Event) error {
	if err := s.putAudited(ctx, newExportItem(e), notExists(), event); err != nil {
		return fmt.Errorf("put export %s: %w", e.ID, err)
	}
	return nil
}

// UpdateExportState replaces the export from (as read) by to, at the next
// version, with its audit event in one transaction, only if the stored
// export is still in from's state and at from's version: a Conflict error
// otherwise (another run moved it). It returns to as stored.
func (s *Store) UpdateExportState(ctx context.Context, from, to export.Export, event audit.Event) (export.Export, error) {
	to.Version = from.Version + 1
	cond := versionIs(from.Version).And(expression.Name("state").Equal(expression.Value(string(from.State))))
	if err := s.putAudited(ctx, newExportItem(to), cond, event); err != nil {
		return export.Export{}, fmt.Errorf("export %s from %s to %s: %w", from.ID, from.State, to.State, err)
	}
	return to, nil
}

// GetExport returns the export with the given id, or found=false.
func (s *Store) GetExport(ctx context.Context, id string) (export.Export, bool, error) {
	var it exportItem
	found, err := s.getItem(ctx, table.ExportsPK, table.ExportSK(id), &it)
	if err != nil || !found {
		return export.Export{}, false, err
	}
	e, err := it.export()
	if err != nil {
		return export.Export{}, false, fmt.Errorf("export %s: %w", id, err)
	}
	return e, true, nil
}

// ListExports returns every export, newest request first (ties by id). Ids
// do not sort by time, so it reads the whole partition, which holds a few
// exports a quarter (the organisation's, one per agreement, and those asked
// for), and sorts them.
func (s *Store) ListExports(ctx context.Context) ([]export.Export, error) {
	out, err := queryItems(ctx, s, table.ExportsPK, "", exportItem.export)
	if err != nil {
		return nil, fmt.Errorf("exports: %w", err)
	}
	slices.SortFunc(out, func(a, b export.Export) int {
		if c := b.RequestedAt.Compare(a.RequestedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// RecordDownload writes the audit event (export.downloaded) of a download
// of an export's file, which changes no export: one conditional PutItem in
// the audit partition of its day.
func (s *Store) RecordDownload(ctx context.Context, event audit.Event) error {
	return s.PutAuditEvent(ctx, event)
}
