// Package dynamo is the DynamoDB adapter: the only package that calls the
// DynamoDB SDK (wiring and tooling only construct clients). Key formats,
// indexes and item-type names come from package table; this package owns
// the item structs (attribute names and stored formats) and turns domain
// values into items and back, with conditional (idempotent) writes and
// optimistic locking.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// API is the part of the DynamoDB client the store uses.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// Store reads and writes the tracker's table.
type Store struct {
	api   API
	table string
	now   func() time.Time
}

// New returns a store over the named table; now tells the time against which
// expired items are filtered.
func New(api API, tableName string, now func() time.Time) *Store {
	return &Store{api: api, table: tableName, now: now}
}

// maxTransactItems is DynamoDB's limit of items in one TransactWriteItems call.
const maxTransactItems = 100

// key builds a primary key attribute map.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.PartitionKey: &types.AttributeValueMemberS{Value: pk},
		table.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

// getItem reads one item consistently into out; found is false when absent or expired.
func (s *Store) getItem(ctx context.Context, pk, sk string, out any) (found bool, err error) {
	res, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            key(pk, sk),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return false, fmt.Errorf("get %s/%s: %w", pk, sk, err)
	}
	if res.Item == nil || s.expired(res.Item) {
		return false, nil
	}
	if err := attributevalue.UnmarshalMap(res.Item, out); err != nil {
		return false, fmt.Errorf("decode %s/%s: %w", pk, sk, err)
	}
	return true, nil
}

// expired reports whether an item's TTL has passed. DynamoDB deletes expired
// items only eventually (DynamoDB Local never), so every read filters them.
func (s *Store) expired(item map[string]types.AttributeValue) bool {
	v, ok := item[table.TTLAttribute].(*types.AttributeValueMemberN)
	if !ok {
		return false
	}
	var epoch int64
	if _, err := fmt.Sscan(v.Value, &epoch); err != nil {
		return false
	}
	return epoch <= s.now().Unix()
}

// queryAll runs a query through the SDK paginator and returns every
// unexpired item.
func (s *Store) queryAll(ctx context.Context, in *dynamodb.QueryInput) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	_, err := s.queryEach(ctx, "", in, func(it map[string]types.AttributeValue) error {
		if !s.expired(it) {
			items = append(items, it)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

// queryEach runs a query on the table through the SDK paginator, a page at
// a time, hands every item to fn in order and returns how many items it
// read. A failed page is an error prefixed with what ("" for none); an
// error of fn stops the query and is returned as is.
func (s *Store) queryEach(ctx context.Context, what string, in *dynamodb.QueryInput, fn func(map[string]types.AttributeValue) error) (read int, err error) {
	in.TableName = aws.String(s.table)
	pages := dynamodb.NewQueryPaginator(s.api, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			if what != "" {
				err = fmt.Errorf("%s: %w", what, err)
			}
			return read, err
		}
		for _, it := range page.Items {
			read++
			if err := fn(it); err != nil {
				return read, err
			}
		}
	}
	return read, nil
}

// transactWorkers bounds the transactions a store runs at once.
const transactWorkers = 8

// transact writes items in transactions of at most 100 items, keeping each
// group (the writes about one subject) inside one transaction, and runs up to
// transactWorkers transactions at once. Groups are independent, so their
// order does not matter; on failure it returns the first error, and the
// transactions that committed stay committed (every write is conditional, so
// running the same writes again completes the rest and repeats nothing).
func (s *Store) transact(ctx context.Context, groups [][]types.TransactWriteItem) error {
	return s.transactGroups(ctx, groups, nil)
}

// transactGroups is transact; when a transaction fails a condition and
// conflict is not nil, it returns conflict(g) for the group g whose item
// failed instead of a Conflict error.
func (s *Store) transactGroups(ctx context.Context, groups [][]types.TransactWriteItem, conflict func(group int) error) error {
	var batches [][]types.TransactWriteItem
	var owners [][]int // owners[b][i]: the group of item i of batch b
	var batch []types.TransactWriteItem
	var owner []int
	for gi, g := range groups {
		if len(g) > maxTransactItems {
			return fmt.Errorf("transaction group of %d items is over the limit of %d", len(g), maxTransactItems)
		}
		if len(batch)+len(g) > maxTransactItems {
			batches, batch = append(batches, batch), nil
			owners, owner = append(owners, owner), nil
		}
		batch = append(batch, g...)
		for range g {
			owner = append(owner, gi)
		}
	}
	if len(batch) > 0 {
		batches = append(batches, batch)
		owners = append(owners, owner)
	}

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, transactWorkers)
	var wg sync.WaitGroup
	for bi, b := range batches {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			_, err := s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: b})
			if err == nil {
				return
			}
			if i := failedCondition(err); i >= 0 && conflict != nil {
				cancel(conflict(owners[bi][i]))
				return
			}
			cancel(mapWriteError(err))
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// failedCondition returns the index of the item of a cancelled transaction
// whose condition failed, or -1.
func failedCondition(err error) int {
	var cancelled *types.TransactionCanceledException
	if errors.As(err, &cancelled) {
		for i, r := range cancelled.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return i
			}
		}
	}
	return -1
}

