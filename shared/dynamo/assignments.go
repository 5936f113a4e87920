package dynamo

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/table"
)

// assignmentItem is how an assignment is stored. Open assignments carry the
// due index (GSI4); closing or completing one removes it. RecordAttempt,
// ApplyAssignmentPlans and MarkReminded update some attributes in place.
type assignmentItem struct {
	PK               string        `dynamodbav:"PK"`
	SK               string        `dynamodbav:"SK"`
	Type             string        `dynamodbav:"type"`
	GSI4PK           string        `dynamodbav:"GSI4PK,omitempty"`
	GSI4SK           string        `dynamodbav:"GSI4SK,omitempty"`
	EmployeeID       string        `dynamodbav:"employeeId"`
	ModuleID         string        `dynamodbav:"moduleId"`
	Cycle            int           `dynamodbav:"cycle"`
	ModuleVersion    string        `dynamodbav:"moduleVersion"`
	ModuleMajor      int           `dynamodbav:"moduleMajor"`
	ContentSHA256    string        `dynamodbav:"contentSha256"`
	Reason           assign.Reason `dynamodbav:"reason"`
	AssignedOn       string        `dynamodbav:"assignedOn"`
	DueOn            string        `dynamodbav:"dueOn"`
	DueAt            time.Time     `dynamodbav:"dueAt"`
	Recurrence       string        `dynamodbav:"recurrence"`
	Status           assign.Status `dynamodbav:"status"`
	CompletedAt      string        `dynamodbav:"completedAt,omitempty"` // formatInstant
	Score            int           `dynamodbav:"score,omitempty"`
	Attempts         int           `dynamodbav:"attempts"`
	CompletedVersion string        `dynamodbav:"completedVersion,omitempty"`
	CompletedSHA256  string        `dynamodbav:"completedSha256,omitempty"`
	RemindersSent    int           `dynamodbav:"remindersSent"`
	LastRemindedOn   string        `dynamodbav:"lastRemindedOn,omitempty"`
	LastRemindedAt   string        `dynamodbav:"lastRemindedAt,omitempty"` // formatInstant
	WaiverID         string        `dynamodbav:"waiverId,omitempty"`
	WaivedThrough    string        `dynamodbav:"waivedThrough,omitempty"`
	ClosedOn         string        `dynamodbav:"closedOn,omitempty"`
	CloseReason      assign.Reason `dynamodbav:"closeReason,omitempty"`
	RecordedAt       string        `dynamodbav:"recordedAt,omitempty"` // formatInstant
	ClosedAt         string        `dynamodbav:"closedAt,omitempty"`   // formatInstant
	Version          int           `dynamodbav:"version"`
}

func newAssignmentItem(a assign.Assignment) assignmentItem {
	it := assignmentItem{
		PK: table.PersonPK(a.EmployeeID), SK: table.AssignmentSK(a.ModuleID, a.Cycle), Type: table.TypeAssignment,
		EmployeeID: a.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, ModuleVersion: a.ModuleVersion, ModuleMajor: a.ModuleMajor,
		ContentSHA256: a.ContentSHA256, Reason: a.Reason, AssignedOn: a.AssignedOn, DueOn: a.DueOn, DueAt: a.DueAt,
		Recurrence: a.Recurrence, Status: a.Status, CompletedAt: formatInstant(a.CompletedAt), Score: a.Score, Attempts: a.Attempts,
		CompletedVersion: a.CompletedVersion, CompletedSHA256: a.CompletedSHA256, RemindersSent: a.RemindersSent,
		LastRemindedOn: a.LastRemindedOn, LastRemindedAt: formatInstant(a.LastRemindedAt), WaiverID: a.WaiverID, WaivedThrough: a.WaivedThrough,
		ClosedOn: a.ClosedOn, CloseReason: a.CloseReason, RecordedAt: formatInstant(a.RecordedAt), ClosedAt: formatInstant(a.ClosedAt),
		Version: a.Version,
	}
	if a.Status == assign.StatusOpen {
		it.GSI4PK, it.GSI4SK = table.DuePK(a.EmployeeID), dueIndexSK(a.EmployeeID, a.ModuleID, a.Cycle, a.DueOn, a.RemindersSent)
	}
	return it
}

// dueIndexSK is the due-index sort key of an open assignment: awaiting its
// notice while no reminder has named it, else its due date.
func dueIndexSK(employeeID, moduleID string, cycle int, dueOn string, remindersSent int) string {
	if remindersSent == 0 {
		return table.DueNoticeSK(dueOn, employeeID, moduleID, cycle)
	}
	return table.DueSK(dueOn, employeeID, moduleID, cycle)
}

