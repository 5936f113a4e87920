package devtest

import (
	"context"
	"fmt"
	"math"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/attest-oss/attest/shared/table"
)

// transaction runs a TransactWriteItems call and counts its units from the
// items' sizes before and after (see Capacity).
func (c *Capacity) transaction(ctx context.Context, shadow *dynamodb.Client, tx *dynamodb.TransactWriteItemsInput, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
	type part struct {
		table  string
		key    map[string]types.AttributeValue
		before map[string]types.AttributeValue
		after  map[string]types.AttributeValue
		put    bool // after is the Put's item
		check  bool
	}
	parts := make([]part, len(tx.TransactItems))
	for i, it := range tx.TransactItems {
		switch {
		case it.Put != nil:
			parts[i] = part{table: aws.ToString(it.Put.TableName), key: keyOf(it.Put.Item), after: it.Put.Item, put: true}
		case it.Update != nil:
			parts[i] = part{table: aws.ToString(it.Update.TableName), key: it.Update.Key}
		case it.Delete != nil:
			parts[i] = part{table: aws.ToString(it.Delete.TableName), key: it.Delete.Key}
		case it.ConditionCheck != nil:
			parts[i] = part{table: aws.ToString(it.ConditionCheck.TableName), key: it.ConditionCheck.Key, check: true}
		}
	}
	get := func(p part) (map[string]types.AttributeValue, error) {
		out, err := shadow.GetItem(ctx, &dynamodb.GetItemInput{TableName: &p.table, Key: p.key, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return nil, fmt.Errorf("devtest: capacity: read an item of a transaction: %w", err)
		}
		return out.Item, nil
	}
	for i := range parts {
		var err error
		if parts[i].before, err = get(parts[i]); err != nil {
			return middleware.InitializeOutput{}, middleware.Metadata{}, err
		}
	}
	out, md, err := next.HandleInitialize(ctx, in)
	if err != nil {
		return out, md, err
	}
	u := Units{Calls: 1}
	for i, it := range tx.TransactItems {
		p := parts[i]
		if it.Update != nil {
			if p.after, err = get(p); err != nil {
				return out, md, err
			}
		}
		if p.check {
			p.after = p.before
		}
		u.Write += 2 * kilobytes(max(ItemSize(p.before), ItemSize(p.after)))
		for _, ix := range table.Definition().Indexes {
			b, a := indexKey(p.before, ix), indexKey(p.after, ix)
			switch {
			case p.check || (b == "" && a == ""):
			case b == a:
				u.IndexWrite += 2 * kilobytes(max(ItemSize(p.before), ItemSize(p.after)))
			default: // put on, taken off or moved
				if b != "" {
					u.IndexWrite += 2 * kilobytes(ItemSize(p.before))
				}
				if a != "" {
					u.IndexWrite += 2 * kilobytes(ItemSize(p.after))
				}
			}
		}
	}
	u.Write += u.IndexWrite
	c.add("TransactWriteItems", u)
	return out, md, nil
}

// keyOf is the primary key of item.
func keyOf(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{table.PartitionKey: item[table.PartitionKey], table.SortKey: item[table.SortKey]}
}

// indexKey is item's key on ix, or "" if item is not on it.
func indexKey(item map[string]types.AttributeValue, ix table.Index) string {
	pk, sk := item[ix.PartitionKey], item[ix.SortKey]
	if pk == nil || sk == nil {
		return ""
	}
	return fmt.Sprintf("%v\x00%v", pk, sk)
}

// kilobytes is the number of started kilobytes of size bytes, at least one.
func kilobytes(size int) float64 {
	return max(1, math.Ceil(float64(size)/1024))
}

// ItemSize is the size DynamoDB bills for item: each attribute's name and
// value, by the rules of "Item sizes and formats" in the DynamoDB
// Developer Guide (numbers approximated as one byte per two digits, plus
// one).
func ItemSize(item map[string]types.AttributeValue) int {
	n := 0
	for name, v := range item {
		n += len(name) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return numberSize(v.Value)
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
	case *types.AttributeValueMemberNS:
		n := 0
		for _, s := range v.Value {
			n += numberSize(s)
		}
		return n
	case *types.AttributeValueMemberBS:
		n := 0
		for _, b := range v.Value {
			n += len(b)
		}
		return n
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

func numberSize(s string) int {
	digits := 0
	for _, r := range s {
		if '0' <= r && r <= '9' {
			digits++
		}
	}
	return (digits+1)/2 + 1
}
