package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	awssdk "github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// callLog records the server's DynamoDB calls, one line a round trip: the
// operation and the kind of each key it names (the partition key's prefix
// and the sort key's), a transaction's parts in order.
type callLog struct {
	mu    sync.Mutex
	calls []string
}

func (l *callLog) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("httpapi_test.callLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				l.mu.Lock()
				l.calls = append(l.calls, describeCall(awsmiddleware.GetOperationName(ctx), in.Parameters))
				l.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

// reset forgets what was recorded and returns it.
func (l *callLog) reset() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.calls
	l.calls = nil
	return out
}

// keyKind is "PK-prefix/SK-prefix" of a key: the part before the first #.
func keyKind(key map[string]types.AttributeValue) string {
	kind := func(name string) string {
		s, _ := key[name].(*types.AttributeValueMemberS)
		if s == nil {
			return ""
		}
		k, _, _ := strings.Cut(s.Value, "#")
		return k
	}
	return kind("PK") + "/" + kind("SK")
}

func describeCall(op string, params any) string {
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		return op + " " + keyKind(in.Key)
	case *dynamodb.PutItemInput:
		return op + " " + keyKind(in.Item)
	case *dynamodb.UpdateItemInput:
		return op + " " + keyKind(in.Key)
	case *dynamodb.QueryInput:
		// The partition key value names something (PERSON#<id>); a sort
		// key prefix ends in # (ASSIGN#).
		var pk, sk string
		for _, v := range in.ExpressionAttributeValues {
			if s, ok := v.(*types.AttributeValueMemberS); ok {
				if strings.HasSuffix(s.Value, "#") {
					sk = s.Value
				} else {
					pk = s.Value
				}
			}
		}
		k, _, _ := strings.Cut(pk, "#")
		return fmt.Sprintf("%s %s %s", op, k, awssdk.ToString(in.IndexName)) + strings.TrimSpace(" "+sk)
	case *dynamodb.BatchGetItemInput:
		var keys []string
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				keys = append(keys, keyKind(k))
			}
		}
		slices.Sort(keys)
		return fmt.Sprintf("%s [%s]", op, strings.Join(keys, ", "))
	case *dynamodb.TransactWriteItemsInput:
		var parts []string
		for _, w := range in.TransactItems {
			switch {
			case w.Put != nil:
				parts = append(parts, "Put "+keyKind(w.Put.Item))
			case w.Update != nil:
				parts = append(parts, "Update "+keyKind(w.Update.Key))
			case w.ConditionCheck != nil:
				parts = append(parts, "Check "+keyKind(w.ConditionCheck.Key))
			case w.Delete != nil:
				parts = append(parts, "Delete "+keyKind(w.Delete.Key))
			}
		}
		return fmt.Sprintf("%s %d [%s]", op, len(parts), strings.Join(parts, ", "))
	}
	return op
}

// TestCompletionRoundTrips pins the DynamoDB round trips of a passing quiz
// submission (BenchmarkCompletionLatency's request).
func TestCompletionRoundTrips(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	csv := header + "R001,r001@example.com,Round Trip,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	mods, _ := e.app.Catalog.ItemsForRoles([]string{"all-staff"})
	client, csrf := e.signInDirect("R001")
	e.calls.reset()
	m := mods[0]
	req, _ := http.NewRequest(http.MethodPost, e.url+"/api/me/modules/"+m.ID+"/attempts",
		strings.NewReader(mustJSON(map[string]any{"answers": answers(m, len(m.Questions))})))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", csrf)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("completion answered %d", resp.StatusCode)
	}
	got := e.calls.reset()
	for _, c := range got {
		t.Log(c)
	}
	// The reads go out together, in any order; the one transaction of the
	// assignment, the attempt and the audit event is the last call.
	// The assignments read are the module's only.
	want := []string{"BatchGetItem [PERSON/PROFILE, SESSION/SESSION]", "Query PERSON ASSIGN#" + m.ID + "#"}
	if len(got) != len(want)+1 {
		t.Fatalf("got %d calls, want %d", len(got), len(want)+1)
	}
	reads := slices.Sorted(slices.Values(got[:len(want)]))
	if !slices.Equal(reads, want) {
		t.Errorf("reads %q, want %q", reads, want)
	}
	if tx := got[len(want)]; !strings.HasPrefix(tx, "TransactWriteItems 3 [Update PERSON/ASSIGN, Put PERSON/ATTEMPT, Put AUDIT/") {
		t.Errorf("last call %q, want the transaction of assignment, attempt and audit event", tx)
	}
}
