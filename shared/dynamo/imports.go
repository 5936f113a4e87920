package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// importItem is how a large roster import is stored (IMPORTS / <id>). Its
// options, problems, result and progress are JSON text: they are read and
// written whole, never queried.
type importItem struct {
	PK           string `dynamodbav:"PK"`
	SK           string `dynamodbav:"SK"`
	Type         string `dynamodbav:"type"`
	ID           string `dynamodbav:"id"`
	State        string `dynamodbav:"state"`
	Options      string `dynamodbav:"options"`
	RequestedBy  string `dynamodbav:"requestedBy"`
	RequestedAt  string `dynamodbav:"requestedAt"`
	FinishedAt   string `dynamodbav:"finishedAt,omitempty"`
	Source       string `dynamodbav:"source,omitempty"`
	Rows         int    `dynamodbav:"rows"`
	RowsWritten  int    `dynamodbav:"rowsWritten"`
	Problems     string `dynamodbav:"problems,omitempty"`
	ProblemCount int    `dynamodbav:"problemCount,omitempty"`
	ProblemsFile bool   `dynamodbav:"problemsFile,omitempty"`
	Result       string `dynamodbav:"result,omitempty"`
	Day          string `dynamodbav:"day,omitempty"`
	PlanKey      string `dynamodbav:"planKey,omitempty"`
	PlanSHA256   string `dynamodbav:"planSha256,omitempty"`
	PlanBytes    int64  `dynamodbav:"planBytes,omitempty"`
	PlanLines    int    `dynamodbav:"planLines,omitempty"`
	Batch        string `dynamodbav:"batch,omitempty"`
	NextLine     int    `dynamodbav:"nextLine"`
	ChunkAt      string `dynamodbav:"chunkAt,omitempty"`
	EarlierAts   string `dynamodbav:"earlierChunkAts,omitempty"`
	Progress     string `dynamodbav:"progress"`
	LeaseUntil   string `dynamodbav:"leaseUntil,omitempty"`
	Runner       string `dynamodbav:"runner,omitempty"`
	Version      int    `dynamodbav:"version"`
}

// jsonText encodes v as JSON text ("" for nil).
func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	if string(b) == "null" {
		return "", nil
	}
	return string(b), nil
}

func newImportItem(im roster.Import) (importItem, error) {
	it := importItem{
		PK: table.ImportsPK, SK: table.ImportSK(im.ID), Type: table.TypeRosterImport,
		ID: im.ID, State: string(im.State), RequestedBy: im.RequestedBy, RequestedAt: formatNano(im.RequestedAt),
		FinishedAt: formatNano(im.FinishedAt), Source: im.Source, Rows: im.Rows, RowsWritten: im.RowsWritten,
		ProblemCount: im.ProblemCount, ProblemsFile: im.ProblemsFile, Day: im.Day,
		PlanKey: im.PlanKey, PlanSHA256: im.PlanSHA256, PlanBytes: im.PlanBytes, PlanLines: im.PlanLines,
		Batch: im.Batch, NextLine: im.NextLine, ChunkAt: formatNano(im.ChunkAt), LeaseUntil: formatNano(im.LeaseUntil),
		Runner: im.Runner, Version: im.Version,
	}
	var err error
	for _, f := range []struct {
		dst *string
		v   any
	}{{&it.Options, im.Options}, {&it.Problems, im.Problems}, {&it.Result, im.Result}, {&it.Progress, im.Progress}, {&it.EarlierAts, im.EarlierChunkAts}} {
		if *f.dst, err = jsonText(f.v); err != nil {
			return importItem{}, fmt.Errorf("encode import %s: %w", im.ID, err)
		}
	}
	if len(im.Problems) == 0 {
		it.Problems = ""
	}
	return it, nil
}

func (it importItem) rosterImport() (roster.Import, error) {
	im := roster.Import{
		ID: it.ID, State: roster.ImportState(it.State), RequestedBy: it.RequestedBy, Source: it.Source,
		Rows: it.Rows, RowsWritten: it.RowsWritten, ProblemCount: it.ProblemCount, ProblemsFile: it.ProblemsFile, Day: it.Day,
		PlanKey: it.PlanKey, PlanSHA256: it.PlanSHA256, PlanBytes: it.PlanBytes, PlanLines: it.PlanLines,
		Batch: it.Batch, NextLine: it.NextLine, Runner: it.Runner, Version: it.Version, Problems: []apperr.Problem{},
	}
	var err error
	for _, f := range []struct {
		dst        *time.Time
		attr, text string
	}{
		{&im.RequestedAt, "requestedAt", it.RequestedAt}, {&im.FinishedAt, "finishedAt", it.FinishedAt},
		{&im.ChunkAt, "chunkAt", it.ChunkAt}, {&im.LeaseUntil, "leaseUntil", it.LeaseUntil},
	} {
		if *f.dst, err = parseNano(f.attr, f.text); err != nil {
			return roster.Import{}, err
		}
	}
	for _, f := range []struct {
		text string
		dst  any
	}{{it.Options, &im.Options}, {it.Problems, &im.Problems}, {it.Result, &im.Result}, {it.Progress, &im.Progress}, {it.EarlierAts, &im.EarlierChunkAts}} {
		if f.text == "" {
			continue
		}
		if err := json.Unmarshal([]byte(f.text), f.dst); err != nil {
			return roster.Import{}, fmt.Errorf("decode import %s: %w", it.ID, err)
		}
	}
	im.Mode, im.DryRun = im.Options.Mode, im.Options.DryRun
	return im, nil
}

