package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// BenchmarkDynamoCallCost measures what DynamoDB Local charges for each kind
// of call a completion makes, side by side in one run: a bare PutItem, a
// GetItem, a Query of 10 items, a conditional UpdateItem, TransactWriteItems
// of 1, 2, 3 and 4 conditional puts, one of a completion's shape (the
// update and two conditional puts) and one without the attempt's own item
// (the update and one put), at 1 and 32 concurrent clients. The kinds are
// interleaved call by call, so the machine's noise falls on all of them
// alike; each is reported as p50 and p99 and as its ratio to the PutItem's.
// At 32 clients the PutItem and the transactions of 1 to 3 puts and of the
// two update shapes are also measured each alone, as
// BenchmarkCompletionLatency loads them, with DynamoDB Local's processor
// time per call.
func BenchmarkDynamoCallCost(b *testing.B) {
	b.StopTimer()
	e := newEnv(b)
	client := e.stack.DynamoClient()
	ctx := context.Background()
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	pad := strings.Repeat("x", 300)
	for i := range 10 {
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: map[string]types.AttributeValue{
			"PK": s("COST#query"), "SK": s(fmt.Sprintf("ITEM#%02d", i)), "data": s(pad)}}); err != nil {
			b.Fatal(err)
		}
	}
	txOf := func(n int, key string) func() error {
		return func() error {
			var writes []types.TransactWriteItem
			for k := range n {
				writes = append(writes, types.TransactWriteItem{Put: &types.Put{
					TableName: aws.String(e.table),
					Item: map[string]types.AttributeValue{
						"PK": s(key), "SK": s(fmt.Sprintf("TX%d", k)), "data": s(pad)},
					ConditionExpression: aws.String("attribute_not_exists(PK)"),
				}})
			}
			_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
			return err
		}
	}
	// update is a conditional UpdateItem as a completion makes of an
	// assignment (of a new item: the condition holds on an absent one).
	update := func(key string) *types.Update {
		return &types.Update{
			TableName:        aws.String(e.table),
			Key:              map[string]types.AttributeValue{"PK": s(key), "SK": s("UPDATE")},
			UpdateExpression: aws.String("SET #s = :s, version = :v, #d = :d"), ConditionExpression: aws.String("attribute_not_exists(version) OR version = :was"),
			ExpressionAttributeNames: map[string]string{"#s": "status", "#d": "data"},
			ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("completed"), ":v": &types.AttributeValueMemberN{Value: "2"},
				":was": &types.AttributeValueMemberN{Value: "1"}, ":d": s(pad)},
		}
	}
	// txUpdate is a transaction of the update and n conditional puts.
	txUpdate := func(n int, key string) error {
		writes := []types.TransactWriteItem{{Update: update(key)}}
		for k := range n {
			writes = append(writes, types.TransactWriteItem{Put: &types.Put{TableName: aws.String(e.table),
				Item: map[string]types.AttributeValue{"PK": s(key), "SK": s(fmt.Sprintf("TX%d", k)), "data": s(pad)}, ConditionExpression: aws.String("attribute_not_exists(PK)")}})
		}
		_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
		return err
	}
	kinds := []struct {
		name string
		op   func(c, i int) error
	}{
		{"put", func(c, i int) error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: map[string]types.AttributeValue{
				"PK": s(fmt.Sprintf("COST#put#%d#%d", c, i)), "SK": s("PUT"), "data": s(pad)}})
			return err
		}},
		{"get", func(c, i int) error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true),
				Key: map[string]types.AttributeValue{"PK": s(fmt.Sprintf("COST#put#%d#%d", c, i)), "SK": s("PUT")}})
			return err
		}},
		{"query10", func(c, i int) error {
			out, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(e.table), ConsistentRead: aws.Bool(true),
				KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("COST#query"), ":p": s("ITEM#")}})
			if err == nil && len(out.Items) != 10 {
				err = fmt.Errorf("query read %d items", len(out.Items))
			}
			return err
		}},
		{"update", func(c, i int) error {
			u := update(fmt.Sprintf("COST#update#%d#%d", c, i))
			_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: u.TableName, Key: u.Key, UpdateExpression: u.UpdateExpression,
				ConditionExpression: u.ConditionExpression, ExpressionAttributeNames: u.ExpressionAttributeNames, ExpressionAttributeValues: u.ExpressionAttributeValues})
			return err
		}},
		{"tx1", func(c, i int) error { return txOf(1, fmt.Sprintf("COST#tx1#%d#%d", c, i))() }},
		{"tx2", func(c, i int) error { return txOf(2, fmt.Sprintf("COST#tx2#%d#%d", c, i))() }},
		{"tx3", func(c, i int) error { return txOf(3, fmt.Sprintf("COST#tx3#%d#%d", c, i))() }},
		{"tx4", func(c, i int) error { return txOf(4, fmt.Sprintf("COST#tx4#%d#%d", c, i))() }},
		// A completion's shape: the update and two conditional puts; and
		// without the attempt's own item (the update and the audit event).
		{"tx3update", func(c, i int) error { return txUpdate(2, fmt.Sprintf("COST#tx3update#%d#%d", c, i)) }},
		{"tx2update", func(c, i int) error { return txUpdate(1, fmt.Sprintf("COST#tx2update#%d#%d", c, i)) }},
	}
	const calls = 256
	for n := range b.N {
		b.StartTimer()
		for _, c := range []int{1, 32} {
			// The calls are dealt kind by kind in turn: the kinds share the
			// same moments of the run.
			all := runLatencies(b, c, calls*len(kinds), func(j int) error {
				return kinds[j%len(kinds)].op(c*1000+n, j/len(kinds))
			})
			var putP99 float64
			for k, kind := range kinds {
				var lat []time.Duration
				for j := k; j < len(all); j += len(kinds) {
					lat = append(lat, all[j])
				}
				slices.Sort(lat)
				p99 := percentile(lat, 0.99)
				if k == 0 {
					putP99 = p99
				}
				b.ReportMetric(percentile(lat, 0.5), fmt.Sprintf("c%d-%s-p50-ms", c, kind.name))
				b.ReportMetric(p99, fmt.Sprintf("c%d-%s-p99-ms", c, kind.name))
				if k > 0 {
					b.ReportMetric(p99/putP99, fmt.Sprintf("c%d-%s-p99-ratio", c, kind.name))
				}
			}
			if c == 1 {
				continue
			}
			// Writes alone: DynamoDB Local serialises them, so with many
			// clients each kind's latency is its queue, which is what a
			// completion's transaction and BenchmarkCompletionLatency's
			// bare PutItem each wait in.
			// DynamoDB Local's processor time per call of each kind alone
			// is its work, which that queueing is made of.
			var putAlone float64
			var putCPU time.Duration
			for _, k := range []int{0, 4, 5, 6, 8, 9} { // put, tx1, tx2, tx3, tx3update, tx2update
				cpu, lat := dynamoWork(b, e, func() []time.Duration {
					return runConcurrently(b, c, calls, func(i int) error { return kinds[k].op(c*1000+n+500, i) })
				})
				p99 := percentile(lat, 0.99)
				if k == 0 {
					putAlone, putCPU = p99, cpu
				}
				b.ReportMetric(percentile(lat, 0.5), fmt.Sprintf("c%d-alone-%s-p50-ms", c, kinds[k].name))
				b.ReportMetric(p99, fmt.Sprintf("c%d-alone-%s-p99-ms", c, kinds[k].name))
				if cpu > 0 {
					b.ReportMetric(float64(cpu.Microseconds())/1000/calls, fmt.Sprintf("c%d-alone-%s-dynamo-cpu-ms", c, kinds[k].name))
				}
				if k > 0 {
					b.ReportMetric(p99/putAlone, fmt.Sprintf("c%d-alone-%s-p99-ratio", c, kinds[k].name))
					if cpu > 0 && putCPU > 0 {
						b.ReportMetric(float64(cpu)/float64(putCPU), fmt.Sprintf("c%d-alone-%s-dynamo-cpu-ratio", c, kinds[k].name))
					}
				}
			}
		}
		b.StopTimer()
	}
}
