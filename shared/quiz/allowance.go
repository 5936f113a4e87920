package quiz

import (
	"time"

	"github.com/attest-oss/attest/shared/assign"
)

// DefaultAttemptsPerDay is how many attempts a person has at one module per
// UTC day unless configured otherwise (QUIZ_ATTEMPTS_PER_DAY). The score of
// every attempt is shown, so without a cap the answers could be found by
// trying every combination.
const DefaultAttemptsPerDay = 10

// Allowance is what is left of a person's attempts at a module today.
type Allowance struct {
	// Limit is the attempts allowed per UTC day; Left how many remain.
	Limit, Left int
	// ResetsAt is the next midnight UTC, when the count starts again.
	ResetsAt time.Time
}

// AllowanceOf counts the attempts made on now's UTC day (of any cycle)
// against limit. open is the person's open assignment of the module, read
// at about the same time as the attempts: the attempts of its cycle that it
// counts but the list lacks were recorded after the list was read, and
// count as today's. Submissions write on condition that open is unchanged
// (were it read before the list, the write fails and is retried), so with
// this count concurrent ones cannot record more than limit in a day.
func AllowanceOf(attempts []assign.Attempt, open assign.Assignment, limit int, now time.Time) Allowance {
	y, m, d := now.UTC().Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 1)
	used, seen := 0, 0
	for _, at := range attempts {
		if !at.At.Before(start) && at.At.Before(end) {
			used++
		}
		if at.Cycle == open.Cycle {
			seen = max(seen, at.Number)
		}
	}
	used += max(open.Attempts-seen, 0)
	return Allowance{Limit: limit, Left: max(limit-used, 0), ResetsAt: end}
}
