package devtest

import (
	"context"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// Calls counts the calls of any AWS SDK client by operation name (S3's
// PutObject, KMS's Sign, SES's SendEmail, ...), one per call whatever its
// retries, failed calls included. It is safe for concurrent use. Add
// APIOption to a client's options:
//
//	var calls devtest.Calls
//	s3c := stack.S3Client(func(o *s3.Options) { o.APIOptions = append(o.APIOptions, calls.APIOption) })
type Calls struct {
	mu  sync.Mutex
	ops map[string]int
}

// APIOption adds the counting middleware to a client's stack.
func (c *Calls) APIOption(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("devtest.Calls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			op := awsmiddleware.GetOperationName(ctx)
			c.mu.Lock()
			if c.ops == nil {
				c.ops = map[string]int{}
			}
			c.ops[op]++
			c.mu.Unlock()
			return next.HandleInitialize(ctx, in)
		}), middleware.After)
}

// Counts returns the calls counted so far, by operation name.
func (c *Calls) Counts() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.ops))
	for op, n := range c.ops {
		out[op] = n
	}
	return out
}

// Total is the number of calls counted so far.
func (c *Calls) Total() int {
	n := 0
	for _, k := range c.Counts() {
		n += k
	}
	return n
}

// Reset forgets what was counted.
func (c *Calls) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ops = nil
}
