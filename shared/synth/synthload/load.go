// Package synthload loads a synthetic organisation (package synth) into a
// table through the tracker's own paths, with the clock set to the moment
// each step happens in the simulated span: the customer agreements through
// the agreement service, every monthly roster upload through the roster
// service's import (what PUT /api/roster runs: parse, validate, plan,
// transactional writes of people, revisions, email claims and audit
// events), the history (assignments, quiz attempts, acknowledgments) through
// the store's batched write path (dynamo.LoadRecords: the store's own item
// encoders, 25 items a BatchWriteItem call), and the waivers through the
// waiver service, which waives the cycles they cover.
//
// The import's assignment step is left to the history: synth decides each
// person's assignments with assign.Decide on the days the import and the
// daily run would, and they are loaded in batches, because the assignment
// runner's transactions make DynamoDB Local import about 141 people a
// second. It is development tooling: no function links it.
package synthload

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/synth"
	"github.com/attest-oss/attest/shared/waiver"
)

// Actor is the audit actor of every write the load makes.
const Actor = "synth"

// source is the address recorded with the load's audit events.
const source = "192.0.2.10"

// chunk is how many people's histories are loaded in one LoadRecords call.
const chunk = 2000

// Options change how Load writes.
type Options struct {
	// BatchRoster writes each upload's new and changed people as the store's
	// profile and revision items in batches (LoadRecords) instead of
	// importing the uploads through the roster service: no email claims
	// and no person audit events. For benchmarks that are not about the
	// import and must seed quickly; the people, revisions and their times
	// are those the imports write.
	BatchRoster bool
}

// Result says what a load wrote and how long each step took.
type Result struct {
	People, Uploads, Agreements, Waivers int
	// Items counts the history items written in batches (assignments,
	// attempts, acknowledgments).
	Items int
	// Roster, History and Grants are the time spent importing the roster
	// uploads (agreements included), loading the history and granting the
	// waivers; Total is all of it.
	Roster, History, Grants, Total time.Duration
}

// PeoplePerSecond is the load rate over the whole load.
func (r Result) PeoplePerSecond() float64 { return float64(r.People) / r.Total.Seconds() }

// clock is the load's moving clock.
type clock struct{ at atomic.Int64 }

func (c *clock) set(t time.Time)        { c.at.Store(t.UnixNano()) }
func (c *clock) now() time.Time         { return time.Unix(0, c.at.Load()).UTC() }
func (c *clock) setDay(d string, h int) { c.set(day(d).Add(time.Duration(h) * time.Hour)) }

// historyAssigner is the imports' assigner: it assigns nothing, the history
// carries the assignments (see the package documentation).
type historyAssigner struct{}

func (historyAssigner) AssignImported(context.Context, []roster.Person, []roster.Person, string, string, string, bool) (int, int, error) {
	return 0, 0, nil
}

