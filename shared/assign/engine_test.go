package assign

import (
	"fmt"
	"slices"
	"testing"
	"testing/fstest"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/catalog/load"
	"github.com/attest-oss/attest/shared/roster"
)

// testModule returns a module file with the given id, version, recurrence and due days.
func testModule(id, version, recurrence string, dueDays int) *fstest.MapFile {
	var body string
	for range 20 {
		body += "Words of training content that somebody must read carefully. "
	}
	return &fstest.MapFile{Data: fmt.Appendf(nil, `---
id: %s
title: Module %s
version: %s
summary: A test module.
estimated_minutes: 10
recurrence: %s
due_days: %d
pass_mark: 80
questions:
  - id: q1
    text: Which?
    options:
      - id: a
        text: This one
      - id: b
        text: That one
    correct: a
---
# Module %s

%s
`, id, id, version, recurrence, dueDays, id, body)}
}

const testPolicy = `---
id: aup
title: Acceptable use
version: 1.0.0
summary: Use things well.
---
Use company systems for company work.
`

// testCatalog builds a catalog: staff take "aware" (annual, 30 days) and
// "privacy" (once, 14 days); engineers also take "secdev" (annual, 30 days).
func testCatalog(t *testing.T, awareVersion string) *catalog.Catalog {
	t.Helper()
	fsys := fstest.MapFS{
		"modules/aware.md":   testModule("aware", awareVersion, "annual", 30),
		"modules/privacy.md": testModule("privacy", "1.0.0", "once", 14),
		"modules/secdev.md":  testModule("secdev", "1.0.0", "annual", 30),
		// No role lists acme: only an agreement requires it.
		"modules/acme.md": testModule("acme", "1.0.0", "annual", 60),
		"policies/aup.md": {Data: []byte(testPolicy)},
		"curricula.yaml": {Data: []byte(`roles:
  staff:
    description: Everyone.
    modules: [aware, privacy]
    policies: [aup]
  engineer:
    description: Engineers.
    includes: [staff]
    modules: [secdev]
`)},
	}
	cat, err := load.Load(fsys)
	if err != nil {
		t.Fatalf("load test catalog: %v", err)
	}
	return cat
}

func person(roles ...string) roster.Person {
	return roster.Person{
		EmployeeID: "E1", Email: "e1@example.com", Name: "E One", Roles: roles,
		EmploymentType: roster.Employee, StartDate: "2026-01-05", TimeZone: "Europe/Berlin",
	}
}

// summary renders a plan compactly: "+module#cycle reason assigned→due" and "-module#cycle reason".
func summary(p Plan) []string {
	var out []string
	for _, a := range p.Create {
		out = append(out, fmt.Sprintf("+%s#%d %s %s→%s v%s", a.ModuleID, a.Cycle, a.Reason, a.AssignedOn, a.DueOn, a.ModuleVersion))
	}
	for _, c := range p.Close {
		out = append(out, fmt.Sprintf("-%s#%d %s", c.ModuleID, c.Cycle, c.Reason))
	}
	return out
}

// completed returns a completed assignment; at is an RFC 3339 instant.
func completed(module string, cycle int, version, at string) Assignment {
	major := 1
	fmt.Sscanf(version, "%d", &major)
	done, err := time.Parse(time.RFC3339, at)
	if err != nil {
		panic(err)
	}
	return Assignment{EmployeeID: "E1", ModuleID: module, Cycle: cycle, ModuleVersion: version, ModuleMajor: major,
		Status: StatusCompleted, CompletedAt: done, Recurrence: recurrenceOf(module), Version: 2}
}

func open(module string, cycle int, version string) Assignment {
	major := 1
	fmt.Sscanf(version, "%d", &major)
	return Assignment{EmployeeID: "E1", ModuleID: module, Cycle: cycle, ModuleVersion: version, ModuleMajor: major,
		Status: StatusOpen, Recurrence: recurrenceOf(module), Version: 1}
}

