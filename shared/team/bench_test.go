package team_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/team"
)

// countingAPI counts the items DynamoDB returns to reads.
type countingAPI struct {
	dynamo.API
	items, calls atomic.Int64
}

func (c *countingAPI) Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := c.API.Query(ctx, in, opts...)
	if err == nil {
		c.calls.Add(1)
		c.items.Add(int64(len(out.Items)))
	}
	return out, err
}

func (c *countingAPI) GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := c.API.GetItem(ctx, in, opts...)
	if err == nil {
		c.calls.Add(1)
		if out.Item != nil {
			c.items.Add(1)
		}
	}
	return out, err
}

func (c *countingAPI) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	out, err := c.API.BatchGetItem(ctx, in, opts...)
	if err == nil {
		c.calls.Add(1)
		for _, items := range out.Responses {
			c.items.Add(int64(len(items)))
		}
	}
	return out, err
}

// BenchmarkTeamView5k is the team view (scope all) of a manager with 5,000
// indirect reports (50 managers under them, 99 or 100 people under each),
// imported through the real roster import (not timed), on DynamoDB Local.
// It reports the items read against the people and assignments shown,
// which must stay within 1.2×, and the DynamoDB calls made.
func BenchmarkTeamView5k(b *testing.B) {
	const managers, people = 50, 4950
	o := newOrg(b)
	o.now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	var csv strings.Builder
	csv.WriteString(header)
	row := func(id, roles, manager string) {
		fmt.Fprintf(&csv, "%s,%s@bench.example.com,Person %s,%s,%s,Dept %d,employee,,,2026-09-01,,UTC\n", id, strings.ToLower(id), id, roles, manager, len(id)%7)
	}
	row("BOSS", "all-staff;manager", "")
	for m := range managers {
		row(fmt.Sprintf("M%02d", m), "all-staff;manager", "BOSS")
	}
	for p := range people {
		row(fmt.Sprintf("P%05d", p), "all-staff", fmt.Sprintf("M%02d", p%managers))
	}
	if _, err := o.roster.Import(context.Background(), roster.Request{Body: strings.NewReader(csv.String()), ContentType: "text/csv",
		Mode: roster.ModeSync, Actor: "bench", Source: "bench", Role: identity.Admin}); err != nil {
		b.Fatal(err)
	}
	o.now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	counting := &countingAPI{API: o.client}
	clock := func() time.Time { return o.now }
	store := dynamo.New(counting, o.table, clock)
	svc := &team.Service{Directory: store, Records: store, Reach: store, Audit: store, Catalog: o.cat, Now: clock}
	var read, calls, shown int64
	b.ResetTimer()
	for range b.N {
		counting.items.Store(0)
		counting.calls.Store(0)
		v, err := svc.View(context.Background(), team.Request{ManagerID: "BOSS", Scope: team.ScopeAll, Viewer: admin})
		if err != nil {
			b.Fatal(err)
		}
		if len(v.People) != managers+people {
			b.Fatalf("%d people shown, want %d", len(v.People), managers+people)
		}
		shown = int64(len(v.People))
		for _, m := range v.People {
			shown += int64(len(m.Assignments))
			for _, p := range m.Policies {
				if p.AcknowledgedAt != nil {
					shown++
				}
			}
		}
		read, calls = counting.items.Load(), counting.calls.Load()
	}
	b.StopTimer()
	ratio := float64(read) / float64(shown)
	b.ReportMetric(float64(read), "items-read")
	b.ReportMetric(float64(shown), "shown")
	b.ReportMetric(ratio, "read/shown")
	b.ReportMetric(float64(calls), "calls")
	if ratio > 1.2 {
		b.Errorf("read %d items to show %d: %.3f×, over 1.2×", read, shown, ratio)
	}
}