// chunkGroups is how many groups writeGroups builds before writing them, so
// that a large import never holds all of its marshalled items at once.
const chunkGroups = 500

// writeGroups builds n groups of writes with build (nil groups are skipped)
// and writes them chunk by chunk through transact.
func (s *Store) writeGroups(ctx context.Context, n int, build func(i int) ([]types.TransactWriteItem, error)) error {
	for start := 0; start < n; start += chunkGroups {
		var groups [][]types.TransactWriteItem
		for i := start; i < min(n, start+chunkGroups); i++ {
			g, err := build(i)
			if err != nil {
				return err
			}
			if g != nil {
				groups = append(groups, g)
			}
		}
		if err := s.transact(ctx, groups); err != nil {
			return err
		}
	}
	return nil
}

// mapWriteError turns failed conditions into a Conflict error people can act on.
func mapWriteError(err error) error {
	if err == nil {
		return nil
	}
	var cancelled *types.TransactionCanceledException
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &cancelled) {
		for _, r := range cancelled.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return &apperr.Error{Code: apperr.Conflict, Message: "the data changed while this request was being written; retry"}
			}
		}
	}
	if errors.As(err, &failed) {
		return &apperr.Error{Code: apperr.Conflict, Message: "the data changed while this request was being written; retry"}
	}
	return fmt.Errorf("write: %w", err)
}

// notExists is the condition of a write that creates an item exactly once.
func notExists() expression.ConditionBuilder {
	return expression.AttributeNotExists(expression.Name(table.PartitionKey))
}

// versionIs is the optimistic-locking condition of a write that replaces the
// item version v.
func versionIs(v int) expression.ConditionBuilder {
	return expression.Name(table.VersionAttribute).Equal(expression.Value(v))
}

// put returns a transactional Put of item, marshalled, under cond.
func put(tableName string, item any, cond expression.ConditionBuilder) (types.TransactWriteItem, error) {
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("encode item: %w", err)
	}
	expr, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build condition: %w", err)
	}
	return types.TransactWriteItem{Put: &types.Put{
		TableName:                 aws.String(tableName),
		Item:                      av,
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}

// createAll returns transactional Puts of items, each only if absent: the
// items of one new thing (its own item and its listing copy).
func createAll(tableName string, items ...any) ([]types.TransactWriteItem, error) {
	writes := make([]types.TransactWriteItem, 0, len(items))
	for _, item := range items {
		w, err := put(tableName, item, notExists())
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
	}
	return writes, nil
}

// formatInstant is how the table stores the instants that are absent until
// something happens (completion, acknowledgment, revocation, sending, use):
// RFC 3339 in UTC, to the second; the zero time is "", which omitempty leaves
// out of the item.
func formatInstant(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// parseInstant reads an instant written by formatInstant into the attribute
// named attr; "" is the zero time.
func parseInstant(attr, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("attribute %s: %w", attr, err)
	}
	return t, nil
}

// auditItem is how an audit event is stored: its fields, normalized
// (audit.Normalize), and its hash (audit.Hash), in one put.
type auditItem struct {
	PK      string         `dynamodbav:"PK"`
	SK      string         `dynamodbav:"SK"`
	Type    string         `dynamodbav:"type"`
	ID      string         `dynamodbav:"id"`
	At      time.Time      `dynamodbav:"at"`
	Actor   string         `dynamodbav:"actor"`
	Action  string         `dynamodbav:"action"`
	Subject string         `dynamodbav:"subject"`
	Source  string         `dynamodbav:"source,omitempty"`
	Details map[string]any `dynamodbav:"details,omitempty"`
	// Hash is the event's audit.Hash as written; events written before
	// the log was chained have none.
	Hash string `dynamodbav:"hash,omitempty"`
}

func newAuditItem(e audit.Event) auditItem {
	e = audit.Normalize(e)
	return auditItem{
		PK: table.AuditPK(e.Day()), SK: table.AuditSK(e.SortTime(), e.ID), Type: table.TypeAudit,
		ID: e.ID, At: e.At, Actor: e.Actor, Action: e.Action, Subject: e.Subject, Source: e.Source, Details: e.Details,
		Hash: audit.Hash(e),
	}
}

func (it auditItem) event() audit.Event {
	return audit.Event{ID: it.ID, At: it.At, Actor: it.Actor, Action: it.Action, Subject: it.Subject, Source: it.Source, Details: it.Details}
}

// auditPut returns the transactional write of one audit event; the event's
// key never exists before, so a replayed write fails instead of duplicating.
func (s *Store) auditPut(e audit.Event) (types.TransactWriteItem, error) {
	return put(s.table, newAuditItem(e), notExists())
}

// putOne writes one item under cond, outside any transaction.
func (s *Store) putOne(ctx context.Context, item any, cond expression.ConditionBuilder) error {
	w, err := put(s.table, item, cond)
	if err != nil {
		return err
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                 aws.String(s.table),
		Item:                      w.Put.Item,
		ConditionExpression:       w.Put.ConditionExpression,
		ExpressionAttributeNames:  w.Put.ExpressionAttributeNames,
		ExpressionAttributeValues: w.Put.ExpressionAttributeValues,
	})
	return mapWriteError(err)
}