func (it assignmentItem) assignment() (assign.Assignment, error) {
	completed, err := parseInstant("completedAt", it.CompletedAt)
	if err != nil {
		return assign.Assignment{}, fmt.Errorf("assignment %s/%s: %w", it.PK, it.SK, err)
	}
	reminded, err := parseInstant("lastRemindedAt", it.LastRemindedAt)
	if err != nil {
		return assign.Assignment{}, fmt.Errorf("assignment %s/%s: %w", it.PK, it.SK, err)
	}
	recorded, err := parseInstant("recordedAt", it.RecordedAt)
	if err != nil {
		return assign.Assignment{}, fmt.Errorf("assignment %s/%s: %w", it.PK, it.SK, err)
	}
	closed, err := parseInstant("closedAt", it.ClosedAt)
	if err != nil {
		return assign.Assignment{}, fmt.Errorf("assignment %s/%s: %w", it.PK, it.SK, err)
	}
	return assign.Assignment{
		EmployeeID: it.EmployeeID, ModuleID: it.ModuleID, Cycle: it.Cycle, ModuleVersion: it.ModuleVersion, ModuleMajor: it.ModuleMajor,
		ContentSHA256: it.ContentSHA256, Reason: it.Reason, AssignedOn: it.AssignedOn, DueOn: it.DueOn, DueAt: it.DueAt,
		Recurrence: it.Recurrence, Status: it.Status, CompletedAt: completed, Score: it.Score, Attempts: it.Attempts,
		CompletedVersion: it.CompletedVersion, CompletedSHA256: it.CompletedSHA256, RemindersSent: it.RemindersSent,
		LastRemindedOn: it.LastRemindedOn, LastRemindedAt: reminded, WaiverID: it.WaiverID, WaivedThrough: it.WaivedThrough,
		ClosedOn: it.ClosedOn, CloseReason: it.CloseReason, RecordedAt: recorded, ClosedAt: closed, Version: it.Version,
	}, nil
}

// Assignments returns every assignment of a person, every cycle, ordered by
// module and cycle.
func (s *Store) Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.AssignmentPrefix, assignmentItem.assignment)
	if err != nil {
		return nil, fmt.Errorf("assignments of %s: %w", employeeID, err)
	}
	return out, nil
}

// ModuleAssignments returns the person's assignments of one module, every
// cycle, in order.
func (s *Store) ModuleAssignments(ctx context.Context, employeeID, moduleID string) ([]assign.Assignment, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.ModuleAssignmentPrefix(moduleID), assignmentItem.assignment)
	if err != nil {
		return nil, fmt.Errorf("assignments of %s to %s: %w", employeeID, moduleID, err)
	}
	return out, nil
}

// ApplyAssignmentPlans writes assignment plans: new cycles are created only if
// absent (their keys are deterministic, so a second run of the same day
// cannot duplicate them), closures, waivings and reopenings only if the
// assignment is still open or waived at the version that was read. One audit event per person describes the change, in
// the same transaction.
func (s *Store) ApplyAssignmentPlans(ctx context.Context, plans []assign.PersonPlan, actor, source string, at time.Time) error {
	batch := audit.NewBatchID()
	err := s.writeGroups(ctx, len(plans), func(i int) ([]types.TransactWriteItem, error) {
		if plans[i].Plan.Empty() {
			return nil, nil
		}
		id := plans[i].EventID
		if id == "" {
			id = audit.BatchEventID(batch, i+1)
		}
		return s.assignmentWrites(plans[i], actor, source, at, id)
	})
	if err != nil {
		return fmt.Errorf("apply assignments: %w", err)
	}
	return nil
}

