package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// attemptItem is how a quiz attempt is stored.
type attemptItem struct {
	PK            string            `dynamodbav:"PK"`
	SK            string            `dynamodbav:"SK"`
	Type          string            `dynamodbav:"type"`
	EmployeeID    string            `dynamodbav:"employeeId"`
	ModuleID      string            `dynamodbav:"moduleId"`
	Cycle         int               `dynamodbav:"cycle"`
	Number        int               `dynamodbav:"number"`
	ModuleVersion string            `dynamodbav:"moduleVersion"`
	ContentSHA256 string            `dynamodbav:"contentSha256"`
	Answers       map[string]string `dynamodbav:"answers"`
	Score         int               `dynamodbav:"score"`
	Passed        bool              `dynamodbav:"passed"`
	At            time.Time         `dynamodbav:"at"`
	Source        string            `dynamodbav:"source,omitempty"`
	UserAgent     string            `dynamodbav:"userAgent,omitempty"`
}

func newAttemptItem(at assign.Attempt) attemptItem {
	return attemptItem{
		PK: table.PersonPK(at.EmployeeID), SK: table.AttemptSK(at.ModuleID, at.Cycle, at.Number), Type: table.TypeAttempt,
		EmployeeID: at.EmployeeID, ModuleID: at.ModuleID, Cycle: at.Cycle, Number: at.Number, ModuleVersion: at.ModuleVersion,
		ContentSHA256: at.ContentSHA256, Answers: at.Answers, Score: at.Score, Passed: at.Passed, At: at.At,
		Source: at.Source, UserAgent: at.UserAgent,
	}
}

func (it attemptItem) attempt() assign.Attempt {
	return assign.Attempt{
		EmployeeID: it.EmployeeID, ModuleID: it.ModuleID, Cycle: it.Cycle, Number: it.Number, ModuleVersion: it.ModuleVersion,
		ContentSHA256: it.ContentSHA256, Answers: it.Answers, Score: it.Score, Passed: it.Passed, At: it.At,
		Source: it.Source, UserAgent: it.UserAgent,
	}
}

// RecordAttempt stores a quiz attempt of the open assignment a (as read) and
// counts it on the assignment; with a completion, the same write marks the
// assignment completed and, for annual modules, puts it on the wake index for
// its renewal day. The attempt's audit event is written in the same
// transaction. The assignment must still be open (or waived: a waived cycle
// may still be taken) at the version read:
// otherwise nothing is written and a Conflict error is returned, so that two
// concurrent passing attempts can never both complete it.
func (s *Store) RecordAttempt(ctx context.Context, a assign.Assignment, at assign.Attempt, done *assign.Completion, event audit.Event) error {
	update := expression.Set(expression.Name("attempts"), expression.Value(at.Number)).
		Set(expression.Name(table.VersionAttribute), expression.Value(a.Version+1))
	if done != nil {
		update = update.Set(expression.Name("status"), expression.Value(assign.StatusCompleted)).
			Set(expression.Name("completedAt"), expression.Value(formatInstant(done.At))).
			Set(expression.Name("score"), expression.Value(done.Score)).
			Set(expression.Name("completedVersion"), expression.Value(done.Version)).
			Set(expression.Name("completedSha256"), expression.Value(done.SHA256)).
			Remove(expression.Name(table.GSI4PK)).Remove(expression.Name(table.GSI4SK))
		if done.RenewOn != "" {
			update = update.Set(expression.Name(table.GSI3PK), expression.Value(table.WakePK(done.RenewOn))).
				Set(expression.Name(table.GSI3SK), expression.Value(table.WakeSKAssignment(a.EmployeeID, a.ModuleID)))
		}
	}
	cond := versionIs(a.Version).And(expression.Name("status").In(expression.Value(assign.StatusOpen), expression.Value(assign.StatusWaived)))
	expr, err := expression.NewBuilder().WithUpdate(update).WithCondition(cond).Build()
	if err != nil {
		return err
	}
	writes := []types.TransactWriteItem{{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(table.PersonPK(a.EmployeeID), table.AssignmentSK(a.ModuleID, a.Cycle)),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}}
	attempt, err := put(s.table, newAttemptItem(at), notExists())
	if err != nil {
		return err
	}
	ev, err := s.auditPut(event)
	if err != nil {
		return err
	}
	writes = append(writes, attempt, ev)
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	if err := mapWriteError(err); err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// Attempts returns every attempt of a person at a module, all cycles, in
// order.
func (s *Store) Attempts(ctx context.Context, employeeID, moduleID string) ([]assign.Attempt, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.AttemptPrefix(moduleID), noError(attemptItem.attempt))
	if err != nil {
		return nil, fmt.Errorf("attempts of %s at %s: %w", employeeID, moduleID, err)
	}
	return out, nil
}
