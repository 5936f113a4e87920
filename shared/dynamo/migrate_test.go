package dynamo_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/table"
)

// storedBeforeNoticeKey writes, with raw PutItem calls, assignments as
// releases before the notice key stored them (every open one keyed by its
// due date on the due index), and beside them one stored since (awaiting
// its notice under its notice key). It returns the keys (PK/SK) of those
// the migration must re-key, mapped to their notice key, and of all the
// others.
func storedBeforeNoticeKey(t *testing.T, client *dynamodb.Client, name string) (rekey map[string]string, others []string) {
	t.Helper()
	assignment := func(id, due, status string, reminded int) map[string]any {
		return map[string]any{"PK": "PERSON#" + id, "SK": "ASSIGN#sec#0001", "type": "assignment", "employeeId": id, "moduleId": "sec",
			"cycle": 1, "moduleVersion": "1.2.0", "moduleMajor": 1, "contentSha256": "abc", "reason": "new_hire", "assignedOn": "2026-09-01",
			"dueOn": due, "dueAt": due + "T22:59:59Z", "recurrence": "annual", "status": status, "attempts": 0, "remindersSent": reminded, "version": 1}
	}
	onIndex := func(it map[string]any, sk string) map[string]any {
		it["GSI4PK"], it["GSI4SK"] = table.DuePK(it["employeeId"].(string)), sk
		return it
	}
	rekey = map[string]string{}
	items := []map[string]any{
		// Exactly as the earlier-release test stores it.
		{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0002", "GSI4PK": "DUE#8", "GSI4SK": "2027-12-02#E2#sec#0002", "type": "assignment",
			"employeeId": "E2", "moduleId": "sec", "cycle": 2, "moduleVersion": "1.2.1", "moduleMajor": 1, "contentSha256": "def",
			"reason": "renewal", "assignedOn": "2027-11-02", "dueOn": "2027-12-02", "dueAt": "2027-12-02T22:59:59Z", "recurrence": "annual",
			"status": "open", "attempts": 0, "remindersSent": 0, "version": 1,
		},
	}
	rekey["PERSON#E2/ASSIGN#sec#0002"] = "!NOTICE#2027-12-02#E2#sec#0002"
	for i := range 8 {
		id := fmt.Sprintf("W%02d", i)
		due := "2027-03-01"
		if i == 0 {
			due = "2026-10-01" // overdue, never reminded
		}
		items = append(items, onIndex(assignment(id, due, "open", 0), due+"#"+id+"#sec#0001"))
		rekey["PERSON#"+id+"/ASSIGN#sec#0001"] = "!NOTICE#" + due + "#" + id + "#sec#0001"
	}
	reminded := onIndex(assignment("R1", "2027-03-01", "open", 1), "2027-03-01#R1#sec#0001")
	reminded["lastRemindedOn"] = "2026-10-05"
	closed := assignment("C1", "2027-03-01", "completed", 0)
	closed["completedAt"] = "2026-10-05T10:00:00Z"
	// Cancelled after a reminder was planned: a due-index sort key without
	// its partition key, on no index.
	stale := assignment("C2", "2027-03-01", "cancelled", 0)
	stale["GSI4SK"], stale["closedOn"] = "2027-03-01#C2#sec#0001", "2026-10-05"
	migrated := onIndex(assignment("N1", "2027-03-01", "open", 0), table.DueNoticeSK("2027-03-01", "N1", "sec", 1))
	items = append(items, reminded, closed, stale, migrated)
	others = []string{"PERSON#R1/ASSIGN#sec#0001", "PERSON#C1/ASSIGN#sec#0001", "PERSON#C2/ASSIGN#sec#0001", "PERSON#N1/ASSIGN#sec#0001"}
	for _, item := range items {
		av, err := attributevalue.MarshalMap(item)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: av}); err != nil {
			t.Fatalf("put %v/%v: %v", item["PK"], item["SK"], err)
		}
	}
	return rekey, others
}

