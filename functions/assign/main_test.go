package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestWireRunsTheDailyJobOfTheEvent wires the function as Lambda starts it,
// on DynamoDB Local, and feeds it the real EventBridge scheduled event
// (Saturday 21 November): the leaver whose last day was the day before loses
// their open training.
func TestWireRunsTheDailyJobOfTheEvent(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	tableName := devtest.Table(t, client, "assign")
	seed, err := app.New(app.Config{DynamoDB: client, TableName: tableName,
		Now: func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,start_date,end_date\n" +
		"L1,l1@example.com,Lee,all-staff,2026-01-05,2026-11-20\n"
	if _, err := seed.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	// The first daily run re-evaluates everybody for the shipped content;
	// the event's run is then an ordinary day.
	if _, err := seed.Assigner.Daily(ctx, "2026-11-02", "test", "test", false); err != nil {
		t.Fatal(err)
	}

	t.Setenv(env.TableName, tableName)
	var calls devtest.AccessLog
	daily, err := wire(slog.New(slog.DiscardHandler), devtest.Shared(t).DynamoClient(calls.Option))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := daily(ctx, devtest.Fixture[events.EventBridgeEvent](t, "../../shared/handler/testdata/scheduled-event.json"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Evaluated != 1 || sum.Closed != 4 || sum.Full {
		t.Errorf("got %+v, want the leaver evaluated and 4 assignments closed", sum)
	}
	all, err := seed.Store.Assignments(ctx, "L1")
	if err != nil || len(all) == 0 {
		t.Fatalf("the leaver's assignments: %d, %v", len(all), err)
	}
	for _, a := range all {
		if a.Status == assign.StatusOpen {
			t.Errorf("%s is still open", a.ModuleID)
		}
	}
	calls.CheckWithin(t, table.FunctionAccess()["assign"])
}

// TestWireUpgradesStoredAssignments: the function's first daily run after
// an upgrade re-keys an open assignment an earlier release keyed by its due
// date while it awaits its notice, within the function's table access.
func TestWireUpgradesStoredAssignments(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	tableName := devtest.Table(t, client, "assign")
	av, err := attributevalue.MarshalMap(map[string]any{
		"PK": "PERSON#E2", "SK": "ASSIGN#sec#0002", "GSI4PK": "DUE#8", "GSI4SK": "2027-12-02#E2#sec#0002", "type": "assignment",
		"employeeId": "E2", "moduleId": "sec", "cycle": 2, "moduleVersion": "1.2.1", "moduleMajor": 1, "contentSha256": "def",
		"reason": "renewal", "assignedOn": "2027-11-02", "dueOn": "2027-12-02", "dueAt": "2027-12-02T22:59:59Z", "recurrence": "annual",
		"status": "open", "attempts": 0, "remindersSent": 0, "version": 1,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: av}); err != nil {
		t.Fatal(err)
	}

	t.Setenv(env.TableName, tableName)
	var calls devtest.AccessLog
	daily, err := wire(slog.New(slog.DiscardHandler), devtest.Shared(t).DynamoClient(calls.Option))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := daily(ctx, devtest.Fixture[events.EventBridgeEvent](t, "../../shared/handler/testdata/scheduled-event.json")); err != nil {
		t.Fatal(err)
	}
	out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(tableName), Key: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "PERSON#E2"}, "SK": &types.AttributeValueMemberS{Value: "ASSIGN#sec#0002"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := out.Item[table.GSI4SK], table.DueNoticeSK("2027-12-02", "E2", "sec", 2); got == nil || got.(*types.AttributeValueMemberS).Value != want {
		t.Errorf("due-index key %v, want %s", got, want)
	}
	calls.CheckWithin(t, table.FunctionAccess()["assign"])
}

// TestWireFailsWithoutTheTable: a function that cannot be wired says which
// variable is missing.
func TestWireFailsWithoutTheTable(t *testing.T) {
	t.Setenv(env.TableName, "")
	if _, err := wire(slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), env.TableName) {
		t.Errorf("wire: %v, want an error naming %s", err, env.TableName)
	}
}
