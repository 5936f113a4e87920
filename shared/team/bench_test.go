package team_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/synth"
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

// BenchmarkTeamView5k is the team view (scope all) of the chief executive
// of a synthetic organisation of 5,001 people (package synth, seed 1: its
// roster as uploaded on 2026-09-01, imported through the real roster import
// on that day, not timed), on DynamoDB Local, two months later: everyone
// still active below them, over five to six levels. It reports the items
// read against the people and assignments shown, which must stay within
// 1.2×, and the DynamoDB calls made.
func BenchmarkTeamView5k(b *testing.B) {
	o := newOrg(b)
	o.now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	s, err := synth.Generate(synth.Config{Seed: 1, People: 5001, First: "2026-01-01", Days: 244}, o.cat)
	if err != nil {
		b.Fatal(err)
	}
	upload := s.RosterOn(s.Last)
	boss, want := upload[0].EmployeeID, 0
	for _, p := range upload[1:] {
		if p.ActiveOn("2026-11-02") {
			want++
		}
	}
	if _, err := o.roster.Import(context.Background(), roster.Request{Body: bytes.NewReader(synth.CSV(upload)), ContentType: "text/csv",
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
		v, err := svc.View(context.Background(), team.Request{ManagerID: boss, Scope: team.ScopeAll, Viewer: admin})
		if err != nil {
			b.Fatal(err)
		}
		if len(v.People) != want {
			b.Fatalf("%d people shown, want %d", len(v.People), want)
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
