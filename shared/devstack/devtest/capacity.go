package devtest

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/middleware"
)

// Units are the capacity units DynamoDB reported for some calls: read and
// write request units in all (the table's and its indexes'), and of those
// the indexes' alone.
type Units struct {
	// Calls is how many calls succeeded; Unreported how many of them came
	// back without ConsumedCapacity (a stand-in that does not count).
	Calls, Unreported int
	Read, Write       float64
	// IndexRead and IndexWrite are the part of Read and Write spent on
	// secondary indexes.
	IndexRead, IndexWrite float64
}

// Add returns u and v summed.
func (u Units) Add(v Units) Units {
	return Units{
		Calls: u.Calls + v.Calls, Unreported: u.Unreported + v.Unreported,
		Read: u.Read + v.Read, Write: u.Write + v.Write,
		IndexRead: u.IndexRead + v.IndexRead, IndexWrite: u.IndexWrite + v.IndexWrite,
	}
}

// Sub returns u less v, for the units spent between two Totals.
func (u Units) Sub(v Units) Units {
	return Units{
		Calls: u.Calls - v.Calls, Unreported: u.Unreported - v.Unreported,
		Read: u.Read - v.Read, Write: u.Write - v.Write,
		IndexRead: u.IndexRead - v.IndexRead, IndexWrite: u.IndexWrite - v.IndexWrite,
	}
}

func (u Units) String() string {
	s := fmt.Sprintf("%d calls, %g RRU (%g on indexes), %g WRU (%g on indexes)", u.Calls, u.Read, u.IndexRead, u.Write, u.IndexWrite)
	if u.Unreported > 0 {
		s += fmt.Sprintf(", %d calls without ConsumedCapacity", u.Unreported)
	}
	return s
}

// Capacity asks DynamoDB for the consumed capacity of every call of the
// clients it is an option of (ReturnConsumedCapacity INDEXES, whatever the
// caller asked) and sums it per operation. It is safe for concurrent use.
// Failed calls are not counted (DynamoDB does not report what a
// cancelled transaction or a failed condition consumed).
//
// DynamoDB Local reports every operation's units by these rules but one:
// for TransactWriteItems it reports about one item's units, not their sum.
// Capacity therefore computes a transaction's units itself, from the size
// of each item before and after (read with strongly consistent GetItem
// calls around the transaction, on a client of the same options without
// this middleware): 2 WRU per started KB of the larger image, for the table
// and for each index the item is on (both, when an update moves it), and a
// ConditionCheck as a write of its item (at least 1 KB). Local also reports
// 0 for a Query or Scan page that reads nothing, where DynamoDB charges its
// minimum: Capacity counts 0.5 RRU (1 when strongly consistent).
type Capacity struct {
	mu  sync.Mutex
	ops map[string]Units
}

// Option is a DynamoDB client option that counts the client's capacity in c:
// pass it to devstack.Stack.DynamoClient.
func (c *Capacity) Option(o *dynamodb.Options) {
	shadowOpts := o.Copy()
	shadowOpts.APIOptions = nil
	shadow := dynamodb.New(shadowOpts)
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("devtest.Capacity",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				if tx, ok := in.Parameters.(*dynamodb.TransactWriteItemsInput); ok {
					return c.transaction(ctx, shadow, tx, in, next)
				}
				in.Parameters = withConsumedCapacity(in.Parameters)
				out, md, err := next.HandleInitialize(ctx, in)
				if err == nil {
					c.record(awsmiddleware.GetOperationName(ctx), in.Parameters, out.Result)
				}
				return out, md, err
			}), middleware.After) // after the operation's name is set
	})
}

// Totals returns the units counted so far, by operation name.
func (c *Capacity) Totals() map[string]Units {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]Units, len(c.ops))
	for op, u := range c.ops {
		out[op] = u
	}
	return out
}

// Total returns the units counted so far, all operations together.
func (c *Capacity) Total() Units {
	var sum Units
	for _, u := range c.Totals() {
		sum = sum.Add(u)
	}
	return sum
}

