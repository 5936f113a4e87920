package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestWireMarksPermanentBounces wires the function as Lambda starts it, on
// DynamoDB Local, and feeds it the real SNS event of a permanent bounce: both
// bounced addresses become undeliverable.
func TestWireMarksPermanentBounces(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	tableName := devtest.Table(t, client, "bounce")
	t.Setenv(env.TableName, tableName)
	var calls devtest.AccessLog
	bounce, err := wire(slog.New(slog.DiscardHandler), devtest.Shared(t).DynamoClient(calls.Option))
	if err != nil {
		t.Fatal(err)
	}
	e := devtest.Fixture[events.SNSEvent](t, "../../shared/handler/testdata/sns-bounce-permanent.json")
	if err := bounce(ctx, e); err != nil {
		t.Fatal(err)
	}
	store := dynamo.New(client, tableName, time.Now)
	for _, addr := range []string{"jane.doe@example.com", "sam.lee@example.com"} {
		if reason, found, err := store.Undeliverable(ctx, addr); err != nil || !found || reason != "bounce" {
			t.Errorf("%s: reason %q found=%v err=%v, want undeliverable after a bounce", addr, reason, found, err)
		}
	}
	// Replayed, the event finds the addresses marked already.
	if err := bounce(ctx, e); err != nil {
		t.Fatal(err)
	}
	calls.CheckWithin(t, table.FunctionAccess()["bounce"])
}

// TestWireFailsWithoutTheTable: a function that cannot be wired says which
// variable is missing.
func TestWireFailsWithoutTheTable(t *testing.T) {
	t.Setenv(env.TableName, "")
	if _, err := wire(slog.New(slog.DiscardHandler), nil); err == nil || !strings.Contains(err.Error(), env.TableName) {
		t.Errorf("wire: %v, want an error naming %s", err, env.TableName)
	}
}