// rawItem reads the item at "PK/SK" as stored.
func rawItem(t *testing.T, client *dynamodb.Client, name, pksk string) map[string]any {
	t.Helper()
	pk, sk, _ := strings.Cut(pksk, "/")
	out, err := client.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(name), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: pk}, "SK": &types.AttributeValueMemberS{Value: sk}}})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := attributevalue.UnmarshalMap(out.Item, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// rawItems reads the items at keys, by key.
func rawItems(t *testing.T, client *dynamodb.Client, name string, keys []string) map[string]map[string]any {
	t.Helper()
	all := map[string]map[string]any{}
	for _, k := range keys {
		all[k] = rawItem(t, client, name, k)
	}
	return all
}

// rekeyed returns the keys of rekey whose item holds its notice key, and
// fails the test for any item that changed otherwise than its GSI4SK.
func rekeyed(t *testing.T, client *dynamodb.Client, name string, before map[string]map[string]any, rekey map[string]string) []string {
	t.Helper()
	var done []string
	for k, notice := range rekey {
		got := rawItem(t, client, name, k)
		if got["GSI4SK"] == notice {
			done = append(done, k)
		}
		got["GSI4SK"] = before[k]["GSI4SK"]
		if !reflect.DeepEqual(got, before[k]) {
			t.Errorf("%s changed beyond its due-index key:\n got %v\nwant %v", k, got, before[k])
		}
	}
	sort.Strings(done)
	return done
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// TestUpgradeRekeysAssignmentsAwaitingTheirNotice: after an upgrade, the
// open assignments an earlier release keyed by due date that await their
// notice move to their notice key and so into the reminder run's range,
// whatever their due date; reminded, closed and already migrated ones stay
// as they were; the marker makes the next run one read.
func TestUpgradeRekeysAssignmentsAwaitingTheirNotice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var calls devtest.AccessLog
	client := devtest.Shared(t).DynamoClient(calls.Option)
	name := devtest.UniqueName(t, "store")
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		t.Fatal(err)
	}
	s := dynamo.New(client, name, func() time.Time { return t0 })
	rekey, others := storedBeforeNoticeKey(t, client, name)
	before := rawItems(t, client, name, append(keysOf(rekey), others...))

	inRange := func() []string {
		t.Helper()
		var ids []string
		if _, err := s.OpenAssignments(ctx, reminder.DueBefore(reminder.DefaultConfig(), t0), func(a assign.Assignment) error {
			ids = append(ids, a.EmployeeID)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		sort.Strings(ids)
		return ids
	}
	if got, want := inRange(), []string{"N1", "W00"}; !reflect.DeepEqual(got, want) {
		t.Errorf("in the reminder run's range before the upgrade: %v, want %v", got, want)
	}

	if err := s.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if got, want := rekeyed(t, client, name, before, rekey), keysOf(rekey); !reflect.DeepEqual(got, want) {
		t.Errorf("re-keyed %v, want %v", got, want)
	}
	for _, k := range others {
		if got := rawItem(t, client, name, k); !reflect.DeepEqual(got, before[k]) {
			t.Errorf("%s changed:\n got %v\nwant %v", k, got, before[k])
		}
	}
	if got, want := inRange(), []string{"E2", "N1", "W00", "W01", "W02", "W03", "W04", "W05", "W06", "W07"}; !reflect.DeepEqual(got, want) {
		t.Errorf("in the reminder run's range after the upgrade: %v, want %v", got, want)
	}
	marker := rawItem(t, client, name, table.MigrationsPK+"/"+table.MigrationSK("due-notice-v1"))
	if want := map[string]any{"PK": "JOB#migrations", "SK": "due-notice-v1", "type": "job", "doneAt": "2026-11-02T09:30:00Z"}; !reflect.DeepEqual(marker, want) {
		t.Errorf("marker %v, want %v", marker, want)
	}

	// The marker: a later run reads it and nothing else, and leaves an
	// item keyed the old way as it is.
	late := storedLate(t, client, name)
	n := len(calls.Accesses())
	if err := s.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if got := calls.Accesses()[n:]; len(got) != 1 || got[0].Action != table.GetItem || got[0].Key != "JOB#migrations" {
		t.Errorf("second run: %v, want one GetItem of the marker", got)
	}
	if got := rawItem(t, client, name, "PERSON#L1/ASSIGN#sec#0001")["GSI4SK"]; got != late {
		t.Errorf("after the marker: %v, want %v", got, late)
	}
}

// storedLate writes one more assignment keyed the old way and returns its
// due-index sort key.
func storedLate(t *testing.T, client *dynamodb.Client, name string) string {
	t.Helper()
	sk := "2027-03-01#L1#sec#0001"
	av, err := attributevalue.MarshalMap(map[string]any{"PK": "PERSON#L1", "SK": "ASSIGN#sec#0001", "GSI4PK": table.DuePK("L1"), "GSI4SK": sk,
		"type": "assignment", "employeeId": "L1", "moduleId": "sec", "cycle": 1, "dueOn": "2027-03-01", "status": "open", "remindersSent": 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: av}); err != nil {
		t.Fatal(err)
	}
	return sk
}

// beforeUpdates passes calls on to DynamoDB and calls before ahead of the
// n-th UpdateItem (1-based): something happening while a run is under way.
type beforeUpdates struct {
	dynamo.API
	n      int
	before func(ctx context.Context, n int, in *dynamodb.UpdateItemInput)
}

func (b *beforeUpdates) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	b.n++
	b.before(ctx, b.n, in)
	return b.API.UpdateItem(ctx, in, opts...)
}

// TestUpgradeStoppedMidwayIsFinishedByTheNext: a run stopped after k
// updates leaves k assignments re-keyed and no marker; the next run re-keys
// the rest, each once, and writes the marker.
func TestUpgradeStoppedMidwayIsFinishedByTheNext(t *testing.T) {
	t.Parallel()
	now := t0
	_, client, name := newStore(t, &now)
	rekey, _ := storedBeforeNoticeKey(t, client, name)
	before := rawItems(t, client, name, keysOf(rekey))
	const k = 3

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stop := func(_ context.Context, n int, _ *dynamodb.UpdateItemInput) {
		if n == k+1 { // a Lambda stopped midway
			cancel()
		}
	}
	stopped := dynamo.New(&beforeUpdates{API: client, before: stop}, name, func() time.Time { return now })
	if err := stopped.Upgrade(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("stopped run: %v, want context.Canceled", err)
	}
	if got := rekeyed(t, client, name, before, rekey); len(got) != k {
		t.Errorf("stopped run re-keyed %v, want %d", got, k)
	}
	if got := rawItem(t, client, name, "JOB#migrations/due-notice-v1"); len(got) != 0 {
		t.Errorf("stopped run wrote the marker %v", got)
	}

	var calls devtest.AccessLog
	rerun := dynamo.New(devtest.Shared(t).DynamoClient(calls.Option), name, func() time.Time { return now })
	if err := rerun.Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got, want := rekeyed(t, client, name, before, rekey), keysOf(rekey); !reflect.DeepEqual(got, want) {
		t.Errorf("re-keyed %v, want %v", got, want)
	}
	updates := 0
	for _, a := range calls.Accesses() {
		if a.Action == table.UpdateItem {
			updates++
		}
	}
	if updates != len(rekey)-k {
		t.Errorf("the rerun made %d updates, want %d (those left)", updates, len(rekey)-k)
	}
	if got := rawItem(t, client, name, "JOB#migrations/due-notice-v1"); len(got) == 0 {
		t.Error("the rerun wrote no marker")
	}
}

// TestUpgradeLeavesWhatChangedSinceItsRead: an assignment reminded between
// the run's read of the due index and its update keeps its due date as key.
func TestUpgradeLeavesWhatChangedSinceItsRead(t *testing.T) {
	t.Parallel()
	now := t0
	s, client, name := newStore(t, &now)
	rekey, _ := storedBeforeNoticeKey(t, client, name)
	var first string
	remind := func(ctx context.Context, n int, in *dynamodb.UpdateItemInput) {
		if n != 1 {
			return
		}
		pk := in.Key["PK"].(*types.AttributeValueMemberS).Value
		first = pk + "/" + in.Key["SK"].(*types.AttributeValueMemberS).Value
		all, err := s.Assignments(ctx, strings.TrimPrefix(pk, "PERSON#"))
		if err != nil || len(all) != 1 {
			t.Fatalf("assignments of %s: %v %v", first, all, err)
		}
		if err := s.MarkReminded(ctx, all[0], "2026-11-02"); err != nil {
			t.Fatal(err)
		}
	}
	if err := dynamo.New(&beforeUpdates{API: client, before: remind}, name, func() time.Time { return now }).Upgrade(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rawItem(t, client, name, first)
	dated := table.DueSK(got["dueOn"].(string), got["employeeId"].(string), "sec", int(got["cycle"].(float64)))
	if got["GSI4SK"] != dated || got["remindersSent"] != 1.0 {
		t.Errorf("reminded during the run: %v", got)
	}
	notices := 0
	for k, notice := range rekey {
		if rawItem(t, client, name, k)["GSI4SK"] == notice {
			notices++
		}
	}
	if notices != len(rekey)-1 {
		t.Errorf("%d re-keyed, want all %d others", notices, len(rekey)-1)
	}
}
