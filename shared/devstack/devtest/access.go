package devtest

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/attest-oss/attest/shared/table"
)

// Access is one authorisation IAM makes for a DynamoDB call: an item action
// on a partition key value (an index's partition key value for a Query on
// an index).
type Access struct {
	Action table.Action
	Key    string
	Index  string // the queried index, if any
}

func (a Access) String() string {
	if a.Index != "" {
		return fmt.Sprintf("%s %s on %s", a.Action, a.Key, a.Index)
	}
	return fmt.Sprintf("%s %s", a.Action, a.Key)
}

// AccessLog records every DynamoDB call of the clients it is an option of,
// as IAM would authorise it: each part of a TransactWriteItems call as its
// own action, each key of a BatchGetItem call, and a Query by its partition
// key value. A call it cannot decompose (Scan, CreateTable, ...) is recorded
// under its operation name with no key, which no Access allows.
type AccessLog struct {
	mu       sync.Mutex
	accesses []Access
}

// Option is a DynamoDB client option that records the client's calls in l:
// pass it to devstack.Stack.DynamoClient.
func (l *AccessLog) Option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("devtest.AccessLog",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				l.record(awsmiddleware.GetOperationName(ctx), in.Parameters)
				return next.HandleInitialize(ctx, in)
			}), middleware.After) // after the operation's name is set
	})
}

// Accesses returns what was recorded so far.
func (l *AccessLog) Accesses() []Access {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Access(nil), l.accesses...)
}

// CheckWithin fails the test for every recorded access that allowed does not
// allow, and when nothing was recorded at all.
func (l *AccessLog) CheckWithin(tb testing.TB, allowed table.Access) {
	tb.Helper()
	all := l.Accesses()
	if len(all) == 0 {
		tb.Errorf("devtest: no DynamoDB call was recorded: is the AccessLog's Option on the client?")
	}
	kinds := map[string]bool{} // action and partition kind, for -v
	outside := map[string]bool{}
	for _, a := range all {
		kind, _, _ := strings.Cut(a.Key, "#")
		kinds[fmt.Sprintf("%s %s %s", a.Action, kind, a.Index)] = true
		if !allowed.Allows(a.Action, a.Key) {
			outside[a.String()] = true
		}
	}
	tb.Logf("devtest: DynamoDB calls by action, partition kind and index: %v", sortedKeys(kinds))
	if len(outside) > 0 {
		tb.Errorf("devtest: DynamoDB calls outside the function's table.FunctionAccess (its IAM policy would refuse them):\n  %s", strings.Join(sortedKeys(outside), "\n  "))
	}
}

// sortedKeys are the keys of set, sorted.
func sortedKeys(set map[string]bool) []string {
	list := make([]string, 0, len(set))
	for s := range set {
		list = append(list, s)
	}
	sort.Strings(list)
	return list
}

func (l *AccessLog) add(action table.Action, item map[string]types.AttributeValue) {
	l.accesses = append(l.accesses, Access{Action: action, Key: stringValue(item[table.PartitionKey])})
}

// record decomposes one call into the accesses IAM authorises.
func (l *AccessLog) record(operation string, params any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		l.add(table.GetItem, in.Key)
	case *dynamodb.PutItemInput:
		l.add(table.PutItem, in.Item)
	case *dynamodb.UpdateItemInput:
		l.add(table.UpdateItem, in.Key)
	case *dynamodb.DeleteItemInput:
		l.add(table.DeleteItem, in.Key)
	case *dynamodb.BatchGetItemInput:
		for _, ka := range in.RequestItems {
			for _, k := range ka.Keys {
				l.add(table.BatchGetItem, k)
			}
		}
	case *dynamodb.BatchWriteItemInput:
		for _, reqs := range in.RequestItems {
			for _, r := range reqs {
				switch {
				case r.PutRequest != nil:
					l.add("BatchWriteItem", r.PutRequest.Item)
				case r.DeleteRequest != nil:
					l.add("BatchWriteItem", r.DeleteRequest.Key)
				}
			}
		}
	case *dynamodb.TransactGetItemsInput:
		for _, it := range in.TransactItems {
			if it.Get != nil {
				l.add(table.GetItem, it.Get.Key)
			}
		}
	case *dynamodb.TransactWriteItemsInput:
		for _, it := range in.TransactItems {
			switch {
			case it.Put != nil:
				l.add(table.PutItem, it.Put.Item)
			case it.Update != nil:
				l.add(table.UpdateItem, it.Update.Key)
			case it.Delete != nil:
				l.add(table.DeleteItem, it.Delete.Key)
			case it.ConditionCheck != nil:
				l.add(table.ConditionCheckItem, it.ConditionCheck.Key)
			}
		}
	case *dynamodb.QueryInput:
		index := ""
		if in.IndexName != nil {
			index = *in.IndexName
		}
		l.accesses = append(l.accesses, Access{Action: table.Query, Key: queryPartitionKey(in, index), Index: index})
	default:
		l.accesses = append(l.accesses, Access{Action: table.Action(operation)})
	}
}

// keyEquality is one "name = value" term of a key condition expression.
var keyEquality = regexp.MustCompile(`^\(*\s*(#?[A-Za-z0-9_]+)\s*=\s*(:[A-Za-z0-9_]+)\s*\)*$`)

// and splits a key condition expression into its terms.
var and = regexp.MustCompile(`(?i)\s+AND\s+`)

// queryPartitionKey is the value a Query's key condition gives the partition
// key of the table or of index: the term "pk = :v" among those joined by AND.
// It is "" if there is none.
func queryPartitionKey(in *dynamodb.QueryInput, index string) string {
	pkAttr := table.PartitionKey
	for _, ix := range table.Definition().Indexes {
		if ix.Name == index {
			pkAttr = ix.PartitionKey
		}
	}
	if in.KeyConditionExpression == nil {
		return ""
	}
	for _, term := range and.Split(*in.KeyConditionExpression, -1) {
		m := keyEquality.FindStringSubmatch(strings.TrimSpace(term))
		if m == nil {
			continue
		}
		name := m[1]
		if resolved, ok := in.ExpressionAttributeNames[name]; ok {
			name = resolved
		}
		if name == pkAttr {
			return stringValue(in.ExpressionAttributeValues[m[2]])
		}
	}
	return ""
}

// stringValue is v's string, or "" if v is not a string.
func stringValue(v types.AttributeValue) string {
	if s, ok := v.(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}
