package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// assignmentItem is how an assignment is stored.
type assignmentItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	assign.Assignment
}

// Assignments returns every assignment of a person, every cycle, ordered by
// module and cycle.
func (s *Store) Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.AssignmentPrefix, func(it assignmentItem) assign.Assignment { return it.Assignment })
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", employeeID, err)
	}
	return out, nil
}

// ApplyAssignmentPlans writes assignment plans: new cycles are created only if
// absent (their keys are deterministic, so a second run of the same day
// cannot duplicate them), closures only if the assignment is still open at the
// version that was read. One audit event per person describes the change, in
// the same transaction.
func (s *Store) ApplyAssignmentPlans(ctx context.Context, plans []assign.PersonPlan, actor, source string, at time.Time) error {
	batch := audit.NewBatchID()
	err := s.writeGroups(ctx, len(plans), func(i int) ([]types.TransactWriteItem, error) {
		if plans[i].Plan.Empty() {
			return nil, nil
		}
		return s.assignmentWrites(plans[i], actor, source, at, audit.BatchEventID(batch, i+1))
	})
	if err != nil {
		return fmt.Errorf("apply assignments: %w", err)
	}
	return nil
}

func (s *Store) assignmentWrites(pp assign.PersonPlan, actor, source string, at time.Time, eventID string) ([]types.TransactWriteItem, error) {
	var writes []types.TransactWriteItem
	var created, closed []string
	for _, a := range pp.Plan.Create {
		a.Version = 1
		w, err := put(s.table, assignmentItem{
			PK: table.PersonPK(a.EmployeeID), SK: table.AssignmentSK(a.ModuleID, a.Cycle), Type: "assignment", Assignment: a,
		}, notExists())
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
		created = append(created, fmt.Sprintf("%s#%d", a.ModuleID, a.Cycle))
	}
	closedOn := at.UTC().Format(time.DateOnly)
	for _, c := range pp.Plan.Close {
		update := expression.Set(expression.Name("status"), expression.Value(assign.StatusCancelled)).
			Set(expression.Name("closedOn"), expression.Value(closedOn)).
			Set(expression.Name("closeReason"), expression.Value(c.Reason)).
			Set(expression.Name(table.VersionAttribute), expression.Value(c.Version+1))
		cond := versionIs(c.Version).And(expression.Name("status").Equal(expression.Value(assign.StatusOpen)))
		expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
		if err != nil {
			return nil, err
		}
		writes = append(writes, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       key(table.PersonPK(pp.EmployeeID), table.AssignmentSK(c.ModuleID, c.Cycle)),
			UpdateExpression:          expr.Update(),
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}})
		closed = append(closed, fmt.Sprintf("%s#%d:%s", c.ModuleID, c.Cycle, c.Reason))
	}
	event, err := s.auditPut(audit.Event{
		ID: eventID, At: at, Actor: actor, Action: audit.ActionAssignmentsChanged, Source: source,
		Subject: "person#" + pp.EmployeeID,
		Details: map[string]any{"created": strings.Join(created, ","), "closed": strings.Join(closed, ",")},
	})
	if err != nil {
		return nil, err
	}
	return append(writes, event), nil
}

// WokenPeople returns the employee ids that have something due for
// re-evaluation on day (YYYY-MM-DD): leavers whose engagement ended the day
// before, and annual renewals. It queries the sparse wake index.
func (s *Store) WokenPeople(ctx context.Context, day string) ([]string, error) {
	cond := expression.Key(table.GSI3PK).Equal(expression.Value(table.WakePK(day)))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, err
	}
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.IndexWake),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("woken people on %s: %w", day, err)
	}
	seen := map[string]bool{}
	var ids []string
	for _, it := range items {
		pk, ok := it[table.PartitionKey].(*types.AttributeValueMemberS)
		if !ok {
			continue
		}
		id, err := table.EmployeeIDFromPersonKey(pk.Value)
		if err != nil || seen[id] {
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return ids, nil
}