// queryItems queries one partition for sort keys beginning with prefix,
// decodes every item as an I and returns what value makes of each, in
// sort-key order.
func queryItems[I, T any](ctx context.Context, s *Store, pk, prefix string, value func(I) (T, error)) ([]T, error) {
	var out []T
	err := s.queryPrefix(ctx, pk, prefix, func(raw map[string]types.AttributeValue) error {
		var it I
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		v, err := value(it)
		if err != nil {
			return err
		}
		out = append(out, v)
		return nil
	})
	return out, err
}

// queryKeys returns every item of the table (not an index) that the key
// condition selects, strongly consistent, all pages.
func (s *Store) queryKeys(ctx context.Context, cond expression.KeyConditionBuilder) ([]map[string]types.AttributeValue, error) {
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, err
	}
	return s.queryAll(ctx, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	})
}

// TrainingRecords returns the person's assignments and policy
// acknowledgments in one Query (table.TrainingRange), for views that show
// both of many people.
func (s *Store) TrainingRecords(ctx context.Context, employeeID string) ([]assign.Assignment, []ack.Acknowledgment, error) {
	from, to := table.TrainingRange()
	cond := expression.Key(table.PartitionKey).Equal(expression.Value(table.PersonPK(employeeID))).
		And(expression.Key(table.SortKey).Between(expression.Value(from), expression.Value(to)))
	items, err := s.queryKeys(ctx, cond)
	if err != nil {
		return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
	}
	var (
		assignments []assign.Assignment
		acks        []ack.Acknowledgment
	)
	for _, raw := range items {
		var sk string
		if err := attributevalue.Unmarshal(raw[table.SortKey], &sk); err != nil {
			return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
		}
		if strings.HasPrefix(sk, table.AcknowledgmentPrefix) {
			var it ackItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
			}
			a, err := it.acknowledgment()
			if err != nil {
				return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
			}
			acks = append(acks, a)
			continue
		}
		var it assignmentItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
		}
		a, err := it.assignment()
		if err != nil {
			return nil, nil, fmt.Errorf("training records of %s: %w", employeeID, err)
		}
		assignments = append(assignments, a)
	}
	return assignments, acks, nil
}

// noError adapts a conversion that cannot fail to queryItems.
func noError[I, T any](f func(I) T) func(I) (T, error) {
	return func(it I) (T, error) { return f(it), nil }
}

// AuditEvents returns the audit events of one UTC day (YYYY-MM-DD) in stream
// order.
func (s *Store) AuditEvents(ctx context.Context, day string) ([]audit.Event, error) {
	out, err := queryItems(ctx, s, table.AuditPK(day), "", noError(auditItem.event))
	if err != nil {
		return nil, fmt.Errorf("audit events of %s: %w", day, err)
	}
	return out, nil
}
