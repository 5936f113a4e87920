package synthload_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/synth"
	"github.com/attest-oss/attest/shared/synth/synthload"
)

// benchPeopleEnv sets the size of BenchmarkLoad's organisation (default
// 2,000 people): SYNTH_BENCH_PEOPLE=100000 make bench.
const benchPeopleEnv = "SYNTH_BENCH_PEOPLE"

// BenchmarkLoad generates an organisation and its year and loads it into an
// empty table on DynamoDB Local (synthload.Load). It reports people loaded
// per second over the whole load, the seconds of each step, the history
// items written in batches per second, and the generation's own rate.
func BenchmarkLoad(b *testing.B) {
	n := 2000
	if v := os.Getenv(benchPeopleEnv); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 10 {
			b.Fatalf("%s=%q: want a number of people, at least 10", benchPeopleEnv, v)
		}
	}
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	client := devtest.Shared(b).DynamoClient()
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		name := devtest.Table(b, client, "synthbench")
		b.StartTimer()
		start := time.Now()
		o, err := synth.Generate(synth.Config{Seed: 1, People: n}, cat)
		if err != nil {
			b.Fatal(err)
		}
		gen := time.Since(start)
		res, err := synthload.Load(context.Background(), o, client, name, synthload.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "people")
		b.ReportMetric(res.PeoplePerSecond(), "people/s")
		b.ReportMetric(float64(n)/gen.Seconds(), "generated-people/s")
		b.ReportMetric(res.Roster.Seconds(), "roster-s")
		b.ReportMetric(res.History.Seconds(), "history-s")
		b.ReportMetric(float64(res.Items)/res.History.Seconds(), "history-items/s")
		b.ReportMetric(res.Grants.Seconds(), "waivers-s")
	}
}
