package dynamo

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/table"
)

// snapshotItem is how a snapshot's manifest is stored: the keys and a few
// attributes for people reading the table, and the whole manifest as
// gzip-compressed JSON (metrics.Snapshot), whose figures must come back
// exactly as they were frozen.
type snapshotItem struct {
	PK       string    `dynamodbav:"PK"`
	SK       string    `dynamodbav:"SK"`
	Type     string    `dynamodbav:"type"`
	Quarter  string    `dynamodbav:"quarter"`
	RunID    string    `dynamodbav:"runId"`
	Chunks   int       `dynamodbav:"chunks"`
	FrozenAt time.Time `dynamodbav:"frozenAt"`
	Manifest []byte    `dynamodbav:"manifest"`
}

// snapshotChunkItem is how one chunk of a snapshot's rows is stored: gzip
// of JSON lines, one metrics.PersonRows a line.
type snapshotChunkItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Type   string `dynamodbav:"type"`
	People int    `dynamodbav:"people"`
	Rows   []byte `dynamodbav:"rows"`
}

// chunkFlushBytes is how much uncompressed JSON a chunk takes between two
// flushes of its compressor, which tell how large the chunk has grown.
const chunkFlushBytes = 64 << 10

// chunkSlack covers the gzip header and trailer and the framing of the
// blocks not yet flushed: compressed data is never more than the input
// plus a few bytes per stored block.
const chunkSlack = 1 << 10

// SnapshotWriter writes the rows of one freezing run of a quarter, chunk by
// chunk, and then its manifest. It is not safe for concurrent use.
type SnapshotWriter struct {
	s              *Store
	quarter, runID string
	buf            bytes.Buffer
	zw             *gzip.Writer
	pending        int // uncompressed bytes written since the last flush
	inChunk        int // people in the open chunk
	chunks, people int
}

// NewSnapshotWriter starts the run runID of freezing quarter; runID must be
// new (it keys the run's chunks).
func (s *Store) NewSnapshotWriter(quarter, runID string) *SnapshotWriter {
	return &SnapshotWriter{s: s, quarter: quarter, runID: runID}
}

// Add appends one person's rows, writing the open chunk first (PutItem, if
// absent) when the rows might not fit in it.
func (w *SnapshotWriter) Add(ctx context.Context, rows metrics.PersonRows) error {
	line, err := json.Marshal(rows)
	if err != nil {
		return fmt.Errorf("snapshot %s: encode rows of %s: %w", w.quarter, rows.Person.EmployeeID, err)
	}
	line = append(line, '\n')
	if len(line)+chunkSlack > table.SnapshotChunkBytes {
		return fmt.Errorf("snapshot %s: the rows of %s (%d bytes) do not fit in a chunk", w.quarter, rows.Person.EmployeeID, len(line))
	}
	if w.zw != nil && w.buf.Len()+w.pending+len(line)+chunkSlack > table.SnapshotChunkBytes {
		if err := w.flushChunk(ctx); err != nil {
			return err
		}
	}
	if w.zw == nil {
		w.buf.Reset()
		w.zw = gzip.NewWriter(&w.buf)
	}
	if _, err := w.zw.Write(line); err != nil {
		return err
	}
	w.pending += len(line)
	w.inChunk++
	w.people++
	if w.pending >= chunkFlushBytes {
		if err := w.zw.Flush(); err != nil {
			return err
		}
		w.pending = 0
	}
	return nil
}

// flushChunk closes the open chunk and writes it.
func (w *SnapshotWriter) flushChunk(ctx context.Context) error {
	if err := w.zw.Close(); err != nil {
		return err
	}
	w.chunks++
	it := snapshotChunkItem{
		PK: table.SnapshotPK(w.quarter), SK: table.SnapshotChunkSK(w.runID, w.chunks), Type: table.TypeSnapshotChunk,
		People: w.inChunk, Rows: w.buf.Bytes(),
	}
	if err := w.s.putOne(ctx, it, notExists()); err != nil {
		return fmt.Errorf("snapshot %s: write chunk %d: %w", w.quarter, w.chunks, err)
	}
	w.zw, w.pending, w.inChunk = nil, 0, 0
	return nil
}

// Commit writes the last chunk and then the manifest m, with the run's id,
// chunk and people counts filled in, and its audit event in one
// transaction, only if the quarter has no manifest yet: otherwise nothing
// is written and the error is a Conflict (the run's chunks stay, named by
// no manifest). It returns the manifest as written.
func (w *SnapshotWriter) Commit(ctx context.Context, m metrics.Snapshot, event audit.Event) (metrics.Snapshot, error) {
	if w.zw != nil {
		if err := w.flushChunk(ctx); err != nil {
			return metrics.Snapshot{}, err
		}
	}
	m.Quarter, m.RunID, m.Chunks, m.People = w.quarter, w.runID, w.chunks, w.people
	body, err := gzipJSON(m)
	if err != nil {
		return metrics.Snapshot{}, fmt.Errorf("snapshot %s: encode manifest: %w", w.quarter, err)
	}
	it := snapshotItem{
		PK: table.SnapshotPK(w.quarter), SK: table.SnapshotManifestSK, Type: table.TypeSnapshot,
		Quarter: w.quarter, RunID: w.runID, Chunks: w.chunks, FrozenAt: m.FrozenAt.UTC(), Manifest: body,
	}
	if err := w.s.putAudited(ctx, it, notExists(), event); err != nil {
		return metrics.Snapshot{}, fmt.Errorf("snapshot %s: write manifest: %w", w.quarter, err)
	}
	return m, nil
}

