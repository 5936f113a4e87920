package devtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Fault is a kind of injected failure.
type Fault string

// The faults Faults injects.
const (
	// Throttle answers the attempt with the service's own throttling error
	// (DynamoDB ProvisionedThroughputExceededException, SES v2
	// TooManyRequestsException, S3 SlowDown, KMS ThrottlingException)
	// without sending it: the server never sees it.
	Throttle Fault = "throttle"
	// ServerError answers the attempt with an HTTP 500 of the service
	// (DynamoDB InternalServerError, S3 InternalError, ...) without sending
	// it.
	ServerError Fault = "5xx"
	// LostResponse sends the attempt, lets it take effect on the server,
	// then drops the response and fails the attempt with a read timeout,
	// as a connection lost in flight does: the caller cannot know that it
	// succeeded.
	LostResponse Fault = "lost-response"
)

// AllFaults are the kinds NewFaults injects.
var AllFaults = []Fault{Throttle, ServerError, LostResponse}

// Faults injects failures into the requests of any AWS SDK v2 client it is
// an option of, deterministically from a seed: each attempt (the SDK's
// retries are attempts too) fails with probability Rate, with one of Kinds
// picked at random. The same seed, rate and sequence of calls give the same
// faults. It counts what it injected (Injected) and can kill the process at
// a given attempt (KillAt), for crash tests in a child process. It is safe
// for concurrent use; with concurrent callers the faults still follow the
// seed, but which call gets which depends on their order.
//
//	f := devtest.NewFaults(1, 0.2)
//	db := stack.DynamoClient(f.DynamoDB)
//	ses := stack.SESClient(f.SES)
//	... run the job until it succeeds ...
//	t.Log(f) // "37 faults in 180 attempts: ..."
//
// The client options (DynamoDB, SES, S3, KMS, Apply) also set the SDK's
// standard retryer, as production uses it (MaxAttempts attempts, the same
// retry quota) but with no delay between attempts, so that tests stay
// quick; set MaxAttempts to 1 to let every fault reach the caller. The zero
// Faults injects nothing, but counts attempts and can KillAt.
type Faults struct {
	// Rate is the probability that an attempt fails, 0 to 1 (see also
	// SetRate).
	Rate float64
	// Kinds are the faults to pick from; NewFaults sets AllFaults.
	Kinds []Fault
	// Ops, when not empty, limits the faults to these operation names
	// ("TransactWriteItems", "SendEmail", ...); other calls pass.
	Ops []string
	// MaxAttempts is the retryer's maximum attempts per call; 0 is the
	// SDK's default (3).
	MaxAttempts int

	mu       sync.Mutex
	rng      *rand.Rand
	ops      []string // the operation of every attempt, in order
	injected map[Injection]int
	killAt   int
}

// Injection is what Injected counts: a kind of fault on one operation.
type Injection struct {
	Fault Fault
	Op    string // operation name, e.g. "TransactWriteItems"
}

// NewFaults returns faults at rate (0 to 1) of every kind, drawn from seed.
func NewFaults(seed uint64, rate float64) *Faults {
	return &Faults{Rate: rate, Kinds: slices.Clone(AllFaults), rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
}

// KillAt makes the process kill itself with SIGKILL at its n-th attempt
// (counted from 1 over every client of f, faulted or not), after that
// attempt reached the server and took effect and before its response is
// used: a crash at the worst moment. Zero disables it. Use it in a child
// process (see the fault scenarios of package app), never in a test binary
// running other tests.
func (f *Faults) KillAt(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killAt = n
}

// SetRate changes the rate of faults from the next attempt on (0 stops
// them: the outage is over).
func (f *Faults) SetRate(rate float64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Rate = rate
}

// Injected returns how many faults were injected, by kind and operation.
func (f *Faults) Injected() map[Injection]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make(map[Injection]int, len(f.injected))
	for k, n := range f.injected {
		out[k] = n
	}
	return out
}

// Total returns how many faults were injected in all and how many attempts
// went through the middleware.
func (f *Faults) Total() (faults, attempts int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, n := range f.injected {
		faults += n
	}
	return faults, len(f.ops)
}

// Sequence returns the operation name of every attempt so far, in order;
// a sequential job makes the same sequence every run, so a crash test can
// tell which call its KillAt lands on.
func (f *Faults) Sequence() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ops)
}

// Count returns how many faults of kind were injected (on any operation).
func (f *Faults) Count(kind Fault) int {
	n := 0
	for k, c := range f.Injected() {
		if k.Fault == kind {
			n += c
		}
	}
	return n
}

// String summarises the faults injected: "12 faults in 64 attempts:
// lost-response PutItem 3, throttle SendEmail 2, ...".
func (f *Faults) String() string {
	inj := f.Injected()
	keys := make([]Injection, 0, len(inj))
	for k := range inj {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b Injection) int {
		return strings.Compare(string(a.Fault)+" "+a.Op, string(b.Fault)+" "+b.Op)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %s %d", k.Fault, k.Op, inj[k])
	}
	n, attempts := f.Total()
	return fmt.Sprintf("%d faults in %d attempts: %s", n, attempts, strings.Join(parts, ", "))
}

