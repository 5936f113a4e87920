package demo

import (
	"context"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

// profile is how a person treats their training: the chances that an item
// is done late, or never.
type profile struct {
	late, never float64
}

// profiles are the kinds of people, with how many of each: most are
// diligent, some take their time, a few let things slide for good (and
// their managers hear of it every working day: the escalation digest).
var profiles = []struct {
	share float64
	profile
}{
	{0.55, profile{late: 0.06}},
	{0.37, profile{late: 0.25, never: 0.01}},
	{0.08, profile{late: 0.30, never: 0.50}},
}

// Chances of the people's and managers' other habits.
const (
	failFirst    = 0.25 // a first quiz attempt fails
	failAgain    = 0.10 // ... and so does the second
	retryLater   = 0.30 // the retry after a failure waits for the next working day
	oneWrong     = 0.30 // a pass with one wrong answer (when the pass mark allows)
	nudgeChance  = 0.10 // a manager nudges an overdue report in a given week
	maxLateDays  = 30   // a late completion comes up to this many days after the due day
	earlyAckDays = 21   // an early acknowledgment comes within this many days of the cycle's start
	lateAckDays  = 120
)

func drawProfile(rng *rand.Rand) profile {
	u := rng.Float64()
	for _, p := range profiles {
		if u < p.share {
			return p.profile
		}
		u -= p.share
	}
	return profiles[len(profiles)-1].profile
}

// planModule draws when (and whether) the person completes the open
// assignment a, and whether they fail the quiz first, and schedules it.
func (s *sim) planModule(p roster.Person, a assign.Assignment) {
	prof := s.profiles[p.EmployeeID]
	u := s.rng.Float64()
	if u < prof.never {
		return
	}
	var day string
	if u < prof.never+prof.late {
		day = addDays(a.DueOn, 1+s.rng.IntN(maxLateDays))
	} else {
		day = addDays(a.AssignedOn, s.rng.IntN(daysBetween(a.AssignedOn, a.DueOn)+1))
	}
	m, ok := s.app.Catalog.Module(a.ModuleID)
	if !ok {
		return
	}
	fails := 0
	if s.rng.Float64() < failFirst {
		fails = 1
		if s.rng.Float64() < failAgain {
			fails = 2
		}
	}
	t := s.workTime(day, p.Location())
	for range fails {
		wrong := s.wrongAnswers(m, true)
		s.at(t, "quiz attempt "+key(a), func(ctx context.Context) error {
			return s.submit(ctx, a, wrong)
		})
		if s.rng.Float64() < retryLater {
			t = s.workTime(addDays(t.In(p.Location()).Format(roster.DateLayout), 1), p.Location())
		} else {
			t = t.Add(time.Duration(10+s.rng.IntN(80)) * time.Minute)
		}
	}
	wrong := s.wrongAnswers(m, false)
	s.at(t, "quiz attempt "+key(a), func(ctx context.Context) error {
		return s.submit(ctx, a, wrong)
	})
}

// planPolicies draws, for each policy the person's roles require and each
// cycle (calendar year) of the simulated span not drawn yet, when (and
// whether) they acknowledge it, and schedules it.
func (s *sim) planPolicies(p roster.Person) {
	_, policies := s.app.Catalog.ItemsForRoles(p.Roles)
	loc := p.Location()
	today := s.now.In(loc).Format(roster.DateLayout)
	for year := dayStart(s.first).Year(); year <= s.end.Year(); year++ {
		for _, pol := range policies {
			k := p.EmployeeID + "/" + pol.ID + "/" + strconv.Itoa(year)
			if s.planned[k] {
				continue
			}
			s.planned[k] = true
			from := max(time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC).Format(roster.DateLayout), s.first, p.StartDate, today)
			prof := s.profiles[p.EmployeeID]
			u := s.rng.Float64()
			var day string
			switch {
			case u < prof.never/2:
				continue
			case u < prof.never/2+prof.late/2:
				day = addDays(from, earlyAckDays+s.rng.IntN(lateAckDays))
			default:
				day = addDays(from, s.rng.IntN(earlyAckDays))
			}
			t := s.workTime(day, loc)
			if t.In(loc).Year() != year {
				continue
			}
			id, policyID, y := p.EmployeeID, pol.ID, year
			s.at(t, "policy opened "+k, func(ctx context.Context) error { return s.acknowledge(ctx, id, policyID, y) })
		}
	}
}

// workTime is a moment in the working hours of day (YYYY-MM-DD) in loc; a
// Saturday becomes the Friday before, a Sunday the Monday after.
func (s *sim) workTime(day string, loc *time.Location) time.Time {
	d, _ := time.ParseInLocation(roster.DateLayout, day, loc)
	switch d.Weekday() {
	case time.Saturday:
		d = d.AddDate(0, 0, -1)
	case time.Sunday:
		d = d.AddDate(0, 0, 1)
	}
	return d.Add(workFrom*time.Hour + time.Duration(s.rng.IntN(workMinutes))*time.Minute)
}

// wrongAnswers picks which questions of m to answer wrongly: for a failing
// attempt the fewest that fail it, for a passing one none or, sometimes,
// one that still passes.
func (s *sim) wrongAnswers(m *catalog.Module, fail bool) []int {
	n := len(m.Questions)
	k := 0
	if fail {
		for k = 1; k < n && (n-k)*100/n >= m.PassMark; k++ {
		}
	} else if s.rng.Float64() < oneWrong && (n-1)*100/n >= m.PassMark {
		k = 1
	}
	return s.rng.Perm(n)[:k]
}

// answers answers m's quiz correctly but for the questions at the indexes
// in wrong, which get the first other option.
func answers(m *catalog.Module, wrong []int) map[string]string {
	out := make(map[string]string, len(m.Questions))
	for _, q := range m.Questions {
		out[q.ID] = q.Correct
	}
	for _, i := range wrong {
		q := m.Questions[i]
		for _, o := range q.Options {
			if o.ID != q.Correct {
				out[q.ID] = o.ID
				break
			}
		}
	}
	return out
}

// daysBetween is the number of days from a to b (YYYY-MM-DD).
func daysBetween(a, b string) int {
	return int(dayStart(b).Sub(dayStart(a)).Hours() / 24)
}
