// Package cost prices a year of the tracker on AWS: a table of list prices
// (us-east-1, on demand, without free tiers), usage in the units of those
// prices, and the pure arithmetic that turns a model of usage (what one
// person asks of AWS in a year, and what the deployment asks whatever its
// size) into a yearly bill and a price per 1,000 people per month.
//
// The usage itself is measured elsewhere (shared/demo's TestCost counts
// what each use case and a simulated year ask of the local stand-ins); this
// package only prices it, so that the arithmetic can be checked alone.
package cost

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// The keys of Prices, one a billed dimension.
const (
	DynamoWrite   = "dynamodb.write"   // write request units, on demand
	DynamoRead    = "dynamodb.read"    // read request units, on demand
	DynamoStorage = "dynamodb.storage" // GB-months of table and index data
	DynamoPITR    = "dynamodb.pitr"    // GB-months of continuous backup
	LambdaRequest = "lambda.request"   // invocations
	LambdaCompute = "lambda.gbsecond"  // GB-seconds, arm64
	APIRequest    = "apigw.request"    // HTTP API requests
	DataOut       = "transfer.out"     // GB to the internet
	SESEmail      = "ses.email"        // emails sent
	SQSRequest    = "sqs.request"      // SQS API requests (64 KB chunks)
	S3Storage     = "s3.storage"       // GB-months, S3 Standard
	S3Put         = "s3.put"           // PUT, COPY, POST, LIST requests
	S3Get         = "s3.get"           // GET and other requests
	KMSKey        = "kms.key"          // key-months (each rotated key version too)
	KMSRequest    = "kms.request"      // symmetric requests
	KMSSign       = "kms.sign"         // asymmetric ECC requests (Sign)
	LogsIngest    = "logs.ingest"      // GB of CloudWatch Logs ingested
	LogsStorage   = "logs.storage"     // GB-months of CloudWatch Logs stored
	Alarm         = "cloudwatch.alarm" // alarm-months, standard resolution, one metric each
	XRayTrace     = "xray.trace"       // traces recorded
	ScheduleEvent = "events.schedule"  // events of EventBridge scheduled rules
)

// Price is the list price of one billed dimension.
type Price struct {
	Key     string
	Service string
	What    string
	// USD is the price of one Unit.
	USD  float64
	Unit string
	// Display is the price as the pricing page states it.
	Display string
	// Source is the page the price is from; Checked the date it was read
	// there (or in the copy named in Note).
	Source, Checked string
	// Note says what the price leaves out or assumes.
	Note string
}

