package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// History is one person's records at the end of the simulated span, as the
// store would hold them had every step gone through the services.
type History struct {
	EmployeeID string
	// Assignments are every cycle in its final state, in the order created
	// (Version and RecordedAt as the store sets them). A cycle waived by a
	// grant of Waivers is waived here, under the grant's WaiverID.
	Assignments []assign.Assignment
	Attempts    []assign.Attempt
	Acks        []ack.Acknowledgment
	// Waivers are the waivers granted to the person, in order.
	Waivers []Grant
}

// Grant is one waiver granted during the span.
type Grant struct {
	// At is when it was granted.
	At time.Time
	// Request is what the compliance officer asked for (waiver.Check
	// accepts it at At).
	Request waiver.Request
	// WaiverID is the id the history gives the waiver; the waiver service
	// draws its own when it grants it.
	WaiverID string
	// Cycle is the cycle of the module the waiver waived (0: none).
	Cycle int
}

// Kinds of people, by how they treat their training: most are diligent,
// some take their time, a few let things slide for good (the demo's
// behaviour, package demo).
var profiles = []struct {
	share       float64
	late, never float64
}{
	{0.55, 0.06, 0},
	{0.37, 0.25, 0.01},
	{0.08, 0.30, 0.50},
}

// Chances and spans of the people's habits.
const (
	failFirst     = 0.25 // a first quiz attempt fails
	failAgain     = 0.10 // ... and so does the second
	retryLater    = 0.30 // the retry after a failure waits for the next working day
	oneWrong      = 0.30 // a pass with one wrong answer (when the pass mark allows)
	maxLateDays   = 30   // a late completion comes up to this many days after the due day ...
	longLate      = 0.15 // ... or, for this share of late ones, up to maxLongLate
	maxLongLate   = 90   //
	earlyAckDays  = 21   // an acknowledgment comes within this many days of the cycle's start ...
	lateAckDays   = 120  // ... or, late, up to this many days after that
	waiverOfNever = 0.12 // an all-staff module never done is waived, 7 to 45 days after it fell due
	workFrom      = 8    // working hours start (local time) ...
	workMinutes   = 9 * 60
)

var (
	waiverReasons = []string{"Long-term leave", "Parental leave", "Covered by the customer's own training programme",
		"Role ends before the module is due", "Equivalent certification on file"}
	approvers  = []string{"CISO", "Head of Security", "Compliance Officer"}
	userAgents = []string{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0", "Mozilla/5.0 (Macintosh) Safari/605.1.15",
		"Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", "Mozilla/5.0 (iPhone) Mobile Safari/604.1"}
)

// event is a moment the person's assignments are decided anew: a roster
// upload that created or changed their row, the daily run on a day an
// agreement comes into or out of force or after they left, or a waiver.
type event struct {
	at    time.Time
	day   string
	grant *Grant
}

// sim is one person's simulation.
type sim struct {
	o       *Org
	m       *Member
	rng     *rand.Rand
	late    float64
	never   float64
	h       History
	pending map[int]planned // by index in h.Assignments
	events  []event
	exempt  []assign.Exemption
}

// planned is a drawn completion: the attempts' times and whether each
// passes (the last does).
type planned struct{ times []time.Time }

// History simulates member i's span: the seed and i alone decide it, so
// histories may be computed in any order, or concurrently.
func (o *Org) History(i int) History {
	m := &o.Members[i]
	s := &sim{o: o, m: m, rng: rand.New(rand.NewPCG(o.Seed^0x5eed5eed, uint64(i))), pending: map[int]planned{},
		h: History{EmployeeID: m.EmployeeID}}
	u := s.rng.Float64()
	for _, p := range profiles {
		s.late, s.never = p.late, p.never
		if u < p.share {
			break
		}
		u -= p.share
	}
	s.plan()
	end := dayStart(o.Last).AddDate(0, 0, 1)
	for len(s.events) > 0 {
		k := 0
		for j, e := range s.events {
			if e.at.Before(s.events[k].at) {
				k = j
			}
		}
		e := s.events[k]
		s.events = slices.Delete(s.events, k, k+1)
		if !e.at.Before(end) {
			continue
		}
		s.completeBefore(e.at)
		if e.grant != nil {
			s.grant(e)
			continue
		}
		p, ok := o.PersonOn(m, e.day)
		if !ok {
			continue
		}
		s.apply(assign.Decide(p, o.cat, o.Agreements, s.h.Assignments, s.exempt, e.day), e.at, p)
	}
	s.completeBefore(end)
	s.acknowledge(end)
	return s.h
}

