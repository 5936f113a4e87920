package team_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/team"
	"github.com/attest-oss/attest/shared/waiver"
)

func TestMain(m *testing.M) { devtest.Main(m) }

const header = "employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n"

// org is one test's organisation on DynamoDB Local, imported through the
// real roster import, with a clock the test moves.
type org struct {
	t      testing.TB
	now    time.Time
	store  *dynamo.Store
	cat    *catalog.Catalog
	roster *roster.Service
	quiz   *quiz.Service
	teams  *team.Service
	client dynamo.API
	table  string
}

func newOrg(t testing.TB) *org {
	t.Helper()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.Table(t, client, "team")
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	o := &org{t: t, cat: cat}
	clock := func() time.Time { return o.now }
	o.client, o.table = client, name
	o.store = dynamo.New(client, name, clock)
	runner := &assign.Runner{Store: o.store, Catalog: cat, Now: clock}
	o.roster = &roster.Service{Store: o.store, Catalog: cat, Assigner: runner, Now: clock}
	o.quiz = &quiz.Service{Store: o.store, Catalog: cat, Now: clock}
	o.teams = &team.Service{Directory: o.store, Records: o.store, Reach: o.store, Audit: o.store, Catalog: cat, Now: clock}
	return o
}

// importRows imports rows of "id,name,roles,manager,department,start date"
// (upsert) at the org's clock.
func (o *org) importRows(rows ...string) {
	o.t.Helper()
	body := header
	for _, r := range rows {
		f := strings.Split(r, "|")
		body += fmt.Sprintf("%s,%s@team.example.com,%s,%s,%s,%s,employee,,,%s,,UTC\n", f[0], strings.ToLower(f[0]), f[1], f[2], f[3], f[4], f[5])
	}
	_, err := o.roster.Import(context.Background(), roster.Request{
		Body: strings.NewReader(body), ContentType: "text/csv", Mode: roster.ModeUpsert,
		Actor: "test", Source: "test", Role: identity.Admin,
	})
	if err != nil {
		o.t.Fatalf("import: %v", err)
	}
}

// complete passes the module's quiz for the person at the org's clock.
func (o *org) complete(id, moduleID string) {
	o.t.Helper()
	rec, _, err := o.store.GetPerson(context.Background(), id)
	if err != nil {
		o.t.Fatal(err)
	}
	m, _ := o.cat.Module(moduleID)
	answers := map[string]string{}
	for _, q := range m.Questions {
		answers[q.ID] = q.Correct
	}
	if _, err := o.quiz.Submit(context.Background(), quiz.Submission{Person: rec.Person, ModuleID: moduleID, Answers: answers, Source: "test"}); err != nil {
		o.t.Fatalf("complete %s %s: %v", id, moduleID, err)
	}
}

func (o *org) view(viewer team.Viewer, managerID string, scope team.Scope, status, department string) (team.View, error) {
	return o.teams.View(context.Background(), team.Request{ManagerID: managerID, Scope: scope, Status: status, Department: department, Viewer: viewer})
}

func (o *org) mustView(managerID string, scope team.Scope) team.View {
	o.t.Helper()
	v, err := o.view(admin, managerID, scope, "", "")
	if err != nil {
		o.t.Fatalf("team of %s: %v", managerID, err)
	}
	return v
}

var admin = team.Viewer{Privileged: true, Actor: "key:admin-test", Source: "test"}

func person(id string) team.Viewer {
	return team.Viewer{EmployeeID: id, Actor: identity.PersonActor(id), Source: "test"}
}

// depths returns "id:depth" of the view's people, sorted.
func depths(v team.View) []string {
	var out []string
	for _, m := range v.People {
		out = append(out, fmt.Sprintf("%s:%d", m.EmployeeID, m.Depth))
	}
	slices.Sort(out)
	return out
}

