package dynamo_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/reminder"
)

// TestReadsItemsStoredByEarlierReleases writes items in the layout earlier
// releases stored (attribute names and text formats, and the notification's
// since-dropped "subject") with raw PutItem calls, and reads them through
// the store.
func TestReadsItemsStoredByEarlierReleases(t *testing.T) {
	t.Parallel()
	now := t0
	s, client, name := newStore(t, &now)
	ctx := context.Background()
	for _, item := range []map[string]any{
		{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0001", "type": "assignment", "employeeId": "E2", "moduleId": "sec", "cycle": 1,
			"moduleVersion": "1.2.0", "moduleMajor": 1, "contentSha256": "abc", "reason": "new_hire", "assignedOn": "2026-11-02",
			"dueOn": "2026-12-02", "dueAt": "2026-12-02T22:59:59Z", "recurrence": "annual", "status": "completed",
			"completedAt": "2026-11-05T10:00:00Z", "score": 90, "attempts": 2, "completedVersion": "1.2.1", "completedSha256": "def",
			"remindersSent": 1, "lastRemindedOn": "2026-11-04", "version": 3,
		},
		{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0002", "GSI4PK": "DUE#8", "GSI4SK": "2027-12-02#E2#sec#0002", "type": "assignment",
			"employeeId": "E2", "moduleId": "sec", "cycle": 2, "moduleVersion": "1.2.1", "moduleMajor": 1, "contentSha256": "def",
			"reason": "renewal", "assignedOn": "2027-11-02", "dueOn": "2027-12-02", "dueAt": "2027-12-02T22:59:59Z", "recurrence": "annual",
			"status": "open", "attempts": 0, "remindersSent": 0, "version": 1,
		},
		{
			"PK": "PERSON#E2", "SK": "ACK#aup#2026", "type": "acknowledgment", "employeeId": "E2", "policyId": "aup", "policyVersion": "1.0.0",
			"textSha256": "abc", "cycle": "2026", "acknowledgedAt": "2026-11-02T09:30:00Z", "typedName": "Bob", "ip": "192.0.2.1", "userAgent": "ua",
		},
		{
			"PK": "NOTIFY#person#E2", "SK": "2026-11-02#digest", "type": "notification", "recipient": "person#E2", "email": "bob@example.com",
			"kind": "digest", "day": "2026-11-02", "status": "sent", "subject": "", "items": []string{"E2 sec#1 overdue"},
			"createdAt": "2026-11-02T09:30:00.123456789Z", "sentAt": "2026-11-02T09:31:00Z", "messageId": "m-1", "tries": 1, "actor": "schedule",
		},
		{
			"PK": "NOTIFY#person#E2", "SK": "2026-11-03#nudge", "type": "notification", "recipient": "person#E2", "email": "bob@example.com",
			"kind": "nudge", "day": "2026-11-03", "status": "pending", "subject": "", "items": nil, "createdAt": "2026-11-03T08:00:00Z",
			"tries": 1, "lastError": "send failed: *smithy.OperationError", "actor": "person:E1",
		},
	} {
		av, err := attributevalue.MarshalMap(item)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(name), Item: av}); err != nil {
			t.Fatalf("put %v/%v: %v", item["PK"], item["SK"], err)
		}
	}

	completed := assign.Assignment{EmployeeID: "E2", ModuleID: "sec", Cycle: 1, ModuleVersion: "1.2.0", ModuleMajor: 1, ContentSHA256: "abc",
		Reason: "new_hire", AssignedOn: "2026-11-02", DueOn: "2026-12-02", DueAt: time.Date(2026, 12, 2, 22, 59, 59, 0, time.UTC),
		Recurrence: "annual", Status: assign.StatusCompleted, CompletedAt: time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC), Score: 90,
		Attempts: 2, CompletedVersion: "1.2.1", CompletedSHA256: "def", RemindersSent: 1, LastRemindedOn: "2026-11-04", Version: 3}
	open := assign.Assignment{EmployeeID: "E2", ModuleID: "sec", Cycle: 2, ModuleVersion: "1.2.1", ModuleMajor: 1, ContentSHA256: "def",
		Reason: "renewal", AssignedOn: "2027-11-02", DueOn: "2027-12-02", DueAt: time.Date(2027, 12, 2, 22, 59, 59, 0, time.UTC),
		Recurrence: "annual", Status: assign.StatusOpen, Version: 1}
	got, err := s.Assignments(ctx, "E2")
	if err != nil || !reflect.DeepEqual(got, []assign.Assignment{completed, open}) {
		t.Errorf("assignments: %v\n got %+v\nwant %+v", err, got, []assign.Assignment{completed, open})
	}
	var due []assign.Assignment
	if _, err := s.OpenAssignments(ctx, "", func(a assign.Assignment) error { due = append(due, a); return nil }); err != nil ||
		!reflect.DeepEqual(due, []assign.Assignment{open}) {
		t.Errorf("open assignments: %v\n got %+v\nwant %+v", err, due, []assign.Assignment{open})
	}

	acked := ack.Acknowledgment{EmployeeID: "E2", PolicyID: "aup", PolicyVersion: "1.0.0", TextSHA256: "abc", Cycle: "2026",
		AcknowledgedAt: time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC), TypedName: "Bob", IP: "192.0.2.1", UserAgent: "ua"}
	if a, found, err := s.Acknowledgment(ctx, "E2", "aup", "2026"); err != nil || !found || a != acked {
		t.Errorf("acknowledgment: found=%v %v\n got %+v\nwant %+v", found, err, a, acked)
	}
	if all, err := s.Acknowledgments(ctx, "E2"); err != nil || len(all) != 1 || all[0] != acked {
		t.Errorf("acknowledgments: %v %+v", err, all)
	}

	sent := reminder.Record{Recipient: "person#E2", Email: "bob@example.com", Kind: reminder.KindDigest, Day: "2026-11-02",
		Status: reminder.StatusSent, Items: []string{"E2 sec#1 overdue"}, CreatedAt: time.Date(2026, 11, 2, 9, 30, 0, 123456789, time.UTC),
		SentAt: time.Date(2026, 11, 2, 9, 31, 0, 0, time.UTC), MessageID: "m-1", Tries: 1, Actor: "schedule"}
	pending := reminder.Record{Recipient: "person#E2", Email: "bob@example.com", Kind: reminder.KindNudge, Day: "2026-11-03",
		Status: reminder.StatusPending, CreatedAt: time.Date(2026, 11, 3, 8, 0, 0, 0, time.UTC), Tries: 1,
		LastError: "send failed: *smithy.OperationError", Actor: "person:E1"}
	recs, err := s.Notifications(ctx, "person#E2")
	if err != nil || !reflect.DeepEqual(recs, []reminder.Record{sent, pending}) {
		t.Errorf("notifications: %v\n got %+v\nwant %+v", err, recs, []reminder.Record{sent, pending})
	}
	stored, claimed, err := s.ClaimNotification(ctx, reminder.Record{Recipient: "person#E2", Kind: reminder.KindDigest, Day: "2026-11-02", CreatedAt: now})
	if err != nil || claimed || !reflect.DeepEqual(stored, sent) {
		t.Errorf("claim of a stored notification: claimed=%v %v\n got %+v\nwant %+v", claimed, err, stored, sent)
	}
}
