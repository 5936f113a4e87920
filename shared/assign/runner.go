package assign

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

// Store is what the runner needs from storage.
type Store interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// ListPeople returns every stored person.
	ListPeople(ctx context.Context) ([]roster.Record, error)
	// Assignments returns every assignment of a person.
	Assignments(ctx context.Context, employeeID string) ([]Assignment, error)
	// ApplyAssignmentPlans writes plans; it returns a Conflict error when
	// another writer changed an assignment first.
	ApplyAssignmentPlans(ctx context.Context, plans []PersonPlan, actor, source string, at time.Time) error
	// Exemptions returns every module waiver of a person, revoked and
	// expired ones included.
	Exemptions(ctx context.Context, employeeID string) ([]Exemption, error)
	// Agreements returns every customer agreement, in force or not.
	Agreements(ctx context.Context) ([]agreement.Agreement, error)
	// WokenPeople returns the people with a leaving, renewal or waiver
	// expiry date on day.
	WokenPeople(ctx context.Context, day string) ([]string, error)
	// GetJobState returns the state of a scheduled job.
	GetJobState(ctx context.Context, name string) (JobState, error)
	// PutJobState stores it, guarded by st.Version; Conflict if it changed.
	PutJobState(ctx context.Context, name string, st JobState) error
	// Upgrade brings what earlier releases stored up to date: it runs each
	// one-off migration not yet marked done, then marks it. A migration is
	// idempotent, so a run stopped midway is finished by the next.
	Upgrade(ctx context.Context) error
}

// JobState is what a scheduled job remembers between runs.
type JobState struct {
	// LastDay is the last day (YYYY-MM-DD) the job completed.
	LastDay string
	// Fingerprint identifies the inputs the last run saw (the catalog).
	Fingerprint string
	// Version is the optimistic-locking counter; 0 means never stored.
	Version int
}

// Runner applies Decide to people and writes the result.
type Runner struct {
	Store   Store
	Catalog *catalog.Catalog
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
	// Workers bounds concurrent reads of people's assignments (default 8).
	Workers int
}

// Summary counts what a run did.
type Summary struct {
	Evaluated int  `json:"evaluated"`
	Created   int  `json:"created"`
	Closed    int  `json:"closed"`
	Waived    int  `json:"waived"`
	Reopened  int  `json:"reopened"`
	Full      bool `json:"full"`
	DryRun    bool `json:"dryRun"`
}

// Subject is a person to evaluate; New marks people just created, who have
// no assignments (nor waivers) yet, so these need not be read.
type Subject struct {
	Person roster.Person
	New    bool
}

// AssignImported evaluates the people a roster import created (who have no
// assignments yet) and changed; it implements roster.Assigner.
func (r *Runner) AssignImported(ctx context.Context, created, changed []roster.Person, day, actor, source string, dryRun bool) (assigned, closed int, err error) {
	subjects := make([]Subject, 0, len(created)+len(changed))
	for _, p := range created {
		subjects = append(subjects, Subject{Person: p, New: true})
	}
	for _, p := range changed {
		subjects = append(subjects, Subject{Person: p})
	}
	sum, err := r.Evaluate(ctx, subjects, day, actor, source, dryRun)
	return sum.Created, sum.Closed, err
}

var _ roster.ChunkAssigner = (*Runner)(nil)

// AssignChunk decides the assignments of a large import's chunk on day,
// under the agreements in force that day, and writes each person's plan
// with the audit event the subject names, at at (so that a resumed chunk
// finds what it wrote); it implements roster.ChunkAssigner.
func (r *Runner) AssignChunk(ctx context.Context, subjects []roster.ChunkSubject, day, actor, source string, at time.Time) (created, closed int, err error) {
	if len(subjects) == 0 {
		return 0, 0, nil
	}
	agreements, err := r.inForce(ctx, day)
	if err != nil {
		return 0, 0, err
	}
	ss := make([]Subject, len(subjects))
	for i, c := range subjects {
		ss[i] = Subject{Person: c.Person, New: c.New}
	}
	plans, err := r.plan(ctx, ss, agreements, day)
	if err != nil {
		return 0, 0, err
	}
	var changed []PersonPlan
	for i, pp := range plans {
		created += len(pp.Plan.Create)
		closed += len(pp.Plan.Close)
		if !pp.Plan.Empty() {
			pp.EventID = subjects[i].EventID
			changed = append(changed, pp)
		}
	}
	if len(changed) == 0 {
		return created, closed, nil
	}
	if err := r.Store.ApplyAssignmentPlans(ctx, changed, actor, source, at); err != nil {
		return 0, 0, err
	}
	return created, closed, nil
}