// decide counts an attempt of op and returns the fault to inject ("" for
// none) and whether the process is to die after this attempt.
func (f *Faults) decide(op string) (Fault, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, op)
	kill := f.killAt > 0 && len(f.ops) == f.killAt
	if f.rng == nil || len(f.Kinds) == 0 || (len(f.Ops) > 0 && !slices.Contains(f.Ops, op)) {
		return "", kill
	}
	// Draw both numbers whatever the outcome, so that the sequence of
	// faults depends only on the sequence of attempts.
	hit, pick := f.rng.Float64(), f.rng.IntN(len(f.Kinds))
	if hit >= f.Rate {
		return "", kill
	}
	kind := f.Kinds[pick]
	if f.injected == nil {
		f.injected = map[Injection]int{}
	}
	f.injected[Injection{kind, op}]++
	return kind, kill
}

// APIOption adds the fault middleware to a client's middleware stack: it
// sits last in the deserialize step, next to the HTTP transport, so that
// every attempt of the retry loop passes it and a fabricated error response
// is deserialized by the client as the service's own. Add it to any
// client's APIOptions (or use DynamoDB, SES, S3, KMS or Apply).
func (f *Faults) APIOption(stack *middleware.Stack) error {
	return stack.Deserialize.Add(middleware.DeserializeMiddlewareFunc("devtest.Faults",
		func(ctx context.Context, in middleware.DeserializeInput, next middleware.DeserializeHandler) (middleware.DeserializeOutput, middleware.Metadata, error) {
			kind, kill := f.decide(awsmiddleware.GetOperationName(ctx))
			switch kind {
			case Throttle, ServerError:
				if kill {
					f.die()
				}
				return middleware.DeserializeOutput{RawResponse: fabricate(awsmiddleware.GetServiceID(ctx), kind)}, middleware.Metadata{}, nil
			}
			out, md, err := next.HandleDeserialize(ctx, in)
			if kill {
				f.die()
			}
			if kind != LostResponse || err != nil {
				return out, md, err
			}
			if resp, ok := out.RawResponse.(*smithyhttp.Response); ok && resp.Body != nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
			}
			return middleware.DeserializeOutput{}, md, &smithyhttp.RequestSendError{Err: &net.OpError{
				Op: "read", Net: "tcp", Err: fmt.Errorf("injected: response lost: %w", os.ErrDeadlineExceeded)}}
		}), middleware.After)
}

// die kills the process.
func (f *Faults) die() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way
}

// fabricate returns the HTTP response the service sends for the fault.
func fabricate(service string, kind Fault) *smithyhttp.Response {
	status, header, body := http.StatusServiceUnavailable, http.Header{}, ""
	jsonErr := func(code int, contentType, typ string) {
		status = code
		header.Set("Content-Type", contentType)
		header.Set("X-Amzn-ErrorType", typ)
		body = fmt.Sprintf(`{"__type":%q,"message":"injected fault"}`, typ)
	}
	switch service {
	case "DynamoDB":
		if kind == Throttle {
			jsonErr(http.StatusBadRequest, "application/x-amz-json-1.0", "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException")
		} else {
			jsonErr(http.StatusInternalServerError, "application/x-amz-json-1.0", "com.amazonaws.dynamodb.v20120810#InternalServerError")
		}
	case "SESv2":
		if kind == Throttle {
			jsonErr(http.StatusTooManyRequests, "application/json", "TooManyRequestsException")
		} else {
			jsonErr(http.StatusInternalServerError, "application/json", "InternalFailure")
		}
	case "KMS":
		if kind == Throttle {
			jsonErr(http.StatusBadRequest, "application/x-amz-json-1.1", "ThrottlingException")
		} else {
			jsonErr(http.StatusInternalServerError, "application/x-amz-json-1.1", "KMSInternalException")
		}
	case "S3":
		code := "InternalError"
		if kind == Throttle {
			code = "SlowDown"
		} else {
			status = http.StatusInternalServerError
		}
		header.Set("Content-Type", "application/xml")
		body = "<Error><Code>" + code + "</Code><Message>injected fault</Message></Error>"
	default:
		if kind == ServerError {
			status = http.StatusInternalServerError
		}
	}
	return &smithyhttp.Response{Response: &http.Response{
		StatusCode: status, Status: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Header: header, Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body)),
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}}
}

// Retryer returns production's standard retryer (its retryable errors and
// retry quota) with f.MaxAttempts attempts and no delay between them.
func (f *Faults) Retryer() aws.Retryer {
	return retry.NewStandard(func(o *retry.StandardOptions) {
		if f.MaxAttempts > 0 {
			o.MaxAttempts = f.MaxAttempts
		}
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// Apply adds the faults and Retryer to an aws.Config, for clients built
// from it with NewFromConfig.
func (f *Faults) Apply(cfg *aws.Config) {
	cfg.APIOptions = append(cfg.APIOptions, f.APIOption)
	cfg.Retryer = f.Retryer
}

// DynamoDB is a DynamoDB client option adding the faults and Retryer, e.g.
// stack.DynamoClient(f.DynamoDB).
func (f *Faults) DynamoDB(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, f.APIOption)
	o.Retryer = f.Retryer()
}

// SES is the SES v2 client option of the faults and Retryer.
func (f *Faults) SES(o *sesv2.Options) {
	o.APIOptions = append(o.APIOptions, f.APIOption)
	o.Retryer = f.Retryer()
}

// S3 is the S3 client option of the faults and Retryer.
func (f *Faults) S3(o *s3.Options) {
	o.APIOptions = append(o.APIOptions, f.APIOption)
	o.Retryer = f.Retryer()
}

// KMS is the KMS client option of the faults and Retryer.
func (f *Faults) KMS(o *kms.Options) {
	o.APIOptions = append(o.APIOptions, f.APIOption)
	o.Retryer = f.Retryer()
}
