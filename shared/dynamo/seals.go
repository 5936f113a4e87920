package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// sealItem is how a day's audit seal is stored: its canonical bytes exactly
// as signed, and the signature.
type sealItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	Seal      string `dynamodbav:"seal"`
	Signature []byte `dynamodbav:"signature"`
}

func newSealItem(s audit.SignedSeal) sealItem {
	return sealItem{PK: table.SealsPK, SK: table.SealSK(s.Day), Type: table.TypeAuditSeal, Seal: string(s.Bytes), Signature: s.Signature}
}

func (it sealItem) signed() audit.SignedSeal {
	return audit.SignedSeal{Day: it.SK, Bytes: []byte(it.Seal), Signature: it.Signature}
}

// AuditDay hands the audit events of one UTC day (YYYY-MM-DD) to fn in
// stream order (sort-key order), each with the hash stored beside it, a
// page at a time (strongly consistent), and returns how many it read. An
// error of fn stops the read and is returned as is.
func (s *Store) AuditDay(ctx context.Context, day string, fn func(audit.Stored) error) (int, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(table.PartitionKey).Equal(expression.Value(table.AuditPK(day)))).Build()
	if err != nil {
		return 0, err
	}
	return s.queryEach(ctx, "audit events of "+day, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ConsistentRead:            aws.Bool(true),
	}, func(raw map[string]types.AttributeValue) error {
		var it auditItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return fmt.Errorf("decode audit event %v of %s: %w", raw[table.SortKey], day, err)
		}
		return fn(audit.Stored{Event: it.event(), Hash: it.Hash})
	})
}

// PutSeal writes a day's seal only if the day has none: a Conflict error
// when it has.
func (s *Store) PutSeal(ctx context.Context, seal audit.SignedSeal) error {
	if err := s.putOne(ctx, newSealItem(seal), notExists()); err != nil {
		return fmt.Errorf("put seal of %s: %w", seal.Day, err)
	}
	return nil
}

// Seal returns the seal of one day, or found=false.
func (s *Store) Seal(ctx context.Context, day string) (audit.SignedSeal, bool, error) {
	var it sealItem
	found, err := s.getItem(ctx, table.SealsPK, table.SealSK(day), &it)
	if err != nil || !found {
		return audit.SignedSeal{}, false, err
	}
	return it.signed(), true, nil
}

// LastSeal returns the seal of the latest sealed day, or found=false.
func (s *Store) LastSeal(ctx context.Context) (audit.SignedSeal, bool, error) {
	return s.endSeal(ctx, false)
}

// FirstSeal returns the seal of the earliest sealed day (the chain's
// start), or found=false.
func (s *Store) FirstSeal(ctx context.Context) (audit.SignedSeal, bool, error) {
	return s.endSeal(ctx, true)
}

// endSeal reads the first (forward) or last seal with a one-item Query.
func (s *Store) endSeal(ctx context.Context, forward bool) (audit.SignedSeal, bool, error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(table.PartitionKey).Equal(expression.Value(table.SealsPK))).Build()
	if err != nil {
		return audit.SignedSeal{}, false, err
	}
	res, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ScanIndexForward:          aws.Bool(forward),
		Limit:                     aws.Int32(1),
		ConsistentRead:            aws.Bool(true),
	})
	if err != nil {
		return audit.SignedSeal{}, false, fmt.Errorf("read seals: %w", err)
	}
	if len(res.Items) == 0 {
		return audit.SignedSeal{}, false, nil
	}
	var it sealItem
	if err := attributevalue.UnmarshalMap(res.Items[0], &it); err != nil {
		return audit.SignedSeal{}, false, fmt.Errorf("decode seal: %w", err)
	}
	return it.signed(), true, nil
}

// Seals returns the seals of the days from through to (YYYY-MM-DD,
// inclusive), by day.
func (s *Store) Seals(ctx context.Context, from, to string) ([]audit.SignedSeal, error) {
	cond := expression.Key(table.PartitionKey).Equal(expression.Value(table.SealsPK)).
		And(expression.Key(table.SortKey).Between(expression.Value(table.SealSK(from)), expression.Value(table.SealSK(to))))
	items, err := s.queryKeys(ctx, cond)
	if err != nil {
		return nil, fmt.Errorf("seals from %s to %s: %w", from, to, err)
	}
	out := make([]audit.SignedSeal, 0, len(items))
	for _, raw := range items {
		var it sealItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, fmt.Errorf("decode seal: %w", err)
		}
		out = append(out, it.signed())
	}
	return out, nil
}
