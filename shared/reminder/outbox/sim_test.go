package outbox_test

import (
	"bytes"
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/roster"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// world is one test's tracker with its own table and a movable clock, on the
// shared DynamoDB Local and SES emulator. The emulator's mailbox is shared
// by the package's tests, so each world's addresses use a domain of its own.
type world struct {
	t      *testing.T
	stack  *devstack.Stack
	app    *app.App
	now    time.Time
	domain string
	seen   []string
}

func newWorld(t *testing.T, start time.Time, sesOpts ...func(*sesv2.Options)) *world {
	t.Helper()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	name := devtest.Table(t, client, "remind")
	w := &world{t: t, stack: stack, now: start, domain: strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(name)) + ".test"}
	a, err := app.New(app.Config{
		DynamoDB: client, TableName: name, SES: stack.SESClient(sesOpts...), SenderEmail: "training@attest.test",
		BaseURL: "http://tracker.test", Now: func() time.Time { return w.now },
	})
	if err != nil {
		t.Fatal(err)
	}
	w.app = a
	return w
}

// importDemo imports the demo roster with every address moved to the
// world's domain, and returns its people.
func (w *world) importDemo() map[string]roster.Person {
	w.t.Helper()
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		w.t.Fatal(err)
	}
	for _, d := range []string{"@example.com", "@contractor.example.net", "@northwind-data.example.org"} {
		csv = bytes.ReplaceAll(csv, []byte(d), []byte("@"+w.domain))
	}
	ctx := context.Background()
	if _, err := w.app.Roster.Import(ctx, roster.Request{Body: bytes.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test", Role: identity.Admin}); err != nil {
		w.t.Fatal(err)
	}
	recs, err := w.app.Store.ListPeople(ctx)
	if err != nil {
		w.t.Fatal(err)
	}
	out := map[string]roster.Person{}
	for _, r := range recs {
		out[r.EmployeeID] = r.Person
	}
	return out
}

// sent returns the emails to the world's addresses since the last call, as
// "address kind" strings, sorted.
func (w *world) sent() []string {
	w.t.Helper()
	all, err := w.stack.SentMail(context.Background())
	if err != nil {
		w.t.Fatal(err)
	}
	var now []string
	for _, m := range all {
		for _, to := range m.To {
			if !strings.HasSuffix(strings.ToLower(to), "@"+w.domain) {
				continue
			}
			kind := "digest"
			if strings.HasSuffix(m.Subject, "overdue security training") {
				kind = "escalation"
			}
			now = append(now, strings.ToLower(to)+" "+kind)
		}
	}
	sort.Strings(now)
	fresh := minus(now, w.seen)
	w.seen = now
	return fresh
}

// minus returns the elements of a (sorted) not matched one for one in b.
func minus(a, b []string) []string {
	count := map[string]int{}
	for _, s := range b {
		count[s]++
	}
	var out []string
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			continue
		}
		out = append(out, s)
	}
	return out
}

// run runs the reminders for the day (at 12:00 UTC) as the schedule would.
func (w *world) run(day string) (remindersSummary, error) {
	at, err := time.Parse(time.DateOnly, day)
	if err != nil {
		w.t.Fatal(err)
	}
	w.now = at.Add(12 * time.Hour)
	sum, err := w.app.Reminders.Run(context.Background(), w.now, false, false)
	return remindersSummary{notifications: sum.Notifications, read: sum.OpenRead}, err
}

type remindersSummary struct{ notifications, read int }