// Prices are the us-east-1 list prices the model uses: on demand, first
// tier, no free tier, no savings plan. Each was read on its AWS pricing
// page (the stored copy of the search tool, or a third-party copy where
// the AWS page renders its prices in script; Note says so).
var Prices = []Price{
	{DynamoWrite, "DynamoDB", "on-demand write request unit", 0.625e-6, "WRU", "$0.625 per million WRU",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/", "2026-12-01",
		"after the 50 % on-demand cut of 2024-11-01 (airbyte.com, jusdb.com copies of the page); transactional writes cost 2 WRU per KB"},
	{DynamoRead, "DynamoDB", "on-demand read request unit", 0.125e-6, "RRU", "$0.125 per million RRU",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/", "2026-12-01",
		"one strongly consistent read of 4 KB, or two eventually consistent"},
	{DynamoStorage, "DynamoDB", "table and index storage", 0.25, "GB-month", "$0.25 per GB-month",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/", "2026-12-01",
		"Standard table class; each item counts 100 bytes of overhead, in the table and in each index it is on"},
	{DynamoPITR, "DynamoDB", "point-in-time recovery", 0.20, "GB-month", "$0.20 per GB-month",
		"https://aws.amazon.com/dynamodb/pricing/on-demand/", "2026-12-01",
		"charged on the table's size (without global secondary indexes)"},
	{LambdaRequest, "Lambda", "invocation", 0.20e-6, "request", "$0.20 per million requests",
		"https://aws.amazon.com/lambda/pricing/", "2026-12-01", ""},
	{LambdaCompute, "Lambda", "arm64 duration", 0.0000133334, "GB-second", "$0.0000133334 per GB-second",
		"https://aws.amazon.com/lambda/pricing/", "2026-12-01",
		"first 7.5 billion GB-s a month (cloudchipr.com copy of the page); billed per ms, init included"},
	{APIRequest, "API Gateway", "HTTP API request", 1.00e-6, "request", "$1.00 per million requests",
		"https://aws.amazon.com/api-gateway/pricing/", "2026-12-01",
		"first 300 million a month, metered in 512 KB increments"},
	{DataOut, "EC2 data transfer", "data transfer out to the internet", 0.09, "GB", "$0.09 per GB",
		"https://aws.amazon.com/ec2/pricing/on-demand/", "2026-12-01",
		"first 10 TB a month, after the 100 GB a month AWS gives free (not counted here)"},
	{SESEmail, "SES", "outbound email", 0.10e-3, "email", "$0.10 per 1,000 emails",
		"https://aws.amazon.com/ses/pricing/", "2026-12-01",
		"attachments' $0.12 per GB left out: the tracker's emails carry none"},
	{SQSRequest, "SQS", "standard queue request", 0.40e-6, "request", "$0.40 per million requests",
		"https://aws.amazon.com/sqs/pricing/", "2026-12-01",
		"each 64 KB chunk of a payload is a request"},
	{S3Storage, "S3", "S3 Standard storage", 0.023, "GB-month", "$0.023 per GB-month",
		"https://aws.amazon.com/s3/pricing/", "2026-12-01",
		"first 50 TB; Object Lock itself costs nothing extra, locked versions are stored at this price"},
	{S3Put, "S3", "PUT, COPY, POST, LIST request", 0.005e-3, "request", "$0.005 per 1,000 requests",
		"https://aws.amazon.com/s3/pricing/", "2026-12-01", ""},
	{S3Get, "S3", "GET, SELECT and other requests", 0.0004e-3, "request", "$0.0004 per 1,000 requests",
		"https://aws.amazon.com/s3/pricing/", "2026-12-01", ""},
	{KMSKey, "KMS", "customer-managed key", 1.00, "key-month", "$1 per key per month",
		"https://aws.amazon.com/kms/pricing/", "2026-12-01",
		"symmetric and asymmetric alike; each rotation's new key material adds $1 a month (the first two rotations); AWS-managed and AWS-owned keys cost nothing"},
	{KMSRequest, "KMS", "symmetric request", 0.03e-4, "request", "$0.03 per 10,000 requests",
		"https://aws.amazon.com/kms/pricing/", "2026-12-01", ""},
	{KMSSign, "KMS", "asymmetric request (ECC Sign)", 0.15e-4, "request", "$0.15 per 10,000 requests",
		"https://aws.amazon.com/kms/pricing/", "2026-12-01",
		"asymmetric requests other than RSA 2048; from memory of the page, not found in a stored copy: the model's signs are a few hundred a year, so the line is cents either way"},
	{LogsIngest, "CloudWatch", "log data ingested", 0.50, "GB", "$0.50 per GB",
		"https://aws.amazon.com/cloudwatch/pricing/", "2026-12-01", "Standard log class"},
	{LogsStorage, "CloudWatch", "log data stored", 0.03, "GB-month", "$0.03 per GB-month",
		"https://aws.amazon.com/cloudwatch/pricing/", "2026-12-01", "compressed; counted uncompressed here"},
	{Alarm, "CloudWatch", "standard-resolution alarm metric", 0.10, "alarm-month", "$0.10 per alarm metric per month",
		"https://aws.amazon.com/cloudwatch/pricing/", "2026-12-01",
		"free tier of 10 alarm metrics not counted; a composite alarm costs $0.50 a month"},
	{XRayTrace, "X-Ray", "trace recorded", 5.00e-6, "trace", "$5.00 per million traces recorded",
		"https://aws.amazon.com/xray/pricing/", "2026-12-01",
		"every invocation counted as traced (the default sampling traces nearly all at this traffic)"},
	{ScheduleEvent, "EventBridge", "event of a scheduled rule", 1.00e-6, "event", "$1.00 per million events",
		"https://aws.amazon.com/eventbridge/pricing/", "2026-12-01",
		"an upper bound: priced as a custom event; scheduled rules' events may well be free"},
}

// PriceOf returns the price of key; it panics on an unknown key.
func PriceOf(key string) Price {
	for _, p := range Prices {
		if p.Key == key {
			return p
		}
	}
	panic(fmt.Sprintf("cost: no price %q", key))
}