// Evaluate decides for every subject on day, under the agreements in force
// that day (read once), and, unless dryRun, writes the plans, at most 25
// people per transaction.
func (r *Runner) Evaluate(ctx context.Context, subjects []Subject, day, actor, source string, dryRun bool) (Summary, error) {
	if len(subjects) == 0 {
		return Summary{DryRun: dryRun}, nil
	}
	agreements, err := r.inForce(ctx, day)
	if err != nil {
		return Summary{}, err
	}
	return r.evaluate(ctx, subjects, agreements, day, actor, source, dryRun)
}

// AssignEngagements evaluates, on the current day (UTC), the people who
// hold one of engagements, so that a customer agreement saved for them
// takes effect at once: its modules assigned, or those it no longer
// requires cancelled. It finds them in the whole roster (one read of the
// roster index; an organisation has a handful of agreements, saved
// rarely). It implements agreement.Assigner.
func (r *Runner) AssignEngagements(ctx context.Context, engagements []string, actor, source string) (assigned, closed int, err error) {
	recs, err := r.Store.ListPeople(ctx)
	if err != nil {
		return 0, 0, err
	}
	var subjects []Subject
	for _, rec := range recs {
		if slices.ContainsFunc(engagements, func(e string) bool { return slices.Contains(rec.Engagements, e) }) {
			subjects = append(subjects, Subject{Person: rec.Person})
		}
	}
	sum, err := r.Evaluate(ctx, subjects, r.now().UTC().Format(roster.DateLayout), actor, source, false)
	return sum.Created, sum.Closed, err
}

var _ agreement.Assigner = (*Runner)(nil)

// inForce returns the agreements in force on day.
func (r *Runner) inForce(ctx context.Context, day string) ([]agreement.Agreement, error) {
	all, err := r.Store.Agreements(ctx)
	if err != nil {
		return nil, err
	}
	return agreement.InForce(all, day), nil
}

// evaluate is Evaluate under the agreements given.
func (r *Runner) evaluate(ctx context.Context, subjects []Subject, agreements []agreement.Agreement, day, actor, source string, dryRun bool) (Summary, error) {
	plans, err := r.plan(ctx, subjects, agreements, day)
	if err != nil {
		return Summary{}, err
	}
	sum := Summary{Evaluated: len(subjects), DryRun: dryRun}
	var changed []PersonPlan
	for _, pp := range plans {
		sum.Created += len(pp.Plan.Create)
		sum.Closed += len(pp.Plan.Close)
		sum.Waived += len(pp.Plan.Waive)
		sum.Reopened += len(pp.Plan.Reopen)
		if !pp.Plan.Empty() {
			changed = append(changed, pp)
		}
	}
	if dryRun || len(changed) == 0 {
		return sum, nil
	}
	if err := r.Store.ApplyAssignmentPlans(ctx, changed, actor, source, r.now()); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// plan reads the subjects' assignments with bounded concurrency and decides.
func (r *Runner) plan(ctx context.Context, subjects []Subject, agreements []agreement.Agreement, day string) ([]PersonPlan, error) {
	plans := make([]PersonPlan, len(subjects))
	workers := r.Workers
	if workers <= 0 {
		workers = 8
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range jobs {
				s := subjects[i]
				var existing []Assignment
				var exemptions []Exemption
				if !s.New {
					var err error
					if existing, err = r.Store.Assignments(ctx, s.Person.EmployeeID); err != nil {
						cancel(err)
						continue
					}
					if exemptions, err = r.Store.Exemptions(ctx, s.Person.EmployeeID); err != nil {
						cancel(err)
						continue
					}
				}
				plans[i] = PersonPlan{EmployeeID: s.Person.EmployeeID, Plan: Decide(s.Person, r.Catalog, agreements, existing, exemptions, day)}
			}
		})
	}
feed:
	for i := range subjects {
		select {
		case jobs <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("plan assignments: %w", err)
	}
	return plans, nil
}

// JobName is the name under which the daily run keeps its state.
const JobName = "assign"

