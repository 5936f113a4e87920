package metrics_test

import (
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
)

// A person's history reduced to rows as recorded before the end of
// 2026-08-15, and the figures of those rows: the completion recorded on
// 20 August does not count yet.
func Example() {
	p, _ := metrics.PeriodOf("2026-08-15")
	h := metrics.History{
		Revisions: []roster.Revision{{Rev: 1, At: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC), Person: roster.Person{
			EmployeeID: "e1", Name: "Ana", Department: "Engineering", EmploymentType: roster.Employee, StartDate: "2026-01-05"}}},
		Assignments: []assign.Assignment{{
			ModuleID: "security", Cycle: 1, Reason: assign.ReasonHire, AssignedOn: "2026-07-01",
			DueAt:      time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC),
			RecordedAt: time.Date(2026, 7, 1, 2, 0, 0, 0, time.UTC),
			Status:     assign.StatusCompleted, CompletedAt: time.Date(2026, 8, 20, 10, 0, 0, 0, time.UTC),
		}},
	}
	rows, inScope := metrics.Rows(h, &catalog.Catalog{}, p)
	fmt.Println(p.Quarter, p.End.Format(time.RFC3339), inScope, rows.Assignments[0].Status)

	b := metrics.NewBuilder(p, metrics.ByDepartment, "")
	b.Add(rows)
	res := b.Result()
	fmt.Println(*res.CompletionRate, res.OverdueCount, res.OverdueAge.Days8To30, res.By["department"]["Engineering"].Counts.People)
	// Output:
	// 2026-Q3 2026-08-16T00:00:00Z true overdue
	// 0 1 1 1
}