// Usage is what is asked of AWS in a year, by price key, in the price's
// unit (storage in GB-months over the year).
type Usage map[string]float64

// Add returns u and v summed.
func (u Usage) Add(v Usage) Usage {
	out := maps.Clone(u)
	if out == nil {
		out = Usage{}
	}
	for k, n := range v {
		out[k] += n
	}
	return out
}

// Scale returns u times f.
func (u Usage) Scale(f float64) Usage {
	out := make(Usage, len(u))
	for k, n := range u {
		out[k] = n * f
	}
	return out
}

// Model is the yearly usage of an organisation: PerPerson grows with the
// number of people, Fixed does not (the deployment's keys, alarms and
// queue polling, and the parts of the scheduled runs that cost the same
// whatever the roster).
type Model struct {
	PerPerson Usage
	Fixed     Usage
}

// Line is one billed dimension of a Bill.
type Line struct {
	Price Price
	// Quantity is the year's quantity in Price.Unit, of which Fixed does
	// not grow with the number of people.
	Quantity, FixedQuantity float64
	// USD is the year's price of Quantity, of which FixedUSD of
	// FixedQuantity.
	USD, FixedUSD float64
}

// Bill is a year of an organisation of People people.
type Bill struct {
	People int
	Lines  []Line // in the order of Prices; dimensions without usage left out
	// Total is the year's price, of which Fixed does not grow with people.
	Total, Fixed float64
}

// Year prices a year of the model for people people.
func (m Model) Year(people int) Bill {
	for k := range m.PerPerson.Add(m.Fixed) {
		PriceOf(k) // an unknown key is a bug in the model
	}
	b := Bill{People: people}
	for _, p := range Prices {
		fixed := m.Fixed[p.Key]
		q := m.PerPerson[p.Key]*float64(people) + fixed
		if q == 0 {
			continue
		}
		l := Line{Price: p, Quantity: q, FixedQuantity: fixed, USD: q * p.USD, FixedUSD: fixed * p.USD}
		b.Lines = append(b.Lines, l)
		b.Total += l.USD
		b.Fixed += l.FixedUSD
	}
	return b
}

// PerThousandPerMonth is the bill's price per 1,000 people per month.
func (b Bill) PerThousandPerMonth() float64 {
	if b.People == 0 {
		return 0
	}
	return b.Total / 12 / (float64(b.People) / 1000)
}

// Services sums the bill's lines by service, in the order of Prices.
func (b Bill) Services() []Line {
	var out []Line
	at := map[string]int{}
	for _, l := range b.Lines {
		i, ok := at[l.Price.Service]
		if !ok {
			at[l.Price.Service] = len(out)
			out = append(out, Line{Price: Price{Service: l.Price.Service}})
			i = len(out) - 1
		}
		out[i].USD += l.USD
		out[i].FixedUSD += l.FixedUSD
	}
	return out
}

// String is the bill as a table: each line's quantity, unit price and
// yearly price, then the totals.
func (b Bill) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%d people, one year (us-east-1 list prices, no free tier)\n", b.People)
	fmt.Fprintf(&s, "%-12s %-38s %16s %-12s %-32s %11s %11s\n", "service", "dimension", "quantity", "unit", "price", "USD/year", "of it fixed")
	for _, l := range b.Lines {
		fmt.Fprintf(&s, "%-12s %-38s %16.6g %-12s %-32s %11.2f %11.2f\n", l.Price.Service, l.Price.What, l.Quantity, l.Price.Unit, l.Price.Display, l.USD, l.FixedUSD)
	}
	fmt.Fprintf(&s, "total %.2f USD a year (%.2f fixed, %.2f growing with people): %.3f USD per 1,000 people per month\n",
		b.Total, b.Fixed, b.Total-b.Fixed, b.PerThousandPerMonth())
	return s.String()
}

// Deployment counts the resources of a deployment that cost money
// whatever it does.
type Deployment struct {
	Name string
	// CustomerKeys are the customer-managed KMS keys, RotatingKeys those
	// of them rotated every year, RotatedKeys the key versions rotation
	// has added (1 a rotating key in its second year, 2 from its third:
	// KMS charges the first two).
	CustomerKeys, RotatingKeys, RotatedKeys int
	// Alarms are the standard-resolution alarms, one metric each.
	Alarms int
	// PolledQueues are the SQS queues a Lambda event source mapping
	// long-polls, whether or not they hold messages.
	PolledQueues int
	// ScheduledRuns are the runs the EventBridge rules start in a year.
	ScheduledRuns int
}

