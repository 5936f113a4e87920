// Package demo gives `make dev` a demo organisation with a year of history.
// Run replays the year into an empty table by running the real services
// and scheduled jobs over a moving clock: HR's roster uploads (hires,
// leavers, a re-org), the daily assignment run, the daily reminder run, and
// people taking modules (some failing a quiz first, some late, a few never),
// acknowledging policies and, now and then, a manager nudging a report.
// Every record and audit event carries its simulated time. The same seed
// gives the same history.
package demo

import (
	"bytes"
	"container/heap"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// Options says what to simulate.
type Options struct {
	// Config wires the application; Run replaces its Now with the
	// simulated clock.
	Config app.Config
	// End is the moment the simulation stops (now); time.Now when zero.
	End time.Time
	// Days is how many days before End's day the history starts (365 when
	// zero).
	Days int
	// Seed makes the people's behaviour; the same seed, End and Days give
	// the same history.
	Seed uint64
	// Roster and History are today's roster CSV and the year's changes;
	// content/demo/roster.csv and content/demo/history.yaml when nil.
	Roster, History []byte
	// Observe, when set, is told of each simulated event after it ran:
	// what it was (e.g. "reminder run 2026-03-02") and the wall time it
	// took. Benchmarks use it to split the time by kind of event.
	Observe func(what string, took time.Duration)
}

// Summary counts what the simulated year holds.
type Summary struct {
	Days    int `json:"days"`
	Uploads int `json:"uploads"`
	People  int `json:"people"`
	// Completions of the year, and how many of them came after the due time.
	Completions int `json:"completions"`
	Late        int `json:"late"`
	// OverdueNow and OnTrackNow are the open assignments at End.
	OverdueNow      int `json:"overdueNow"`
	OnTrackNow      int `json:"onTrackNow"`
	Attempts        int `json:"attempts"`
	FailedAttempts  int `json:"failedAttempts"`
	Acknowledgments int `json:"acknowledgments"`
	// Reminders counts the notifications the daily runs sent, Escalations
	// those of them to managers; Nudges the managers' nudges.
	Reminders   int `json:"reminders"`
	Escalations int `json:"escalations"`
	Nudges      int `json:"nudges"`
	// Waivers counts the waivers granted, Agreements the customer
	// agreements saved.
	Waivers    int `json:"waivers"`
	Agreements int `json:"agreements"`
	// Frozen counts the quarters the daily freeze runs froze, Sealed the
	// audit days they sealed, Bundles the evidence bundles the export
	// runs built after each quarter closed.
	Frozen  int `json:"frozen"`
	Sealed  int `json:"sealed"`
	Bundles int `json:"bundles"`
}

// String is the one-line summary make dev prints.
func (s Summary) String() string {
	return fmt.Sprintf("%d days simulated, %d completions (%d late), %d overdue now, %d reminders sent (%d escalations, %d nudges), %d quiz attempts (%d failed), %d acknowledgments, %d waivers, %d agreements, %d quarters frozen, %d audit days sealed, %d evidence bundles",
		s.Days, s.Completions, s.Late, s.OverdueNow, s.Reminders, s.Escalations, s.Nudges, s.Attempts, s.FailedAttempts, s.Acknowledgments, s.Waivers, s.Agreements, s.Frozen, s.Sealed, s.Bundles)
}

// complianceOfficer names the demo admin who grants waivers in records.
var complianceOfficer = identity.PersonActor(complianceOfficerID)

// Actors and sources of the simulated year's records.
const (
	hrActor = "hris-sync"
	// complianceOfficerID is the demo admin who keeps the exceptions
	// register; complianceOfficer names her in records.
	complianceOfficerID = "E050"
	hrSource            = "demo"
	userAgent           = "Mozilla/5.0 (demo organisation)"
	importHour          = 9   // UTC, HR's uploads
	dailyHour           = 2   // UTC, the daily assignment run (the stack's default)
	freezeMinute        = 150 // 02:30 UTC, the daily freeze run (the stack's schedule)
	exportMinute        = 210 // 03:30 UTC, the daily export run (the stack's schedule)
	reminderHr          = 12  // UTC: the same weekday in every demo time zone
	waiverHour          = 11  // UTC, the compliance officer grants and revokes waivers
	workFrom            = 9   // local, people act from
	workMinutes         = 8 * 60
)

// Run simulates the year into the table of opts.Config, which must hold no
// person yet, and returns what it holds.
func Run(ctx context.Context, opts Options) (Summary, error) {
	s, err := newSim(opts)
	if err != nil {
		return Summary{}, err
	}
	existing, err := s.app.Store.ListPeople(ctx)
	if err != nil {
		return Summary{}, err
	}
	if len(existing) > 0 {
		return Summary{}, errors.New("demo: the table holds people already; the demo history goes into an empty table only")
	}
	return s.run(ctx)
}

// sim is one simulation: the application on the simulated clock, the
// pending events, and what it knows of people and their open training.
type sim struct {
	app     *app.App
	log     *slog.Logger
	now     time.Time
	end     time.Time
	first   string // the first simulated day
	rng     *rand.Rand
	queue   eventQueue
	seq     int
	uploads []Upload
	waivers []Waiver
	// agreements are the customer agreements to save.
	agreements []Agreement
	sum        Summary
	observe    func(what string, took time.Duration)

	people   map[string]roster.Person
	profiles map[string]profile
	// open holds the open assignments known, by person, module and cycle.
	open map[string]assign.Assignment
	// planned marks the assignments and the (person, policy, cycle year)
	// acknowledgments whose behaviour was drawn.
	planned map[string]bool
	// bundles holds the ids of the evidence bundles built.
	bundles map[string]bool
}

func newSim(opts Options) (*sim, error) {
	if opts.Roster == nil {
		b, err := content.FS.ReadFile("demo/roster.csv")
		if err != nil {
			return nil, err
		}
		opts.Roster = b
	}
	if opts.History == nil {
		b, err := content.FS.ReadFile("demo/history.yaml")
		if err != nil {
			return nil, err
		}
		opts.History = b
	}
	if opts.End.IsZero() {
		opts.End = time.Now()
	}
	if opts.Days <= 0 {
		opts.Days = 365
	}
	up, problems := roster.ParseCSV(bytes.NewReader(opts.Roster))
	if len(problems) > 0 {
		return nil, apperr.InvalidWith("demo roster is invalid", problems)
	}
	history, err := ParseHistory(opts.History)
	if err != nil {
		return nil, err
	}
	end := opts.End.UTC()
	last := end.Format(roster.DateLayout)
	first := addDays(last, -opts.Days)
	uploads, err := Timeline(up.People, history, first, last)
	if err != nil {
		return nil, err
	}
	s := &sim{
		end: end, first: first, uploads: uploads, waivers: history.Waivers, agreements: history.Agreements,
		rng:    rand.New(rand.NewPCG(opts.Seed, 0x5eedde70)),
		people: map[string]roster.Person{}, profiles: map[string]profile{},
		open: map[string]assign.Assignment{}, planned: map[string]bool{}, bundles: map[string]bool{},
	}
	s.sum.Days = opts.Days
	s.observe = opts.Observe
	cfg := opts.Config
	cfg.Now = func() time.Time { return s.now }
	s.log = cfg.Logger
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.app, err = inprocess.New(cfg); err != nil {
		return nil, err
	}
	if cfg.Dispatcher == nil {
		s.app.Reminders.Dispatcher = &dispatcher{deliver: s.app.Reminders.Deliver}
	}
	return s, nil
}

// run schedules the year's fixed events, then plays every event in time
// order up to the end.
func (s *sim) run(ctx context.Context) (Summary, error) {
	start := dayStart(s.first)
	s.now = start
	for _, u := range s.uploads {
		s.at(dayStart(u.Day).Add(importHour*time.Hour), "roster upload "+u.Day, func(ctx context.Context) error { return s.upload(ctx, u) })
	}
	for _, w := range s.waivers {
		if w.ExpiresOn < s.first { // over before the simulated year
			continue
		}
		// One granted before the year is granted on its first day, after
		// HR's first upload.
		on := max(w.Date, s.first)
		s.at(dayStart(on).Add(waiverHour*time.Hour), "waiver for "+w.EmployeeID, func(ctx context.Context) error { return s.grant(ctx, w) })
	}
	for _, a := range s.agreements {
		on := max(a.Date, s.first)
		s.at(dayStart(on).Add(waiverHour*time.Hour), "agreement "+a.Key, func(ctx context.Context) error { return s.saveAgreement(ctx, a) })
	}
	daily := handler.DailyAssignment(s.app.Assigner, s.log)
	// The freeze run seals the audit days that ended, when the demo has an
	// evidence key.
	var sealer handler.Sealer
	if s.app.Sealer != nil {
		sealer = s.app.Sealer
	}
	freeze := handler.DailyFreeze(s.app.Metrics, sealer, s.log)
	for d := start.AddDate(0, 0, 1); d.Before(s.end); d = d.AddDate(0, 0, 1) {
		day := d.Format(roster.DateLayout)
		s.at(d.Add(dailyHour*time.Hour), "daily assignment run "+day, func(ctx context.Context) error {
			sum, err := daily(ctx, events.EventBridgeEvent{ID: "demo-" + day, Time: s.now})
			if err == nil && sum.Created+sum.Closed > 0 {
				err = s.discover(ctx)
			}
			return err
		})
		// The daily freeze run: on a quarter's first day it freezes the
		// quarter that just closed; on other days it finds it frozen.
		s.at(d.Add(freezeMinute*time.Minute), "freeze run "+day, func(ctx context.Context) error {
			sum, err := freeze(ctx, events.EventBridgeEvent{ID: "demo-freeze-" + day, Time: s.now})
			if err == nil && sum.Created {
				s.sum.Frozen++
			}
			s.sum.Sealed += sum.Sealed
			return err
		})
		// The daily export run (the stack's schedule, an hour after the
		// freeze): once a closed quarter is frozen it builds the bundles of
		// the organisation and of every agreement in force, once.
		// Only quarters wholly inside the simulated history get bundles: an
		// earlier one would hold nobody, or a month.
		if s.app.Exports != nil && s.wholeQuarterBefore(d) {
			s.at(d.Add(exportMinute*time.Minute), "export run "+day, s.exportClosed)
		}
		// A run on a Saturday or Sunday (at noon UTC, the weekend in
		// every demo time zone) would send nothing and write nothing.
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			s.at(d.Add(reminderHr*time.Hour), "reminder run "+day, s.remind)
		}
		if d.Weekday() == time.Tuesday {
			s.at(d.Add(10*time.Hour), "nudges "+day, s.nudges)
		}
	}
	for s.queue.Len() > 0 {
		e := heap.Pop(&s.queue).(*event)
		if !e.at.Before(s.end) {
			break
		}
		s.now = e.at
		started := time.Now()
		if err := e.do(ctx); err != nil {
			return s.sum, fmt.Errorf("demo: %s at %s: %w", e.what, e.at.Format(time.RFC3339), err)
		}
		if s.observe != nil {
			s.observe(e.what, time.Since(started))
		}
	}
	s.now = s.end
	started := time.Now()
	err := s.count(ctx)
	if s.observe != nil {
		s.observe("count", time.Since(started))
	}
	return s.sum, err
}

