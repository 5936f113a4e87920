package roster_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/smithy-go/middleware"

	"github.com/attest-oss/attest/shared/roster"
)

// callCounter counts DynamoDB calls by operation name; with
// devtest.AccessLog alongside, the benchmark reports both the round trips
// and the items they touch per imported row.
type callCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (c *callCounter) option(o *dynamodb.Options) {
	o.APIOptions = append(o.APIOptions, func(stack *middleware.Stack) error {
		return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("bench.callCounter",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				c.mu.Lock()
				if c.calls == nil {
					c.calls = map[string]int{}
				}
				c.calls[awsmiddleware.GetOperationName(ctx)]++
				c.mu.Unlock()
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	})
}

func (c *callCounter) reset() {
	c.mu.Lock()
	c.calls = map[string]int{}
	c.mu.Unlock()
}

// summary is "Operation=n ..." sorted by operation.
func (c *callCounter) summary() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var parts []string
	for op, n := range c.calls {
		parts = append(parts, fmt.Sprintf("%s=%d", op, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, " ")
}

// phaseTimes wraps an import's store and assigner to time its phases: the
// roster read, the person writes and the assignment run; the rest of the
// import (parsing, validation, planning) is what remains.
type phaseTimes struct {
	mu                  sync.Mutex
	list, apply, assign time.Duration
	store               roster.Store
	assigner            roster.Assigner
}

func (p *phaseTimes) add(d *time.Duration, start time.Time) {
	p.mu.Lock()
	*d += time.Since(start)
	p.mu.Unlock()
}

type timedStore struct{ p *phaseTimes }

func (t timedStore) ListPeople(ctx context.Context) ([]roster.Record, error) {
	defer t.p.add(&t.p.list, time.Now())
	return t.p.store.ListPeople(ctx)
}

func (t timedStore) ApplyRoster(ctx context.Context, c roster.Commit) error {
	defer t.p.add(&t.p.apply, time.Now())
	return t.p.store.ApplyRoster(ctx, c)
}

func (t timedStore) ImportJournal(ctx context.Context) (roster.Journal, error) {
	return t.p.store.ImportJournal(ctx)
}

func (t timedStore) PutImportJournal(ctx context.Context, j roster.Journal) (roster.Journal, error) {
	return t.p.store.PutImportJournal(ctx, j)
}

type timedAssigner struct{ p *phaseTimes }

func (t timedAssigner) AssignImported(ctx context.Context, created, changed []roster.Person, day, actor, source string, dryRun bool) (int, int, error) {
	defer t.p.add(&t.p.assign, time.Now())
	return t.p.assigner.AssignImported(ctx, created, changed, day, actor, source, dryRun)
}
