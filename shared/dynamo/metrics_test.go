package dynamo_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
	"github.com/attest-oss/attest/shared/waiver"
)

// TestPersonHistoriesReadsEveryPartitionInRosterOrder: every person ever on
// the roster comes once, in id order, with their revisions, assignments,
// attempts (without answers), acknowledgments and waivers, and nothing else
// of their partition; the count of items read covers the roster listing
// and the partitions.
func TestPersonHistoriesReadsEveryPartitionInRosterOrder(t *testing.T) {
	t.Parallel()
	now := t0
	s, _, _ := newStore(t, &now)
	ctx := context.Background()
	create(t, s, bob(), alice())
	// Alice's department changes: a second revision.
	moved := alice()
	moved.Department = "Ops"
	before := stored(t, s)["E1"]
	if err := s.ApplyRoster(ctx, roster.Commit{Plan: roster.Plan{Updated: []roster.Change{{Before: alice(), After: moved}}},
		Stored: map[string]roster.Record{"E1": before}, Actor: "test", Source: "test", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	a := assign.Assignment{EmployeeID: "E2", ModuleID: "m", Cycle: 1, ModuleVersion: "1.0.0", ModuleMajor: 1,
		AssignedOn: "2026-11-02", DueOn: "2026-12-02", DueAt: time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC),
		Recurrence: "once", Status: assign.StatusOpen}
	if err := s.ApplyAssignmentPlans(ctx, []assign.PersonPlan{{EmployeeID: "E2", Plan: assign.Plan{Create: []assign.Assignment{a}}}}, "test", "test", t0); err != nil {
		t.Fatal(err)
	}
	a.Version = 1
	if err := s.RecordAttempt(ctx, a, assign.Attempt{EmployeeID: "E2", ModuleID: "m", Cycle: 1, Number: 1, Score: 40, At: t0,
		Answers: map[string]string{"q1": "a"}}, nil, audit.Event{ID: "ev1", At: t0, Actor: "test", Action: "module.attempted", Subject: "person#E2"}); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPolicyView(ctx, ack.View{EmployeeID: "E2", PolicyID: "aup", VersionSHA256: "abc", Cycle: "2026", FirstViewedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.PutAcknowledgment(ctx, ack.Acknowledgment{EmployeeID: "E2", PolicyID: "aup", PolicyVersion: "1.0.0", TextSHA256: "abc",
		Cycle: "2026", AcknowledgedAt: t0, TypedName: "Bob"}, audit.Event{ID: "ev2", At: t0, Actor: "test", Action: "policy.acknowledged", Subject: "person#E2"}); err != nil {
		t.Fatal(err)
	}
	w := waiver.Waiver{ID: "wvr_0000000000000001", EmployeeID: "E2", Item: "policy:aup", Reason: "r", Approver: "x",
		ExpiresOn: "2026-12-31", GrantedBy: "test", GrantedAt: t0}
	if err := s.GrantWaiver(ctx, w, nil, audit.Event{ID: "ev3", At: t0, Actor: "test", Action: "waiver.granted", Subject: "person#E2"}); err != nil {
		t.Fatal(err)
	}

	var got []metrics.History
	read, err := s.PersonHistories(ctx, func(h metrics.History) error { got = append(got, h); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("got %d histories, want 2", len(got))
	}
	alice, bob := got[0], got[1]
	if len(alice.Revisions) != 2 || alice.Revisions[0].Person.EmployeeID != "E1" || alice.Revisions[1].Person.Department != "Ops" {
		t.Errorf("first history %+v, want Alice's two revisions", alice.Revisions)
	}
	if len(alice.Assignments)+len(alice.Attempts)+len(alice.Acks)+len(alice.Waivers) != 0 {
		t.Errorf("Alice has records: %+v", alice)
	}
	if len(bob.Revisions) != 1 || len(bob.Assignments) != 1 || len(bob.Attempts) != 1 || len(bob.Acks) != 1 || len(bob.Waivers) != 1 {
		t.Fatalf("Bob's history %+v, want one of each", bob)
	}
	if at := bob.Attempts[0]; at.Score != 40 || at.Answers != nil || !at.At.Equal(t0) {
		t.Errorf("attempt %+v, want its score and no answers", at)
	}
	if as := bob.Assignments[0]; as.ModuleID != "m" || as.Attempts != 1 || !as.RecordedAt.Equal(t0) {
		t.Errorf("assignment %+v", as)
	}
	if bob.Acks[0].TypedName != "Bob" || bob.Waivers[0].ID != w.ID {
		t.Errorf("ack %+v waiver %+v", bob.Acks[0], bob.Waivers[0])
	}
	// 2 roster entries; Alice: profile + 2 revisions; Bob: profile, revision,
	// assignment, attempt, view, acknowledgment, waiver, waiver claim.
	if want := 2 + 3 + 8; read != want {
		t.Errorf("read %d items, want %d", read, want)
	}

	t.Run("ErrorStops", func(t *testing.T) {
		stop := errors.New("stop")
		calls := 0
		_, err := s.PersonHistories(ctx, func(metrics.History) error { calls++; return stop })
		if !errors.Is(err, stop) || calls != 1 {
			t.Errorf("err %v after %d calls, want stop after 1", err, calls)
		}
	})
}

// TestPersonHistoriesOfManyPeople: more people than are read at once, and
// than one roster page holds when its items are large enough, still come
// once each, in order.
func TestPersonHistoriesOfManyPeople(t *testing.T) {
	t.Parallel()
	now := t0
	s, _, _ := newStore(t, &now)
	ctx := context.Background()
	var ps []roster.Person
	for i := range 250 {
		p := roster.Person{EmployeeID: fmt.Sprintf("P%04d", i), Email: fmt.Sprintf("p%d@example.com", i), Name: "P",
			EmploymentType: roster.Employee, StartDate: "2026-01-05", TimeZone: "UTC"}
		ps = append(ps, p)
	}
	create(t, s, ps...)
	var ids []string
	read, err := s.PersonHistories(ctx, func(h metrics.History) error {
		ids = append(ids, h.Revisions[0].Person.EmployeeID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 250 || ids[0] != "P0000" || ids[249] != "P0249" || read != 250*3 {
		t.Fatalf("got %d ids (%v … %v), read %d", len(ids), ids[0], ids[len(ids)-1], read)
	}
	for i, id := range ids {
		if id != fmt.Sprintf("P%04d", i) {
			t.Fatalf("id %d is %s", i, id)
		}
	}
}

// snapshotRows is one person's rows with incompressible text, so that a few
// thousand of them take several chunks.
func snapshotRows(i int) metrics.PersonRows {
	return metrics.PersonRows{
		Person: metrics.PersonRow{EmployeeID: fmt.Sprintf("E%05d", i), Name: rand.Text() + rand.Text() + rand.Text(), Email: "x@example.com",
			Roles: []string{"all-staff"}, EmploymentType: "employee", StartDate: "2026-01-05", TimeZone: "UTC",
			Spans: []metrics.Span{{Engagement: "acme", JoinedOn: "2026-01-05"}}},
		Assignments: []metrics.AssignmentRow{{EmployeeID: fmt.Sprintf("E%05d", i), ModuleID: rand.Text(), Cycle: 1,
			AssignedAt: t0, DueAt: t0.Add(30 * 24 * time.Hour), CompletedAt: t0.Add(time.Duration(i) * time.Second), Score: 90, Status: metrics.Completed}},
		Acks: []metrics.AckRow{{EmployeeID: fmt.Sprintf("E%05d", i), PolicyID: "aup", Cycle: "2026", TextSHA256: rand.Text() + rand.Text()}},
	}
}

// TestSnapshotIsWrittenOnceAndReadBack: the rows come back in order, across
// several chunks of at most table.SnapshotChunkBytes; the manifest is
// written once with its audit event, and a second run is a Conflict.
func TestSnapshotIsWrittenOnceAndReadBack(t *testing.T) {
	t.Parallel()
	now := t0
	s, client, name := newStore(t, &now)
	ctx := context.Background()
	const people = 5000
	w := s.NewSnapshotWriter("2026-Q3", "run1")
	var want []metrics.PersonRows
	for i := range people {
		r := snapshotRows(i)
		want = append(want, r)
		if err := w.Add(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	event := audit.Event{ID: "freeze-1", At: t0, Actor: "test", Action: audit.ActionMetricsFrozen, Subject: "quarter:2026-Q3"}
	m, err := w.Commit(ctx, metrics.Snapshot{AsOf: "2026-09-30", FrozenAt: t0}, event)
	if err != nil {
		t.Fatal(err)
	}
	if m.Quarter != "2026-Q3" || m.RunID != "run1" || m.People != people || m.Chunks < 3 {
		t.Fatalf("manifest %+v, want 5000 people in several chunks", m)
	}

	got, found, err := s.Snapshot(ctx, "2026-Q3")
	if err != nil || !found || !reflect.DeepEqual(got, m) {
		t.Fatalf("manifest read %+v found=%v err=%v, want %+v", got, found, err, m)
	}
	var rows []metrics.PersonRows
	read, err := s.SnapshotRows(ctx, got, func(r metrics.PersonRows) error { rows = append(rows, r); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if read != m.Chunks || len(rows) != people {
		t.Fatalf("read %d chunks and %d people, want %d and %d", read, len(rows), m.Chunks, people)
	}
	for i := range rows {
		if !reflect.DeepEqual(normal(t, rows[i]), normal(t, want[i])) {
			t.Fatalf("row %d: got %+v, want %+v", i, rows[i], want[i])
		}
	}
	chunks, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String(name),
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :rows)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": &types.AttributeValueMemberS{Value: table.SnapshotPK("2026-Q3")}, ":rows": &types.AttributeValueMemberS{Value: "ROWS#"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range chunks.Items {
		size := len(c["rows"].(*types.AttributeValueMemberB).Value)
		if size > table.SnapshotChunkBytes || size < table.SnapshotChunkBytes*3/4 && c["SK"].(*types.AttributeValueMemberS).Value != table.SnapshotChunkSK("run1", m.Chunks) {
			t.Errorf("chunk %v holds %d bytes, want up to %d and well filled", c["SK"], size, table.SnapshotChunkBytes)
		}
	}
	events, err := s.AuditEvents(ctx, "2026-11-02")
	if err != nil || len(events) != 1 || events[0].Action != audit.ActionMetricsFrozen {
		t.Errorf("audit events %+v err %v, want the one metrics.frozen", events, err)
	}

	t.Run("SecondRunIsAConflict", func(t *testing.T) {
		again := s.NewSnapshotWriter("2026-Q3", "run2")
		if err := again.Add(ctx, snapshotRows(1)); err != nil {
			t.Fatal(err)
		}
		ev := event
		ev.ID = "freeze-2"
		if _, err := again.Commit(ctx, metrics.Snapshot{AsOf: "2026-09-30", FrozenAt: t0}, ev); apperr.CodeOf(err) != apperr.Conflict {
			t.Fatalf("second commit: %v, want a Conflict", err)
		}
		kept, _, err := s.Snapshot(ctx, "2026-Q3")
		if err != nil || kept.RunID != "run1" {
			t.Errorf("manifest after the second run: %+v %v", kept, err)
		}
	})

	t.Run("Manifests", func(t *testing.T) {
		empty := s.NewSnapshotWriter("2026-Q2", "run3")
		if _, err := empty.Commit(ctx, metrics.Snapshot{AsOf: "2026-06-30", FrozenAt: t0}, audit.Event{ID: "freeze-3", At: t0, Actor: "test", Action: audit.ActionMetricsFrozen, Subject: "quarter:2026-Q2"}); err != nil {
			t.Fatal(err)
		}
		all, err := s.Snapshots(ctx, []string{"2026-Q1", "2026-Q2", "2026-Q3", "2026-Q2"})
		if err != nil || len(all) != 2 || all["2026-Q3"].RunID != "run1" || all["2026-Q2"].People != 0 {
			t.Errorf("manifests %+v err %v", all, err)
		}
		n := 0
		if _, err := s.SnapshotRows(ctx, all["2026-Q2"], func(metrics.PersonRows) error { n++; return nil }); err != nil || n != 0 {
			t.Errorf("rows of an empty snapshot: %d %v", n, err)
		}
		if _, found, err := s.Snapshot(ctx, "2026-Q1"); err != nil || found {
			t.Errorf("Q1 found=%v err=%v", found, err)
		}
	})
}

// normal puts times in UTC, as they come back from JSON.
func normal(t *testing.T, r metrics.PersonRows) metrics.PersonRows {
	t.Helper()
	for i := range r.Assignments {
		a := &r.Assignments[i]
		a.AssignedAt, a.DueAt, a.CompletedAt = a.AssignedAt.UTC(), a.DueAt.UTC(), a.CompletedAt.UTC()
	}
	return r
}