// wholeQuarterBefore reports whether the quarter before the one holding d
// started on or after the first simulated day.
func (s *sim) wholeQuarterBefore(d time.Time) bool {
	prev, err := metrics.PreviousQuarter(metrics.QuarterOf(d))
	if err != nil {
		return false
	}
	p, err := metrics.QuarterPeriod(prev)
	return err == nil && !p.Start.Before(dayStart(s.first))
}

// exportClosed requests the bundles of the quarter that closed last (once
// it is frozen; none when they exist) and builds them before the clock
// moves on.
func (s *sim) exportClosed(ctx context.Context) error {
	requested, err := s.app.Exports.QuarterClosed(ctx)
	if err != nil {
		return err
	}
	s.app.Exports.Wait()
	for _, e := range requested {
		if e.State != export.Done { // requested now: built in-process meanwhile
			if e, err = s.app.Exports.Get(ctx, e.ID, ""); err != nil {
				return err
			}
		}
		if e.State != export.Done {
			return fmt.Errorf("bundle %s of %s: %s (%s)", e.ID, e.Quarter, e.State, e.Error)
		}
		if !s.bundles[e.ID] {
			s.bundles[e.ID] = true
			s.sum.Bundles++
		}
	}
	return nil
}

// at schedules do at t (or, if t has passed, a minute from now).
func (s *sim) at(t time.Time, what string, do func(context.Context) error) {
	if !t.After(s.now) {
		t = s.now.Add(time.Minute)
	}
	s.seq++
	heap.Push(&s.queue, &event{at: t, seq: s.seq, what: what, do: do})
}

