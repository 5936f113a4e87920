package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/table"
)

// migrationDueNotice re-keys the open assignments that releases before the
// notice key stored under their due date while they await their notice.
const migrationDueNotice = "due-notice-v1"

// migrationItem is the marker that a one-off migration is done.
type migrationItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	Type   string `dynamodbav:"type"`
	DoneAt string `dynamodbav:"doneAt"` // formatInstant
}

// Upgrade runs each one-off migration of stored data whose marker is
// absent, then writes its marker (only if absent: of two concurrent runs,
// both migrate and one marks). A migration stopped midway leaves no
// marker, and the next run redoes what is left.
func (s *Store) Upgrade(ctx context.Context) error {
	return s.migrateOnce(ctx, migrationDueNotice, s.rekeyAwaitingNotice)
}

// migrateOnce runs migrate unless the marker of name says it is done, then
// writes the marker. Job bookkeeping: no audit event.
func (s *Store) migrateOnce(ctx context.Context, name string, migrate func(context.Context) error) error {
	var done migrationItem
	found, err := s.getItem(ctx, table.MigrationsPK, table.MigrationSK(name), &done)
	if err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	if found {
		return nil
	}
	if err := migrate(ctx); err != nil {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	marker := migrationItem{PK: table.MigrationsPK, SK: table.MigrationSK(name), Type: table.TypeJob, DoneAt: formatInstant(s.now())}
	if err := s.putOne(ctx, marker, notExists()); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("migration %s: %w", name, err)
	}
	return nil
}

// rekeyAwaitingNotice moves every open assignment that no reminder has
// named yet and that the due index keys by its due date to its notice key,
// shard by shard, reading only the dated keys. Each update holds only if
// the assignment is still open, unreminded and at the key read; one that
// changed since is left as it is now.
func (s *Store) rekeyAwaitingNotice(ctx context.Context) error {
	for shard := range table.DueShards {
		expr, err := expression.NewBuilder().
			WithKeyCondition(expression.Key(table.GSI4PK).Equal(expression.Value(table.DueShardPK(shard))).
				And(expression.Key(table.GSI4SK).GreaterThanEqual(expression.Value(table.DueDatedFromSK)))).
			WithFilter(unremindedOpen()).
			Build()
		if err != nil {
			return err
		}
		if _, err := s.queryEach(ctx, "due index", &dynamodb.QueryInput{
			IndexName:                 aws.String(table.IndexDue),
			KeyConditionExpression:    expr.KeyCondition(),
			FilterExpression:          expr.Filter(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}, func(raw map[string]types.AttributeValue) error {
			var it assignmentItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return fmt.Errorf("due index: decode: %w", err)
			}
			return s.rekeyNotice(ctx, it)
		}); err != nil {
			return err
		}
	}
	return nil
}

// unremindedOpen is the condition of an open assignment no reminder has
// named.
func unremindedOpen() expression.ConditionBuilder {
	return expression.Name("status").Equal(expression.Value(assign.StatusOpen)).
		And(expression.Name("remindersSent").Equal(expression.Value(0)))
}

// rekeyNotice sets the due-index sort key of it, as read, to its notice key
// if it is still open, unreminded and at that key.
func (s *Store) rekeyNotice(ctx context.Context, it assignmentItem) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name(table.GSI4SK),
			expression.Value(dueIndexSK(it.EmployeeID, it.ModuleID, it.Cycle, it.DueOn, 0)))).
		WithCondition(unremindedOpen().And(expression.Name(table.GSI4SK).Equal(expression.Value(it.GSI4SK)))).
		Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(it.PK, it.SK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err := mapWriteError(err); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("re-key %s/%s: %w", it.PK, it.SK, err)
	}
	return nil
}