// complete records a passing attempt on every open assignment of a person.
func (w *world) complete(id string) {
	w.t.Helper()
	ctx := context.Background()
	all, err := w.app.Store.Assignments(ctx, id)
	if err != nil {
		w.t.Fatal(err)
	}
	for _, a := range all {
		if a.Status != assign.StatusOpen {
			continue
		}
		done := assign.Completion{At: w.now, Score: 100, Version: a.ModuleVersion, SHA256: a.ContentSHA256}
		at := assign.Attempt{EmployeeID: id, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Attempts + 1, Score: 100, Passed: true, At: w.now}
		ev := audit.Event{ID: audit.NewBatchID(), At: w.now, Actor: "test", Action: audit.ActionModuleCompleted, Subject: "person#" + id}
		if err := w.app.Store.RecordAttempt(ctx, a, at, &done, ev); err != nil {
			w.t.Fatal(err)
		}
	}
}

// oracle is an independent, brute-force model of the cadence and the
// escalation ladder that the README documents, kept apart from package
// remind so that the simulation checks one against the other.
type oracle struct {
	people      map[string]roster.Person
	vendors     map[string]orgconfig.Vendor
	unreachable map[string]bool
	items       []*modelItem
}

type modelItem struct {
	a    assign.Assignment
	open bool
	sent int
	last string
}

func localDay(at time.Time, p roster.Person) (string, bool) {
	l := at.In(p.Location())
	return l.Format(time.DateOnly), l.Weekday() != time.Saturday && l.Weekday() != time.Sunday
}

func days(from, to string) int {
	a, _ := time.Parse(time.DateOnly, from)
	b, _ := time.Parse(time.DateOnly, to)
	return int(b.Sub(a).Hours() / 24)
}

func shift(day string, n int) string {
	d, _ := time.Parse(time.DateOnly, day)
	return d.AddDate(0, 0, n).Format(time.DateOnly)
}

// wantsDigest is the cadence: a first notice, then 14, 7, 3 and 1 days
// before the due day and weekly from the day after it, at most 10 in all;
// one missed (weekend) goes out on the next sending day.
func (it *modelItem) wantsDigest(day string) bool {
	a := it.a
	if !it.open || day < a.AssignedOn || it.sent >= 10 || it.last == day {
		return false
	}
	if it.sent == 0 {
		return true
	}
	var marks []string
	for _, k := range []int{14, 7, 3, 1} {
		marks = append(marks, shift(a.DueOn, -k))
	}
	for d := shift(a.DueOn, 1); d <= day; d = shift(d, 7) {
		marks = append(marks, d)
	}
	for _, m := range marks {
		if it.last < m && m <= day {
			return true
		}
	}
	return false
}

func (o *oracle) reachable(email string) bool {
	return email != "" && !o.unreachable[strings.ToLower(email)]
}

// expect returns the emails a run at `at` must send, and applies the digests
// to the model as the store would.
func (o *oracle) expect(at time.Time) []string {
	var out []string
	escalated := map[string]bool{}
	digested := map[string][]*modelItem{}
	for _, it := range o.items {
		p := o.people[it.a.EmployeeID]
		day, weekday := localDay(at, p)
		if it.open && p.ActiveOn(day) && weekday && o.reachable(p.Email) && it.wantsDigest(day) {
			digested[p.EmployeeID] = append(digested[p.EmployeeID], it)
		}
		if !it.open || !p.ActiveOn(day) {
			continue
		}
		overdue := days(it.a.DueOn, day)
		if overdue < 7 {
			continue
		}
		notify := func(r roster.Person) {
			rday, rweekday := localDay(at, r)
			if r.EmployeeID != p.EmployeeID && r.ActiveOn(rday) && rweekday && o.reachable(r.Email) {
				escalated[strings.ToLower(r.Email)] = true
			}
		}
		if v, ok := o.vendors[p.Vendor]; ok && p.EmploymentType == roster.Subcontractor && (v.ContactEmail != "" || v.OwnerID != "") {
			if v.ContactEmail != "" && o.reachable(v.ContactEmail) && at.UTC().Weekday() != time.Saturday && at.UTC().Weekday() != time.Sunday {
				escalated[strings.ToLower(v.ContactEmail)] = true
			}
			if owner, ok := o.people[v.OwnerID]; ok {
				notify(owner)
			}
			continue
		}
		m, ok := o.people[p.ManagerID]
		if !ok || p.ManagerID == p.EmployeeID {
			continue
		}
		notify(m)
		if overdue >= 21 {
			if up, ok := o.people[m.ManagerID]; ok && m.ManagerID != m.EmployeeID {
				notify(up)
			}
		}
	}
	for id, items := range digested {
		p := o.people[id]
		day, _ := localDay(at, p)
		for _, it := range items {
			it.sent++
			it.last = day
		}
		out = append(out, strings.ToLower(p.Email)+" digest")
	}
	for email := range escalated {
		out = append(out, email+" escalation")
	}
	sort.Strings(out)
	return out
}

