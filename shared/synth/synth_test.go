package synth_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/synth"
	"github.com/attest-oss/attest/shared/waiver"
)

func generate(t *testing.T, cfg synth.Config) *synth.Org {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	o, err := synth.Generate(cfg, cat)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// digest hashes everything an organisation is: every upload's CSV, the
// agreements and every person's history.
func digest(t *testing.T, o *synth.Org) [32]byte {
	h := sha256.New()
	for _, d := range o.UploadDays {
		h.Write(synth.CSV(o.RosterOn(d)))
	}
	enc := json.NewEncoder(h)
	if err := enc.Encode(o.Agreements); err != nil {
		t.Fatal(err)
	}
	for i := range o.Members {
		if err := enc.Encode(o.History(i)); err != nil {
			t.Fatal(err)
		}
	}
	return [32]byte(h.Sum(nil))
}

func TestGenerateIsDeterministic(t *testing.T) {
	cfg := synth.Config{Seed: 7, People: 2000}
	a, b := digest(t, generate(t, cfg)), digest(t, generate(t, cfg))
	if a != b {
		t.Fatal("the same seed and size gave different organisations")
	}
	cfg.Seed = 8
	if digest(t, generate(t, cfg)) == a {
		t.Fatal("another seed gave the same organisation")
	}
}

func TestShape(t *testing.T) {
	for _, tc := range []struct {
		people             int
		minDepth, maxDepth int
	}{
		{10, 1, 3},
		{1_000, 3, 6},
		{10_000, 4, 7},
		{100_000, 5, 8},
	} {
		t.Run(fmt.Sprint(tc.people), func(t *testing.T) {
			if tc.people > 10_000 && testing.Short() {
				t.Skip("short")
			}
			o := generate(t, synth.Config{Seed: 1, People: tc.people})
			s := synth.Summarise(o)
			t.Logf("%+v", s)
			if s.People != tc.people || len(o.Members) != tc.people {
				t.Fatalf("%d people, want %d", s.People, tc.people)
			}
			if s.Depth < tc.minDepth || s.Depth > tc.maxDepth {
				t.Errorf("depth %d, want %d to %d", s.Depth, tc.minDepth, tc.maxDepth)
			}
			checkTree(t, o)
			if tc.people < 1000 {
				return
			}
			share := func(n int) float64 { return float64(n) / float64(s.People) }
			for _, c := range []struct {
				what     string
				got      float64
				min, max float64
			}{
				{"mean span", s.MeanSpan, 5, 14},
				{"contractors", share(s.Contractors), 0.02, 0.10},
				{"subcontractors", share(s.Subcontractors), 0.02, 0.10},
				{"hires", share(s.Hires), 0.06, 0.15},
				{"leavers", share(s.Leavers), 0.06, 0.15},
				{"re-organised", share(s.Reorganised), 0.03, 0.12},
				{"engaged", share(s.Engaged), 0.2, 0.7},
			} {
				if c.got < c.min || c.got > c.max {
					t.Errorf("%s: %.3f, want %.3f to %.3f", c.what, c.got, c.min, c.max)
				}
			}
			if s.Vendors < 2 || s.Agreements < 2 {
				t.Errorf("%d vendors, %d agreements: want at least 2 of each", s.Vendors, s.Agreements)
			}
		})
	}
}

// checkTree checks that every upload's roster is a tree under one chief
// executive (every manager in the upload, no cycle), and that up to 20,000
// people
// the roster parses and plans without problems from one upload to the
// next, deactivating nobody.
func checkTree(t *testing.T, o *synth.Org) {
	t.Helper()
	var stored []roster.Person
	for _, d := range o.UploadDays {
		people := o.RosterOn(d)
		manager := make(map[string]string, len(people))
		for _, p := range people {
			manager[p.EmployeeID] = p.ManagerID
		}
		roots := 0
		for _, p := range people {
			id, steps := p.EmployeeID, 0
			for ; manager[id] != "" && steps <= len(people); steps++ {
				if _, ok := manager[manager[id]]; !ok {
					t.Fatalf("%s: %s's manager %s is not in the upload", d, id, manager[id])
				}
				id = manager[id]
			}
			if steps > len(people) {
				t.Fatalf("%s: %s's reporting line is a cycle", d, p.EmployeeID)
			}
			if p.ManagerID == "" {
				roots++
			}
		}
		if roots != 1 {
			t.Fatalf("%s: %d people without a manager, want 1", d, roots)
		}
		if len(people) > 20_000 {
			continue // parsing and planning checked at the smaller sizes
		}
		u, problems := roster.ParseCSV(bytes.NewReader(synth.CSV(people)))
		if len(problems) > 0 {
			t.Fatalf("%s: the roster has problems: %v", d, problems[:min(3, len(problems))])
		}
		plan, err := roster.PlanImport(u, stored, roster.ModeSync, d, o.Catalog().HasRole)
		if err != nil {
			t.Fatalf("%s: %v", d, err)
		}
		if len(plan.Deactivated) > 0 || len(plan.Warnings) > 0 {
			t.Fatalf("%s: %d deactivated, warnings %v", d, len(plan.Deactivated), plan.Warnings)
		}
		stored = u.People
	}
}

func TestAgreementsAreValid(t *testing.T) {
	o := generate(t, synth.Config{Seed: 3, People: 20_000})
	for _, a := range o.Agreements {
		if err := agreement.Validate(a, o.Catalog()); err != nil {
			t.Errorf("%s: %v", a.Key, err)
		}
	}
	if len(o.Agreements) < 4 {
		t.Errorf("%d agreements, want at least 4 at 20,000 people", len(o.Agreements))
	}
}

// TestHistory checks each person's history against the domain rules and
// the distributions: assignments are what Decide gives the roster of the
// first upload; attempts are graded as quiz.Grade grades them and the first
// pass completes; leavers keep nothing open; waivers pass waiver.Check;
// most completions are on time, some late, some never.
func TestHistory(t *testing.T) {
	o := generate(t, synth.Config{Seed: 5, People: 5000})
	cat := o.Catalog()
	var completed, onTime, open, overdueOpen, failed, waived, grants int
	for i := range o.Members {
		m := &o.Members[i]
		h := o.History(i)
		if h.EmployeeID != m.EmployeeID {
			t.Fatalf("history of %s is %s's", m.EmployeeID, h.EmployeeID)
		}
		if known := o.KnownOn(m); known == o.First && len(h.Assignments) > 0 {
			p, _ := o.PersonOn(m, known)
			want := assign.Decide(p, cat, o.Agreements, nil, nil, known).Create
			for k, w := range want {
				got := h.Assignments[k]
				if got.ModuleID != w.ModuleID || got.DueOn != w.DueOn || got.Cycle != 1 {
					t.Fatalf("%s: assignment %d is %s due %s, Decide says %s due %s", m.EmployeeID, k, got.ModuleID, got.DueOn, w.ModuleID, w.DueOn)
				}
			}
		}
		for _, a := range h.Assignments {
			var tries []assign.Attempt
			for _, at := range h.Attempts {
				if at.ModuleID == a.ModuleID && at.Cycle == a.Cycle {
					tries = append(tries, at)
				}
			}
			if len(tries) != a.Attempts || a.Version != 1+a.Attempts+btoi(a.Status == assign.StatusCancelled || a.Status == assign.StatusWaived) {
				t.Fatalf("%s %s#%d: %d attempts recorded, %d kept, version %d", m.EmployeeID, a.ModuleID, a.Cycle, a.Attempts, len(tries), a.Version)
			}
			mod, _ := cat.Module(a.ModuleID)
			for k, at := range tries {
				res, problems := quiz.Grade(mod, at.Answers)
				if len(problems) > 0 || res.Score != at.Score || res.Passed != at.Passed || at.Passed != (k == len(tries)-1 && a.Status == assign.StatusCompleted) {
					t.Fatalf("%s %s#%d attempt %d: graded %+v %v, recorded score %d passed %v", m.EmployeeID, a.ModuleID, a.Cycle, k+1, res, problems, at.Score, at.Passed)
				}
				if at.At.Before(a.RecordedAt) {
					t.Fatalf("%s %s#%d: attempt at %v before the assignment was recorded at %v", m.EmployeeID, a.ModuleID, a.Cycle, at.At, a.RecordedAt)
				}
				if !at.Passed {
					failed++
				}
			}
			switch a.Status {
			case assign.StatusCompleted:
				completed++
				if !a.CompletedAt.After(a.DueAt) {
					onTime++
				}
			case assign.StatusOpen:
				open++
				if m.EndDate != "" && m.EndDate < o.Last {
					t.Fatalf("%s left on %s and still has %s open", m.EmployeeID, m.EndDate, a.ModuleID)
				}
				if a.DueOn < o.Last {
					overdueOpen++
				}
			case assign.StatusWaived:
				waived++
			}
		}
		for _, g := range h.Waivers {
			grants++
			p, _ := o.PersonOn(m, g.At.Format("2006-01-02"))
			if ps := waiver.Check(g.Request, &p, cat, g.At.Format("2006-01-02")); len(ps) > 0 {
				t.Fatalf("%s: waiver %+v: %v", m.EmployeeID, g.Request, ps)
			}
		}
		seen := map[string]bool{}
		for _, a := range h.Acks {
			k := a.PolicyID + "/" + a.Cycle
			if seen[k] {
				t.Fatalf("%s acknowledged %s twice", m.EmployeeID, k)
			}
			seen[k] = true
		}
	}
	rate := float64(onTime) / float64(completed)
	t.Logf("completed %d (%.1f%% on time), open %d (%d overdue), waived %d, %d grants, %d failed attempts", completed, 100*rate, open, overdueOpen, waived, grants, failed)
	if rate < 0.7 || rate > 0.95 {
		t.Errorf("%.2f of completions on time, want most but not all (0.7 to 0.95)", rate)
	}
	if overdueOpen == 0 || waived == 0 || grants != waived || failed == 0 {
		t.Errorf("want some never done, waived (as many as granted) and failed: %d, %d/%d, %d", overdueOpen, waived, grants, failed)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestGenerateRejects(t *testing.T) {
	cat, _ := catalog.Default()
	for _, cfg := range []synth.Config{{People: 9}, {People: 100, First: "2026-13-01"}, {People: 100, Days: 10}, {People: 100, Days: 400}} {
		if _, err := synth.Generate(cfg, cat); err == nil {
			t.Errorf("%+v: no error", cfg)
		}
	}
}
