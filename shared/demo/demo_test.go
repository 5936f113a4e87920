package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/demo"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// end is the fixed "now" of the tests' simulations.
var end = time.Date(2026, 11, 30, 18, 0, 0, 0, time.UTC)

// simulate runs the simulation of days days up to end on a table of its own
// and returns the summary and the store (on the real clock).
func simulate(t *testing.T, days int, seed uint64) (demo.Summary, *world) {
	t.Helper()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	name := devtest.Table(t, client, "demo")
	started := time.Now()
	sum, err := demo.Run(context.Background(), demo.Options{
		Config: app.Config{DynamoDB: client, TableName: name, SES: stack.SESClient(), SenderEmail: "training@attest.test", BaseURL: "http://tracker.test"},
		End:    end, Days: days, Seed: seed,
	})
	took := time.Since(started)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d days in %v: %s", days, took.Round(time.Millisecond), sum)
	return sum, &world{Store: dynamo.New(client, name, func() time.Time { return end }), client: client, name: name}
}

// world is a simulated table: its store (on the end's clock), client and name.
type world struct {
	*dynamo.Store
	client *dynamodb.Client
	name   string
}

// TestYearOfHistory simulates the whole year and checks what it left.
func TestYearOfHistory(t *testing.T) {
	t.Parallel()
	sum, store := simulate(t, 365, 1)
	ctx := context.Background()

	// The roster of today is content/demo/roster.csv: a sync upload of it
	// would change nobody.
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	up, problems := roster.ParseCSV(bytes.NewReader(csv))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	recs, err := store.ListPeople(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stored := make([]roster.Person, len(recs))
	for i, r := range recs {
		stored[i] = r.Person
	}
	plan, err := roster.PlanImport(up, stored, roster.ModeSync, end.Format(time.DateOnly), func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Created)+len(plan.Updated)+len(plan.Deactivated) > 0 || plan.Unchanged != len(up.People) {
		t.Errorf("stored roster differs from roster.csv: %d created, %d updated %v, %d deactivated, %d unchanged",
			len(plan.Created), len(plan.Updated), plan.Updated, len(plan.Deactivated), plan.Unchanged)
	}

	// Completions spread over the year, some late; overdue training today.
	months := map[string]int{}
	late, overdue, failed, cancelled := 0, 0, 0, 0
	for _, r := range recs {
		as, err := store.Assignments(ctx, r.EmployeeID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			switch a.Status {
			case assign.StatusCompleted:
				months[a.CompletedAt.Format("2006-01")]++
				if a.CompletedAt.After(a.DueAt) {
					late++
				}
				if a.Attempts > 1 {
					failed++
				}
			case assign.StatusOpen:
				if a.DueAt.Before(end) {
					overdue++
				}
			case assign.StatusCancelled:
				cancelled++
			}
		}
	}
	if len(months) < 4 {
		t.Errorf("completions fall in %d months (%v), want them spread over the year", len(months), months)
	}
	if late == 0 || overdue == 0 || failed == 0 || cancelled == 0 {
		t.Errorf("late %d, overdue now %d, completed after a failed attempt %d, cancelled (leavers) %d: want each > 0", late, overdue, failed, cancelled)
	}
	if sum.Late != late || sum.OverdueNow != overdue {
		t.Errorf("summary says %d late and %d overdue, the table %d and %d", sum.Late, sum.OverdueNow, late, overdue)
	}
	if sum.FailedAttempts == 0 || sum.Acknowledgments == 0 || sum.Reminders == 0 || sum.Escalations == 0 || sum.Nudges == 0 {
		t.Errorf("summary %+v: want failed attempts, acknowledgments, reminders, escalations and nudges", sum)
	}
	if rate := float64(sum.FailedAttempts) / float64(sum.Completions); rate < 0.15 || rate > 0.4 {
		t.Errorf("%d failed attempts for %d completions, want about a quarter", sum.FailedAttempts, sum.Completions)
	}

	// Acknowledgments of both cycles, at simulated times.
	acks, err := store.Acknowledgments(ctx, "E020")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range acks {
		if !a.AcknowledgedAt.Before(end) || a.AcknowledgedAt.Before(end.AddDate(-1, 0, -1)) {
			t.Errorf("acknowledgment at %v, outside the simulated year", a.AcknowledgedAt)
		}
	}

	// Reminders and escalations recorded as notifications.
	notes, err := store.Notifications(ctx, identity.PersonRef("E010"))
	if err != nil {
		t.Fatal(err)
	}
	if len(notes) == 0 {
		t.Error("no notification recorded for the manager E010")
	}

	// The re-org: E012 reports to E002 now, with a revision on its day, and
	// appears among E002's direct reports, no longer among E010's.
	e012, _, err := store.GetPerson(ctx, "E012")
	if err != nil || e012.ManagerID != "E002" {
		t.Fatalf("E012's manager is %q (%v), want E002", e012.ManagerID, err)
	}
	revs, err := store.PersonHistory(ctx, "E012")
	if err != nil {
		t.Fatal(err)
	}
	moved := false
	for _, r := range revs {
		if r.At.Format(time.DateOnly) == "2026-03-02" {
			moved = true
		}
	}
	if !moved {
		t.Errorf("E012's history %+v has no revision on 2026-03-02", revs)
	}
	if ids := directReports(t, store.client, store.name, "E010"); slices.Contains(ids, "E012") || !slices.Contains(ids, "E020") {
		t.Errorf("E010's direct reports %v list E012 or lack E020", ids)
	}
	if ids := directReports(t, store.client, store.name, "E002"); !slices.Contains(ids, "E012") {
		t.Errorf("E002's direct reports %v do not list E012", ids)
	}

	// The exceptions register: a waiver that ran out (parental leave), one
	// revoked, two still holding; the run-out one's module is no longer
	// waived.
	waivers, err := store.AllWaivers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	holding, revoked := 0, 0
	for _, w := range waivers {
		switch {
		case w.Revoked():
			revoked++
		case w.ExpiresOn >= end.Format(time.DateOnly):
			holding++
		}
	}
	if sum.Waivers != 4 || len(waivers) != 4 || holding != 2 || revoked != 1 {
		t.Errorf("summary says %d waivers; stored %d, %d holding, %d revoked: want 4, 2 and 1", sum.Waivers, len(waivers), holding, revoked)
	}
	c005, err := store.Assignments(ctx, "C005")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(c005, func(a assign.Assignment) bool {
		return a.ModuleID == "secure-development" && a.StatusAt(end) == assign.ShownWaived
	}) {
		t.Errorf("C005's secure-development is not waived today: %+v", c005)
	}
	e031, err := store.Assignments(ctx, "E031")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range e031 {
		if a.ModuleID == "secure-development" && a.StatusAt(end) == assign.ShownWaived {
			t.Errorf("E031's secure-development is still waived after the waiver ran out: %+v", a)
		}
	}

	// The customer agreements and the frozen quarters: the last closed
	// quarter was frozen by the daily run, equals its live answer, and
	// each agreement's report has obligations met and people behind misses.
	if sum.Agreements != 2 || sum.Frozen < 4 {
		t.Errorf("summary says %d agreements saved and %d quarters frozen, want 2 and at least 4", sum.Agreements, sum.Frozen)
	}
	a, err := app.New(app.Config{DynamoDB: store.client, TableName: store.name, BaseURL: "http://tracker.test", Now: func() time.Time { return end }})
	if err != nil {
		t.Fatal(err)
	}
	frozen, err := a.Metrics.Metrics(ctx, metrics.Query{Quarter: "2026-Q3", By: metrics.ByDepartment})
	if err != nil {
		t.Fatal(err)
	}
	live, err := a.Metrics.Metrics(ctx, metrics.Query{AsOf: "2026-09-30", By: metrics.ByDepartment})
	if err != nil {
		t.Fatal(err)
	}
	live.Frozen = true
	if fj, lj := mustJSON(t, frozen), mustJSON(t, live); !frozen.Frozen || fj != lj {
		t.Errorf("2026-Q3 frozen=%v\n%s\nasOf its last day\n%s", frozen.Frozen, fj, lj)
	}
	if frozen.CompletionRate == nil || *frozen.CompletionRate <= 0.5 || *frozen.CompletionRate >= 1 || frozen.OverdueCount == 0 {
		t.Errorf("2026-Q3: completion rate %v, %d overdue: want a realistic quarter", frozen.CompletionRate, frozen.OverdueCount)
	}
	// Every figure of the last closed quarter has data behind it.
	if frozen.OnTimeRate == nil || frozen.MedianDaysToComplete == nil || frozen.NewStarterRate == nil ||
		frozen.FirstAttemptPassRate == nil || frozen.AveragePassingScore == nil || frozen.AckRate == nil {
		t.Errorf("2026-Q3 has figures without data: %s", mustJSON(t, frozen))
	}
	trend, err := a.Metrics.Trend(ctx, 8)
	if err != nil {
		t.Fatal(err)
	}
	withData := 0
	for _, q := range trend {
		if q.Figures != nil && q.Figures.CompletionRate != nil {
			withData++
			t.Logf("%s: completion %.4f, %d overdue", q.Quarter, *q.Figures.CompletionRate, q.Figures.OverdueCount)
		}
	}
	if withData < 4 {
		t.Errorf("the trend has %d quarters with data, want the 4 of the year", withData)
	}
	met, missed := 0, 0
	for _, key := range []string{"acme-bank-msa", "globex-health-dpa"} {
		r, err := a.Metrics.Report(ctx, key, "2026-Q3", "")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range r.Obligations {
			t.Logf("%s %s: %d/%d met=%v, %d pending, %d misses", key, o.ID, o.Numerator, o.Denominator, o.Met, o.Pending, len(o.Misses))
			if o.Denominator == 0 {
				t.Errorf("%s %s: nobody due in 2026-Q3", key, o.ID)
			}
			if o.Met {
				met++
			} else {
				missed++
			}
			if len(o.Misses) != o.Denominator-o.Numerator {
				t.Errorf("%s %s: %d misses listed for %d/%d", key, o.ID, len(o.Misses), o.Numerator, o.Denominator)
			}
		}
	}
	if met == 0 || missed == 0 {
		t.Errorf("2026-Q3 reports: %d obligations met, %d missed; want both", met, missed)
	}
	globex, err := store.Assignments(ctx, "E003")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(globex, func(a assign.Assignment) bool { return a.ModuleID == "globex-patient-data" }) {
		t.Errorf("E003, on the Globex engagement, was never assigned Globex's module: %+v", globex)
	}

	// Audit events carry simulated times: a quiz completion months ago.
	events, err := store.AuditEvents(ctx, firstCompletionDay(t, store.Store, recs))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(events, func(e audit.Event) bool { return e.Action == audit.ActionModuleCompleted }) {
		t.Error("no module.completed audit event on the day of the first completion")
	}
}

// mustJSON encodes v.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// directReports lists a manager's direct reports through the manager
// index (GSI1), as the team view does.
func directReports(t *testing.T, client *dynamodb.Client, name, managerID string) []string {
	t.Helper()
	out, err := client.Query(context.Background(), &dynamodb.QueryInput{
		TableName: aws.String(name), IndexName: aws.String(table.IndexGSI1),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": table.GSI1PK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: table.ManagerPK(managerID)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range out.Items {
		id, err := table.EmployeeIDFromPersonKey(it[table.PartitionKey].(*types.AttributeValueMemberS).Value)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// firstCompletionDay is the UTC day of the earliest completion.
func firstCompletionDay(t *testing.T, store *dynamo.Store, recs []roster.Record) string {
	t.Helper()
	first := end
	for _, r := range recs {
		as, err := store.Assignments(context.Background(), r.EmployeeID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			if a.Status == assign.StatusCompleted && a.CompletedAt.Before(first) {
				first = a.CompletedAt
			}
		}
	}
	return first.UTC().Format(time.DateOnly)
}

// TestSameSeedSameHistory simulates a shorter span twice on two tables and
// compares what they stored, leaving out random ids and tokens.
func TestSameSeedSameHistory(t *testing.T) {
	t.Parallel()
	_, a := simulate(t, 30, 7)
	_, b := simulate(t, 30, 7)
	da, db := digest(t, a), digest(t, b)
	if da != db {
		t.Errorf("two runs with the same seed stored different histories: %s vs %s", da, db)
	}
}

// digest hashes the people, assignments, acknowledgments and notifications
// stored, with their times.
func digest(t *testing.T, store *world) string {
	t.Helper()
	ctx := context.Background()
	recs, err := store.ListPeople(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(recs, func(i, j int) bool { return recs[i].EmployeeID < recs[j].EmployeeID })
	var lines []string
	for _, r := range recs {
		lines = append(lines, fmt.Sprintf("%+v", r.Person))
		as, err := store.Assignments(ctx, r.EmployeeID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range as {
			a.Version, a.WaiverID = 0, "" // waiver ids are random
			lines = append(lines, fmt.Sprintf("%+v", a))
		}
		acks, err := store.Acknowledgments(ctx, r.EmployeeID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range acks {
			lines = append(lines, fmt.Sprintf("%+v", a))
		}
		notes, err := store.Notifications(ctx, identity.PersonRef(r.EmployeeID))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range notes {
			n.MessageID = ""
			lines = append(lines, fmt.Sprintf("%+v", n))
		}
	}
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	t.Logf("%d lines", len(lines))
	return hex.EncodeToString(sum[:])
}