func (s *Store) assignmentWrites(pp assign.PersonPlan, actor, source string, at time.Time, eventID string) ([]types.TransactWriteItem, error) {
	var writes []types.TransactWriteItem
	var created, closed, waived, reopened []string
	for _, a := range pp.Plan.Create {
		a.Version, a.RecordedAt = 1, at
		w, err := put(s.table, newAssignmentItem(a), notExists())
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
		created = append(created, fmt.Sprintf("%s#%d", a.ModuleID, a.Cycle))
	}
	closedOn := at.UTC().Format(time.DateOnly)
	for _, c := range pp.Plan.Close {
		upd := expression.Set(expression.Name("status"), expression.Value(assign.StatusCancelled)).
			Set(expression.Name("closedOn"), expression.Value(closedOn)).
			Set(expression.Name("closedAt"), expression.Value(formatInstant(at))).
			Set(expression.Name("closeReason"), expression.Value(c.Reason)).
			Set(expression.Name(table.VersionAttribute), expression.Value(c.Version+1)).
			Remove(expression.Name(table.GSI4PK)).Remove(expression.Name(table.GSI4SK))
		cond := versionIs(c.Version).And(expression.Name("status").In(expression.Value(assign.StatusOpen), expression.Value(assign.StatusWaived)))
		w, err := update(s.table, key(table.PersonPK(pp.EmployeeID), table.AssignmentSK(c.ModuleID, c.Cycle)), upd, cond)
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
		closed = append(closed, fmt.Sprintf("%s#%d:%s", c.ModuleID, c.Cycle, c.Reason))
	}
	for _, c := range pp.Plan.Waive {
		w, err := s.waiveWrite(pp.EmployeeID, c)
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
		waived = append(waived, fmt.Sprintf("%s#%d:%s", c.ModuleID, c.Cycle, c.WaiverID))
	}
	for _, r := range pp.Plan.Reopen {
		w, err := s.reopenWrite(pp.EmployeeID, r)
		if err != nil {
			return nil, err
		}
		writes = append(writes, w)
		reopened = append(reopened, fmt.Sprintf("%s#%d", r.ModuleID, r.Cycle))
	}
	details := map[string]any{"created": strings.Join(created, ","), "closed": strings.Join(closed, ",")}
	if len(waived) > 0 {
		details["waived"] = strings.Join(waived, ",")
	}
	if len(reopened) > 0 {
		details["reopened"] = strings.Join(reopened, ",")
	}
	event, err := s.auditPut(audit.Event{
		ID: eventID, At: at, Actor: actor, Action: audit.ActionAssignmentsChanged, Source: source,
		Subject: identity.PersonRef(pp.EmployeeID), Details: details,
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

// OpenAssignments hands open assignments to fn, shard by shard of the due
// index and, within a shard, those awaiting their notice first, then by due
// date; it returns how many items it read. With dueBefore (YYYY-MM-DD) it
// reads only those awaiting their notice (no reminder has named them yet)
// and those due before that day, with "" every open one. Only open
// assignments are in the index, so the reads grow with the open assignments
// (those in the range), not with the organisation.
func (s *Store) OpenAssignments(ctx context.Context, dueBefore string, fn func(assign.Assignment) error) (read int, err error) {
	for shard := range table.DueShards {
		cond := expression.Key(table.GSI4PK).Equal(expression.Value(table.DueShardPK(shard)))
		if dueBefore != "" {
			cond = cond.And(expression.Key(table.GSI4SK).LessThan(expression.Value(table.DueBeforeSK(dueBefore))))
		}
		expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
		if err != nil {
			return read, err
		}
		n, err := s.queryEach(ctx, "open assignments", &dynamodb.QueryInput{
			IndexName:                 aws.String(table.IndexDue),
			KeyConditionExpression:    expr.KeyCondition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}, func(raw map[string]types.AttributeValue) error {
			var it assignmentItem
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return fmt.Errorf("open assignments: decode: %w", err)
			}
			if it.Status != assign.StatusOpen {
				return nil
			}
			a, err := it.assignment()
			if err != nil {
				return fmt.Errorf("open assignments: %w", err)
			}
			return fn(a)
		})
		read += n
		if err != nil {
			return read, err
		}
	}
	return read, nil
}

// MarkReminded records that a reminder sent on day named the assignment a,
// and when (the store's clock, as lastRemindedAt); an assignment awaiting
// its notice moves to its due date on the due index. It is idempotent: a
// second call for the same day changes nothing. (An assignment closed
// since the reminder was planned keeps a due-index sort key without its
// partition key, which puts it on no index.)
func (s *Store) MarkReminded(ctx context.Context, a assign.Assignment, day string) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Add(expression.Name("remindersSent"), expression.Value(1)).
			Set(expression.Name("lastRemindedOn"), expression.Value(day)).
			Set(expression.Name("lastRemindedAt"), expression.Value(formatInstant(s.now()))).
			Set(expression.Name(table.GSI4SK), expression.Value(dueIndexSK(a.EmployeeID, a.ModuleID, a.Cycle, a.DueOn, 1)))).
		WithCondition(expression.AttributeExists(expression.Name(table.PartitionKey)).
			And(expression.Name("lastRemindedOn").NotEqual(expression.Value(day)).
				Or(expression.AttributeNotExists(expression.Name("lastRemindedOn"))))).
		Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(table.PersonPK(a.EmployeeID), table.AssignmentSK(a.ModuleID, a.Cycle)),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err := mapWriteError(err); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("mark reminded: %w", err)
	}
	return nil
}