// The organisation, four levels from CEO down:
//
//	CEO ─ VPA ─ MA ─ E1, E2
//	    └ VPB ─ MB ─ E3
//	    └ E0
//
// All start on 1 September 2026 (everything due 1 October) except E1 (5
// September, due 5 October) and E3 (20 October, due 19 November); E2
// completed access-control on 10 September. The view is taken on
// 2 November 2026.
const (
	hyperlink = `=HYPERLINK("http://evil.example","click")`
)

func seed(o *org) {
	o.now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	o.importRows(
		"CEO|Chief|all-staff;manager||Board|2026-09-01",
		"VPA|Vera A|all-staff;manager|CEO|Sales|2026-09-01",
		"VPB|Victor B|all-staff;manager|CEO|Engineering|2026-09-01",
		"MA|Mia A|all-staff;manager|VPA|Sales|2026-09-01",
		"MB|Max B|all-staff;manager|VPB|Engineering|2026-09-01",
		`E2|Eve Two|all-staff|MA|Sales|2026-09-01`,
		"E0|Zed Zero|all-staff|CEO|Board|2026-09-01",
	)
	o.now = time.Date(2026, 9, 5, 9, 0, 0, 0, time.UTC)
	// The name is quoted in the upload: it holds quotes and a comma.
	o.importRows(`E1|"=HYPERLINK(""http://evil.example"",""click"")"|all-staff|MA|Sales|2026-09-05`)
	o.now = time.Date(2026, 9, 10, 9, 0, 0, 0, time.UTC)
	o.complete("E2", "access-control")
	o.now = time.Date(2026, 10, 20, 9, 0, 0, 0, time.UTC)
	o.importRows("E3|Eli Three|all-staff|MB|Engineering|2026-10-20")
	o.now = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
}

func TestSubtreeBeforeAndAfterReorg(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	seed(o)

	if got, want := depths(o.mustView("CEO", team.ScopeAll)), []string{"E0:1", "E1:3", "E2:3", "E3:3", "MA:2", "MB:2", "VPA:1", "VPB:1"}; !slices.Equal(got, want) {
		t.Errorf("CEO's subtree: %v, want %v", got, want)
	}
	if got, want := depths(o.mustView("CEO", team.ScopeDirect)), []string{"E0:1", "VPA:1", "VPB:1"}; !slices.Equal(got, want) {
		t.Errorf("CEO's direct reports: %v, want %v", got, want)
	}
	if got, want := depths(o.mustView("VPA", "")), []string{"E1:2", "E2:2", "MA:1"}; !slices.Equal(got, want) {
		t.Errorf("VPA's subtree (default scope all): %v, want %v", got, want)
	}

	// The re-org: MA moves with their team to VPB; E3 moves from MB to MA.
	o.importRows(
		"MA|Mia A|all-staff;manager|VPB|Sales|2026-09-01",
		"E3|Eli Three|all-staff|MA|Engineering|2026-10-20",
	)
	if got := depths(o.mustView("VPA", team.ScopeAll)); len(got) != 0 {
		t.Errorf("VPA's subtree after the re-org: %v, want nobody", got)
	}
	if got, want := depths(o.mustView("VPB", team.ScopeAll)), []string{"E1:2", "E2:2", "E3:2", "MA:1", "MB:1"}; !slices.Equal(got, want) {
		t.Errorf("VPB's subtree after the re-org: %v, want %v", got, want)
	}
	if got := depths(o.mustView("MB", team.ScopeAll)); len(got) != 0 {
		t.Errorf("MB's team after E3 moved: %v, want nobody", got)
	}
	if got, want := depths(o.mustView("CEO", team.ScopeAll)), []string{"E0:1", "E1:3", "E2:3", "E3:3", "MA:2", "MB:2", "VPA:1", "VPB:1"}; !slices.Equal(got, want) {
		t.Errorf("CEO's subtree after the re-org: %v, want %v", got, want)
	}
	// Access follows the chain: VPA no longer sees MA's team, VPB does.
	if _, err := o.view(person("VPA"), "MA", team.ScopeAll, "", ""); apperr.CodeOf(err) != apperr.Forbidden {
		t.Errorf("VPA on MA's team after the re-org: %v, want Forbidden", err)
	}
	if _, err := o.view(person("VPB"), "MA", team.ScopeAll, "", ""); err != nil {
		t.Errorf("VPB on MA's team after the re-org: %v", err)
	}

	// A leaver disappears from the view.
	o.importRows("E0|Zed Zero|all-staff|CEO|Board|2026-09-01")
	body := header + "E0,e0@team.example.com,Zed Zero,all-staff,CEO,Board,employee,,,2026-09-01,2026-10-31,UTC\n"
	if _, err := o.roster.Import(context.Background(), roster.Request{Body: strings.NewReader(body), ContentType: "text/csv",
		Mode: roster.ModeUpsert, Actor: "test", Source: "test", Role: identity.Admin}); err != nil {
		t.Fatal(err)
	}
	if got := depths(o.mustView("CEO", team.ScopeDirect)); slices.Contains(got, "E0:1") {
		t.Errorf("the leaver E0 is still shown: %v", got)
	}
}