// IdlePollsPerQueueYear is how many ReceiveMessage requests an event
// source mapping makes on an empty queue in a year: an assumption of 5
// pollers each long-polling 20 s (the Lambda Developer Guide says pollers
// long-poll and scale from a few; AWS does not state the idle count).
const IdlePollsPerQueueYear = 5 * 3 * 60 * 24 * 365

// Usage is the deployment's yearly usage.
func (d Deployment) Usage() Usage {
	u := Usage{
		KMSKey:        12 * float64(d.CustomerKeys+d.RotatedKeys),
		Alarm:         12 * float64(d.Alarms),
		SQSRequest:    float64(d.PolledQueues) * IdlePollsPerQueueYear,
		ScheduleEvent: float64(d.ScheduledRuns),
	}
	for k, v := range u {
		if v == 0 {
			delete(u, k)
		}
	}
	return u
}

// Keys are the usage's price keys, sorted.
func (u Usage) Keys() []string {
	return slices.Sorted(maps.Keys(u))
}

// FunctionMemoryMB is each function's memory, as infra/stack.go defines it
// (infra's TestCostModelMatchesStack checks).
var FunctionMemoryMB = map[string]int{
	"api": 512, "assign": 512, "remind": 512, "send": 256, "bounce": 256, "freeze": 1024, "export": 1024, "import": 1769,
}

// Stack is the deployment infra/stack.go defines (infra's
// TestCostModelMatchesStack checks the counts), in its first year: three
// customer-managed keys (the table's, the evidence bucket's and the
// signing key), 23 alarms (errors and throttles of each of the 8 functions,
// and 7 more), 3 queues an event source polls (reminders, exports, roster
// imports), and the hourly reminder rule with the three daily rules.
var Stack = Deployment{
	Name: "as deployed", CustomerKeys: 3, RotatingKeys: 2, Alarms: 23, PolledQueues: 3,
	ScheduledRuns: 24*365 + 3*365,
}

// Lean is the deployment docs/COST.md proposes for small
// organisations (not deployed): the table and the evidence bucket
// encrypted with AWS-owned and AWS-managed keys instead of keys of their
// own, leaving the signing key, which no AWS key can replace; and the 16
// alarms on each function's errors and throttles replaced by 2 on the
// account's Lambda Errors and Throttles (any function of the account, not
// only the tracker's).
var Lean = Deployment{
	Name: "lean (proposed)", CustomerKeys: 1, Alarms: 9, PolledQueues: 3,
	ScheduledRuns: 24*365 + 3*365,
}

// Logging assumptions, in bytes: what each invocation writes to its
// function's log group (Lambda's JSON platform records start and report,
// about 600 bytes, and the application's INFO lines), and what each API
// request writes to the access log (infra's accessLogFormat filled in).
const (
	LogBytesPerInvocation = 1000
	AccessLogBytes        = 500
	// LogMonthsKept is how long the log groups keep what they ingest.
	LogMonthsKept = 3
)

// Lambda is the yearly usage of invocations of function fn taking
// seconds in all: requests, GB-seconds at the function's memory, one
// X-Ray trace each and their logs. It panics on an unknown function.
func Lambda(fn string, invocations, seconds float64) Usage {
	mb, ok := FunctionMemoryMB[fn]
	if !ok {
		panic(fmt.Sprintf("cost: no function %q", fn))
	}
	return Usage{
		LambdaRequest: invocations,
		LambdaCompute: seconds * float64(mb) / 1024,
		XRayTrace:     invocations,
	}.Add(Logs(invocations * LogBytesPerInvocation))
}

// Logs is the yearly usage of ingesting bytes of log data in a year and
// keeping each for LogMonthsKept months.
func Logs(bytes float64) Usage {
	gb := bytes / 1e9
	return Usage{LogsIngest: gb, LogsStorage: gb * LogMonthsKept}
}

// API is the yearly usage of requests HTTP API requests answering
// bytesOut bytes in all: API Gateway's requests, data transfer out and
// access log (the API function's invocations are priced by Lambda).
func API(requests, bytesOut float64) Usage {
	return Usage{APIRequest: requests, DataOut: bytesOut / 1e9}.Add(Logs(requests * AccessLogBytes))
}
