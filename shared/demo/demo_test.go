package demo_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
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
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/demo"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/evidence/evidencetest"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
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
	// The evidence key on Local KMS and a bucket on the S3 stand-in: the
	// daily runs seal the audit log and build each closed quarter's
	// bundles.
	keys := stack.KMSClient()
	keyID, err := kmssign.EnsureLocalKey(context.Background(), keys, "alias/"+strings.ReplaceAll(devtest.UniqueName(t, "demo"), ".", "_"))
	if err != nil {
		t.Fatal(err)
	}
	s3c := stack.S3Client()
	objects := &s3store.Store{Client: s3c, Bucket: devtest.Bucket(t, s3c, "demo"), Now: time.Now}
	cfg := app.Config{DynamoDB: client, TableName: name, SES: stack.SESClient(), SenderEmail: "training@attest.test", BaseURL: "http://tracker.test",
		Signer: kmssign.New(keys, keyID), Exports: &app.ExportsConfig{Objects: objects}}
	started := time.Now()
	sum, err := demo.Run(context.Background(), demo.Options{Config: cfg, End: end, Days: days, Seed: seed})
	took := time.Since(started)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d days in %v: %s", days, took.Round(time.Millisecond), sum)
	cfg.Now = func() time.Time { return end }
	return sum, &world{Store: dynamo.New(client, name, cfg.Now), client: client, name: name, cfg: cfg, objects: objects}
}

// world is a simulated table: its store (on the end's clock), client and
// name, the application's configuration (on the end's clock) and the
// evidence bucket.
type world struct {
	*dynamo.Store
	client  *dynamodb.Client
	name    string
	cfg     app.Config
	objects *s3store.Store
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
	t.Run("Evidence", func(t *testing.T) { checkEvidence(t, sum, store) })
}