// importLockItem is the import write lock (JOB#roster-import / STATE):
// which import writes.
type importLockItem struct {
	PK       string `dynamodbav:"PK"`
	SK       string `dynamodbav:"SK"`
	Type     string `dynamodbav:"type"`
	ImportID string `dynamodbav:"importId"`
}

// PutImport stores a new import with its audit event (import.requested)
// in one transaction, only if no import has its id.
func (s *Store) PutImport(ctx context.Context, im roster.Import, event audit.Event) error {
	it, err := newImportItem(im)
	if err != nil {
		return err
	}
	if err := s.putAudited(ctx, it, notExists(), event); err != nil {
		return fmt.Errorf("put import %s: %w", im.ID, err)
	}
	return nil
}

// MoveImport replaces the import from (as read) by to, at the next
// version, with its audit event in one transaction, only if the stored
// import is still at from's state and version: a Conflict error otherwise.
// A move into writing puts the import write lock (only if absent: a
// *roster.ImportLocked naming its holder otherwise), a move out of it
// deletes the lock. It returns to as stored.
func (s *Store) MoveImport(ctx context.Context, from, to roster.Import, event audit.Event) (roster.Import, error) {
	to.Version = from.Version + 1
	it, err := newImportItem(to)
	if err != nil {
		return roster.Import{}, err
	}
	cond := versionIs(from.Version).And(expression.Name("state").Equal(expression.Value(string(from.State))))
	w, err := put(s.table, it, cond)
	if err != nil {
		return roster.Import{}, err
	}
	writes := []types.TransactWriteItem{w}
	entering := to.State == roster.ImportWriting && from.State != roster.ImportWriting
	leaving := from.State == roster.ImportWriting && to.State != roster.ImportWriting
	switch {
	case entering:
		lock, err := put(s.table, importLockItem{PK: table.JobPK(table.ImportLockJob), SK: table.StateSK, Type: table.TypeJob, ImportID: to.ID}, notExists())
		if err != nil {
			return roster.Import{}, err
		}
		writes = append(writes, lock)
	case leaving:
		expr, err := expression.NewBuilder().WithCondition(expression.Name("importId").Equal(expression.Value(from.ID))).Build()
		if err != nil {
			return roster.Import{}, err
		}
		writes = append(writes, types.TransactWriteItem{Delete: &types.Delete{
			TableName: aws.String(s.table), Key: key(table.JobPK(table.ImportLockJob), table.StateSK),
			ConditionExpression: expr.Condition(), ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
		}})
	}
	ev, err := s.auditPut(event)
	if err != nil {
		return roster.Import{}, err
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(writes, ev)})
	if err != nil && entering && failedCondition(err) == 1 {
		holder, _, lockErr := s.ImportWriting(ctx)
		if lockErr != nil {
			return roster.Import{}, lockErr
		}
		return roster.Import{}, &roster.ImportLocked{By: holder}
	}
	if err != nil {
		return roster.Import{}, fmt.Errorf("import %s from %s to %s: %w", from.ID, from.State, to.State, mapWriteError(err))
	}
	return to, nil
}

// CheckpointImport replaces the import from by to (a checkpoint within a
// state: progress, lease), at the next version, only if the stored import
// is still at from's state and version; it records no event.
func (s *Store) CheckpointImport(ctx context.Context, from, to roster.Import) (roster.Import, error) {
	to.Version = from.Version + 1
	it, err := newImportItem(to)
	if err != nil {
		return roster.Import{}, err
	}
	cond := versionIs(from.Version).And(expression.Name("state").Equal(expression.Value(string(from.State))))
	if err := s.putOne(ctx, it, cond); err != nil {
		return roster.Import{}, fmt.Errorf("checkpoint import %s: %w", from.ID, err)
	}
	return to, nil
}

// GetImport returns the import with the given id, or found=false.
func (s *Store) GetImport(ctx context.Context, id string) (roster.Import, bool, error) {
	var it importItem
	found, err := s.getItem(ctx, table.ImportsPK, table.ImportSK(id), &it)
	if err != nil || !found {
		return roster.Import{}, false, err
	}
	im, err := it.rosterImport()
	if err != nil {
		return roster.Import{}, false, err
	}
	return im, true, nil
}

// ListImports returns every import, newest first: ids are time-ordered.
func (s *Store) ListImports(ctx context.Context) ([]roster.Import, error) {
	out, err := queryItems(ctx, s, table.ImportsPK, "", importItem.rosterImport)
	if err != nil {
		return nil, fmt.Errorf("imports: %w", err)
	}
	slices.Reverse(out)
	return out, nil
}

// ImportWriting returns the id of the import that holds the import write
// lock, if any.
func (s *Store) ImportWriting(ctx context.Context) (string, bool, error) {
	var it importLockItem
	found, err := s.getItem(ctx, table.JobPK(table.ImportLockJob), table.StateSK, &it)
	if err != nil || !found {
		return "", false, err
	}
	return it.ImportID, true, nil
}

// EventsAt returns those of the audit events ids, all at the instant at,
// that exist, by id: 100 keys per BatchGetItem call, strongly consistent.
func (s *Store) EventsAt(ctx context.Context, at time.Time, ids []string) (map[string]audit.Event, error) {
	out := make(map[string]audit.Event, len(ids))
	probe := audit.Event{At: at}
	err := batchGetEach(ctx, s, "events", ids, func(id string) map[string]types.AttributeValue {
		return key(table.AuditPK(probe.Day()), table.AuditSK(probe.SortTime(), id))
	}, func(it auditItem) { out[it.ID] = it.event() })
	return out, err
}

var (
	_ roster.ImportStore = (*Store)(nil)
	_ roster.ImportLock  = (*Store)(nil)
)