// upload imports the roster as it stands on u.Day, as HR's sync would.
func (s *sim) upload(ctx context.Context, u Upload) error {
	res, err := s.app.Roster.Import(ctx, roster.Request{
		Body: bytes.NewReader(CSV(u.People)), ContentType: "text/csv", Mode: roster.ModeSync,
		Actor: hrActor, Source: hrSource, Role: identity.Admin,
	})
	if err != nil {
		return err
	}
	s.sum.Uploads++
	if res.Created+res.Updated+res.Deactivated > 0 {
		return s.discover(ctx)
	}
	return nil
}

// remind runs the day's reminders as the schedule does, delivering in
// process through the mailer (the SES emulator under make dev).
func (s *sim) remind(ctx context.Context) error {
	sum, err := s.app.Reminders.Run(ctx, s.now, false, false)
	s.sum.Reminders += sum.Notifications
	s.sum.Escalations += sum.ByKind["escalation"]
	return err
}

// grant has the compliance officer grant the waiver w, and schedules its
// revocation when w is revoked.
func (s *sim) grant(ctx context.Context, w Waiver) error {
	granted, err := s.app.Waivers.Grant(ctx, waiver.Request{
		EmployeeID: w.EmployeeID, Item: w.Item, Reason: w.Reason, Approver: w.Approver, ExpiresOn: w.ExpiresOn,
	}, complianceOfficer, ipOf(complianceOfficerID))
	if err != nil {
		return err
	}
	s.sum.Waivers++
	// A person excused from a module does not take it: the attempts drawn
	// for its open cycle are dropped.
	waived := s.openOf(w.EmployeeID, granted.ModuleID())
	for _, k := range waived {
		delete(s.open, k)
	}
	if w.RevokedOn != "" {
		s.at(dayStart(w.RevokedOn).Add(waiverHour*time.Hour), "waiver revoked for "+w.EmployeeID, func(ctx context.Context) error {
			if _, err := s.app.Waivers.Revoke(ctx, granted.ID, complianceOfficer, ipOf(complianceOfficerID)); err != nil {
				return err
			}
			// The reopened cycle is theirs to take again: draw it anew.
			for _, k := range waived {
				delete(s.planned, k)
			}
			return s.discover(ctx)
		})
	}
	return nil
}

