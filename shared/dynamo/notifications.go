package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/table"
)

// notificationItem is how a notification's record is stored;
// MarkNotification updates the outcome in place.
type notificationItem struct {
	PK        string          `dynamodbav:"PK"`
	SK        string          `dynamodbav:"SK"`
	Type      string          `dynamodbav:"type"`
	Recipient string          `dynamodbav:"recipient"`
	Email     string          `dynamodbav:"email"`
	Kind      reminder.Kind   `dynamodbav:"kind"`
	Day       string          `dynamodbav:"day"`
	Status    reminder.Status `dynamodbav:"status"`
	Items     []string        `dynamodbav:"items"`
	CreatedAt time.Time       `dynamodbav:"createdAt"`
	SentAt    string          `dynamodbav:"sentAt,omitempty"` // formatInstant
	MessageID string          `dynamodbav:"messageId,omitempty"`
	Tries     int             `dynamodbav:"tries"`
	LastError string          `dynamodbav:"lastError,omitempty"`
	Actor     string          `dynamodbav:"actor"`
}

func newNotificationItem(r reminder.Record) notificationItem {
	return notificationItem{
		PK: table.NotifyPK(r.Recipient), SK: table.NotifySK(r.Day, string(r.Kind)), Type: table.TypeNotification,
		Recipient: r.Recipient, Email: r.Email, Kind: r.Kind, Day: r.Day, Status: r.Status, Items: r.Items,
		CreatedAt: r.CreatedAt, SentAt: formatInstant(r.SentAt), MessageID: r.MessageID, Tries: r.Tries,
		LastError: r.LastError, Actor: r.Actor,
	}
}

func (it notificationItem) record() (reminder.Record, error) {
	sent, err := parseInstant("sentAt", it.SentAt)
	if err != nil {
		return reminder.Record{}, fmt.Errorf("notification %s/%s: %w", it.PK, it.SK, err)
	}
	return reminder.Record{
		Recipient: it.Recipient, Email: it.Email, Kind: it.Kind, Day: it.Day, Status: it.Status, Items: it.Items,
		CreatedAt: it.CreatedAt, SentAt: sent, MessageID: it.MessageID, Tries: it.Tries,
		LastError: it.LastError, Actor: it.Actor,
	}, nil
}

// ClaimNotification records a notification as pending unless one of the
// same recipient, kind and day exists; then it returns the stored one with
// claimed=false.
func (s *Store) ClaimNotification(ctx context.Context, rec reminder.Record) (stored reminder.Record, claimed bool, err error) {
	return s.claimNotification(ctx, rec, nil)
}

// ClaimNudge is ClaimNotification for a nudge someone asked for: the
// record and its audit event are written in one transaction, or neither.
func (s *Store) ClaimNudge(ctx context.Context, rec reminder.Record, event audit.Event) (stored reminder.Record, claimed bool, err error) {
	return s.claimNotification(ctx, rec, &event)
}

func (s *Store) claimNotification(ctx context.Context, rec reminder.Record, event *audit.Event) (stored reminder.Record, claimed bool, err error) {
	rec.Status = reminder.StatusPending
	item := newNotificationItem(rec)
	if event == nil {
		err = s.putOne(ctx, item, notExists())
	} else {
		err = s.putAudited(ctx, item, notExists(), *event)
	}
	if err == nil {
		return rec, true, nil
	}
	if apperr.CodeOf(err) != apperr.Conflict {
		return reminder.Record{}, false, fmt.Errorf("claim notification: %w", err)
	}
	var it notificationItem
	found, err := s.getItem(ctx, item.PK, item.SK, &it)
	if err != nil || !found {
		return reminder.Record{}, false, fmt.Errorf("claim notification: read back: found=%v: %w", found, err)
	}
	if stored, err = it.record(); err != nil {
		return reminder.Record{}, false, fmt.Errorf("claim notification: %w", err)
	}
	return stored, false, nil
}

// MarkNotification records the outcome of one sending attempt: sent with
// SES's message id, or still pending with the kind of failure.
func (s *Store) MarkNotification(ctx context.Context, recipient, day string, kind string, messageID, failure string, at time.Time) error {
	update := expression.Add(expression.Name("tries"), expression.Value(1))
	if failure == "" {
		update = update.Set(expression.Name("status"), expression.Value(reminder.StatusSent)).
			Set(expression.Name("sentAt"), expression.Value(formatInstant(at))).
			Set(expression.Name("messageId"), expression.Value(messageID))
	} else {
		update = update.Set(expression.Name("lastError"), expression.Value(failure))
	}
	expr, err := expression.NewBuilder().WithUpdate(update).
		WithCondition(expression.Name("status").Equal(expression.Value(reminder.StatusPending))).Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(table.NotifyPK(recipient), table.NotifySK(day, kind)),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err := mapWriteError(err); err != nil {
		return fmt.Errorf("mark notification: %w", err)
	}
	return nil
}

// Notifications returns the notifications of one recipient, oldest first.
func (s *Store) Notifications(ctx context.Context, recipient string) ([]reminder.Record, error) {
	out, err := queryItems(ctx, s, table.NotifyPK(recipient), "", notificationItem.record)
	if err != nil {
		return nil, fmt.Errorf("notifications of %s: %w", recipient, err)
	}
	return out, nil
}
