package dynamo_test

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

var t0 = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)

// newStore creates a table of its own for the test on the shared DynamoDB
// Local and returns a store over it whose clock reads *now.
func newStore(t *testing.T, now *time.Time) (*dynamo.Store, *dynamodb.Client, string) {
	t.Helper()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	name := devtest.UniqueName(t, "store")
	if err := dynamo.CreateTable(context.Background(), client, name); err != nil {
		t.Fatalf("create table: %v", err)
	}
	return dynamo.New(client, name, func() time.Time { return *now }), client, name
}

func alice() roster.Person {
	return roster.Person{EmployeeID: "E1", Email: "Alice@Example.com", Name: "Alice", Roles: []string{"all-staff"},
		EmploymentType: roster.Employee, StartDate: "2026-01-05", TimeZone: "UTC"}
}

func bob() roster.Person {
	return roster.Person{EmployeeID: "E2", Email: "bob@example.com", Name: "Bob", Roles: []string{"all-staff"},
		ManagerID: "E1", EmploymentType: roster.Employee, StartDate: "2026-01-05", TimeZone: "UTC"}
}

func create(t *testing.T, s *dynamo.Store, ps ...roster.Person) {
	t.Helper()
	err := s.ApplyRoster(context.Background(), roster.Commit{Plan: roster.Plan{Created: ps}, Actor: "test", Source: "test", At: t0})
	if err != nil {
		t.Fatalf("create %d people: %v", len(ps), err)
	}
}

func stored(t *testing.T, s *dynamo.Store) map[string]roster.Record {
	t.Helper()
	recs, err := s.ListPeople(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]roster.Record{}
	for _, r := range recs {
		out[r.EmployeeID] = r
	}
	return out
}

func TestCreateTableMatchesDefinition(t *testing.T) {
	t.Parallel()
	now := t0
	_, client, name := newStore(t, &now)
	ctx := context.Background()
	// A second call on an existing table is harmless.
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		t.Fatalf("second create: %v", err)
	}
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	def := table.Definition()
	if got := aws.ToString(desc.Table.KeySchema[0].AttributeName); got != def.PartitionKey {
		t.Errorf("partition key %s, want %s", got, def.PartitionKey)
	}
	if got, want := len(desc.Table.GlobalSecondaryIndexes), len(def.Indexes); got != want {
		t.Fatalf("got %d indexes, want %d", got, want)
	}
	byName := map[string]types.GlobalSecondaryIndexDescription{}
	for _, ix := range desc.Table.GlobalSecondaryIndexes {
		byName[aws.ToString(ix.IndexName)] = ix
	}
	for _, ix := range def.Indexes {
		got, ok := byName[ix.Name]
		if !ok {
			t.Errorf("index %s missing", ix.Name)
			continue
		}
		if aws.ToString(got.KeySchema[0].AttributeName) != ix.PartitionKey || aws.ToString(got.KeySchema[1].AttributeName) != ix.SortKey {
			t.Errorf("index %s keys %v", ix.Name, got.KeySchema)
		}
	}
	ttl, err := client.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(ttl.TimeToLiveDescription.AttributeName); got != def.TTLAttribute {
		t.Errorf("ttl attribute %q, want %q", got, def.TTLAttribute)
	}
}

func TestPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0

	t.Run("CreateThenRead", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice(), bob())
		rec, found, err := s.GetPerson(ctx, "E2")
		if err != nil || !found {
			t.Fatalf("get: found=%v err=%v", found, err)
		}
		if !rec.Person.Equal(bob()) || rec.Revision != 1 || rec.Version != 1 {
			t.Errorf("got %+v", rec)
		}
		byMail, found, err := s.PersonByEmail(ctx, "ALICE@example.COM")
		if err != nil || !found || byMail.EmployeeID != "E1" {
			t.Errorf("by email: %+v found=%v err=%v", byMail, found, err)
		}
		if got := len(stored(t, s)); got != 2 {
			t.Errorf("listed %d people, want 2", got)
		}
		hist, err := s.PersonHistory(ctx, "E1")
		if err != nil || len(hist) != 1 || hist[0].Actor != "test" || hist[0].Action != "person.created" {
			t.Errorf("history %+v err %v", hist, err)
		}
		events, err := s.AuditEvents(ctx, "2026-11-02")
		if err != nil || len(events) != 2 {
			t.Fatalf("audit events %d err %v, want 2", len(events), err)
		}
	})

	t.Run("ReplayedCreateIsRefusedAndWritesNothing", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice())
		err := s.ApplyRoster(ctx, roster.Commit{Plan: roster.Plan{Created: []roster.Person{alice()}}, Actor: "test", At: t0})
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("got %v, want a conflict", err)
		}
		hist, _ := s.PersonHistory(ctx, "E1")
		events, _ := s.AuditEvents(ctx, "2026-11-02")
		if len(hist) != 1 || len(events) != 1 {
			t.Errorf("got %d revisions and %d events, want 1 and 1", len(hist), len(events))
		}
	})

	t.Run("StaleUpdateIsRefused", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice())
		base := stored(t, s)
		rename := func(name string) error {
			after := alice()
			after.Name = name
			return s.ApplyRoster(ctx, roster.Commit{
				Plan:   roster.Plan{Updated: []roster.Change{{Before: alice(), After: after, Fields: []roster.FieldChange{{Field: "name", From: "Alice", To: name}}}}},
				Stored: base, Actor: "test", At: t0,
			})
		}
		if err := rename("Alice A."); err != nil {
			t.Fatalf("first update: %v", err)
		}
		if err := rename("Alice B."); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second update on the same version: got %v, want conflict", err)
		}
		rec, _, _ := s.GetPerson(ctx, "E1")
		if rec.Name != "Alice A." || rec.Revision != 2 || rec.Version != 2 {
			t.Errorf("got %+v", rec)
		}
	})

	t.Run("EmailTakenByAnotherPersonIsRefused", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice())
		twin := bob()
		twin.Email = "alice@example.com"
		err := s.ApplyRoster(ctx, roster.Commit{Plan: roster.Plan{Created: []roster.Person{twin}}, Actor: "test", At: t0})
		if apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("got %v, want conflict", err)
		}
		if _, found, _ := s.GetPerson(ctx, "E2"); found {
			t.Error("the refused person was written")
		}
	})

	t.Run("SwapEmails", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice(), bob())
		a2, b2 := alice(), bob()
		a2.Email, b2.Email = bob().Email, alice().Email
		err := s.ApplyRoster(ctx, roster.Commit{
			Plan: roster.Plan{Updated: []roster.Change{
				{Before: alice(), After: a2, Fields: []roster.FieldChange{{Field: "email"}}},
				{Before: bob(), After: b2, Fields: []roster.FieldChange{{Field: "email"}}},
			}},
			Stored: stored(t, s), Actor: "test", At: t0,
		})
		if err != nil {
			t.Fatalf("swap: %v", err)
		}
		for email, want := range map[string]string{"bob@example.com": "E1", "alice@example.com": "E2"} {
			rec, found, err := s.PersonByEmail(ctx, email)
			if err != nil || !found || rec.EmployeeID != want {
				t.Errorf("%s: got %s (found=%v, err=%v), want %s", email, rec.EmployeeID, found, err, want)
			}
		}
	})

	t.Run("ChangedEmailReleasesOldAddress", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		create(t, s, alice())
		a2 := alice()
		a2.Email = "alice.new@example.com"
		err := s.ApplyRoster(ctx, roster.Commit{
			Plan:   roster.Plan{Updated: []roster.Change{{Before: alice(), After: a2, Fields: []roster.FieldChange{{Field: "email"}}}}},
			Stored: stored(t, s), Actor: "test", At: t0,
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, found, _ := s.PersonByEmail(ctx, "alice@example.com"); found {
			t.Error("old address still claimed")
		}
		if rec, found, _ := s.PersonByEmail(ctx, "alice.new@example.com"); !found || rec.EmployeeID != "E1" {
			t.Error("new address not claimed")
		}
	})

	t.Run("LeaverIsWokenTheDayAfterEndDate", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		leaver := alice()
		leaver.EndDate = "2026-11-30"
		create(t, s, leaver, bob())
		ids, err := s.WokenPeople(ctx, "2026-12-01")
		if err != nil || len(ids) != 1 || ids[0] != "E1" {
			t.Errorf("woken %v err %v, want [E1]", ids, err)
		}
		if ids, _ := s.WokenPeople(ctx, "2026-11-30"); len(ids) != 0 {
			t.Errorf("woken on the last day: %v", ids)
		}
	})

	t.Run("LargeCommitSpansTransactions", func(t *testing.T) {
		s, _, _ := newStore(t, &now)
		var ps []roster.Person
		for i := range 130 {
			p := bob()
			p.EmployeeID = "P" + string(rune('A'+i/26)) + string(rune('a'+i%26))
			p.Email = p.EmployeeID + "@example.com"
			p.ManagerID = ""
			ps = append(ps, p)
		}
		create(t, s, ps...)
		if got := len(stored(t, s)); got != 130 {
			t.Errorf("stored %d, want 130", got)
		}
	})
}

func TestAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	a := assign.Assignment{EmployeeID: "E1", ModuleID: "security-awareness", Cycle: 1, ModuleVersion: "1.0.0", ModuleMajor: 1,
		ContentSHA256: "abc", Reason: assign.ReasonHire, AssignedOn: "2026-11-02", DueOn: "2026-12-02",
		DueAt: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Recurrence: "annual", Status: assign.StatusOpen}
	plan := []assign.PersonPlan{{EmployeeID: "E1", Plan: assign.Plan{Create: []assign.Assignment{a}}}}
	if err := s.ApplyAssignmentPlans(ctx, plan, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyAssignmentPlans(ctx, plan, "test", "test", t0); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("replayed creation: got %v, want conflict", err)
	}
	got, err := s.Assignments(ctx, "E1")
	if err != nil || len(got) != 1 {
		t.Fatalf("got %d assignments err %v, want 1", len(got), err)
	}
	if g := got[0]; g.Version != 1 || g.Status != assign.StatusOpen || !g.DueAt.Equal(a.DueAt) || g.ContentSHA256 != "abc" {
		t.Errorf("stored %+v", g)
	}

	closePlan := []assign.PersonPlan{{EmployeeID: "E1", Plan: assign.Plan{Close: []assign.Closure{{ModuleID: a.ModuleID, Cycle: 1, Reason: assign.ReasonLeaver, Version: 1}}}}}
	if err := s.ApplyAssignmentPlans(ctx, closePlan, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.ApplyAssignmentPlans(ctx, closePlan, "test", "test", t0); apperr.CodeOf(err) != apperr.Conflict {
		t.Fatalf("replayed closure: got %v, want conflict", err)
	}
	got, _ = s.Assignments(ctx, "E1")
	if g := got[0]; g.Status != assign.StatusCancelled || g.CloseReason != assign.ReasonLeaver || g.ClosedOn != "2026-11-02" || g.Version != 2 {
		t.Errorf("closed %+v", g)
	}
}