// TestThirtyDaysOfReminders simulates a month of reminders for the demo
// organisation: everybody started training on 5 October, due 4 November;
// the month runs from 27 October to 25 November. Each day's emails, read
// back from the SES emulator, must be exactly what the independent model
// expects; running the same day again must send nothing. On the way one
// person completes everything, one address bounces, and the subcontractor
// vendor gets escalation contacts.
func TestThirtyDaysOfReminders(t *testing.T) {
	t.Parallel()
	w := newWorld(t, time.Date(2026, 10, 5, 9, 0, 0, 0, time.UTC))
	ppl := w.importDemo()
	ctx := context.Background()
	vendor := orgconfig.Vendor{Key: "Northwind Data Services", ContactEmail: "security@" + w.domain, OwnerID: "E014"}
	if err := w.app.Store.PutVendor(ctx, orgconfig.VendorRecord{Vendor: vendor}, "test"); err != nil {
		t.Fatal(err)
	}
	o := &oracle{people: ppl, vendors: map[string]orgconfig.Vendor{vendor.Key: vendor}, unreachable: map[string]bool{}}
	for id := range ppl {
		all, err := w.app.Store.Assignments(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range all {
			o.items = append(o.items, &modelItem{a: a, open: a.Status == assign.StatusOpen})
		}
	}

	total, escalations := 0, 0
	for day := "2026-10-27"; day <= "2026-11-25"; day = shift(day, 1) {
		switch day {
		case "2026-11-09":
			w.complete("E020")
			for _, it := range o.items {
				if it.a.EmployeeID == "E020" {
					it.open = false
				}
			}
		case "2026-11-12":
			bounced := ppl["E041"].Email
			if err := w.app.Store.MarkUndeliverable(ctx, bounced, "bounce", "test-message", w.now); err != nil {
				t.Fatal(err)
			}
			o.unreachable[strings.ToLower(bounced)] = true
		}
		if _, err := w.run(day); err != nil {
			t.Fatalf("%s: run: %v", day, err)
		}
		want := o.expect(w.now)
		got := w.sent()
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s: emails differ\nmissing: %v\nunexpected: %v", day, minus(want, got), minus(got, want))
		}
		total += len(got)
		for _, g := range got {
			if strings.HasSuffix(g, " escalation") {
				escalations++
			}
		}
		// A replayed run of the same day sends nothing.
		if _, err := w.run(day); err != nil {
			t.Fatalf("%s: replay: %v", day, err)
		}
		if again := w.sent(); len(again) != 0 {
			t.Fatalf("%s: the replay sent %v", day, again)
		}
	}
	t.Logf("30 days: %d emails, %d of them escalations", total, escalations)
	if total == 0 || escalations == 0 {
		t.Fatalf("the month sent %d emails and %d escalations: the simulation exercised nothing", total, escalations)
	}

	// What the month sent is in each person's notification history.
	hist, err := w.app.Store.Notifications(ctx, "person#E021")
	if err != nil || len(hist) == 0 {
		t.Fatalf("history of E021: %v %v", hist, err)
	}
	for _, h := range hist {
		if h.Status != "sent" || h.MessageID == "" {
			t.Errorf("history line %+v not recorded as sent", h)
		}
	}
}
