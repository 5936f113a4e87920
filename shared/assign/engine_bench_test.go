package assign_test

import (
	"testing"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/synth"
)

// BenchmarkDecide100k decides for the 100,000 people of a synthetic
// organisation (package synth, seed 1, every one active) against the
// shipped curricula, twice per person: once with no assignments (hire) and
// once with the plan applied (the steady state a daily run sees). One op is
// the whole organisation.
func BenchmarkDecide100k(b *testing.B) {
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	org, err := synth.Generate(synth.Config{Seed: 1, People: 100_000}, cat)
	if err != nil {
		b.Fatal(err)
	}
	ps := make([]roster.Person, len(org.Members))
	for i, m := range org.Members {
		ps[i] = m.Person
		ps[i].EndDate = ""
	}
	existing := make([][]assign.Assignment, len(ps))
	for i, p := range ps {
		existing[i] = assign.Decide(p, cat, nil, nil, nil, "2026-11-02").Create
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, p := range ps {
			_ = assign.Decide(p, cat, nil, nil, nil, "2026-11-02")
			_ = assign.Decide(p, cat, nil, existing[i], nil, "2026-11-03")
		}
	}
	b.ReportMetric(float64(len(ps)), "people/op")
}