// TestModuleAssignments reads one module's assignments, every cycle, and
// none of another module whose id begins with the same letters.
func TestModuleAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	of := func(module string, cycle int) assign.Assignment {
		return assign.Assignment{EmployeeID: "E1", ModuleID: module, Cycle: cycle, ModuleVersion: "1.0.0", ModuleMajor: 1,
			ContentSHA256: "abc", Reason: assign.ReasonHire, AssignedOn: "2026-11-02", DueOn: "2026-12-02",
			DueAt: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), Recurrence: "annual", Status: assign.StatusOpen}
	}
	plan := assign.Plan{Create: []assign.Assignment{of("privacy", 1), of("privacy", 2), of("privacy-extra", 1), of("access", 1)}}
	if err := s.ApplyAssignmentPlans(ctx, []assign.PersonPlan{{EmployeeID: "E1", Plan: plan}}, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		module string
		cycles []int
	}{{"privacy", []int{1, 2}}, {"privacy-extra", []int{1}}, {"access", []int{1}}, {"priv", nil}, {"other", nil}} {
		got, err := s.ModuleAssignments(ctx, "E1", c.module)
		if err != nil {
			t.Fatal(err)
		}
		var cycles []int
		for _, a := range got {
			if a.ModuleID != c.module {
				t.Errorf("%s: read an assignment of %s", c.module, a.ModuleID)
			}
			cycles = append(cycles, a.Cycle)
		}
		if !slices.Equal(cycles, c.cycles) {
			t.Errorf("%s: read cycles %v, want %v", c.module, cycles, c.cycles)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	event := func(action string) audit.Event {
		return audit.Event{ID: audit.NewBatchID(), At: t0, Actor: "test", Action: action, Subject: "apikey#x"}
	}
	key, rec := auth.NewAPIKey(identity.Auditor, "hr-sync", t0)
	rec.CreatedBy, rec.ExpiresOn, rec.Agreement = "person:E1", "2027-01-31", "acme-2026"
	if !auth.IsAPIKeyID(rec.ID) {
		t.Fatalf("id %q", rec.ID)
	}
	if err := s.CreateAPIKey(ctx, rec, event(audit.ActionAPIKeyCreated)); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateAPIKey(ctx, rec, event(audit.ActionAPIKeyCreated)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second create: got %v, want conflict", err)
	}
	byHash, found, err := s.APIKey(ctx, auth.HashSecret(key))
	if err != nil || !found || byHash != rec {
		t.Fatalf("by hash: got %+v found=%v err=%v, want %+v", byHash, found, err, rec)
	}
	byID, found, err := s.APIKeyByID(ctx, rec.ID)
	if err != nil || !found || byID != rec {
		t.Fatalf("by id: got %+v found=%v err=%v", byID, found, err)
	}
	if all, err := s.APIKeys(ctx); err != nil || len(all) != 1 || all[0] != rec {
		t.Fatalf("list: %+v %v", all, err)
	}
	if err := s.RevokeAPIKey(ctx, rec, t0, event(audit.ActionAPIKeyRevoked)); err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (auth.APIKey, bool, error){
		func() (auth.APIKey, bool, error) { return s.APIKey(ctx, rec.Hash) },
		func() (auth.APIKey, bool, error) { return s.APIKeyByID(ctx, rec.ID) },
	} {
		if got, _, _ := get(); !got.RevokedAt.Equal(t0) {
			t.Errorf("not revoked: %+v", got)
		}
	}
	if err := s.RevokeAPIKey(ctx, rec, t0, event(audit.ActionAPIKeyRevoked)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("second revoke: got %v, want conflict", err)
	}
	_, unknown := auth.NewAPIKey(identity.Admin, "never-stored", t0)
	if err := s.RevokeAPIKey(ctx, unknown, t0, event(audit.ActionAPIKeyRevoked)); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("revoke unknown: got %v, want conflict", err)
	}
	events, _ := s.AuditEvents(ctx, "2026-11-02")
	actions := map[string]int{}
	for _, ev := range events {
		actions[ev.Action]++
	}
	if len(events) != 2 || actions[audit.ActionAPIKeyCreated] != 1 || actions[audit.ActionAPIKeyRevoked] != 1 {
		t.Errorf("audit events %+v: want one created, one revoked (failed writes leave none)", events)
	}
}

func TestJobStateIsOptimisticallyLocked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	st, err := s.GetJobState(ctx, "assign")
	if err != nil || st.Version != 0 {
		t.Fatalf("fresh state %+v err %v", st, err)
	}
	if err := s.PutJobState(ctx, "assign", assign.JobState{LastDay: "2026-11-02"}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJobState(ctx, "assign", assign.JobState{LastDay: "2026-11-03"}); apperr.CodeOf(err) != apperr.Conflict {
		t.Errorf("write over a state not read: got %v, want conflict", err)
	}
	st, _ = s.GetJobState(ctx, "assign")
	if st.LastDay != "2026-11-02" || st.Version != 1 {
		t.Errorf("got %+v", st)
	}
}

// TestExpiredItemsAreFilteredOnRead writes an item whose TTL has passed, as
// DynamoDB Local keeps it forever, and checks that reads ignore it.
func TestExpiredItemsAreFilteredOnRead(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, client, name := newStore(t, &now)
	_, rec := auth.NewAPIKey(identity.Admin, "short-lived", t0)
	if err := s.CreateAPIKey(ctx, rec, audit.Event{ID: audit.NewBatchID(), At: t0, Actor: "test", Action: audit.ActionAPIKeyCreated}); err != nil {
		t.Fatal(err)
	}
	_, err := client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(name),
		Key: map[string]types.AttributeValue{
			table.PartitionKey: &types.AttributeValueMemberS{Value: table.APIKeyPK(rec.Hash)},
			table.SortKey:      &types.AttributeValueMemberS{Value: table.APIKeySK},
		},
		UpdateExpression:          aws.String("SET #ttl = :t"),
		ExpressionAttributeNames:  map[string]string{"#ttl": table.TTLAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":t": &types.AttributeValueMemberN{Value: "1793614200"}}, // 2026-11-02T10:10Z
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.APIKey(ctx, rec.Hash); !found {
		t.Fatal("item should be readable before its expiry")
	}
	now = t0.Add(time.Hour)
	if _, found, _ := s.APIKey(ctx, rec.Hash); found {
		t.Error("expired item was returned")
	}
}

