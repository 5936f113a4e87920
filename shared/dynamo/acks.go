package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// ackItem is how a policy acknowledgment is stored.
type ackItem struct {
	PK             string `dynamodbav:"PK"`
	SK             string `dynamodbav:"SK"`
	Type           string `dynamodbav:"type"`
	EmployeeID     string `dynamodbav:"employeeId"`
	PolicyID       string `dynamodbav:"policyId"`
	PolicyVersion  string `dynamodbav:"policyVersion"`
	TextSHA256     string `dynamodbav:"textSha256"`
	Cycle          string `dynamodbav:"cycle"`
	AcknowledgedAt string `dynamodbav:"acknowledgedAt"` // formatInstant
	TypedName      string `dynamodbav:"typedName"`
	IP             string `dynamodbav:"ip"`
	UserAgent      string `dynamodbav:"userAgent"`
}

func newAckItem(a ack.Acknowledgment) ackItem {
	return ackItem{
		PK: table.PersonPK(a.EmployeeID), SK: table.AcknowledgmentSK(a.PolicyID, a.Cycle), Type: table.TypeAcknowledgment,
		EmployeeID: a.EmployeeID, PolicyID: a.PolicyID, PolicyVersion: a.PolicyVersion, TextSHA256: a.TextSHA256, Cycle: a.Cycle,
		AcknowledgedAt: formatInstant(a.AcknowledgedAt), TypedName: a.TypedName, IP: a.IP, UserAgent: a.UserAgent,
	}
}

func (it ackItem) acknowledgment() (ack.Acknowledgment, error) {
	at, err := parseInstant("acknowledgedAt", it.AcknowledgedAt)
	if err != nil {
		return ack.Acknowledgment{}, fmt.Errorf("acknowledgment %s/%s: %w", it.PK, it.SK, err)
	}
	return ack.Acknowledgment{
		EmployeeID: it.EmployeeID, PolicyID: it.PolicyID, PolicyVersion: it.PolicyVersion, TextSHA256: it.TextSHA256, Cycle: it.Cycle,
		AcknowledgedAt: at, TypedName: it.TypedName, IP: it.IP, UserAgent: it.UserAgent,
	}, nil
}

// viewItem is how the first view of a policy is stored; it expires.
type viewItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	Type          string    `dynamodbav:"type"`
	ExpiresAt     int64     `dynamodbav:"expiresAt"`
	EmployeeID    string    `dynamodbav:"employeeId"`
	PolicyID      string    `dynamodbav:"policyId"`
	VersionSHA256 string    `dynamodbav:"versionSha256"`
	Cycle         string    `dynamodbav:"cycle"`
	FirstViewedAt time.Time `dynamodbav:"firstViewedAt"`
}

func newViewItem(v ack.View) viewItem {
	return viewItem{
		PK: table.PersonPK(v.EmployeeID), SK: table.PolicyViewSK(v.PolicyID, v.Cycle, v.VersionSHA256), Type: table.TypePolicyView,
		ExpiresAt: v.ExpiresAt().Unix(), EmployeeID: v.EmployeeID, PolicyID: v.PolicyID, VersionSHA256: v.VersionSHA256,
		Cycle: v.Cycle, FirstViewedAt: v.FirstViewedAt,
	}
}

func (it viewItem) view() ack.View {
	return ack.View{EmployeeID: it.EmployeeID, PolicyID: it.PolicyID, VersionSHA256: it.VersionSHA256, Cycle: it.Cycle, FirstViewedAt: it.FirstViewedAt}
}

// ackWriteAttempts bounds how often an acknowledgment is written again after
// DynamoDB cancelled the transaction for a concurrent one on the same item.
const ackWriteAttempts = 3

// RecordPolicyView stores v unless an unexpired view of the same person,
// policy, cycle and version is stored already: the first view is kept.
func (s *Store) RecordPolicyView(ctx context.Context, v ack.View) error {
	item := newViewItem(v)
	// An expired view may still be stored (DynamoDB deletes late, DynamoDB
	// Local never), and is replaced.
	absent := notExists().Or(expression.Name(table.TTLAttribute).LessThanEqual(expression.Value(s.now().Unix())))
	err := s.putOne(ctx, item, absent)
	if err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("record view of %s: %w", v.PolicyID, err)
	}
	return nil
}

// PolicyView returns the unexpired first view of a policy version in a
// cycle, or found=false.
func (s *Store) PolicyView(ctx context.Context, employeeID, policyID, cycle, sha256 string) (v ack.View, found bool, err error) {
	var it viewItem
	found, err = s.getItem(ctx, table.PersonPK(employeeID), table.PolicyViewSK(policyID, cycle, sha256), &it)
	if err != nil || !found {
		return ack.View{}, false, err
	}
	return it.view(), true, nil
}

// Acknowledgment returns the person's acknowledgment of a policy in a cycle,
// or found=false.
func (s *Store) Acknowledgment(ctx context.Context, employeeID, policyID, cycle string) (a ack.Acknowledgment, found bool, err error) {
	var it ackItem
	found, err = s.getItem(ctx, table.PersonPK(employeeID), table.AcknowledgmentSK(policyID, cycle), &it)
	if err != nil || !found {
		return ack.Acknowledgment{}, false, err
	}
	if a, err = it.acknowledgment(); err != nil {
		return ack.Acknowledgment{}, false, err
	}
	return a, true, nil
}

// Acknowledgments returns every policy acknowledgment of a person, every
// cycle, ordered by policy and cycle.
func (s *Store) Acknowledgments(ctx context.Context, employeeID string) ([]ack.Acknowledgment, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.AcknowledgmentPrefix, ackItem.acknowledgment)
	if err != nil {
		return nil, fmt.Errorf("acknowledgments of %s: %w", employeeID, err)
	}
	return out, nil
}

// PutAcknowledgment stores a with its audit event in one transaction, unless
// the person has acknowledged the policy in that cycle already: then it
// writes nothing and returns the stored acknowledgment with created=false.
// Of concurrent calls for one person, policy and cycle exactly one creates.
func (s *Store) PutAcknowledgment(ctx context.Context, a ack.Acknowledgment, event audit.Event) (stored ack.Acknowledgment, created bool, err error) {
	item, err := put(s.table, newAckItem(a), notExists())
	if err != nil {
		return ack.Acknowledgment{}, false, err
	}
	ev, err := s.auditPut(event)
	if err != nil {
		return ack.Acknowledgment{}, false, err
	}
	for range ackWriteAttempts {
		_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{item, ev}})
		if err == nil {
			return a, true, nil
		}
		existing, found, getErr := s.Acknowledgment(ctx, a.EmployeeID, a.PolicyID, a.Cycle)
		if getErr != nil {
			return ack.Acknowledgment{}, false, fmt.Errorf("acknowledge %s: %w", a.PolicyID, getErr)
		}
		if found {
			return existing, false, nil
		}
		if !transactionConflict(err) {
			break
		}
	}
	return ack.Acknowledgment{}, false, fmt.Errorf("acknowledge %s: %w", a.PolicyID, mapWriteError(err))
}

// transactionConflict reports whether DynamoDB cancelled a transaction
// because another one was writing the same item at the same time; the
// other one may not have committed yet, so trying again can succeed.
func transactionConflict(err error) bool {
	var cancelled *types.TransactionCanceledException
	if !errors.As(err, &cancelled) {
		return false
	}
	for _, r := range cancelled.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			return true
		}
	}
	return false
}