// Reset forgets what was counted.
func (c *Capacity) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = nil
}

// Report is one line per operation counted, sorted by name.
func (c *Capacity) Report() string {
	totals := c.Totals()
	ops := make([]string, 0, len(totals))
	for op := range totals {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	var b strings.Builder
	for _, op := range ops {
		fmt.Fprintf(&b, "%s: %s\n", op, totals[op])
	}
	return b.String()
}

// withConsumedCapacity returns a copy of the call's input asking for the
// consumed capacity of the table and each index (a copy: the caller may
// share its input between goroutines).
func withConsumedCapacity(params any) any {
	const all = types.ReturnConsumedCapacityIndexes
	switch in := params.(type) {
	case *dynamodb.GetItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.PutItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.UpdateItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.DeleteItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.QueryInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.ScanInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.BatchGetItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.BatchWriteItemInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.TransactGetItemsInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	case *dynamodb.TransactWriteItemsInput:
		cp := *in
		cp.ReturnConsumedCapacity = all
		return &cp
	}
	return params
}

// consumed returns the ConsumedCapacity of a call's output, and whether the
// operation is one that reports it.
func consumed(result any) ([]types.ConsumedCapacity, bool) {
	one := func(c *types.ConsumedCapacity) []types.ConsumedCapacity {
		if c == nil {
			return nil
		}
		return []types.ConsumedCapacity{*c}
	}
	switch out := result.(type) {
	case *dynamodb.GetItemOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.PutItemOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.UpdateItemOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.DeleteItemOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.QueryOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.ScanOutput:
		return one(out.ConsumedCapacity), true
	case *dynamodb.BatchGetItemOutput:
		return out.ConsumedCapacity, true
	case *dynamodb.BatchWriteItemOutput:
		return out.ConsumedCapacity, true
	case *dynamodb.TransactGetItemsOutput:
		return out.ConsumedCapacity, true
	case *dynamodb.TransactWriteItemsOutput:
		return out.ConsumedCapacity, true
	}
	return nil, false
}

// writes are the operations whose units are write units.
var writes = map[string]bool{
	"PutItem": true, "UpdateItem": true, "DeleteItem": true,
	"BatchWriteItem": true, "TransactWriteItems": true,
}

// record adds one successful call's units.
func (c *Capacity) record(operation string, params, result any) {
	list, reports := consumed(result)
	if !reports {
		return // CreateTable and the like
	}
	u := Units{Calls: 1}
	if len(list) == 0 {
		u.Unreported = 1
	}
	for _, cc := range list {
		total := deref(cc.CapacityUnits)
		var index float64
		for _, ix := range cc.GlobalSecondaryIndexes {
			index += deref(ix.CapacityUnits)
		}
		for _, ix := range cc.LocalSecondaryIndexes {
			index += deref(ix.CapacityUnits)
		}
		if total == 0 && cc.Table != nil { // a stand-in leaving out the total
			total = deref(cc.Table.CapacityUnits) + index
		}
		if total == 0 {
			total = minimumRead(params)
		}
		if writes[operation] {
			u.Write += total
			u.IndexWrite += index
		} else {
			u.Read += total
			u.IndexRead += index
		}
	}
	c.add(operation, u)
}

func (c *Capacity) add(operation string, u Units) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ops == nil {
		c.ops = map[string]Units{}
	}
	c.ops[operation] = c.ops[operation].Add(u)
}

// minimumRead is what DynamoDB charges a Query or Scan page that reads
// nothing, and 0 for other operations.
func minimumRead(params any) float64 {
	var consistent *bool
	switch in := params.(type) {
	case *dynamodb.QueryInput:
		consistent = in.ConsistentRead
	case *dynamodb.ScanInput:
		consistent = in.ConsistentRead
	default:
		return 0
	}
	if consistent != nil && *consistent {
		return 1
	}
	return 0.5
}

func deref(f *float64) float64 {
	if f == nil {
		return 0
	}
	return *f
}
