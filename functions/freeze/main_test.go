package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestWireFreezesTheQuarterBeforeTheEvent wires the function as Lambda
// starts it, on DynamoDB Local, and feeds it the real EventBridge scheduled
// event (21 November 2026): it freezes 2026-Q3 once, with every DynamoDB
// call within the function's declared access; the retried event finds it
// frozen.
func TestWireFreezesTheQuarterBeforeTheEvent(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	tableName := devtest.Table(t, client, "freeze")
	seed, err := app.New(app.Config{DynamoDB: client, TableName: tableName,
		Now: func() time.Time { return time.Date(2026, 8, 3, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	csv := "employee_id,email,name,roles,engagements,start_date\n" +
		"A1,a1@example.com,Ada,all-staff,acme,2026-01-05\n" +
		"B1,b1@example.com,Ben,all-staff,,2026-01-05\n"
	if _, err := seed.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}
	if err := seed.Store.PutAgreement(ctx, agreement.Agreement{Key: "acme-msa", Customer: "Acme", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "1", Text: "AUP yearly", Kind: agreement.KindAcknowledgment,
			Items: []string{"policy:acceptable-use"}, WithinDays: 30, Target: 1}}}, nil, "test"); err != nil {
		t.Fatal(err)
	}

	t.Setenv(env.TableName, tableName)
	var calls devtest.AccessLog
	now := func() time.Time { return time.Date(2026, 11, 21, 6, 0, 1, 0, time.UTC) }
	signer, err := signing.NewLocal()
	if err != nil {
		t.Fatal(err)
	}
	freeze, err := wire(slog.New(slog.DiscardHandler), devtest.Shared(t).DynamoClient(calls.Option), signer, now)
	if err != nil {
		t.Fatal(err)
	}
	e := devtest.Fixture[events.EventBridgeEvent](t, "../../shared/handler/testdata/scheduled-event.json")
	sum, err := freeze(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Quarter != "2026-Q3" || !sum.Created || sum.People != 2 || sum.Chunks != 1 || sum.ItemsRead == 0 || sum.Sealed != 51 {
		t.Errorf("got %+v, want 2026-Q3 frozen with both people in one chunk, and 51 audit days sealed (from 1 October)", sum)
	}
	again, err := freeze(ctx, e)
	if err != nil || again.Created || again.RunID != sum.RunID || again.Sealed != 0 {
		t.Errorf("retried event: %+v %v, want the first run's snapshot and nothing more sealed", again, err)
	}
	// The freeze's own audit event (21 November) is sealed the next days;
	// the days sealed verify with the key's public half.
	v := &auditlog.Verifier{Store: seed.Store, Key: signer, Now: now}
	if res, err := v.Verify(ctx, "2026-10-01", "2026-11-21"); err != nil || !res.OK || res.SealedDays != 51 {
		t.Errorf("Verify = %+v %v, want ok over 51 sealed days", res, err)
	}
	m, found, err := seed.Store.Snapshot(ctx, "2026-Q3")
	if err != nil || !found || len(m.Agreements) != 1 || m.Agreements[0].Report.People != 1 {
		t.Errorf("stored manifest %+v found=%v err=%v, want the agreement's report over Ada", m, found, err)
	}
	calls.CheckWithin(t, table.FunctionAccess()["freeze"])
}

// TestWireFailsWithoutTheTable: a function that cannot be wired says which
// variable is missing.
func TestWireFailsWithoutTheTable(t *testing.T) {
	t.Setenv(env.TableName, "")
	if _, err := wire(slog.New(slog.DiscardHandler), nil, nil, time.Now); err == nil || !strings.Contains(err.Error(), env.TableName) {
		t.Errorf("wire: %v, want an error naming %s", err, env.TableName)
	}
}

// TestEvidenceKeyNeedsItsVariable: without the key's ARN the function does
// not start, and says which variable is missing.
func TestEvidenceKeyNeedsItsVariable(t *testing.T) {
	t.Setenv(env.SigningKeyID, "")
	if _, err := evidenceKey(nil); err == nil || !strings.Contains(err.Error(), env.SigningKeyID) {
		t.Errorf("evidenceKey: %v, want an error naming %s", err, env.SigningKeyID)
	}
	t.Setenv(env.SigningKeyID, "arn:aws:kms:eu-west-1:111122223333:key/k")
	if s, err := evidenceKey(nil); err != nil || s.KeyID() != "arn:aws:kms:eu-west-1:111122223333:key/k" {
		t.Errorf("evidenceKey: %v, want the key named", err)
	}
}