// Load loads o into the table tableName of client, which must be empty of
// people, and returns what it wrote. client must also be a
// dynamo.BatchWriter.
func Load(ctx context.Context, o *synth.Org, client dynamo.API, tableName string, opt Options) (Result, error) {
	start := time.Now()
	var clk clock
	cat := o.Catalog()
	store := dynamo.New(client, tableName, clk.now)
	res := Result{People: len(o.Members)}

	clk.setDay(o.First, -12)
	agreements := &agreement.Service{Store: store, Catalog: cat, Assigner: &assign.Runner{Store: store, Catalog: cat, Now: clk.now}}
	for _, a := range o.Agreements {
		if _, err := agreements.Put(ctx, a, Actor, source); err != nil {
			return res, fmt.Errorf("agreement %s: %w", a.Key, err)
		}
		res.Agreements++
	}
	if opt.BatchRoster {
		if err := store.LoadRecords(ctx, dynamo.Records{Revisions: revisions(o)}); err != nil {
			return res, fmt.Errorf("roster: %w", err)
		}
		res.Uploads = len(o.UploadDays)
	}
	imports := &roster.Service{Store: store, Catalog: cat, Assigner: historyAssigner{}, Now: clk.now}
	for _, d := range o.UploadDays {
		if opt.BatchRoster {
			break
		}
		clk.setDay(d, 7)
		_, err := imports.Import(ctx, roster.Request{Body: bytes.NewReader(synth.CSV(o.RosterOn(d))), ContentType: "text/csv",
			Mode: roster.ModeSync, Actor: Actor, Source: source, Role: identity.Admin})
		if err != nil {
			return res, fmt.Errorf("roster upload of %s: %w", d, err)
		}
		res.Uploads++
	}
	res.Roster = time.Since(start)

	grants, items, err := loadHistory(ctx, o, store)
	res.Items = items
	res.History = time.Since(start) - res.Roster
	if err != nil {
		return res, err
	}

	waivers := &waiver.Service{Store: store, Catalog: cat, Now: clk.now}
	slices.SortStableFunc(grants, func(a, b synth.Grant) int { return a.At.Compare(b.At) })
	for _, g := range grants {
		clk.set(g.At)
		if _, err := waivers.Grant(ctx, g.Request, Actor, source); err != nil {
			return res, fmt.Errorf("waiver of %s for %s: %w", g.Request.Item, g.Request.EmployeeID, err)
		}
		res.Waivers++
	}
	res.Total = time.Since(start)
	res.Grants = res.Total - res.Roster - res.History
	return res, nil
}

// revisions returns the revisions the roster imports of o write: one per
// upload that creates or changes a person, at 07:00 UTC of its day.
func revisions(o *synth.Org) []roster.Revision {
	var out []roster.Revision
	for i := range o.Members {
		m := &o.Members[i]
		var prev roster.Person
		rev := 0
		for _, d := range o.UploadDays {
			p, ok := o.PersonOn(m, d)
			if !ok || p.Equal(prev) {
				continue
			}
			action := audit.ActionPersonUpdated
			if rev == 0 {
				action = audit.ActionPersonCreated
			}
			rev++
			out = append(out, roster.Revision{Rev: rev, At: day(d).Add(7 * time.Hour), Actor: Actor, Action: action,
				Changes: roster.Diff(prev, p), Person: p})
			prev = p
		}
	}
	return out
}

// loadHistory computes the people's histories (on every core) and loads
// them chunk by chunk. A cycle a waiver waived is written as it was before
// the waiver (open, one version earlier): granting the waiver through the
// service waives it. It returns the waivers to grant and the items written.
func loadHistory(ctx context.Context, o *synth.Org, store *dynamo.Store) ([]synth.Grant, int, error) {
	var grants []synth.Grant
	items := 0
	hs := make([]synth.History, chunk)
	for from := 0; from < len(o.Members); from += chunk {
		to := min(from+chunk, len(o.Members))
		var wg sync.WaitGroup
		var next atomic.Int64
		next.Store(int64(from))
		for range runtime.GOMAXPROCS(0) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < to; i = int(next.Add(1) - 1) {
					hs[i-from] = o.History(i)
				}
			})
		}
		wg.Wait()
		var recs dynamo.Records
		for _, h := range hs[:to-from] {
			for _, a := range h.Assignments {
				if a.Status == assign.StatusWaived {
					a.Status, a.WaiverID, a.WaivedThrough, a.Version = assign.StatusOpen, "", "", a.Version-1
				}
				recs.Assignments = append(recs.Assignments, a)
			}
			recs.Attempts = append(recs.Attempts, h.Attempts...)
			recs.Acks = append(recs.Acks, h.Acks...)
			grants = append(grants, h.Waivers...)
		}
		items += len(recs.Assignments) + len(recs.Attempts) + len(recs.Acks)
		if err := store.LoadRecords(ctx, recs); err != nil {
			return nil, items, fmt.Errorf("history of people %d to %d: %w", from+1, to, err)
		}
	}
	return grants, items, nil
}

// day is midnight UTC of d (YYYY-MM-DD).
func day(d string) time.Time {
	t, _ := time.Parse(time.DateOnly, d)
	return t
}