// openOf returns the keys of the person's open cycles of module.
func (s *sim) openOf(employeeID, moduleID string) []string {
	var out []string
	for k, a := range s.open {
		if a.EmployeeID == employeeID && a.ModuleID == moduleID {
			out = append(out, k)
		}
	}
	return out
}

// saveAgreement has the compliance officer record the customer agreement a;
// the engine assigns its modules to the people on its engagement at once.
func (s *sim) saveAgreement(ctx context.Context, a Agreement) error {
	saved, err := s.app.Agreements.Put(ctx, a.Terms(), complianceOfficer, hrSource)
	if err != nil {
		return err
	}
	s.sum.Agreements++
	if saved.AssignmentsCreated+saved.AssignmentsClosed > 0 {
		return s.discover(ctx)
	}
	return nil
}

// nudges has, once a week, some managers nudge a report who is overdue.
func (s *sim) nudges(ctx context.Context) error {
	overdue := map[string]bool{}
	for _, a := range s.open {
		if a.DueAt.Before(s.now) && s.people[a.EmployeeID].ActiveOn(s.localDay(a.EmployeeID)) {
			overdue[a.EmployeeID] = true
		}
	}
	ids := sortedKeys(overdue)
	for _, id := range ids {
		mgr := s.people[id].ManagerID
		if mgr == "" || s.rng.Float64() >= nudgeChance {
			continue
		}
		_, err := s.app.Reminders.NudgePerson(ctx, id, identity.PersonActor(mgr), ipOf(mgr))
		switch {
		case err == nil:
			s.sum.Nudges++
		case apperr.CodeOf(err) != apperr.Conflict: // Conflict: nudged today already, say
			return err
		}
	}
	return nil
}

