package team

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/waiver"
)

// Directory finds people and the reports of a manager.
type Directory interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// Reports returns the people, active or not, whose manager is managerID,
	// through the reports index (never the whole roster).
	Reports(ctx context.Context, managerID string) ([]roster.Record, error)
	// HasReports reports whether anybody names managerID as their manager.
	HasReports(ctx context.Context, managerID string) (bool, error)
	// ListPeople returns every stored person, active or not (the roster
	// index): only the organisation overview reads it.
	ListPeople(ctx context.Context) ([]roster.Record, error)
}

// Records reads one person's training records.
type Records interface {
	// TrainingRecords returns every assignment (every cycle) and every
	// policy acknowledgment of the person, in one read.
	TrainingRecords(ctx context.Context, employeeID string) ([]assign.Assignment, []ack.Acknowledgment, error)
	// Waivers returns every waiver of the person, oldest first.
	Waivers(ctx context.Context, employeeID string) ([]waiver.Waiver, error)
}

// Reachability tells undeliverable addresses.
type Reachability interface {
	// UndeliverableSet returns which of emails (as given) bounced or complained.
	UndeliverableSet(ctx context.Context, emails []string) (map[string]bool, error)
}

// AuditLog records the audit event of a team view.
type AuditLog interface {
	// PutAuditEvent writes one audit event.
	PutAuditEvent(ctx context.Context, event audit.Event) error
}

// MaxDepth bounds how many levels below the manager a view reaches; the
// roster refuses manager cycles, and the walk also never visits anybody
// twice, so this only guards against a chain changed mid-walk.
const MaxDepth = 32

// Parallel bounds the reads a view has in flight at once: reports queries
// of one level, or the records of the people.
const Parallel = 16