// checkEvidence checks the simulated year's evidence as a customer's
// auditor would: the audit log sealed every day; each closed quarter's
// bundles built by the export runs; the last one's organisation and
// agreement bundles verified with openssl and sha256sum, every figure
// recomputed from their rows, the agreement's limited to its engagement,
// the organisation's rebuilt byte for byte; then one stored audit event
// changed, and the verification names it.
func checkEvidence(t *testing.T, sum demo.Summary, w *world) {
	ctx := context.Background()
	a, err := inprocess.New(w.cfg)
	if err != nil {
		t.Fatal(err)
	}
	// Three quarters lie wholly inside the simulated year (2026-Q1 to Q3),
	// each with the organisation's bundle and one per agreement in force
	// (both agreements, from 2026-Q1 on).
	if sum.Sealed < 365 || sum.Bundles != 3*3 {
		t.Fatalf("the year sealed %d days and built %d bundles", sum.Sealed, sum.Bundles)
	}
	v, err := a.AuditVerifier.Verify(ctx, "2025-12-01", "2026-11-29")
	if err != nil || !v.OK || v.Events < 1000 {
		t.Fatalf("the year's audit log: %+v, %v", v, err)
	}

	list, err := a.Exports.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	byScope := map[string]export.Export{}
	for _, e := range list {
		if e.Quarter == "2026-Q3" && e.State == export.Done {
			byScope[e.Scope] = e
		}
	}
	pem, err := w.cfg.Signer.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "public.pem")
	if err := os.WriteFile(keyFile, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	dirs := map[string]string{}
	for _, scope := range []string{"organisation", "agreement:acme-bank-msa", "agreement:globex-health-dpa"} {
		e, ok := byScope[scope]
		if !ok {
			t.Fatalf("no 2026-Q3 bundle of %s among %d exports", scope, len(list))
		}
		dir := download(t, w.objects, e)
		dirs[scope] = dir
		if sig, link, sums, ok1, ok2, ok3 := evidencetest.Verify(t, dir, keyFile); !ok1 || !ok2 || !ok3 {
			t.Fatalf("%s bundle does not verify:\n%s\n%s\n%s", scope, sig, link, sums)
		}
		m := evidencetest.CheckMetrics(t, dir)
		if m.Counts["people"] == 0 || m.Counts["completed"] == 0 || m.CompletionRate == nil {
			t.Errorf("%s bundle is empty: %v", scope, m.Counts)
		}
		// The audit log verifies offline with the README's script, every
		// day of the quarter sealed.
		if err := os.WriteFile(filepath.Join(dir, "public.pem"), pem, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, out := evidencetest.VerifyAuditLog(t, "../../README.md", dir, "audit-log.jsonl"); code != 0 || !strings.Contains(out, "verified: 92 days") {
			t.Errorf("%s bundle's audit log, offline: exit %d: %s", scope, code, out)
		}
	}

	// The agreement's bundle lists only people on its engagement (at E, or
	// who left it during the quarter), and its audit log holds only their
	// events and the agreement's in full.
	org := evidencetest.ReadCSV(t, dirs["organisation"], "people.csv")
	acme := evidencetest.ReadCSV(t, dirs["agreement:acme-bank-msa"], "people.csv")
	listed := map[string]bool{}
	for _, p := range acme {
		listed[p["employee_id"]] = true
	}
	for _, p := range org {
		on := slices.Contains(strings.Split(p["engagements"], ";"), "acme-bank")
		if on && !listed[p["employee_id"]] {
			t.Errorf("%s is on acme-bank at E but missing from its bundle", p["employee_id"])
		}
		delete(listed, p["employee_id"])
	}
	if len(listed) != 0 || len(acme) == 0 || len(acme) >= len(org) {
		t.Errorf("acme-bank's bundle: %d people of %d, %v not in the organisation's", len(acme), len(org), listed)
	}
	for _, p := range acme {
		listed[identity.PersonRef(p["employee_id"])] = true
	}
	listed[identity.AgreementRef("acme-bank-msa")] = true
	log, err := os.ReadFile(filepath.Join(dirs["agreement:acme-bank-msa"], "audit-log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	whole, redacted := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(string(log)), "\n") {
		var ev struct {
			Action   string `json:"action"`
			Subject  string `json:"subject"`
			Redacted string `json:"redacted"`
			Seal     string `json:"seal"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("audit-log.jsonl line %q: %v", line, err)
		}
		switch {
		case ev.Redacted != "":
			redacted++
		case ev.Action != "":
			whole++
			if !listed[ev.Subject] {
				t.Errorf("acme-bank's audit log holds an event about %s (%s)", ev.Subject, ev.Action)
			}
		}
	}
	if whole == 0 || redacted == 0 {
		t.Errorf("acme-bank's audit log: %d events in full, %d by hash", whole, redacted)
	}

	// A closed quarter rebuilt is the same, byte for byte, but for the
	// manifest's generated_at (and so its signature).
	again, err := a.Exports.Request(ctx, "2026-Q3", "", "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	a.Exports.Wait()
	if again, err = a.Exports.Get(ctx, again.ID, ""); err != nil || again.State != export.Done {
		t.Fatalf("rebuild: %+v, %v", again, err)
	}
	rebuilt := download(t, w.objects, again)
	for _, f := range again.Files {
		x, _ := os.ReadFile(filepath.Join(dirs["organisation"], f.Name))
		y, _ := os.ReadFile(filepath.Join(rebuilt, f.Name))
		switch f.Name {
		case "manifest.json.sig":
			continue
		case "manifest.json":
			drop := regexp.MustCompile(`(?m)^.*"generated_at".*$`)
			x, y = drop.ReplaceAll(x, nil), drop.ReplaceAll(y, nil)
		}
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("rebuilt %s differs (%d and %d bytes)", f.Name, len(x), len(y))
		}
	}

	// Someone with write access to the table changes one stored event of
	// the quarter: verification fails and names it.
	day := "2026-08-12"
	events, err := w.AuditEvents(ctx, day)
	if err != nil || len(events) == 0 {
		t.Fatalf("events of %s: %d, %v", day, len(events), err)
	}
	victim := events[len(events)/2]
	_, err = w.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(w.name),
		Key: map[string]types.AttributeValue{
			table.PartitionKey: &types.AttributeValueMemberS{Value: table.AuditPK(day)},
			table.SortKey:      &types.AttributeValueMemberS{Value: table.AuditSK(victim.SortTime(), victim.ID)},
		},
		UpdateExpression:          aws.String("SET #a = :a"),
		ExpressionAttributeNames:  map[string]string{"#a": "actor"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":a": &types.AttributeValueMemberS{Value: "someone-else"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	v, err = a.AuditVerifier.Verify(ctx, "2026-07-01", "2026-09-30")
	if err != nil || v.OK || v.FirstBroken == nil || v.FirstBroken.Day != day || v.FirstBroken.EventID != victim.ID {
		t.Fatalf("after changing event %s of %s: %+v (first broken %+v), %v", victim.ID, day, v, v.FirstBroken, err)
	}
}

// download fetches every file of a done export from the bucket into a new
// directory.
func download(t *testing.T, objects *s3store.Store, e export.Export) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range e.Files {
		r, _, err := objects.Open(context.Background(), e.Prefix+f.Name)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.Name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
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