func TestStatusesTotalsOrderAndFilters(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	seed(o)
	v := o.mustView("MB", team.ScopeAll)
	if len(v.People) != 1 || v.People[0].EmployeeID != "E3" {
		t.Fatalf("MB's team: %v", depths(v))
	}
	for _, it := range v.People[0].Assignments {
		if it.Status != assign.ShownOnTrack || it.DaysOverdue != 0 || it.CompletedAt != nil || it.WaiverID != nil {
			t.Errorf("E3's %s: %+v, want on track", it.ModuleID, it)
		}
	}

	v = o.mustView("VPA", team.ScopeAll)
	// Most overdue first: MA (due 1 October: 32 days on 2 November), then
	// E2 (same day), ordered by name ("Eve Two" < "Mia A"), then E1 (due 5 October: 28 days).
	var order []string
	for _, m := range v.People {
		order = append(order, fmt.Sprintf("%s:%d", m.EmployeeID, m.Overdue()))
	}
	if want := []string{"E2:32", "MA:32", "E1:28"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	e2 := v.People[0]
	statuses := map[string]string{}
	for _, it := range e2.Assignments {
		statuses[it.ModuleID] = it.Status
	}
	if statuses["access-control"] != assign.ShownCompleted || statuses["security-awareness"] != assign.ShownOverdue {
		t.Errorf("E2's statuses: %v", statuses)
	}
	for _, it := range e2.Assignments {
		if it.ModuleID == "access-control" && (it.CompletedAt == nil || !it.CompletedAt.Equal(time.Date(2026, 9, 10, 9, 0, 0, 0, time.UTC))) {
			t.Errorf("E2's completion time %v", it.CompletedAt)
		}
	}
	if !e2.Reachable || e2.LastReminderAt != nil || len(e2.Policies) != 3 || e2.Policies[0].Cycle != "2026" || e2.Policies[0].AcknowledgedAt != nil {
		t.Errorf("E2: reachable %v, last reminder %v, policies %+v", e2.Reachable, e2.LastReminderAt, e2.Policies)
	}
	// MA has the manager modules too; everyone's all-staff modules count.
	modules := 0
	for _, m := range v.People {
		modules += len(m.Assignments)
	}
	tot := v.Totals
	if tot.People != 3 || tot.Completed != 1 || tot.Overdue != modules-1 || tot.OnTrack != 0 || tot.Waived != 0 {
		t.Errorf("totals %+v over %d assignments", tot, modules)
	}
	if want := float64(int(1/float64(modules)*10000+0.5)) / 10000; tot.CompletionRate == nil || *tot.CompletionRate != want {
		t.Errorf("completion rate %v, want %v", tot.CompletionRate, want)
	}

	// Filters: completed keeps E2 only; a department in another case; both.
	if v, _ := o.view(admin, "CEO", team.ScopeAll, assign.ShownCompleted, ""); !slices.Equal(depths(v), []string{"E2:3"}) || v.Totals.People != 1 {
		t.Errorf("status=completed: %v %+v", depths(v), v.Totals)
	}
	if v, _ := o.view(admin, "CEO", team.ScopeAll, "", "engineering"); !slices.Equal(depths(v), []string{"E3:3", "MB:2", "VPB:1"}) {
		t.Errorf("department=engineering: %v", depths(v))
	}
	if v, _ := o.view(admin, "CEO", team.ScopeAll, assign.ShownOnTrack, "Engineering"); !slices.Equal(depths(v), []string{"E3:3"}) {
		t.Errorf("status=on_track, department=Engineering: %v", depths(v))
	}
	if _, err := o.view(admin, "CEO", team.ScopeAll, "late", ""); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("status=late: %v, want Invalid", err)
	}
	if _, err := o.view(admin, "CEO", "everyone", "", ""); apperr.CodeOf(err) != apperr.Invalid {
		t.Errorf("scope=everyone: %v, want Invalid", err)
	}
	if v, _ := o.view(admin, "E3", team.ScopeAll, "", ""); len(v.People) != 0 || v.Totals.CompletionRate != nil {
		t.Errorf("a team of nobody: %v %+v", depths(v), v.Totals)
	}

	// A waiver of a policy E2 has not acknowledged shows on it; the other
	// policies stay pending.
	waivers := &waiver.Service{Store: o.store, Catalog: o.cat, Now: func() time.Time { return o.now }}
	w, err := waivers.Grant(context.Background(), waiver.Request{EmployeeID: "E2", Item: "policy:" + e2.Policies[0].PolicyID,
		Reason: "Bound by the agency's own policy", Approver: "CISO", ExpiresOn: o.now.AddDate(0, 3, 0).Format(time.DateOnly)}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range o.mustView("VPA", team.ScopeAll).People {
		if m.EmployeeID != "E2" {
			continue
		}
		for i, p := range m.Policies {
			if got := p.WaiverID != nil && *p.WaiverID == w.ID; got != (i == 0) {
				t.Errorf("E2's policy %s: waiver %v", p.PolicyID, p.WaiverID)
			}
		}
	}

	// Once reminded, the person shows when.
	all, err := o.store.Assignments(context.Background(), "E1")
	if err != nil || len(all) == 0 {
		t.Fatalf("E1's assignments: %v %v", all, err)
	}
	if err := o.store.MarkReminded(context.Background(), all[0], "2026-11-02"); err != nil {
		t.Fatal(err)
	}
	v = o.mustView("MA", team.ScopeDirect)
	for _, m := range v.People {
		if m.EmployeeID == "E1" && (m.LastReminderAt == nil || !m.LastReminderAt.Equal(o.now)) {
			t.Errorf("E1's last reminder %v, want %v", m.LastReminderAt, o.now)
		}
	}
}

// A module waiver on an overdue assignment: the view shows it waived with
// its waiver's id, counts it among the waived and neither among the overdue
// nor in the completion rate; once revoked, or once expired (before any
// daily run reopens it), it is overdue again.
func TestModuleWaiverInView(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	seed(o)
	waivers := &waiver.Service{Store: o.store, Catalog: o.cat, Now: func() time.Time { return o.now }}
	e1 := func(v team.View) team.Member {
		t.Helper()
		for _, m := range v.People {
			if m.EmployeeID == "E1" {
				return m
			}
		}
		t.Fatalf("E1 not in the view: %v", depths(v))
		return team.Member{}
	}
	item := func(m team.Member, moduleID string) team.Item {
		t.Helper()
		for _, it := range m.Assignments {
			if it.ModuleID == moduleID {
				return it
			}
		}
		t.Fatalf("%s has no %s: %+v", m.EmployeeID, moduleID, m.Assignments)
		return team.Item{}
	}
	rate := func(t team.Totals) float64 {
		return math.Round(float64(t.Completed)/float64(t.Completed+t.OnTrack+t.Overdue)*10000) / 10000
	}
	// overdueAgain checks that the waived module shows overdue again, with
	// the totals of before the waiver.
	overdueAgain := func(when string, before team.Totals, days int) {
		t.Helper()
		v := o.mustView("VPA", team.ScopeAll)
		it := item(e1(v), "security-awareness")
		if it.Status != assign.ShownOverdue || it.DaysOverdue != days || it.WaiverID != nil {
			t.Errorf("%s: E1's security-awareness %+v, want overdue by %d days without a waiver", when, it, days)
		}
		if v.Totals.Waived != 0 || v.Totals.Overdue != before.Overdue || v.Totals.CompletionRate == nil || *v.Totals.CompletionRate != rate(before) {
			t.Errorf("%s: totals %+v (rate %s), want those of before the waiver %+v (rate %v)", when, v.Totals, fmtRate(v.Totals.CompletionRate), before, rate(before))
		}
	}

	before := o.mustView("VPA", team.ScopeAll)
	if it := item(e1(before), "security-awareness"); it.Status != assign.ShownOverdue || it.DaysOverdue != 28 {
		t.Fatalf("E1's security-awareness before any waiver: %+v, want overdue by 28 days", it)
	}
	grant := func(expiresOn string) waiver.Waiver {
		t.Helper()
		w, err := waivers.Grant(context.Background(), waiver.Request{EmployeeID: "E1", Item: "module:security-awareness",
			Reason: "Completed the agency's equivalent course", Approver: "CISO", ExpiresOn: expiresOn}, "test", "test")
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	waived := func(w waiver.Waiver) {
		t.Helper()
		v := o.mustView("VPA", team.ScopeAll)
		it := item(e1(v), "security-awareness")
		if it.Status != assign.ShownWaived || it.WaiverID == nil || *it.WaiverID != w.ID || it.DaysOverdue != 0 {
			t.Errorf("E1's security-awareness under waiver %s: %+v", w.ID, it)
		}
		tot := v.Totals
		if tot.People != before.Totals.People || tot.Waived != 1 || tot.Overdue != before.Totals.Overdue-1 ||
			tot.Completed != before.Totals.Completed || tot.OnTrack != before.Totals.OnTrack {
			t.Errorf("totals under the waiver %+v, before %+v: want one overdue moved to waived", tot, before.Totals)
		}
		if tot.CompletionRate == nil || *tot.CompletionRate != rate(tot) || *tot.CompletionRate == *before.Totals.CompletionRate {
			t.Errorf("completion rate under the waiver %s (before %v), want %v: the waived one out of the denominator",
				fmtRate(tot.CompletionRate), *before.Totals.CompletionRate, rate(tot))
		}
		if f, err := o.view(admin, "VPA", team.ScopeAll, assign.ShownWaived, ""); err != nil || !slices.Equal(depths(f), []string{"E1:2"}) {
			t.Errorf("status=waived: %v %v, want E1", depths(f), err)
		}
	}

	// Revoked: overdue again at once.
	w := grant(o.now.AddDate(0, 1, 0).Format(time.DateOnly))
	waived(w)
	if _, err := waivers.Revoke(context.Background(), w.ID, "test", "test"); err != nil {
		t.Fatal(err)
	}
	overdueAgain("after the revocation", before.Totals, 28)

	// Expired: it holds through its last day (UTC), and the day after it is
	// overdue again, though no daily run has reopened it yet.
	w = grant("2026-11-05")
	waived(w)
	o.now = time.Date(2026, 11, 5, 23, 59, 0, 0, time.UTC)
	if it := item(e1(o.mustView("VPA", team.ScopeAll)), "security-awareness"); it.Status != assign.ShownWaived {
		t.Errorf("on the waiver's last day: %+v, want waived", it)
	}
	o.now = time.Date(2026, 11, 6, 9, 0, 0, 0, time.UTC)
	overdueAgain("the day after the waiver expired", before.Totals, 32)
}

// fmtRate prints a completion rate, or null.
func fmtRate(r *float64) string {
	if r == nil {
		return "null"
	}
	return fmt.Sprint(*r)
}

func TestCSV(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	seed(o)
	v := o.mustView("MA", team.ScopeAll)
	var buf bytes.Buffer
	if err := team.WriteCSV(&buf, v); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], team.CSVHeader) {
		t.Errorf("header %v", rows[0])
	}
	n := 0
	for _, m := range v.People {
		n += max(1, len(m.Assignments))
	}
	if len(rows) != n+1 {
		t.Errorf("%d rows, want %d", len(rows)-1, n)
	}
	names := map[string]bool{}
	for _, r := range rows[1:] {
		names[r[1]] = true
		for i, c := range r {
			if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
				t.Errorf("cell %s %q is not neutralised", team.CSVHeader[i], c)
			}
		}
	}
	if !names["'"+hyperlink] {
		t.Errorf("the hostile name is not shown neutralised: %v", names)
	}
	for _, c := range []struct{ in, want string }{{"=1+2", "'=1+2"}, {"+1", "'+1"}, {"-1", "'-1"}, {"@SUM(A1)", "'@SUM(A1)"}, {"\tx", "'\tx"}, {"\rx", "'\rx"}, {"Ann", "Ann"}, {"", ""}} {
		if got := team.Neutralise(c.in); got != c.want {
			t.Errorf("Neutralise(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAccess(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	seed(o)
	for _, c := range []struct {
		name    string
		viewer  team.Viewer
		manager string
		want    apperr.Code // "" for allowed
	}{
		{"the manager themself", person("MA"), "MA", ""},
		{"their manager", person("VPA"), "MA", ""},
		{"the top of the chain", person("CEO"), "MA", ""},
		{"a peer manager", person("MB"), "MA", apperr.Forbidden},
		{"a manager of another branch", person("VPB"), "MA", apperr.Forbidden},
		{"a report of theirs", person("E1"), "MA", apperr.Forbidden},
		{"an employee elsewhere", person("E3"), "MA", apperr.Forbidden},
		{"an employee on their own (empty) team", person("E3"), "E3", ""},
		{"an admin or auditor", team.Viewer{EmployeeID: "E3", Privileged: true, Actor: "person#E3"}, "MA", ""},
		{"a key", admin, "MA", ""},
		{"a key, unknown manager", admin, "NOPE", apperr.NotFound},
		{"a person, unknown manager", person("MA"), "NOPE", apperr.Forbidden},
	} {
		_, err := o.view(c.viewer, c.manager, team.ScopeAll, "", "")
		if c.want == "" && err != nil || c.want != "" && apperr.CodeOf(err) != c.want {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Every view is audited: who, whose team, scope and count.
	events, err := o.store.AuditEvents(context.Background(), o.now.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	var reads []audit.Event
	for _, e := range events {
		if e.Action == audit.ActionTeamRead {
			reads = append(reads, e)
		}
	}
	if len(reads) != 6 {
		t.Fatalf("%d team.read events, want 6 (one per view allowed)", len(reads))
	}
	i := slices.IndexFunc(reads, func(e audit.Event) bool {
		return e.Actor == identity.PersonActor("MA") && e.Subject == identity.PersonRef("MA")
	})
	if i < 0 {
		t.Fatalf("no team.read of MA's own view: %+v", reads)
	}
	first := reads[i]
	if first.Subject != identity.PersonRef("MA") || first.Details["scope"] != "all" || fmt.Sprint(first.Details["count"]) != "2" {
		t.Errorf("first team.read: %+v", first)
	}
}
