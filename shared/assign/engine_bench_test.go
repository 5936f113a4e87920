package assign

import (
	"fmt"
	"testing"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

// syntheticPeople returns n people spread over the shipped curricula roles
// and a few time zones.
func syntheticPeople(n int) []roster.Person {
	roleSets := [][]string{
		{"all-staff"}, {"all-staff", "engineer"}, {"all-staff", "support"},
		{"all-staff", "manager"}, {"contractor"}, {"subcontractor", "support"},
	}
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"}
	out := make([]roster.Person, n)
	for i := range out {
		out[i] = roster.Person{
			EmployeeID: fmt.Sprintf("E%06d", i), Email: fmt.Sprintf("e%06d@example.com", i), Name: "Person",
			Roles: roleSets[i%len(roleSets)], EmploymentType: roster.Employee,
			StartDate: "2025-01-06", TimeZone: zones[i%len(zones)],
		}
	}
	return out
}

// BenchmarkDecide100k decides for 100,000 people against the shipped
// curricula, twice per person: once with no assignments (hire) and once with
// the plan applied (the steady state a daily run sees). One op is the whole
// organisation.
func BenchmarkDecide100k(b *testing.B) {
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	ps := syntheticPeople(100_000)
	existing := make([][]Assignment, len(ps))
	for i, p := range ps {
		existing[i] = Decide(p, cat, nil, nil, nil, "2026-11-02").Create
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		for i, p := range ps {
			_ = Decide(p, cat, nil, nil, nil, "2026-11-02")
			_ = Decide(p, cat, nil, existing[i], nil, "2026-11-03")
		}
	}
	b.ReportMetric(float64(len(ps)), "people/op")
}