// plan lists the decision days: the uploads that create or change the
// person's row (07:00 UTC, when HR uploads), the days their agreements come
// into or go out of force and the day after they leave (02:00 UTC, the
// daily run).
func (s *sim) plan() {
	o, m := s.o, s.m
	var prev roster.Person
	for _, u := range o.UploadDays {
		p, ok := o.PersonOn(m, u)
		if !ok || p.Equal(prev) {
			continue
		}
		prev = p
		s.events = append(s.events, event{at: dayStart(u).Add(7 * time.Hour), day: u})
	}
	known := o.KnownOn(m)
	daily := func(d string) {
		if d > known && d > o.First && d <= o.Last {
			s.events = append(s.events, event{at: dayStart(d).Add(2 * time.Hour), day: d})
		}
	}
	for _, a := range o.Agreements {
		if slices.Contains(m.Engagements, a.Engagement) {
			daily(a.StartDate)
			if a.EndDate != "" {
				daily(addDays(a.EndDate, 1))
			}
		}
	}
	if m.EndDate != "" {
		daily(addDays(m.EndDate, 1))
	}
}

// apply records a plan decided at at, as the store's writes would, and
// draws what becomes of each new open cycle.
func (s *sim) apply(plan assign.Plan, at time.Time, p roster.Person) {
	find := func(moduleID string, cycle int) int {
		return slices.IndexFunc(s.h.Assignments, func(a assign.Assignment) bool { return a.ModuleID == moduleID && a.Cycle == cycle })
	}
	for _, a := range plan.Create {
		a.Version, a.RecordedAt = 1, at
		s.h.Assignments = append(s.h.Assignments, a)
		if a.Status == assign.StatusOpen {
			s.draw(len(s.h.Assignments)-1, p)
		}
	}
	for _, c := range plan.Close {
		if k := find(c.ModuleID, c.Cycle); k >= 0 {
			a := &s.h.Assignments[k]
			a.Status, a.ClosedOn, a.ClosedAt, a.CloseReason, a.Version = assign.StatusCancelled, day(at.UTC()), at, c.Reason, a.Version+1
			delete(s.pending, k)
		}
	}
	for _, w := range plan.Waive {
		s.waive(find(w.ModuleID, w.Cycle), w)
	}
	for _, r := range plan.Reopen {
		if k := find(r.ModuleID, r.Cycle); k >= 0 {
			a := &s.h.Assignments[k]
			a.Status, a.WaiverID, a.WaivedThrough, a.Version = assign.StatusOpen, "", "", a.Version+1
		}
	}
}

func (s *sim) waive(k int, w assign.Waiving) {
	if k < 0 {
		return
	}
	a := &s.h.Assignments[k]
	a.Status, a.WaiverID, a.WaivedThrough, a.Version = assign.StatusWaived, w.WaiverID, w.Through, a.Version+1
	delete(s.pending, k)
}

// draw decides when (and whether) the person completes the open cycle k,
// and how many quiz attempts fail first; a cycle of an all-staff module
// never done may be waived instead.
func (s *sim) draw(k int, p roster.Person) {
	a := s.h.Assignments[k]
	if _, ok := s.o.cat.Module(a.ModuleID); !ok {
		return
	}
	loc := p.Location()
	u := s.rng.Float64()
	var d string
	switch {
	case u < s.never:
		if s.m.EndDate == "" && s.o.allStaff[a.ModuleID] && s.rng.Float64() < waiverOfNever {
			s.planWaiver(a)
		}
		return
	case u < s.never+s.late:
		late := 1 + s.rng.IntN(maxLateDays)
		if s.rng.Float64() < longLate {
			late = 1 + s.rng.IntN(maxLongLate)
		}
		d = addDays(a.DueOn, late)
	default:
		d = addDays(a.AssignedOn, s.rng.IntN(daysBetween(a.AssignedOn, a.DueOn)+1))
	}
	t := s.workTime(d, loc)
	if !t.After(a.RecordedAt) {
		t = a.RecordedAt.Add(time.Duration(60+s.rng.IntN(180)) * time.Minute)
	}
	fails := 0
	if s.rng.Float64() < failFirst {
		fails = 1
		if s.rng.Float64() < failAgain {
			fails = 2
		}
	}
	times := []time.Time{t}
	for range fails {
		if s.rng.Float64() < retryLater {
			t = s.workTime(addDays(day(t.In(loc)), 1), loc)
		} else {
			t = t.Add(time.Duration(10+s.rng.IntN(80)) * time.Minute)
		}
		times = append(times, t)
	}
	s.pending[k] = planned{times: times}
}