// Service builds team views.
type Service struct {
	Directory Directory
	Records   Records
	Reach     Reachability
	Audit     AuditLog
	Catalog   *catalog.Catalog
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Viewer is who asks for a team view.
type Viewer struct {
	// EmployeeID is the signed-in person asking; empty for an API key.
	EmployeeID string
	// Privileged is an admin or auditor (an access role in the roster, or
	// an API key of that role): they may see every team.
	Privileged bool
	// Actor names the viewer in the audit event; Source is where the
	// request came from.
	Actor, Source string
}

// Request asks for a manager's team.
type Request struct {
	ManagerID string
	Scope     Scope
	// Status and Department filter the people shown (empty: no filter).
	Status, Department string
	Viewer             Viewer
}

var errForbidden = apperr.New(apperr.Forbidden, "you may see only your own team and the teams of the managers under you")

// View returns the manager's team (see Request) as the viewer may see it:
// their own team, the team of anybody below them in the manager chain, or
// any team for an admin or auditor; Forbidden for anybody else. An unknown
// manager is NotFound for admins and auditors and Forbidden for others, so
// ids cannot be probed. Only people active today are shown. Every view
// writes a team.read audit event (who, whose team, scope, how many people)
// before it is returned.
func (s *Service) View(ctx context.Context, req Request) (View, error) {
	if req.Scope == "" {
		req.Scope = ScopeAll
	}
	if _, err := ParseScope(string(req.Scope)); err != nil {
		return View{}, err
	}
	if _, err := ParseStatus(req.Status); err != nil {
		return View{}, err
	}
	mgr, err := s.authorise(ctx, req.Viewer, req.ManagerID)
	if err != nil {
		return View{}, err
	}
	now := s.now()
	found, err := s.subtree(ctx, req.ManagerID, req.Scope)
	if err != nil {
		return View{}, err
	}
	today := now.UTC().Format(roster.DateLayout)
	var people []Member
	var active []roster.Record
	for _, f := range found {
		if f.rec.ActiveOn(today) {
			active = append(active, f.rec)
			people = append(people, Member{
				EmployeeID: f.rec.EmployeeID, Name: f.rec.Name, Department: f.rec.Department,
				ManagerID: f.rec.ManagerID, Depth: f.depth, Email: f.rec.Email,
			})
		}
	}
	if err := s.fill(ctx, people, active, now); err != nil {
		return View{}, err
	}
	people = Filter(people, req.Status, req.Department)
	Sort(people)
	v := View{ManagerID: req.ManagerID, Scope: req.Scope, Totals: Sum(people), People: people, Manager: mgr.Person}
	if v.People == nil {
		v.People = []Member{}
	}
	details := map[string]any{"managerId": req.ManagerID, "scope": string(req.Scope), "count": len(v.People)}
	if req.Status != "" {
		details["status"] = req.Status
	}
	if req.Department != "" {
		details["department"] = req.Department
	}
	err = s.Audit.PutAuditEvent(ctx, audit.Event{
		ID: audit.NewBatchID(), At: now, Actor: req.Viewer.Actor, Action: audit.ActionTeamRead,
		Subject: identity.PersonRef(req.ManagerID), Source: req.Viewer.Source, Details: details,
	})
	if err != nil {
		return View{}, err
	}
	return v, nil
}

// Organisation is the whole organisation's training for an admin or
// auditor: every person active today, with their records as a team view
// shows them, summed by department. It reads the whole roster and every
// active person's records (Parallel at once), which is fine for a demo-sized
// organisation; a metrics snapshot is what scales. It writes a team.read
// audit event (scope organisation, how many people) before it returns.
func (s *Service) Organisation(ctx context.Context, v Viewer) (Org, error) {
	if !v.Privileged {
		return Org{}, apperr.New(apperr.Forbidden, "only admins and auditors may see the whole organisation")
	}
	now := s.now()
	all, err := s.Directory.ListPeople(ctx)
	if err != nil {
		return Org{}, err
	}
	today := now.UTC().Format(roster.DateLayout)
	var people []Member
	var active []roster.Record
	for _, rec := range all {
		if rec.ActiveOn(today) {
			active = append(active, rec)
			people = append(people, Member{EmployeeID: rec.EmployeeID, Name: rec.Name, Department: rec.Department,
				ManagerID: rec.ManagerID, Email: rec.Email})
		}
	}
	if err := s.fill(ctx, people, active, now); err != nil {
		return Org{}, err
	}
	org := Org{Totals: Sum(people), Departments: ByDepartment(people)}
	for _, d := range org.Departments {
		org.OverduePeople += d.OverduePeople
	}
	err = s.Audit.PutAuditEvent(ctx, audit.Event{
		ID: audit.NewBatchID(), At: now, Actor: v.Actor, Action: audit.ActionTeamRead,
		Subject: OrganisationSubject, Source: v.Source, Details: map[string]any{"scope": "organisation", "count": len(people)},
	})
	if err != nil {
		return Org{}, err
	}
	return org, nil
}

// HasReports reports whether anybody reports to the person (for the link to
// the team page on /me).
func (s *Service) HasReports(ctx context.Context, employeeID string) (bool, error) {
	return s.Directory.HasReports(ctx, employeeID)
}

// authorise returns the manager if the viewer may see their team.
func (s *Service) authorise(ctx context.Context, v Viewer, managerID string) (roster.Record, error) {
	mgr, found, err := s.Directory.GetPerson(ctx, managerID)
	if err != nil {
		return roster.Record{}, err
	}
	switch {
	case !found && v.Privileged:
		return roster.Record{}, apperr.New(apperr.NotFound, "no person has the employee id %s", managerID)
	case !found:
		return roster.Record{}, errForbidden
	case v.Privileged || (v.EmployeeID != "" && v.EmployeeID == managerID):
		return mgr, nil
	case v.EmployeeID == "":
		return roster.Record{}, errForbidden
	}
	id := mgr.ManagerID
	for range MaxDepth {
		if id == "" {
			break
		}
		if id == v.EmployeeID {
			return mgr, nil
		}
		rec, found, err := s.Directory.GetPerson(ctx, id)
		if err != nil {
			return roster.Record{}, err
		}
		if !found {
			break
		}
		id = rec.ManagerID
	}
	return roster.Record{}, errForbidden
}

// placed is a person found under the manager, at depth.
type placed struct {
	rec   roster.Record
	depth int
}

// subtree walks the reports index level by level from the manager: each
// level's managers are queried in parallel (at most Parallel at once), and
// their reports form the next level, down to MaxDepth. Nobody is visited
// twice. Scope direct stops after the first level.
func (s *Service) subtree(ctx context.Context, managerID string, scope Scope) ([]placed, error) {
	visited := map[string]bool{managerID: true}
	level := []string{managerID}
	var out []placed
	for depth := 1; len(level) > 0 && depth <= MaxDepth; depth++ {
		reports := make([][]roster.Record, len(level))
		err := forEach(ctx, len(level), func(ctx context.Context, i int) error {
			var err error
			reports[i], err = s.Directory.Reports(ctx, level[i])
			return err
		})
		if err != nil {
			return nil, err
		}
		var next []string
		for _, rs := range reports {
			for _, r := range rs {
				if visited[r.EmployeeID] {
					continue
				}
				visited[r.EmployeeID] = true
				out = append(out, placed{rec: r, depth: depth})
				next = append(next, r.EmployeeID)
			}
		}
		if scope == ScopeDirect {
			break
		}
		level = next
	}
	return out, nil
}

// fill reads every member's assignments and acknowledgments (Parallel
// people at once) and their addresses' reachability (in batches), and sets
// what the view shows of them. recs are the members' roster records, in the
// same order.
func (s *Service) fill(ctx context.Context, people []Member, recs []roster.Record, now time.Time) error {
	err := forEach(ctx, len(people), func(ctx context.Context, i int) error {
		p := recs[i].Person
		all, acks, err := s.Records.TrainingRecords(ctx, p.EmployeeID)
		if err != nil {
			return err
		}
		loc := p.Location()
		people[i].Assignments = Items(all, now, loc)
		people[i].LastReminderAt = LastReminder(all, loc)
		people[i].Policies = Policies(s.Catalog, p.Roles, now, loc, acks)
		// A waived module shows on its assignment; a waived policy only
		// matters while it is not acknowledged, so only then are the
		// person's waivers read.
		if pending(people[i].Policies) {
			ws, err := s.Records.Waivers(ctx, p.EmployeeID)
			if err != nil {
				return err
			}
			WaivePolicies(people[i].Policies, ws, now)
		}
		return nil
	})
	if err != nil {
		return err
	}
	emails := make([]string, len(people))
	for i, p := range people {
		emails[i] = strings.ToLower(p.Email)
	}
	unreachable, err := s.Reach.UndeliverableSet(ctx, emails)
	if err != nil {
		return err
	}
	for i := range people {
		people[i].Reachable = !unreachable[emails[i]]
	}
	return nil
}

// forEach calls fn for 0..n-1, at most Parallel at once, and returns the
// first error (the others' context is then cancelled).
func forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	slots := make(chan struct{}, Parallel)
	for i := range n {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-slots }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { first = err; cancel() })
			}
		})
	}
	wg.Wait()
	if first == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
