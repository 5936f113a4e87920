package handler_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/roster"
)

// TestDailyAssignmentRunsTheDayOfTheEvent feeds a real EventBridge scheduled
// event to the daily handler against DynamoDB Local: the leaver whose last day
// was the day before the event loses their open training.
func TestDailyAssignmentRunsTheDayOfTheEvent(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.UniqueName(t, "schedule")
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	a, err := app.New(app.Config{DynamoDB: client, TableName: name, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,start_date,end_date\n" +
		"L1,l1@example.com,Lee,all-staff,2026-01-05,2026-11-20\n"
	if _, err := a.Roster.Import(ctx, roster.Request{Body: bytes.NewBufferString(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Assigner.Daily(ctx, "2026-11-02", "test", "test", false); err != nil {
		t.Fatal(err)
	}

	raw, err := os.ReadFile("testdata/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	var e events.EventBridgeEvent
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	sum, err := handler.DailyAssignment(a.Assigner, slog.New(slog.DiscardHandler))(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Evaluated != 1 || sum.Closed != 4 || sum.Full {
		t.Errorf("got %+v, want the leaver evaluated and 4 assignments closed", sum)
	}
	// A retried delivery of the same event changes nothing.
	again, err := handler.DailyAssignment(a.Assigner, slog.New(slog.DiscardHandler))(ctx, e)
	if err != nil || again.Closed != 0 || again.Created != 0 {
		t.Errorf("retried event: %+v %v", again, err)
	}
}
