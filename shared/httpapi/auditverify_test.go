package httpapi_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/table"
)

// TestVerifyAuditLog: the days sealed verify over HTTP; one event changed
// in the table is named; a bad range is 422 naming the parameter; a key
// scoped to an agreement is refused.
func TestVerifyAuditLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	// The keys were made yesterday (1 November): seal through it, as the
	// freeze function does (the API function does not seal).
	sealer := &auditlog.Sealer{Store: dynamo.New(e.stack.DynamoClient(), e.table, time.Now), Signer: e.app.Sealer.Signer,
		Now: func() time.Time { return e.now }}
	if n, err := sealer.SealThrough(ctx); err != nil || n != 32 {
		t.Fatalf("SealThrough: %d %v, want 1 October (the quarter of 2 October, 31 days back) to 1 November", n, err)
	}
	status, body := e.do(http.MethodGet, "/api/audit/verify?from=2026-10-25&to=2026-11-02", e.auditor, "", nil)
	if status != http.StatusOK || body["ok"] != true || body["events"] != 3.0 || body["days"] != 9.0 || body["sealedDays"] != 8.0 ||
		body["unsealedDays"] != 1.0 || body["firstBroken"] != nil {
		t.Fatalf("verify: %d %v, want ok over the keys' 3 events, 8 days sealed and today not", status, body)
	}

	events, err := e.app.Store.AuditEvents(ctx, "2026-11-01")
	if err != nil || len(events) != 3 {
		t.Fatalf("events of 1 November: %v %v", events, err)
	}
	changed := events[1]
	if _, err := e.stack.DynamoClient().UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String(e.table),
		Key: map[string]types.AttributeValue{
			table.PartitionKey: &types.AttributeValueMemberS{Value: table.AuditPK(changed.Day())},
			table.SortKey:      &types.AttributeValueMemberS{Value: table.AuditSK(changed.SortTime(), changed.ID)},
		},
		UpdateExpression:          aws.String("SET actor = :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "someone else"}},
	}); err != nil {
		t.Fatal(err)
	}
	status, body = e.do(http.MethodGet, "/api/audit/verify?from=2026-10-25&to=2026-11-02", e.admin, "", nil)
	broken, _ := body["firstBroken"].(map[string]any)
	if status != http.StatusOK || body["ok"] != false || broken["day"] != "2026-11-01" || broken["eventId"] != changed.ID {
		t.Errorf("verify after a change: %d %v, want %s of 1 November named", status, body, changed.ID)
	}

	for _, tt := range []struct{ query, field string }{
		{"to=2026-11-02", "from"},
		{"from=2026-11-02&to=2026-11-01", "to"},
		{"from=2026-11-01&to=2026-11-03", "to"},
		{"from=2024-01-01&to=2026-11-02", "to"},
	} {
		status, body := e.do(http.MethodGet, "/api/audit/verify?"+tt.query, e.admin, "", nil)
		problems, _ := body["problems"].([]any)
		first, _ := func() (map[string]any, bool) {
			if len(problems) == 0 {
				return nil, false
			}
			p, ok := problems[0].(map[string]any)
			return p, ok
		}()
		if status != http.StatusUnprocessableEntity || first["field"] != tt.field {
			t.Errorf("%s: %d %v, want 422 naming %s", tt.query, status, body, tt.field)
		}
	}

	if status, resp := e.do(http.MethodPut, "/api/agreements/globex-2026", e.admin, "application/json", []byte(globexBody)); status != http.StatusCreated {
		t.Fatalf("create the agreement: %d %v", status, resp)
	}
	scoped, _, err := e.app.Keys.Create(ctx, apikey.Request{Role: "auditor", Label: "scoped", Agreement: "globex-2026"}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := e.do(http.MethodGet, "/api/audit/verify?from=2026-10-25&to=2026-11-02", scoped, "", nil); status != http.StatusForbidden {
		t.Errorf("a scoped auditor key: %d, want 403", status)
	}
}
