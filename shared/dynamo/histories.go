package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/table"
)

// historyWorkers bounds the person partitions PersonHistories reads at once.
const historyWorkers = 8

// PersonHistories hands fn the history of every person ever on the roster,
// one at a time, in employee-id order, and returns how many items it read
// (the roster listing's and the partitions'). It lists the roster index
// (GSI2 ROSTER, paged, keys only) and reads each person's whole partition
// with one Query (paged), up to historyWorkers people at once; the one
// Query reads the person's profile, first views and waiver claims too,
// which the history leaves out, but is cheaper than one Query per kind of
// item. It never holds more than historyWorkers+1 people's histories; an
// error of fn stops it and is returned as is. Attempts come without their
// answers, which no figure needs.
func (s *Store) PersonHistories(ctx context.Context, fn func(metrics.History) error) (read int, err error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	type result struct {
		h    metrics.History
		read int
		err  error
	}
	// queue holds the people in roster order, each with the channel its
	// history arrives on; its capacity bounds the reads in flight.
	queue := make(chan chan result, historyWorkers)
	listed := make(chan int, 1)
	var listErr error
	go func() {
		defer close(queue)
		n, err := s.rosterIDs(ctx, func(id string) error {
			ch := make(chan result, 1)
			select {
			case queue <- ch:
			case <-ctx.Done():
				return context.Cause(ctx)
			}
			go func() {
				h, n, err := s.personHistory(ctx, id)
				ch <- result{h, n, err}
			}()
			return nil
		})
		listErr = err
		listed <- n
	}()

	var failed error
	for ch := range queue {
		r := <-ch
		read += r.read
		if failed != nil {
			continue
		}
		if r.err != nil {
			failed = r.err
		} else if err := fn(r.h); err != nil {
			failed = err
		}
		if failed != nil {
			cancel(failed)
		}
	}
	read += <-listed
	if failed != nil {
		return read, failed
	}
	if listErr != nil && !errors.Is(listErr, context.Canceled) {
		return read, fmt.Errorf("person histories: %w", listErr)
	}
	return read, ctx.Err()
}

// rosterIDs hands fn the employee id of every person on the roster index,
// in id order, and returns how many items it read.
func (s *Store) rosterIDs(ctx context.Context, fn func(id string) error) (read int, err error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(table.GSI2PK).Equal(expression.Value(table.RosterPK))).
		WithProjection(expression.NamesList(expression.Name(table.PartitionKey))).
		Build()
	if err != nil {
		return 0, err
	}
	return s.queryEach(ctx, "list roster", &dynamodb.QueryInput{
		IndexName:                 aws.String(table.IndexGSI2),
		KeyConditionExpression:    expr.KeyCondition(),
		ProjectionExpression:      expr.Projection(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, func(raw map[string]types.AttributeValue) error {
		pk, ok := raw[table.PartitionKey].(*types.AttributeValueMemberS)
		if !ok {
			return fmt.Errorf("list roster: an item has no %s", table.PartitionKey)
		}
		id, err := table.EmployeeIDFromPersonKey(pk.Value)
		if err != nil {
			return fmt.Errorf("list roster: %w", err)
		}
		return fn(id)
	})
}

// slimAttemptItem is an attempt as the figures need it: without the answers.
type slimAttemptItem struct {
	EmployeeID    string    `dynamodbav:"employeeId"`
	ModuleID      string    `dynamodbav:"moduleId"`
	Cycle         int       `dynamodbav:"cycle"`
	Number        int       `dynamodbav:"number"`
	ModuleVersion string    `dynamodbav:"moduleVersion"`
	ContentSHA256 string    `dynamodbav:"contentSha256"`
	Score         int       `dynamodbav:"score"`
	Passed        bool      `dynamodbav:"passed"`
	At            time.Time `dynamodbav:"at"`
}

// personHistory reads one person's partition into a history and returns
// how many items it read.
func (s *Store) personHistory(ctx context.Context, employeeID string) (h metrics.History, read int, err error) {
	expr, err := expression.NewBuilder().
		WithKeyCondition(expression.Key(table.PartitionKey).Equal(expression.Value(table.PersonPK(employeeID)))).
		Build()
	if err != nil {
		return h, 0, err
	}
	read, err = s.queryEach(ctx, "history of "+employeeID, &dynamodb.QueryInput{
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, func(raw map[string]types.AttributeValue) error {
		if err := addToHistory(&h, raw); err != nil {
			return fmt.Errorf("history of %s: %w", employeeID, err)
		}
		return nil
	})
	return h, read, err
}

// addToHistory decodes one item of a person's partition into h, by its
// sort key; the profile, first views and waiver claims are left out.
func addToHistory(h *metrics.History, raw map[string]types.AttributeValue) error {
	sk, ok := raw[table.SortKey].(*types.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("an item has no %s", table.SortKey)
	}
	switch {
	case strings.HasPrefix(sk.Value, table.RevisionPrefix):
		var it revisionItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		h.Revisions = append(h.Revisions, it.revision())
	case strings.HasPrefix(sk.Value, table.AssignmentPrefix):
		var it assignmentItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		a, err := it.assignment()
		if err != nil {
			return err
		}
		h.Assignments = append(h.Assignments, a)
	case strings.HasPrefix(sk.Value, table.AttemptsPrefix):
		var it slimAttemptItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		h.Attempts = append(h.Attempts, assign.Attempt{
			EmployeeID: it.EmployeeID, ModuleID: it.ModuleID, Cycle: it.Cycle, Number: it.Number,
			ModuleVersion: it.ModuleVersion, ContentSHA256: it.ContentSHA256, Score: it.Score, Passed: it.Passed, At: it.At,
		})
	case strings.HasPrefix(sk.Value, table.AcknowledgmentPrefix):
		var it ackItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		a, err := it.acknowledgment()
		if err != nil {
			return err
		}
		h.Acks = append(h.Acks, a)
	case strings.HasPrefix(sk.Value, table.WaiverPrefix):
		var it waiverItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return err
		}
		w, err := it.waiver()
		if err != nil {
			return err
		}
		h.Waivers = append(h.Waivers, w)
	}
	return nil
}