func recurrenceOf(module string) string {
	if module == "privacy" {
		return "once"
	}
	return "annual"
}

func TestDecide(t *testing.T) {
	leaver := person("staff")
	leaver.EndDate = "2026-03-31"
	future := person("staff")
	future.StartDate = "2026-04-01"

	tests := []struct {
		name     string
		person   roster.Person
		version  string // of module aware
		existing []Assignment
		day      string
		want     []string
	}{
		{
			name: "HireAssignsEveryRequiredModule", person: person("staff"), version: "1.0.0", day: "2026-02-10",
			want: []string{"+aware#1 hire 2026-02-10→2026-03-12 v1.0.0", "+privacy#1 hire 2026-02-10→2026-02-24 v1.0.0"},
		},
		{
			name: "FutureStarterIsDueFromStartDate", person: future, version: "1.0.0", day: "2026-02-10",
			want: []string{"+aware#1 hire 2026-04-01→2026-05-01 v1.0.0", "+privacy#1 hire 2026-04-01→2026-04-15 v1.0.0"},
		},
		{
			name: "IncludedRoleModules", person: person("engineer"), version: "1.0.0", day: "2026-02-10",
			want: []string{"+aware#1 hire 2026-02-10→2026-03-12 v1.0.0", "+privacy#1 hire 2026-02-10→2026-02-24 v1.0.0", "+secdev#1 hire 2026-02-10→2026-03-12 v1.0.0"},
		},
		{
			name: "UnknownAndAccessRolesAssignNothing", person: person("admin", "nonexistent"), version: "1.0.0", day: "2026-02-10",
		},
		{
			name: "NothingToDoWhenAllOpen", person: person("staff"), version: "1.0.0", day: "2026-02-10",
			existing: []Assignment{open("aware", 1, "1.0.0"), open("privacy", 1, "1.0.0")},
		},
		{
			name: "RoleChangeAssignsOnlyNewModules", person: person("engineer"), version: "1.0.0", day: "2026-05-04",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), open("privacy", 1, "1.0.0")},
			want:     []string{"+secdev#1 role_change 2026-05-04→2026-06-03 v1.0.0"},
		},
		{
			name: "RoleRemovedCancelsOpenModule", person: person("staff"), version: "1.0.0", day: "2026-05-04",
			existing: []Assignment{open("aware", 1, "1.0.0"), open("privacy", 1, "1.0.0"), open("secdev", 1, "1.0.0")},
			want:     []string{"-secdev#1 no_longer_required"},
		},
		{
			name: "RoleRemovedKeepsCompletedModule", person: person("staff"), version: "1.0.0", day: "2026-05-04",
			existing: []Assignment{open("aware", 1, "1.0.0"), open("privacy", 1, "1.0.0"), completed("secdev", 1, "1.0.0", "2026-02-20T10:00:00Z")},
		},
		{
			name: "AnnualRenewalAfterOneYear", person: person("staff"), version: "1.0.0", day: "2027-02-20",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), completed("privacy", 1, "1.0.0", "2026-02-20T10:00:00Z")},
			want:     []string{"+aware#2 renewal 2027-02-20→2027-03-22 v1.0.0"},
		},
		{
			name: "NoRenewalTheDayBefore", person: person("staff"), version: "1.0.0", day: "2027-02-19",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), completed("privacy", 1, "1.0.0", "2026-02-20T10:00:00Z")},
		},
		{
			name: "RenewalDayFollowsPersonTimeZone", person: person("staff"), version: "1.0.0", day: "2027-02-21",
			// 23:30 UTC on the 20th is already the 21st in Berlin.
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T23:30:00Z"), completed("privacy", 1, "1.0.0", "2026-02-20T10:00:00Z")},
			want:     []string{"+aware#2 renewal 2027-02-21→2027-03-23 v1.0.0"},
		},
		{
			name: "LateRunKeepsRenewalDate", person: person("staff"), version: "1.0.0", day: "2027-03-01",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), completed("privacy", 1, "1.0.0", "2026-02-20T10:00:00Z")},
			want:     []string{"+aware#2 renewal 2027-02-20→2027-03-22 v1.0.0"},
		},
		{
			name: "OnceModuleNeverRenews", person: person("staff"), version: "1.0.0", day: "2029-01-01",
			existing: []Assignment{completed("aware", 3, "1.0.0", "2028-12-01T10:00:00Z"), completed("privacy", 1, "1.0.0", "2026-02-20T10:00:00Z")},
		},
		{
			name: "MajorVersionRetrainsCompleted", person: person("staff"), version: "2.0.0", day: "2026-06-01",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), open("privacy", 1, "1.0.0")},
			want:     []string{"+aware#2 content_change 2026-06-01→2026-07-01 v2.0.0"},
		},
		{
			name: "MajorVersionSupersedesOpen", person: person("staff"), version: "2.0.0", day: "2026-06-01",
			existing: []Assignment{open("aware", 1, "1.3.0"), open("privacy", 1, "1.0.0")},
			want:     []string{"+aware#2 content_change 2026-06-01→2026-07-01 v2.0.0", "-aware#1 superseded"},
		},
		{
			name: "MinorVersionChangesNothing", person: person("staff"), version: "1.4.2", day: "2026-06-01",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), open("privacy", 1, "1.0.0")},
		},
		{
			name: "LeaverCancelsOpenKeepsCompleted", person: leaver, version: "1.0.0", day: "2026-04-01",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), open("privacy", 1, "1.0.0")},
			want:     []string{"-privacy#1 leaver"},
		},
		{
			name: "LeaverStillActiveOnLastDay", person: leaver, version: "1.0.0", day: "2026-03-31",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), open("privacy", 1, "1.0.0")},
		},
		{
			name: "LeaverGetsNothingNew", person: leaver, version: "1.0.0", day: "2026-04-01",
		},
		{
			name: "RejoinerGetsNewCycle", person: person("staff"), version: "1.0.0", day: "2026-09-01",
			existing: []Assignment{completed("aware", 1, "1.0.0", "2026-02-20T10:00:00Z"), {EmployeeID: "E1", ModuleID: "privacy", Cycle: 1, ModuleMajor: 1, Status: StatusCancelled, Version: 2}},
			want:     []string{"+privacy#2 role_change 2026-09-01→2026-09-15 v1.0.0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := testCatalog(t, tt.version)
			got := summary(Decide(tt.person, cat, nil, tt.existing, nil, tt.day))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// acmeAgreement is in force in 2026 for the engagement acme-bank: clause 4.2
// requires acme within 20 days, clause 4.3 acme again (and a module of the
// curricula) within 10, clause 4.4 a policy.
func acmeAgreement() agreement.Agreement {
	return agreement.Agreement{Key: "acme-2026", Engagement: "acme-bank", StartDate: "2026-01-01", EndDate: "2026-12-31",
		Obligations: []agreement.Obligation{
			{ID: "4.2", Kind: agreement.KindTraining, Items: []string{"module:acme"}, WithinDays: 20},
			{ID: "4.3", Kind: agreement.KindTraining, Items: []string{"module:acme", "module:privacy", "module:gone"}, WithinDays: 10},
			{ID: "4.4", Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 5},
		}}
}

func TestDecideUnderAgreements(t *testing.T) {
	onAcme := func(roles ...string) roster.Person {
		p := person(roles...)
		p.Engagements = []string{"acme-bank"}
		return p
	}
	// globex requires acme within 7 days of the people on globex-health
	// from 2026-06-01.
	globex := agreement.Agreement{Key: "globex", Engagement: "globex-health", StartDate: "2026-06-01",
		Obligations: []agreement.Obligation{{ID: "7", Kind: agreement.KindTraining, Items: []string{"module:acme"}, WithinDays: 7}}}
	onBoth := onAcme("staff")
	onBoth.Engagements = []string{"acme-bank", "globex-health"}
	leaver := onAcme("staff")
	leaver.EndDate = "2026-03-31"
	staffDone := []Assignment{open("aware", 1, "1.0.0"), open("privacy", 1, "1.0.0")}

	tests := []struct {
		name       string
		person     roster.Person
		agreements []agreement.Agreement
		existing   []Assignment
		day        string
		want       []string
	}{
		{name: "NotOnTheEngagement", person: person("staff"), agreements: []agreement.Agreement{acmeAgreement()}, existing: staffDone, day: "2026-03-02"},
		{name: "JoinedTheEngagementSmallestDeadline", person: onAcme("staff"), agreements: []agreement.Agreement{acmeAgreement()}, existing: staffDone,
			day: "2026-03-02", want: []string{"+acme#1 role_change 2026-03-02→2026-03-12 v1.0.0"}},
		{name: "HireOnTheEngagementCurriculumDeadlineKept", person: onAcme("staff"), agreements: []agreement.Agreement{acmeAgreement()}, day: "2026-03-02",
			want: []string{"+acme#1 hire 2026-03-02→2026-03-12 v1.0.0", "+aware#1 hire 2026-03-02→2026-04-01 v1.0.0", "+privacy#1 hire 2026-03-02→2026-03-16 v1.0.0"}},
		{name: "RequiredWithoutAnyRole", person: onAcme(), agreements: []agreement.Agreement{acmeAgreement()}, day: "2026-03-02",
			want: []string{"+acme#1 hire 2026-03-02→2026-03-12 v1.0.0", "+privacy#1 hire 2026-03-02→2026-03-12 v1.0.0"}},
		{name: "TwoAgreementsTheSmallestDeadline", person: onBoth, agreements: []agreement.Agreement{acmeAgreement(), globex}, existing: staffDone,
			day: "2026-06-01", want: []string{"+acme#1 role_change 2026-06-01→2026-06-08 v1.0.0"}},
		{name: "NotYetInForce", person: onBoth, agreements: []agreement.Agreement{globex}, existing: staffDone, day: "2026-05-31"},
		{name: "LeftTheEngagementCancels", person: person("staff"), agreements: []agreement.Agreement{acmeAgreement()},
			existing: append(slices.Clone(staffDone), open("acme", 1, "1.0.0")), day: "2026-03-02", want: []string{"-acme#1 no_longer_required"}},
		{name: "AgreementEndedCancels", person: onAcme("staff"), agreements: []agreement.Agreement{acmeAgreement()},
			existing: append(slices.Clone(staffDone), open("acme", 1, "1.0.0")), day: "2027-01-01", want: []string{"-acme#1 no_longer_required"}},
		{name: "AgreementEndedKeepsCompleted", person: onAcme("staff"), agreements: []agreement.Agreement{acmeAgreement()},
			existing: append(slices.Clone(staffDone), completed("acme", 1, "1.0.0", "2026-03-05T10:00:00Z")), day: "2027-01-01"},
		{name: "RenewalUsesTheObligationDeadline", person: onAcme("staff"), agreements: []agreement.Agreement{acmeAgreement()},
			existing: append(slices.Clone(staffDone), completed("acme", 1, "1.0.0", "2025-03-05T10:00:00Z")), day: "2026-03-05",
			want: []string{"+acme#2 renewal 2026-03-05→2026-03-15 v1.0.0"}},
		{name: "LeaverCancelsAgreementModules", person: leaver, agreements: []agreement.Agreement{acmeAgreement()},
			existing: append(slices.Clone(staffDone), open("acme", 1, "1.0.0")), day: "2026-04-01",
			want: []string{"-acme#1 leaver", "-aware#1 leaver", "-privacy#1 leaver"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cat := testCatalog(t, "1.0.0")
			got := summary(Decide(tt.person, cat, tt.agreements, tt.existing, nil, tt.day))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDecideIsIdempotent applies each plan and decides again: the second plan
// must be empty.
func TestDecideIsIdempotent(t *testing.T) {
	cat := testCatalog(t, "1.0.0")
	p := person("engineer")
	var stored []Assignment
	for _, day := range []string{"2026-02-10", "2026-02-10", "2026-03-01"} {
		plan := Decide(p, cat, nil, stored, nil, day)
		stored = apply(stored, plan)
		if again := Decide(p, cat, nil, stored, nil, day); !again.Empty() {
			t.Fatalf("day %s: second decision %v, want empty", day, summary(again))
		}
	}
	if len(stored) != 3 {
		t.Errorf("got %d assignments, want 3", len(stored))
	}
}

// apply is what the store does with a plan, for the idempotency test.
func apply(stored []Assignment, p Plan) []Assignment {
	for _, c := range p.Close {
		for i := range stored {
			if stored[i].ModuleID == c.ModuleID && stored[i].Cycle == c.Cycle {
				stored[i].Status, stored[i].CloseReason = StatusCancelled, c.Reason
			}
		}
	}
	return append(stored, p.Create...)
}

func TestDueAtIsEndOfDueDayInPersonsZone(t *testing.T) {
	tests := []struct {
		name, zone, dueOn string
		want              string
	}{
		{"UTC", "UTC", "2026-03-12", "2026-03-13T00:00:00Z"},
		{"Berlin", "Europe/Berlin", "2026-03-12", "2026-03-12T23:00:00Z"},
		{"Tokyo", "Asia/Tokyo", "2026-03-12", "2026-03-12T15:00:00Z"},
		{"NewYorkAcrossDST", "America/New_York", "2026-03-07", "2026-03-08T05:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := time.LoadLocation(tt.zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := DueAt(tt.dueOn, loc).Format(time.RFC3339); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestStatusAt(t *testing.T) {
	due := time.Date(2026, 3, 12, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		status  Status
		through string // WaivedThrough
		now     time.Time
		want    string
	}{
		{"OpenBeforeDue", StatusOpen, "", due.Add(-time.Second), ShownOnTrack},
		{"OpenAtDueInstant", StatusOpen, "", due, ShownOverdue},
		{"OpenAfterDue", StatusOpen, "", due.Add(48 * time.Hour), ShownOverdue},
		{"CompletedLate", StatusCompleted, "", due.Add(48 * time.Hour), ShownCompleted},
		{"Cancelled", StatusCancelled, "", due.Add(48 * time.Hour), ShownCancelled},
		{"Waived", StatusWaived, "", due.Add(48 * time.Hour), ShownWaived},
		{"WaivedOnItsLastDay", StatusWaived, "2026-03-14", time.Date(2026, 3, 14, 23, 59, 59, 0, time.UTC), ShownWaived},
		// Before the next daily run reopens it, an expired waiver's cycle
		// shows as what it is without the waiver.
		{"WaiverExpiredPastDue", StatusWaived, "2026-03-14", time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC), ShownOverdue},
		{"WaiverExpiredBeforeDue", StatusWaived, "2026-03-01", time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), ShownOnTrack},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Assignment{Status: tt.status, WaivedThrough: tt.through, DueAt: due}
			if got := a.StatusAt(tt.now); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
		})
	}
}

func TestFingerprintOfAgreements(t *testing.T) {
	cat := testCatalog(t, "1.0.0")
	base := Fingerprint(cat, nil)
	ackOnly := agreement.Agreement{Key: "a", Engagement: "x", Obligations: []agreement.Obligation{{Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 5}}}
	if got := Fingerprint(cat, []agreement.Agreement{ackOnly}); got != base {
		t.Error("an agreement requiring no training changed the fingerprint")
	}
	acme := acmeAgreement()
	with := Fingerprint(cat, []agreement.Agreement{acme})
	if with == base {
		t.Error("an agreement requiring training left the fingerprint as it was")
	}
	acme.Obligations = slices.Clone(acme.Obligations)
	acme.Obligations[0].WithinDays = 21
	if Fingerprint(cat, []agreement.Agreement{acme}) == with {
		t.Error("a changed deadline left the fingerprint as it was")
	}
}