// planWaiver schedules a waiver of a's module 7 to 45 days after it fell
// due, holding past the span's end (at most a year).
func (s *sim) planWaiver(a assign.Assignment) {
	at := dayStart(a.DueOn).AddDate(0, 0, 7+s.rng.IntN(39)).Add(time.Duration(9*60+s.rng.IntN(8*60)) * time.Minute)
	today := day(at)
	if today > s.o.Last || today < a.AssignedOn {
		return
	}
	expires := max(addDays(today, 180+s.rng.IntN(186)), addDays(s.o.Last, 1+s.rng.IntN(30)))
	expires = min(expires, addDays(today, 365))
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%s/%s/%d", s.o.Seed, a.EmployeeID, a.ModuleID, a.Cycle)
	g := &Grant{At: at, WaiverID: fmt.Sprintf("%s%016x", waiver.IDPrefix, h.Sum64()), Request: waiver.Request{
		EmployeeID: a.EmployeeID, Item: waiver.ModulePrefix + a.ModuleID, Reason: waiverReasons[s.rng.IntN(len(waiverReasons))],
		Approver: approvers[s.rng.IntN(len(approvers))], ExpiresOn: expires}}
	s.events = append(s.events, event{at: at, day: today, grant: g})
}

// grant records a waiver as the waiver service would grant it: checked,
// then waiving the latest cycle of its module if that is open.
func (s *sim) grant(e event) {
	g := e.grant
	p, ok := s.o.PersonOn(s.m, e.day)
	if !ok || len(waiver.Check(g.Request, &p, s.o.cat, e.day)) > 0 {
		return
	}
	ex := assign.Exemption{WaiverID: g.WaiverID, ModuleID: strings.TrimPrefix(g.Request.Item, waiver.ModulePrefix), Through: g.Request.ExpiresOn}
	s.exempt = append(s.exempt, ex)
	last := -1
	for k, a := range s.h.Assignments {
		if a.ModuleID == ex.ModuleID && (last < 0 || a.Cycle > s.h.Assignments[last].Cycle) {
			last = k
		}
	}
	if last >= 0 {
		if w, _ := assign.WaiverChange(s.h.Assignments[last], []assign.Exemption{ex}, e.day); w != nil {
			s.waive(last, *w)
			g.Cycle = w.Cycle
		}
	}
	s.h.Waivers = append(s.h.Waivers, *g)
}

// completeBefore makes the quiz attempts of every drawn completion whose
// passing attempt comes before t, in time order.
func (s *sim) completeBefore(t time.Time) {
	var due []int
	for k, p := range s.pending {
		if p.times[len(p.times)-1].Before(t) {
			due = append(due, k)
		}
	}
	slices.SortFunc(due, func(a, b int) int {
		if c := s.pending[a].times[len(s.pending[a].times)-1].Compare(s.pending[b].times[len(s.pending[b].times)-1]); c != 0 {
			return c
		}
		return a - b
	})
	for _, k := range due {
		s.attempt(k, s.pending[k].times)
		delete(s.pending, k)
	}
}