// maxCatchUpDays bounds how many missed days a daily run replays through the
// wake index before it re-evaluates everybody instead.
const maxCatchUpDays = 31

// Daily is the scheduled run for day. It re-evaluates everybody when the
// catalog changed since the last run (new modules, new major versions, new
// role mappings), when the training the agreements in force require changed
// (an agreement saved, come into force or ended), when it never ran, or when
// more than a month of runs was missed; otherwise only the people the wake index names for the days since
// the last run (leavers, annual renewals and waivers that expired the day
// before). So a normal day reads what is
// due that day, not the whole organisation. Running it twice for the same day
// creates nothing new. Unless dryRun, it first upgrades what earlier
// releases stored (Store.Upgrade; after the first run, one read).
func (r *Runner) Daily(ctx context.Context, day, actor, source string, dryRun bool) (Summary, error) {
	if _, err := time.Parse(roster.DateLayout, day); err != nil {
		return Summary{}, apperr.New(apperr.Invalid, "date must be YYYY-MM-DD")
	}
	if !dryRun {
		if err := r.Store.Upgrade(ctx); err != nil {
			return Summary{}, err
		}
	}
	st, err := r.Store.GetJobState(ctx, JobName)
	if err != nil {
		return Summary{}, err
	}
	agreements, err := r.inForce(ctx, day)
	if err != nil {
		return Summary{}, err
	}
	fp := Fingerprint(r.Catalog, agreements)
	var subjects []Subject
	full := st.LastDay == "" || st.Fingerprint != fp || daysBetween(st.LastDay, day) > maxCatchUpDays
	if full {
		recs, err := r.Store.ListPeople(ctx)
		if err != nil {
			return Summary{}, err
		}
		for _, rec := range recs {
			subjects = append(subjects, Subject{Person: rec.Person})
		}
	} else {
		from := day
		if st.LastDay < day {
			from = addDays(st.LastDay, 1)
		}
		if subjects, err = r.woken(ctx, from, day); err != nil {
			return Summary{}, err
		}
	}
	sum, err := r.evaluate(ctx, subjects, agreements, day, actor, source, dryRun)
	if err != nil {
		return Summary{}, err
	}
	sum.Full = full
	if dryRun {
		return sum, nil
	}
	next := JobState{LastDay: max(st.LastDay, day), Fingerprint: fp, Version: st.Version}
	if err := r.Store.PutJobState(ctx, JobName, next); err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// woken returns the people the wake index names for the days from..to.
func (r *Runner) woken(ctx context.Context, from, to string) ([]Subject, error) {
	seen := map[string]bool{}
	var out []Subject
	for d := from; d <= to; d = addDays(d, 1) {
		ids, err := r.Store.WokenPeople(ctx, d)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if seen[id] {
				continue
			}
			seen[id] = true
			rec, found, err := r.Store.GetPerson(ctx, id)
			if err != nil {
				return nil, err
			}
			if found {
				out = append(out, Subject{Person: rec.Person})
			}
		}
	}
	return out, nil
}

func (r *Runner) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// Fingerprint identifies what in the catalog and the agreements in force can
// change assignments: each role's modules and, per module, its major version
// and recurrence; per agreement, its engagement and the modules its training
// obligations require with their deadlines. Without agreements it is the
// catalog's alone.
func Fingerprint(cat *catalog.Catalog, inForce []agreement.Agreement) string {
	var lines []string
	for key, role := range cat.Roles {
		mods, _ := cat.ItemsForRoles([]string{key})
		ids := make([]string, len(mods))
		for i, m := range mods {
			ids[i] = m.ID
		}
		lines = append(lines, fmt.Sprintf("role %s: %s", role.Key, strings.Join(ids, ",")))
	}
	for _, m := range cat.Modules {
		lines = append(lines, fmt.Sprintf("module %s: %d %s", m.ID, m.Version.Major, m.Recurrence))
	}
	for _, a := range inForce {
		for _, o := range a.Obligations {
			for _, id := range o.Modules() {
				lines = append(lines, fmt.Sprintf("agreement %s: %s %s %d", a.Key, a.Engagement, id, o.WithinDays))
			}
		}
	}
	sort.Strings(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return hex.EncodeToString(sum[:])
}

func daysBetween(a, b string) int {
	ta, err1 := time.Parse(roster.DateLayout, a)
	tb, err2 := time.Parse(roster.DateLayout, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}