// WriteSnapshot writes one freezing run of quarter (runID): fill adds every
// person's rows through add, which writes them chunk by chunk, and returns
// the manifest and its audit event, which Commit writes. A quarter that has
// a manifest already is a Conflict (see Commit).
func (s *Store) WriteSnapshot(ctx context.Context, quarter, runID string,
	fill func(add func(metrics.PersonRows) error) (metrics.Snapshot, audit.Event, error)) (metrics.Snapshot, error) {
	w := s.NewSnapshotWriter(quarter, runID)
	m, event, err := fill(func(r metrics.PersonRows) error { return w.Add(ctx, r) })
	if err != nil {
		return metrics.Snapshot{}, err
	}
	return w.Commit(ctx, m, event)
}

func gzipJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (it snapshotItem) snapshot() (metrics.Snapshot, error) {
	zr, err := gzip.NewReader(bytes.NewReader(it.Manifest))
	if err != nil {
		return metrics.Snapshot{}, fmt.Errorf("snapshot %s: manifest: %w", it.Quarter, err)
	}
	var m metrics.Snapshot
	if err := json.NewDecoder(zr).Decode(&m); err != nil {
		return metrics.Snapshot{}, fmt.Errorf("snapshot %s: manifest: %w", it.Quarter, err)
	}
	return m, nil
}

// Snapshot returns the manifest of a quarter's frozen snapshot, or
// found=false when the quarter is not frozen.
func (s *Store) Snapshot(ctx context.Context, quarter string) (m metrics.Snapshot, found bool, err error) {
	var it snapshotItem
	found, err = s.getItem(ctx, table.SnapshotPK(quarter), table.SnapshotManifestSK, &it)
	if err != nil || !found {
		return metrics.Snapshot{}, false, err
	}
	m, err = it.snapshot()
	return m, err == nil, err
}

// Snapshots returns the manifests of those of quarters that are frozen, by
// quarter, 100 per BatchGetItem call.
func (s *Store) Snapshots(ctx context.Context, quarters []string) (map[string]metrics.Snapshot, error) {
	out := map[string]metrics.Snapshot{}
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(quarters))), batchGetMax) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, q := range chunk {
			keys[i] = key(table.SnapshotPK(q), table.SnapshotManifestSK)
		}
		items, err := s.batchGet(ctx, types.KeysAndAttributes{Keys: keys})
		if err != nil {
			return nil, fmt.Errorf("snapshots: %w", err)
		}
		for _, raw := range items {
			var it snapshotItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, fmt.Errorf("snapshots: decode: %w", err)
			}
			m, err := it.snapshot()
			if err != nil {
				return nil, err
			}
			out[m.Quarter] = m
		}
	}
	return out, nil
}

// SnapshotRows hands fn the rows of a frozen snapshot, person by person in
// the order they were written, reading the run's chunks a page of the
// Query at a time, and returns how many items it read. A chunk missing
// (fewer than the manifest counts) is an error; an error of fn stops it and
// is returned as is.
func (s *Store) SnapshotRows(ctx context.Context, m metrics.Snapshot, fn func(metrics.PersonRows) error) (read int, err error) {
	expr, err := expression.NewBuilder().WithKeyCondition(
		expression.Key(table.PartitionKey).Equal(expression.Value(table.SnapshotPK(m.Quarter))).
			And(expression.Key(table.SortKey).BeginsWith(table.SnapshotChunkPrefix(m.RunID)))).Build()
	if err != nil {
		return 0, err
	}
	// A page holds at most 1 MB: three chunks or so.
	chunks, people := 0, 0
	read, err = s.queryEach(ctx, "snapshot "+m.Quarter+": read chunks", &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, func(raw map[string]types.AttributeValue) error {
		chunks++
		var it snapshotChunkItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return fmt.Errorf("snapshot %s: decode chunk: %w", m.Quarter, err)
		}
		if it.SK != table.SnapshotChunkSK(m.RunID, chunks) {
			return fmt.Errorf("snapshot %s: chunk %d of run %s is missing", m.Quarter, chunks, m.RunID)
		}
		n, err := chunkRows(it.Rows, fn)
		people += n
		var decode *chunkError
		if errors.As(err, &decode) {
			return fmt.Errorf("snapshot %s: chunk %s: %w", m.Quarter, it.SK, decode.err)
		}
		return err
	})
	if err != nil {
		return read, err
	}
	if read != m.Chunks || people != m.People {
		return read, fmt.Errorf("snapshot %s: read %d chunks of %d people, the manifest names %d chunks of %d", m.Quarter, read, people, m.Chunks, m.People)
	}
	return read, nil
}

// chunkError is a chunk that cannot be decoded (as opposed to an error of
// the caller's function).
type chunkError struct{ err error }

func (e *chunkError) Error() string { return e.err.Error() }

// chunkRows decodes a chunk's JSON lines and hands fn each person's rows.
func chunkRows(data []byte, fn func(metrics.PersonRows) error) (n int, err error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return 0, &chunkError{err}
	}
	dec := json.NewDecoder(bufio.NewReader(zr))
	for {
		var rows metrics.PersonRows
		if err := dec.Decode(&rows); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, &chunkError{err}
		}
		n++
		if err := fn(rows); err != nil {
			return n, err
		}
	}
}