// attempt records the attempts of cycle k at times, all failing but the
// last, graded by quiz.Grade; the passing one completes the cycle
// (assign.CompletionOf).
func (s *sim) attempt(k int, times []time.Time) {
	a := &s.h.Assignments[k]
	m, _ := s.o.cat.Module(a.ModuleID)
	loc := s.m.Location()
	for n, t := range times {
		answers := s.answers(m, n < len(times)-1)
		res, problems := quiz.Grade(m, answers)
		if len(problems) > 0 {
			return
		}
		at := t.UTC().Truncate(time.Second)
		a.Attempts++
		a.Version++
		s.h.Attempts = append(s.h.Attempts, assign.Attempt{EmployeeID: a.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Attempts,
			ModuleVersion: a.ModuleVersion, ContentSHA256: a.ContentSHA256, Answers: answers, Score: res.Score, Passed: res.Passed, At: at,
			Source: s.ip(), UserAgent: userAgents[s.rng.IntN(len(userAgents))]})
		if res.Passed {
			c := assign.CompletionOf(m, at, res.Score, loc)
			a.Status, a.CompletedAt, a.Score, a.CompletedVersion, a.CompletedSHA256 = assign.StatusCompleted, c.At, c.Score, c.Version, c.SHA256
			return
		}
	}
}

// answers answers m's quiz: for a failing attempt with the fewest wrong
// answers that fail it, for a passing one all right or, sometimes, one
// wrong that still passes.
func (s *sim) answers(m *catalog.Module, fail bool) map[string]string {
	n := len(m.Questions)
	wrong := 0
	if fail {
		for wrong = 1; wrong < n && (n-wrong)*100/n >= m.PassMark; wrong++ {
		}
	} else if s.rng.Float64() < oneWrong && (n-1)*100/n >= m.PassMark {
		wrong = 1
	}
	out := make(map[string]string, n)
	for _, q := range m.Questions {
		out[q.ID] = q.Correct
	}
	for _, i := range s.rng.Perm(n)[:wrong] {
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

// acknowledge draws, for each calendar year of the span and each policy
// the person's roles require, when (and whether) they acknowledge it:
// most within earlyAckDays of the cycle's start (or of joining), some
// later, a few never; not after they leave nor after end.
func (s *sim) acknowledge(end time.Time) {
	o, m := s.o, s.m
	loc := m.Location()
	for y := dayStart(o.First).Year(); y <= dayStart(o.Last).Year(); y++ {
		from := max(fmt.Sprintf("%04d-01-01", y), o.First, m.StartDate, o.KnownOn(m))
		if from > o.Last || (m.EndDate != "" && from > m.EndDate) {
			continue
		}
		p, _ := o.PersonOn(m, from)
		_, policies := o.cat.ItemsForRoles(p.Roles)
		for _, pol := range policies {
			var d string
			switch u := s.rng.Float64(); {
			case u < s.never/2:
				continue
			case u < (s.never+s.late)/2:
				d = addDays(from, earlyAckDays+s.rng.IntN(lateAckDays))
			default:
				d = addDays(from, s.rng.IntN(earlyAckDays))
			}
			t := s.workTime(d, loc)
			local := day(t.In(loc))
			if !t.Before(end) || t.In(loc).Year() != y || (m.EndDate != "" && local > m.EndDate) {
				continue
			}
			at := t.UTC().Truncate(time.Second)
			s.h.Acks = append(s.h.Acks, ack.Acknowledgment{EmployeeID: m.EmployeeID, PolicyID: pol.ID, PolicyVersion: pol.Version.String(),
				TextSHA256: pol.SHA256, Cycle: ack.Cycle(at, loc, pol.Version.Major), AcknowledgedAt: at, TypedName: m.Name,
				IP: s.ip(), UserAgent: userAgents[s.rng.IntN(len(userAgents))]})
		}
	}
}

// workTime is a moment in the working hours of d (YYYY-MM-DD) in loc; a
// Saturday becomes the Friday before, a Sunday the Monday after.
func (s *sim) workTime(d string, loc *time.Location) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, d, loc)
	switch t.Weekday() {
	case time.Saturday:
		t = t.AddDate(0, 0, -1)
	case time.Sunday:
		t = t.AddDate(0, 0, 1)
	}
	return t.Add(workFrom*time.Hour + time.Duration(s.rng.IntN(workMinutes))*time.Minute)
}

func (s *sim) ip() string { return fmt.Sprintf("198.51.100.%d", 1+s.rng.IntN(254)) }

// dayStart is midnight UTC of d (YYYY-MM-DD).
func dayStart(d string) time.Time {
	t, _ := time.Parse(time.DateOnly, d)
	return t
}
