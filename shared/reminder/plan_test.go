package reminder

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/roster"
)

// staff returns an active employee in zone tz reporting to manager.
func staff(id, manager, tz string) roster.Person {
	return roster.Person{
		EmployeeID: id, Email: id + "@example.com", Name: "Person " + strings.ToUpper(id),
		ManagerID: manager, EmploymentType: roster.Employee, StartDate: "2020-01-01", TimeZone: tz,
	}
}

// subcontractor returns an active subcontractor of vendor reporting to manager.
func subcontractor(id, manager, vendor string) roster.Person {
	p := staff(id, manager, "UTC")
	p.EmploymentType, p.Vendor = roster.Subcontractor, vendor
	return p
}

// task returns an open assignment that received sent reminders, the last on last.
func task(employee, module, assignedOn, dueOn string, sent int, last string) assign.Assignment {
	return assign.Assignment{
		EmployeeID: employee, ModuleID: module, Cycle: 1, Status: assign.StatusOpen,
		AssignedOn: assignedOn, DueOn: dueOn, RemindersSent: sent, LastRemindedOn: last,
	}
}

// capped returns an overdue assignment due on dueOn whose reminders are all
// spent, so that only escalations name it.
func capped(employee, module, dueOn string) assign.Assignment {
	return task(employee, module, "2026-01-01", dueOn, DefaultConfig().MaxPerAssignment, "2026-01-01")
}

func peopleByID(ps ...roster.Person) map[string]roster.Person {
	m := make(map[string]roster.Person, len(ps))
	for _, p := range ps {
		m[p.EmployeeID] = p
	}
	return m
}

// summary renders notifications as "key kind day: lines", a line being
// employee/module:reason for digests and employee/module:Nd for escalations.
func summary(ns []Notification) []string {
	out := make([]string, 0, len(ns))
	for _, n := range ns {
		var lines []string
		for _, l := range n.Lines {
			what := string(l.Reason)
			if n.Kind == KindEscalation {
				what = fmt.Sprintf("%dd", l.DaysOverdue)
			}
			lines = append(lines, l.Person.EmployeeID+"/"+l.Assignment.ModuleID+":"+what)
		}
		out = append(out, fmt.Sprintf("%s %s %s: %s", n.Recipient.Key, n.Kind, n.Day, strings.Join(lines, " ")))
	}
	return out
}