// discover reads every person and their assignments, and draws the
// behaviour of each open assignment and each policy cycle not seen yet.
func (s *sim) discover(ctx context.Context) error {
	recs, err := s.app.Store.ListPeople(ctx)
	if err != nil {
		return err
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].EmployeeID < recs[j].EmployeeID })
	all := make([][]assign.Assignment, len(recs))
	errs := make([]error, len(recs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, r := range recs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			all[i], errs[i] = s.app.Store.Assignments(ctx, r.EmployeeID)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	clear(s.open)
	for i, r := range recs {
		p := r.Person
		s.people[p.EmployeeID] = p
		if _, ok := s.profiles[p.EmployeeID]; !ok {
			s.profiles[p.EmployeeID] = drawProfile(s.rng)
		}
		as := all[i]
		sort.Slice(as, func(i, j int) bool { return key(as[i]) < key(as[j]) })
		for _, a := range as {
			if a.Status != assign.StatusOpen {
				continue
			}
			s.open[key(a)] = a
			if !s.planned[key(a)] {
				s.planned[key(a)] = true
				s.planModule(p, a)
			}
		}
		s.planPolicies(p)
	}
	return nil
}

// count reads the stored year and fills in the summary's totals.
func (s *sim) count(ctx context.Context) error {
	if err := s.discover(ctx); err != nil {
		return err
	}
	s.sum.People = len(s.people)
	for _, id := range sortedKeys(s.people) {
		as, err := s.app.Store.Assignments(ctx, id)
		if err != nil {
			return err
		}
		for _, a := range as {
			switch {
			case a.Status == assign.StatusCompleted:
				s.sum.Completions++
				if a.CompletedAt.After(a.DueAt) {
					s.sum.Late++
				}
			case a.Status == assign.StatusOpen && a.DueAt.Before(s.end):
				s.sum.OverdueNow++
			case a.Status == assign.StatusOpen:
				s.sum.OnTrackNow++
			}
		}
	}
	return nil
}

// localDay is the person's calendar day now.
func (s *sim) localDay(id string) string {
	return s.now.In(s.people[id].Location()).Format(roster.DateLayout)
}

// person returns the stored person, as a signed-in request would see them,
// and whether they are engaged on their local day now.
func (s *sim) person(ctx context.Context, id string) (roster.Person, bool, error) {
	rec, found, err := s.app.Store.GetPerson(ctx, id)
	if err != nil || !found {
		return roster.Person{}, false, err
	}
	p := rec.Person
	day := s.now.In(p.Location()).Format(roster.DateLayout)
	return p, p.ActiveOn(day) && (p.StartDate == "" || p.StartDate <= day), nil
}

// submit has the person answer the module's quiz, wrongly at the
// questions in wrong, if the assignment is still open and they are engaged.
func (s *sim) submit(ctx context.Context, a assign.Assignment, wrong []int) error {
	if cur, ok := s.open[key(a)]; !ok || cur.Cycle != a.Cycle {
		return nil // completed, cancelled or no longer required meanwhile
	}
	p, active, err := s.person(ctx, a.EmployeeID)
	if err != nil || !active {
		return err
	}
	m, ok := s.app.Catalog.Module(a.ModuleID)
	if !ok {
		return fmt.Errorf("module %s is not in the catalog", a.ModuleID)
	}
	out, err := s.app.Quiz.Submit(ctx, quiz.Submission{
		Person: p, ModuleID: a.ModuleID, Answers: answers(m, wrong), Source: ipOf(p.EmployeeID), UserAgent: userAgent,
	})
	if err != nil {
		return err
	}
	s.sum.Attempts++
	if !out.Passed {
		s.sum.FailedAttempts++
		return nil
	}
	delete(s.open, key(a))
	return nil
}

// acknowledge has the person open the policy now and acknowledge it once
// its reading time has passed.
func (s *sim) acknowledge(ctx context.Context, id, policyID string, year int) error {
	p, active, err := s.person(ctx, id)
	if err != nil || !active {
		return err
	}
	if _, err := s.app.Acks.Required(p.Roles, policyID); err != nil {
		return nil // no longer required by their roles
	}
	if s.now.In(p.Location()).Year() != year {
		return nil
	}
	op, err := s.app.Acks.Open(ctx, p, policyID)
	if err != nil || op.Acked != nil {
		return err
	}
	read := time.Duration(op.Policy.MinReadSeconds+10+s.rng.IntN(300)) * time.Second
	s.at(s.now.Add(read), "acknowledgment "+id+" "+policyID, func(ctx context.Context) error {
		_, created, err := s.app.Acks.Acknowledge(ctx, ack.Request{
			Person: p, PolicyID: policyID, TypedName: p.Name, VersionSHA256: op.Policy.SHA256,
			Source: ipOf(id), UserAgent: userAgent,
		})
		if created {
			s.sum.Acknowledgments++
		}
		return err
	})
	return nil
}

// dispatcher delivers a run's notifications in process, like the
// application without a queue, but several at a time: each is claimed and
// sent on its own (at most once per recipient, kind and day), so their order
// changes nothing stored.
type dispatcher struct {
	deliver func(ctx context.Context, n reminder.Notification, actor string) error
}

// dispatchWorkers is how many notifications are delivered at once.
const dispatchWorkers = 8

// Dispatch implements outbox.Dispatcher.
func (d *dispatcher) Dispatch(ctx context.Context, ns []reminder.Notification) error {
	errs := make([]error, len(ns))
	sem := make(chan struct{}, dispatchWorkers)
	var wg sync.WaitGroup
	for i, n := range ns {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = d.deliver(ctx, n, "schedule")
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// key identifies an assignment.
func key(a assign.Assignment) string {
	return fmt.Sprintf("%s/%s/%04d", a.EmployeeID, a.ModuleID, a.Cycle)
}

// ipOf is a documentation address (RFC 5737) for the person's requests.
func ipOf(id string) string {
	h := 0
	for _, c := range id {
		h = h*31 + int(c)
	}
	return fmt.Sprintf("198.51.100.%d", 1+h%250)
}

// dayStart is 00:00 UTC of day.
func dayStart(day string) time.Time {
	t, _ := time.Parse(roster.DateLayout, day)
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// event is something that happens at a simulated time.
type event struct {
	at   time.Time
	seq  int
	what string
	do   func(context.Context) error
}

// eventQueue is a priority queue of events by time, then by scheduling order.
type eventQueue []*event

func (q eventQueue) Len() int { return len(q) }
func (q eventQueue) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].seq < q[j].seq
}
func (q eventQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *eventQueue) Push(x any)   { *q = append(*q, x.(*event)) }
func (q *eventQueue) Pop() any {
	old := *q
	e := old[len(old)-1]
	*q = old[:len(old)-1]
	return e
}