// TestDueIndexHoldsOnlyOpenAssignments: creating puts an assignment on the
// due index, completing or cancelling takes it off.
func TestDueIndexHoldsOnlyOpenAssignments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	var plans []assign.PersonPlan
	for _, id := range []string{"E1", "E2", "E3"} {
		a := assign.Assignment{EmployeeID: id, ModuleID: "m", Cycle: 1, ModuleVersion: "1.0.0", ModuleMajor: 1,
			AssignedOn: "2026-11-02", DueOn: "2026-12-02", DueAt: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
			Recurrence: "once", Status: assign.StatusOpen}
		plans = append(plans, assign.PersonPlan{EmployeeID: id, Plan: assign.Plan{Create: []assign.Assignment{a}}})
	}
	if err := s.ApplyAssignmentPlans(ctx, plans, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	open := func() []string {
		t.Helper()
		var ids []string
		read, err := s.OpenAssignments(ctx, "", func(a assign.Assignment) error { ids = append(ids, a.EmployeeID); return nil })
		if err != nil || read != len(ids) {
			t.Fatalf("read %d, listed %d, err %v", read, len(ids), err)
		}
		sort.Strings(ids)
		return ids
	}
	if got := open(); fmt.Sprint(got) != "[E1 E2 E3]" {
		t.Fatalf("open %v, want all three", got)
	}
	first := plans[0].Plan.Create[0]
	first.Version = 1
	done := assign.Completion{At: t0, Score: 100, Version: "1.0.0", SHA256: "abc"}
	if err := s.RecordAttempt(ctx, first, assign.Attempt{EmployeeID: "E1", ModuleID: "m", Cycle: 1, Number: 1, Passed: true, Score: 100, At: t0},
		&done, audit.Event{ID: "ev1", At: t0, Actor: "test", Action: "module.completed", Subject: "person#E1"}); err != nil {
		t.Fatal(err)
	}
	closure := []assign.PersonPlan{{EmployeeID: "E2", Plan: assign.Plan{Close: []assign.Closure{{ModuleID: "m", Cycle: 1, Reason: assign.ReasonLeaver, Version: 1}}}}}
	if err := s.ApplyAssignmentPlans(ctx, closure, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	if got := open(); fmt.Sprint(got) != "[E3]" {
		t.Errorf("open %v, want only E3", got)
	}

	third := plans[2].Plan.Create[0]
	for range 2 {
		if err := s.MarkReminded(ctx, third, "2026-11-20"); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.MarkReminded(ctx, third, "2026-11-27"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Assignments(ctx, "E3")
	if got[0].RemindersSent != 2 || got[0].LastRemindedOn != "2026-11-27" {
		t.Errorf("reminder counters %d %q, want 2 and 2026-11-27", got[0].RemindersSent, got[0].LastRemindedOn)
	}
}

// TestDueIndexRange: a read bounded by a day lists the open assignments
// awaiting their notice, whatever their due day, and the others due before
// that day; the first reminder moves an assignment to its due day.
func TestDueIndexRange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := t0
	s, _, _ := newStore(t, &now)
	open := func(id, dueOn string, reminded int) assign.Assignment {
		due, err := time.Parse(time.DateOnly, dueOn)
		if err != nil {
			t.Fatal(err)
		}
		return assign.Assignment{EmployeeID: id, ModuleID: "m", Cycle: 1, ModuleVersion: "1.0.0", ModuleMajor: 1,
			AssignedOn: "2026-11-02", DueOn: dueOn, DueAt: due.AddDate(0, 0, 1), Recurrence: "once", Status: assign.StatusOpen,
			RemindersSent: reminded}
	}
	all := []assign.Assignment{
		open("NEW-FAR", "2027-03-01", 0), open("NEW-SOON", "2026-11-10", 0),
		open("OLD-FAR", "2027-03-01", 1), open("OLD-SOON", "2026-11-10", 2), open("OLD-DAY", "2026-11-20", 1),
		open("OVERDUE", "2026-10-01", 3),
	}
	var plans []assign.PersonPlan
	for _, a := range all {
		plans = append(plans, assign.PersonPlan{EmployeeID: a.EmployeeID, Plan: assign.Plan{Create: []assign.Assignment{a}}})
	}
	if err := s.ApplyAssignmentPlans(ctx, plans, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	list := func(dueBefore string) string {
		t.Helper()
		var ids []string
		read, err := s.OpenAssignments(ctx, dueBefore, func(a assign.Assignment) error { ids = append(ids, a.EmployeeID); return nil })
		if err != nil || read != len(ids) {
			t.Fatalf("read %d, listed %d, err %v", read, len(ids), err)
		}
		sort.Strings(ids)
		return strings.Join(ids, " ")
	}
	for _, c := range []struct{ dueBefore, want string }{
		{"", "NEW-FAR NEW-SOON OLD-DAY OLD-FAR OLD-SOON OVERDUE"},
		{"2026-11-20", "NEW-FAR NEW-SOON OLD-SOON OVERDUE"},
		{"2026-11-21", "NEW-FAR NEW-SOON OLD-DAY OLD-SOON OVERDUE"},
		{"2026-10-01", "NEW-FAR NEW-SOON"},
	} {
		if got := list(c.dueBefore); got != c.want {
			t.Errorf("due before %q: %s, want %s", c.dueBefore, got, c.want)
		}
	}
	// A waiver takes an assignment off the index; its end puts it back
	// where it was: awaiting its notice, or at its due day.
	var waive, reopen []assign.PersonPlan
	for _, a := range []assign.Assignment{all[0], all[2]} {
		waive = append(waive, assign.PersonPlan{EmployeeID: a.EmployeeID, Plan: assign.Plan{Waive: []assign.Waiving{
			{ModuleID: a.ModuleID, Cycle: a.Cycle, WaiverID: "w-" + a.EmployeeID, Through: "2026-11-30", Version: 1}}}})
		reopen = append(reopen, assign.PersonPlan{EmployeeID: a.EmployeeID, Plan: assign.Plan{Reopen: []assign.Reopening{
			{ModuleID: a.ModuleID, Cycle: a.Cycle, DueOn: a.DueOn, RemindersSent: a.RemindersSent, Version: 2}}}})
	}
	if err := s.ApplyAssignmentPlans(ctx, waive, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	if got, want := list(""), "NEW-SOON OLD-DAY OLD-SOON OVERDUE"; got != want {
		t.Errorf("waived: %s, want %s", got, want)
	}
	if err := s.ApplyAssignmentPlans(ctx, reopen, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	if got, want := list("2026-10-01"), "NEW-FAR NEW-SOON"; got != want {
		t.Errorf("reopened: %s, want %s", got, want)
	}

	if err := s.MarkReminded(ctx, all[0], "2026-11-02"); err != nil {
		t.Fatal(err)
	}
	if got, want := list("2026-11-20"), "NEW-SOON OLD-SOON OVERDUE"; got != want {
		t.Errorf("after the notice: %s, want %s", got, want)
	}
	if got, want := list("2027-03-02"), "NEW-FAR NEW-SOON OLD-DAY OLD-FAR OLD-SOON OVERDUE"; got != want {
		t.Errorf("after the notice, up to its due day: %s, want %s", got, want)
	}
}

// TestCreateTableAddsMissingIndexes: a table kept from an older release,
// without the newest index, gets it.
func TestCreateTableAddsMissingIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	name := devtest.UniqueName(t, "old")
	old := dynamo.CreateTableInput(name)
	last := old.GlobalSecondaryIndexes[len(old.GlobalSecondaryIndexes)-1]
	old.GlobalSecondaryIndexes = old.GlobalSecondaryIndexes[:len(old.GlobalSecondaryIndexes)-1]
	var defs []types.AttributeDefinition
	for _, d := range old.AttributeDefinitions {
		if n := aws.ToString(d.AttributeName); n != aws.ToString(last.KeySchema[0].AttributeName) && n != aws.ToString(last.KeySchema[1].AttributeName) {
			defs = append(defs, d)
		}
	}
	old.AttributeDefinitions = defs
	if _, err := client.CreateTable(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		t.Fatal(err)
	}
	desc, err := client.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(desc.Table.GlobalSecondaryIndexes), len(table.Definition().Indexes); got != want {
		t.Errorf("got %d indexes, want %d", got, want)
	}
}
