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

// teamBenchPeople sizes the synthetic organisation of BenchmarkTeamView5k
// so that its chief executive has at least 5,000 people under them still
// active on the view day (issue 9's goal): synth seed 1 with 5,600 people
// over 2026-01-01 to 2026-09-01 has 5,116 (the leavers of the span are in
// the roster but not shown). Sizes near it give 4,944 to 5,049 (the seed
// mixes in the size), so the count is checked, not assumed.
const teamBenchPeople = 5600

// BenchmarkTeamView5k is the team view (scope all) of the chief executive
// of a synthetic organisation of teamBenchPeople people (package synth,
// seed 1: its roster as uploaded on 2026-09-01, imported through the real
// roster import on that day, not timed), on DynamoDB Local, two months
// later: everyone still active below them, at least 5,000, over five to
// six levels. It reports the people and the assignments shown, the items
// read against them (acknowledgments shown count as shown too; this
// organisation has none, only its roster is imported), which must stay
// within 1.2×, and the DynamoDB calls made; ns/op is the view's latency.
// infra/benchreport reads people-shown, assignments-shown, items-read,
// read/shown and ns/op.
func BenchmarkTeamView5k(b *testing.B) {
	o := newOrg(b)
	o.now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	s, err := synth.Generate(synth.Config{Seed: 1, People: teamBenchPeople, First: "2026-01-01", Days: 244}, o.cat)
	if err != nil {
		b.Fatal(err)
	}
	const viewDay = "2026-11-02"
	upload := s.RosterOn(s.Last)
	boss, want := upload[0].EmployeeID, 0
	for _, p := range upload[1:] {
		if p.ActiveOn(viewDay) {
			want++
		}
	}
	if want < 5000 {
		b.Fatalf("the chief executive has %d people active on %s below them, want at least 5,000: resize teamBenchPeople", want, viewDay)
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
	var read, calls, people, assignments, acks int64
	b.ResetTimer()
	for range b.N {
		counting.items.Store(0)
		counting.calls.Store(0)
		v, err := svc.View(context.Background(), team.Request{ManagerID: boss, Scope: team.ScopeAll, Viewer: admin})
		if err != nil {
			b.Fatal(err)
		}
		if len(v.People) != want { // want is at least 5,000
			b.Fatalf("%d people shown, want %d", len(v.People), want)
		}
		people, assignments, acks = int64(len(v.People)), 0, 0
		for _, m := range v.People {
			assignments += int64(len(m.Assignments))
			for _, p := range m.Policies {
				if p.AcknowledgedAt != nil {
					acks++
				}
			}
		}
		read, calls = counting.items.Load(), counting.calls.Load()
	}
	b.StopTimer()
	shown := people + assignments + acks
	ratio := float64(read) / float64(shown)
	b.ReportMetric(float64(people), "people-shown")
	b.ReportMetric(float64(assignments), "assignments-shown")
	b.ReportMetric(float64(read), "items-read")
	b.ReportMetric(float64(shown), "shown")
	b.ReportMetric(ratio, "read/shown")
	b.ReportMetric(float64(calls), "calls")
	if ratio > 1.2 {
		b.Errorf("read %d items to show %d: %.3f×, over 1.2×", read, shown, ratio)
	}
}
