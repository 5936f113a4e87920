package devtest_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// item is an item of about size bytes as DynamoDB measures them (attribute
// names and values), under the key pk, sk; with gsi1, it is on IndexGSI1
// too.
func item(pk, sk string, size int, gsi1 bool) map[string]types.AttributeValue {
	it := map[string]types.AttributeValue{
		table.PartitionKey: &types.AttributeValueMemberS{Value: pk},
		table.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
	used := len(table.PartitionKey) + len(pk) + len(table.SortKey) + len(sk)
	if gsi1 {
		it[table.GSI1PK] = &types.AttributeValueMemberS{Value: "G"}
		it[table.GSI1SK] = &types.AttributeValueMemberS{Value: sk}
		used += len(table.GSI1PK) + 1 + len(table.GSI1SK) + len(sk)
	}
	it["Pad"] = &types.AttributeValueMemberS{Value: strings.Repeat("x", size-used-len("Pad"))}
	return it
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.PartitionKey: &types.AttributeValueMemberS{Value: pk},
		table.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

// TestCapacity checks that DynamoDB Local reports the units of every
// operation the tracker makes, and that Capacity sums them by DynamoDB's
// on-demand rules: a read unit per 4 KB read strongly consistent (half
// eventually), a write unit per 1 KB written, twice that in a transaction,
// and an index's write on top for an item it holds.
func TestCapacity(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	var capacity devtest.Capacity
	client := stack.DynamoClient(capacity.Option)
	name := devtest.Table(t, client, "capacity")
	ctx := context.Background()
	const kb = 1024

	cases := []struct {
		name       string
		call       func() error
		op         string
		read       float64
		write      float64
		indexWrite float64
	}{
		{"PutItem 3 KB", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: item("P", "a", 3*kb-10, false)})
			return err
		}, "PutItem", 0, 3, 0},
		{"PutItem 3 KB on an index", func() error {
			_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: item("P", "b", 3*kb-10, true)})
			return err
		}, "PutItem", 0, 6, 3},
		{"GetItem 3 KB strongly consistent", func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &name, Key: key("P", "a"), ConsistentRead: aws.Bool(true)})
			return err
		}, "GetItem", 1, 0, 0},
		{"GetItem 3 KB eventually consistent", func() error {
			_, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &name, Key: key("P", "a")})
			return err
		}, "GetItem", 0.5, 0, 0},
		{"Query 6 KB strongly consistent", func() error {
			_, err := client.Query(ctx, &dynamodb.QueryInput{TableName: &name, KeyConditionExpression: aws.String("PK = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "P"}}, ConsistentRead: aws.Bool(true)})
			return err
		}, "Query", 2, 0, 0},
		{"UpdateItem 3 KB", func() error {
			_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &name, Key: key("P", "a"), UpdateExpression: aws.String("SET N = :n"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":n": &types.AttributeValueMemberN{Value: "1"}}})
			return err
		}, "UpdateItem", 0, 3, 0},
		{"TransactWriteItems two 1 KB", func() error {
			_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: &name, Item: item("T", "1", kb-10, false)}},
				{Put: &types.Put{TableName: &name, Item: item("T", "2", kb-10, false)}},
			}})
			return err
		}, "TransactWriteItems", 0, 4, 0},
		{"TransactWriteItems 500 B on an index and a condition check", func() error {
			_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Put: &types.Put{TableName: &name, Item: item("T", "3", 500, true)}},
				{ConditionCheck: &types.ConditionCheck{TableName: &name, Key: key("T", "none"), ConditionExpression: aws.String("attribute_not_exists(PK)")}},
			}})
			return err
		}, "TransactWriteItems", 0, 6, 2},
		{"TransactWriteItems moving a 500 B item on an index", func() error {
			_, err := client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
				{Update: &types.Update{TableName: &name, Key: key("T", "3"), UpdateExpression: aws.String("SET GSI1SK = :s"),
					ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "moved"}}}},
			}})
			return err
		}, "TransactWriteItems", 0, 6, 4},
		{"Query of nothing", func() error {
			_, err := client.Query(ctx, &dynamodb.QueryInput{TableName: &name, KeyConditionExpression: aws.String("PK = :p"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "none"}}})
			return err
		}, "Query", 0.5, 0, 0},
		{"BatchWriteItem two 3 KB", func() error {
			_, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{name: {
				{PutRequest: &types.PutRequest{Item: item("B", "1", 3*kb-10, false)}},
				{PutRequest: &types.PutRequest{Item: item("B", "2", 3*kb-10, false)}},
			}}})
			return err
		}, "BatchWriteItem", 0, 6, 0},
		{"BatchGetItem two 3 KB strongly consistent", func() error {
			_, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{name: {
				Keys: []map[string]types.AttributeValue{key("B", "1"), key("B", "2")}, ConsistentRead: aws.Bool(true),
			}}})
			return err
		}, "BatchGetItem", 2, 0, 0},
	}
	for _, c := range cases {
		capacity.Reset()
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got := capacity.Totals()[c.op]
		t.Logf("%s: %s", c.name, got)
		if got.Calls != 1 || got.Unreported != 0 || got.Read != c.read || got.Write != c.write || got.IndexWrite != c.indexWrite {
			t.Errorf("%s: counted %+v, want 1 call with %g RRU, %g WRU (%g on indexes)", c.name, got, c.read, c.write, c.indexWrite)
		}
	}
}

// TestCapacityConcurrent checks that Capacity counts calls from many
// goroutines (go test -race).
func TestCapacityConcurrent(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	var capacity devtest.Capacity
	client := stack.DynamoClient(capacity.Option)
	name := devtest.Table(t, client, "capacity")
	in := &dynamodb.PutItemInput{TableName: &name, Item: item("C", "1", 900, false)} // shared: Capacity must not write to it
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := client.PutItem(context.Background(), in); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := capacity.Total(); got.Calls != 20 || got.Write != 20 {
		t.Errorf("counted %s, want 20 calls of 1 WRU", got)
	}
	if in.ReturnConsumedCapacity != "" {
		t.Errorf("the caller's input was changed: ReturnConsumedCapacity %q", in.ReturnConsumedCapacity)
	}
}