func TestPlanDigests(t *testing.T) {
	hourly := DefaultConfig()
	hourly.Hourly = true
	a := staff("a", "", "UTC")
	left := staff("a", "m", "UTC")
	left.EndDate = "2026-12-03"
	lastDay := staff("a", "", "UTC")
	lastDay.EndDate = "2026-12-04"
	// Due Saturday 19 December: its 14-day reminder falls on Saturday 5 December.
	saturdayReminder := task("a", "aware", "2026-11-19", "2026-12-19", 1, "2026-11-19")
	tests := []struct {
		name        string
		config      Config
		now         string
		people      []roster.Person
		open        []assign.Assignment
		unreachable map[string]bool
		want        []string
	}{
		{
			name: "notice on the assignment day", now: "2026-12-01T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-12-01", "2026-12-31", 0, "")},
			want: []string{"person#a digest 2026-12-01: a/aware:notice"},
		},
		{
			name: "nothing before the 14-day reminder", now: "2026-12-03T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 1, "2026-11-18")},
		},
		{
			name: "14 days before due", now: "2026-12-04T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 1, "2026-11-18")},
			want: []string{"person#a digest 2026-12-04: a/aware:before_due"},
		},
		{
			name: "7 days before due", now: "2026-12-11T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 2, "2026-12-04")},
			want: []string{"person#a digest 2026-12-11: a/aware:before_due"},
		},
		{
			name: "3 days before due", now: "2026-12-15T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 3, "2026-12-11")},
			want: []string{"person#a digest 2026-12-15: a/aware:before_due"},
		},
		{
			name: "nothing 2 days before due", now: "2026-12-16T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 4, "2026-12-15")},
		},
		{
			name: "1 day before due", now: "2026-12-17T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-18", "2026-12-18", 4, "2026-12-15")},
			want: []string{"person#a digest 2026-12-17: a/aware:before_due"},
		},
		{
			name: "nothing on the Saturday reminder day", now: "2026-12-05T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{saturdayReminder},
		},
		{
			name: "deferred to Monday where it is already Monday", now: "2026-12-06T14:00:00Z",
			people: []roster.Person{staff("a", "", "Pacific/Auckland")}, open: []assign.Assignment{saturdayReminder},
			want: []string{"person#a digest 2026-12-07: a/aware:before_due"},
		},
		{
			name: "not yet where it is still Sunday", now: "2026-12-06T14:00:00Z",
			people: []roster.Person{staff("a", "", "America/Los_Angeles")}, open: []assign.Assignment{saturdayReminder},
		},
		{
			name: "deferred to Monday in UTC", now: "2026-12-07T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{saturdayReminder},
			want: []string{"person#a digest 2026-12-07: a/aware:before_due"},
		},
		{
			name: "first overdue reminder the day after due", now: "2026-12-04T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-03", "2026-12-03", 5, "2026-12-02")},
			want: []string{"person#a digest 2026-12-04: a/aware:overdue"},
		},
		{
			name: "nothing six days into the overdue week", now: "2026-12-10T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-03", "2026-12-03", 6, "2026-12-04")},
		},
		{
			name: "weekly while overdue", now: "2026-12-11T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-03", "2026-12-03", 6, "2026-12-04")},
			want: []string{"person#a digest 2026-12-11: a/aware:overdue"},
		},
		{
			name: "cap reached", now: "2026-12-18T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{task("a", "aware", "2026-11-03", "2026-12-03", 10, "2026-12-11")},
		},
		{
			name: "two items on one day make one digest, by due day", now: "2026-12-04T10:00:00Z", people: []roster.Person{a},
			open: []assign.Assignment{
				task("a", "privacy", "2026-12-04", "2026-12-18", 0, ""),
				task("a", "aware", "2026-11-03", "2026-12-03", 5, "2026-12-02"),
				task("a", "secdev", "2026-11-18", "2026-12-18", 1, "2026-11-18"),
				task("a", "quiet", "2026-11-18", "2026-12-20", 1, "2026-11-18"),
			},
			want: []string{"person#a digest 2026-12-04: a/aware:overdue a/privacy:notice a/secdev:before_due"},
		},
		{
			name: "person who left gets nothing, nor their manager", now: "2026-12-04T10:00:00Z",
			people: []roster.Person{left, staff("m", "", "UTC")},
			open:   []assign.Assignment{task("a", "aware", "2026-11-03", "2026-11-20", 5, "2026-11-21")},
		},
		{
			name: "still active on the end date", now: "2026-12-04T10:00:00Z", people: []roster.Person{lastDay},
			open: []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
			want: []string{"person#a digest 2026-12-04: a/aware:notice"},
		},
		{
			name: "unreachable person", now: "2026-12-04T10:00:00Z", people: []roster.Person{a},
			open:        []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
			unreachable: map[string]bool{"a@example.com": true},
		},
		{
			name: "no record of the person", now: "2026-12-04T10:00:00Z",
			open: []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
		},
		{
			name: "hourly at 07:59 local", config: hourly, now: "2026-12-04T12:59:00Z",
			people: []roster.Person{staff("a", "", "America/New_York")},
			open:   []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
		},
		{
			name: "hourly at 08:00 local", config: hourly, now: "2026-12-04T13:00:00Z",
			people: []roster.Person{staff("a", "", "America/New_York")},
			open:   []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
			want:   []string{"person#a digest 2026-12-04: a/aware:notice"},
		},
		{
			name: "hourly at 18:00 local", config: hourly, now: "2026-12-04T23:00:00Z",
			people: []roster.Person{staff("a", "", "America/New_York")},
			open:   []assign.Assignment{task("a", "aware", "2026-12-04", "2026-12-31", 0, "")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.config
			if c.MaxPerAssignment == 0 {
				c = DefaultConfig()
			}
			got := summary(Plan(Input{
				Config: c, Now: mustTime(t, tt.now), Open: tt.open,
				People: peopleByID(tt.people...), Unreachable: tt.unreachable,
			}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanEscalations(t *testing.T) {
	// Reports r1 and r2 report to m, who reports to g, who reports to nobody.
	chain := []roster.Person{staff("r1", "m", "UTC"), staff("r2", "m", "UTC"), staff("m", "g", "UTC"), staff("g", "", "UTC")}
	with := func(ps ...roster.Person) []roster.Person {
		byID := peopleByID(chain...)
		for _, p := range ps {
			byID[p.EmployeeID] = p
		}
		out := make([]roster.Person, 0, len(byID))
		for _, p := range byID {
			out = append(out, p)
		}
		return out
	}
	inactive := staff("m", "g", "UTC")
	inactive.EndDate = "2026-11-30"
	shouting := staff("m", "g", "UTC")
	shouting.Email = "M@Example.com"
	acme := map[string]orgconfig.Vendor{"Acme": {Key: "Acme", ContactEmail: "ops@acme.example", OwnerID: "o"}}
	tests := []struct {
		name        string
		now         string
		people      []roster.Person
		open        []assign.Assignment
		vendors     map[string]orgconfig.Vendor
		unreachable map[string]bool
		want        []string
	}{
		{
			name: "6 days overdue: nobody", now: "2026-12-07T10:00:00Z", people: chain,
			open: []assign.Assignment{capped("r1", "aware", "2026-12-01")},
		},
		{
			name: "7 days overdue: the manager", now: "2026-12-08T10:00:00Z", people: chain,
			open: []assign.Assignment{capped("r1", "aware", "2026-12-01")},
			want: []string{"person#m escalation 2026-12-08: r1/aware:7d"},
		},
		{
			name: "20 days overdue: the manager only", now: "2026-12-07T10:00:00Z", people: chain,
			open: []assign.Assignment{capped("r1", "aware", "2026-11-17")},
			want: []string{"person#m escalation 2026-12-07: r1/aware:20d"},
		},
		{
			name: "21 days overdue: the next manager up too", now: "2026-12-07T10:00:00Z", people: chain,
			open: []assign.Assignment{capped("r1", "aware", "2026-11-16")},
			want: []string{"person#g escalation 2026-12-07: r1/aware:21d", "person#m escalation 2026-12-07: r1/aware:21d"},
		},
		{
			name: "one escalation per manager for several reports", now: "2026-12-07T10:00:00Z", people: chain,
			open: []assign.Assignment{
				capped("r2", "aware", "2026-11-10"),
				capped("r1", "privacy", "2026-11-30"),
				capped("r1", "aware", "2026-11-20"),
				capped("r2", "privacy", "2026-12-03"),
				capped("m", "aware", "2026-11-30"),
			},
			want: []string{
				"person#g escalation 2026-12-07: m/aware:7d r2/aware:27d",
				"person#m escalation 2026-12-07: r1/aware:17d r1/privacy:7d r2/aware:27d",
			},
		},
		{
			name: "a digest and an escalation to the same person", now: "2026-12-07T10:00:00Z", people: chain,
			open: []assign.Assignment{capped("r1", "aware", "2026-11-30"), task("m", "aware", "2026-12-07", "2026-12-31", 0, "")},
			want: []string{"person#m digest 2026-12-07: m/aware:notice", "person#m escalation 2026-12-07: r1/aware:7d"},
		},
		{
			name: "overdue days count in the report's zone", now: "2026-12-07T12:00:00Z",
			people: with(staff("r1", "m", "Pacific/Auckland")),
			open:   []assign.Assignment{capped("r1", "aware", "2026-12-01")},
			want:   []string{"person#m escalation 2026-12-07: r1/aware:7d"},
		},
		{
			name: "nothing on the manager's weekend", now: "2026-12-04T20:00:00Z",
			people: with(staff("m", "g", "Pacific/Auckland")),
			open:   []assign.Assignment{capped("r1", "aware", "2026-11-20")},
		},
		{
			name: "the manager's day where it is already Monday", now: "2026-12-06T20:00:00Z",
			people: with(staff("m", "g", "Pacific/Auckland")),
			open:   []assign.Assignment{capped("r1", "aware", "2026-11-20")},
			want:   []string{"person#m escalation 2026-12-07: r1/aware:16d"},
		},
		{
			name: "subcontractor: the vendor contact and owner, not the manager", now: "2026-12-07T10:00:00Z",
			people: with(subcontractor("s", "m", "Acme"), staff("o", "g", "Europe/Paris")),
			open:   []assign.Assignment{capped("s", "aware", "2026-11-10")}, vendors: acme,
			want: []string{"person#o escalation 2026-12-07: s/aware:27d", "vendor#Acme escalation 2026-12-07: s/aware:27d"},
		},
		{
			name: "subcontractor 6 days overdue: nobody", now: "2026-12-07T10:00:00Z",
			people: with(subcontractor("s", "m", "Acme"), staff("o", "g", "UTC")),
			open:   []assign.Assignment{capped("s", "aware", "2026-12-01")}, vendors: acme,
		},
		{
			name: "subcontractor with a vendor contact only", now: "2026-12-07T10:00:00Z",
			people:  with(subcontractor("s", "m", "Acme")),
			open:    []assign.Assignment{capped("s", "aware", "2026-11-30")},
			vendors: map[string]orgconfig.Vendor{"Acme": {Key: "Acme", ContactEmail: "ops@acme.example"}},
			want:    []string{"vendor#Acme escalation 2026-12-07: s/aware:7d"},
		},
		{
			name: "subcontractor whose vendor owner is unknown: the contact only", now: "2026-12-07T10:00:00Z",
			people: with(subcontractor("s", "m", "Acme")),
			open:   []assign.Assignment{capped("s", "aware", "2026-11-30")}, vendors: acme,
			want: []string{"vendor#Acme escalation 2026-12-07: s/aware:7d"},
		},
		{
			name: "subcontractor whose vendor contact bounced: the owner only", now: "2026-12-07T10:00:00Z",
			people: with(subcontractor("s", "m", "Acme"), staff("o", "g", "UTC")),
			open:   []assign.Assignment{capped("s", "aware", "2026-11-30")}, vendors: acme,
			unreachable: map[string]bool{"ops@acme.example": true},
			want:        []string{"person#o escalation 2026-12-07: s/aware:7d"},
		},
		{
			name: "subcontractor of a vendor without contacts: the manager chain", now: "2026-12-07T10:00:00Z",
			people:  with(subcontractor("s", "m", "Acme")),
			open:    []assign.Assignment{capped("s", "aware", "2026-11-16")},
			vendors: map[string]orgconfig.Vendor{"Acme": {Key: "Acme"}},
			want:    []string{"person#g escalation 2026-12-07: s/aware:21d", "person#m escalation 2026-12-07: s/aware:21d"},
		},
		{
			name: "subcontractor of an unknown vendor: the manager chain", now: "2026-12-07T10:00:00Z",
			people: with(subcontractor("s", "m", "Other Ltd")),
			open:   []assign.Assignment{capped("s", "aware", "2026-11-30")}, vendors: acme,
			want: []string{"person#m escalation 2026-12-07: s/aware:7d"},
		},
		{
			name: "contractor of a known vendor: the manager chain", now: "2026-12-07T10:00:00Z",
			people: with(func() roster.Person {
				p := subcontractor("s", "m", "Acme")
				p.EmploymentType = roster.Contractor
				return p
			}()),
			open: []assign.Assignment{capped("s", "aware", "2026-11-30")}, vendors: acme,
			want: []string{"person#m escalation 2026-12-07: s/aware:7d"},
		},
		{
			name: "unreachable manager skipped, not re-routed", now: "2026-12-07T10:00:00Z",
			people: with(shouting), open: []assign.Assignment{capped("r1", "aware", "2026-11-27")},
			unreachable: map[string]bool{"m@example.com": true},
		},
		{
			name: "unreachable manager skipped, next manager up at 21 days", now: "2026-12-07T10:00:00Z",
			people: with(shouting), open: []assign.Assignment{capped("r1", "aware", "2026-11-16")},
			unreachable: map[string]bool{"m@example.com": true},
			want:        []string{"person#g escalation 2026-12-07: r1/aware:21d"},
		},
		{
			name: "manager who left skipped, next manager up at 21 days", now: "2026-12-07T10:00:00Z",
			people: with(inactive), open: []assign.Assignment{capped("r1", "aware", "2026-11-10")},
			want: []string{"person#g escalation 2026-12-07: r1/aware:27d"},
		},
		{
			name: "missing manager record skipped", now: "2026-12-07T10:00:00Z",
			people: []roster.Person{staff("r1", "ghost", "UTC"), staff("g", "", "UTC")},
			open:   []assign.Assignment{capped("r1", "aware", "2026-11-10")},
		},
		{
			name: "missing next manager up record skipped", now: "2026-12-07T10:00:00Z",
			people: with(staff("m", "ghost", "UTC")), open: []assign.Assignment{capped("r1", "aware", "2026-11-10")},
			want: []string{"person#m escalation 2026-12-07: r1/aware:27d"},
		},
		{
			name: "nobody is escalated to themselves", now: "2026-12-07T10:00:00Z",
			people: []roster.Person{staff("ceo", "ceo", "UTC")}, open: []assign.Assignment{capped("ceo", "aware", "2026-11-10")},
		},
		{
			name: "a manager who is their own manager gets it once", now: "2026-12-07T10:00:00Z",
			people: []roster.Person{staff("r1", "ceo", "UTC"), staff("ceo", "ceo", "UTC")},
			open:   []assign.Assignment{capped("r1", "aware", "2026-11-10")},
			want:   []string{"person#ceo escalation 2026-12-07: r1/aware:27d"},
		},
		{
			name: "a management cycle does not come back to the report", now: "2026-12-07T10:00:00Z",
			people: []roster.Person{staff("r1", "m", "UTC"), staff("m", "r1", "UTC")},
			open:   []assign.Assignment{capped("r1", "aware", "2026-11-10")},
			want:   []string{"person#m escalation 2026-12-07: r1/aware:27d"},
		},
		{
			name: "a vendor owner who is the subcontractor", now: "2026-12-07T10:00:00Z",
			people:  with(subcontractor("s", "m", "Acme")),
			open:    []assign.Assignment{capped("s", "aware", "2026-11-10")},
			vendors: map[string]orgconfig.Vendor{"Acme": {Key: "Acme", ContactEmail: "ops@acme.example", OwnerID: "s"}},
			want:    []string{"vendor#Acme escalation 2026-12-07: s/aware:27d"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Plan(Input{
				Config: DefaultConfig(), Now: mustTime(t, tt.now), Open: tt.open,
				People: peopleByID(tt.people...), Vendors: tt.vendors, Unreachable: tt.unreachable,
			}))
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPlanRecipients(t *testing.T) {
	o := staff("o", "", "Europe/Paris")
	o.Name = "Owner O"
	in := Input{
		Config: DefaultConfig(), Now: mustTime(t, "2026-12-07T10:00:00Z"),
		Open:    []assign.Assignment{capped("s", "aware", "2026-11-10")},
		People:  peopleByID(subcontractor("s", "m", "Acme"), o),
		Vendors: map[string]orgconfig.Vendor{"Acme": {Key: "Acme", ContactEmail: "ops@acme.example", OwnerID: "o"}},
	}
	paris := loadZone(t, "Europe/Paris")
	want := []Recipient{
		{Key: "person#o", Email: "o@example.com", Name: "Owner O", TimeZone: paris},
		{Key: "vendor#Acme", Email: "ops@acme.example", Name: "Acme", TimeZone: time.UTC},
	}
	got := Plan(in)
	if len(got) != len(want) {
		t.Fatalf("got %d notifications, want %d", len(got), len(want))
	}
	for i, n := range got {
		t.Run(want[i].Key, func(t *testing.T) {
			r := n.Recipient
			if r.Key != want[i].Key || r.Email != want[i].Email || r.Name != want[i].Name || r.TimeZone.String() != want[i].TimeZone.String() {
				t.Errorf("got %+v, want %+v", r, want[i])
			}
			if r.IsVendor() != (i == 1) {
				t.Errorf("got IsVendor %v, want %v", r.IsVendor(), i == 1)
			}
			if l := n.Lines[0]; l.Person.EmployeeID != "s" || l.DaysOverdue != 27 || l.Reason != "" {
				t.Errorf("got line %s %d %q, want s 27 \"\"", l.Person.EmployeeID, l.DaysOverdue, l.Reason)
			}
		})
	}
}

func TestPlanDeterministic(t *testing.T) {
	ps := []roster.Person{staff("g", "", "UTC"), staff("o", "g", "Asia/Tokyo"), subcontractor("s", "m", "Acme")}
	var open []assign.Assignment
	for i := range 12 {
		id := fmt.Sprintf("m%d", i%3)
		if i < 3 {
			ps = append(ps, staff(id, "g", "Europe/Berlin"))
		}
		r := fmt.Sprintf("r%02d", i)
		ps = append(ps, staff(r, id, []string{"UTC", "Europe/Berlin", "Asia/Tokyo"}[i%3]))
		open = append(open,
			capped(r, "aware", fmt.Sprintf("2026-11-%02d", 5+i)),
			task(r, "privacy", "2026-12-07", "2026-12-31", 0, ""),
			task(r, "secdev", "2026-11-23", "2026-12-21", 1, "2026-11-23"))
	}
	open = append(open, capped("s", "aware", "2026-11-10"))
	in := Input{
		Config: DefaultConfig(), Now: mustTime(t, "2026-12-07T08:00:00Z"), Open: open, People: peopleByID(ps...),
		Vendors: map[string]orgconfig.Vendor{"Acme": {Key: "Acme", ContactEmail: "ops@acme.example", OwnerID: "o"}},
	}
	want := Plan(in)
	if len(want) < 16 {
		t.Fatalf("got %d notifications, want at least 16: %v", len(want), summary(want))
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		t.Run(fmt.Sprintf("shuffle %d", round), func(t *testing.T) {
			shuffled := slices.Clone(open)
			rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			in.Open = shuffled
			if got := Plan(in); !reflect.DeepEqual(got, want) {
				t.Errorf("got %v, want %v", summary(got), summary(want))
			}
		})
	}
	t.Run("sorted by recipient and kind", func(t *testing.T) {
		sorted := slices.IsSortedFunc(want, func(a, b Notification) int {
			return strings.Compare(a.Recipient.Key+" "+string(a.Kind), b.Recipient.Key+" "+string(b.Kind))
		})
		if !sorted {
			t.Errorf("got %v, want sorted", summary(want))
		}
	})
}

func TestNudgeNotification(t *testing.T) {
	p := staff("a", "m", "Asia/Tokyo")
	left := p
	left.EndDate = "2026-12-01"
	now := mustTime(t, "2026-12-05T20:00:00Z") // Sunday 6 December in Tokyo: nudges ignore weekends
	open := []assign.Assignment{
		task("a", "secdev", "2026-12-01", "2026-12-31", 0, ""),
		task("a", "aware", "2026-11-01", "2026-12-01", 10, "2026-12-04"),
		task("b", "aware", "2026-11-01", "2026-12-01", 0, ""),
	}
	done := task("a", "privacy", "2026-11-01", "2026-12-01", 0, "")
	done.Status = assign.StatusCompleted
	tests := []struct {
		name   string
		p      roster.Person
		open   []assign.Assignment
		want   []string
		wantOK bool
	}{
		{name: "every open assignment of the person", p: p, open: append(open, done), wantOK: true,
			want: []string{"person#a nudge 2026-12-06: a/aware:nudge a/secdev:nudge"}},
		{name: "nothing open", p: p, open: []assign.Assignment{done, open[2]}},
		{name: "person who left", p: left, open: open},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := NudgeNotification(tt.p, tt.open, now)
			if ok != tt.wantOK {
				t.Fatalf("got %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				return
			}
			if got := summary([]Notification{n}); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if got := n.Lines[0].DaysOverdue; got != 5 {
				t.Errorf("got %d days overdue, want 5", got)
			}
		})
	}
}

// TestPlanSimulation runs the planner once a day for 60 days over one
// assignment given on Monday 5 January 2026 and due 30 days later
// (Wednesday 4 February), recording each digest on the assignment as the
// sender would.
func TestPlanSimulation(t *testing.T) {
	p := staff("a", "", "Europe/Berlin")
	a := task("a", "aware", "2026-01-05", "2026-02-04", 0, "")
	start := mustTime(t, "2026-01-05T09:00:00Z")
	var got []string
	for d := range 60 {
		ns := Plan(Input{Config: DefaultConfig(), Now: start.AddDate(0, 0, d), Open: []assign.Assignment{a}, People: peopleByID(p)})
		for _, n := range ns {
			if n.Kind != KindDigest || len(n.Lines) != 1 {
				t.Fatalf("got %v, want one digest line", summary(ns))
			}
			got = append(got, n.Day+" "+string(n.Lines[0].Reason))
			a.RemindersSent++
			a.LastRemindedOn = n.Day
		}
	}
	want := []string{
		"2026-01-05 notice",     // Monday, the assignment day
		"2026-01-21 before_due", // 14 days before
		"2026-01-28 before_due", // 7 days before
		"2026-02-02 before_due", // 3 days before fell on Sunday 1 February
		"2026-02-03 before_due", // 1 day before
		"2026-02-05 overdue",    // the day after due, then weekly
		"2026-02-12 overdue",
		"2026-02-19 overdue",
		"2026-02-26 overdue",
		"2026-03-05 overdue", // the tenth: the cap
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
