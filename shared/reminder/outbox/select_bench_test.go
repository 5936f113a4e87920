package outbox_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// countingStore counts the people the run reads.
type countingStore struct {
	*dynamo.Store
	people atomic.Int64
}

func (c *countingStore) PeopleByID(ctx context.Context, ids []string) (map[string]roster.Person, error) {
	c.people.Add(int64(len(ids)))
	return c.Store.PeopleByID(ctx, ids)
}

// benchRun is the day the benchmark's reminder run happens.
var benchRun = time.Date(2026, 11, 4, 12, 0, 0, 0, time.UTC)

// seedOrganisation writes n people (every tenth manages the next nine) with
// one assignment each, of which one in ten is open, due over 90 days around
// the run, half of those awaiting their notice; the rest are completed and
// so not on the due index. It returns how many are open and how many of
// those the run at benchRun reads (awaiting their notice, or due before
// reminder.DueBefore). Items are written with BatchWriteItem, eight requests
// in flight: this is data for the benchmark, not an import.
func seedOrganisation(b *testing.B, client *dynamodb.Client, tableName string, n int) (open, remindable int) {
	dueBefore := reminder.DueBefore(reminder.DefaultConfig(), benchRun)
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"}
	var items []map[string]types.AttributeValue
	for i := range n {
		id := fmt.Sprintf("P%06d", i)
		mgr := ""
		if i%10 != 0 {
			mgr = fmt.Sprintf("P%06d", i-i%10)
		}
		// Items are written in the layout package dynamo stores.
		person, err := attributevalue.MarshalMap(map[string]any{
			table.PartitionKey: table.PersonPK(id), table.SortKey: table.ProfileSK, table.TypeAttribute: table.TypePerson,
			table.GSI2PK: table.RosterPK, table.GSI2SK: table.PersonGSISK(id),
			"employeeId": id, "email": fmt.Sprintf("p%06d@bench.example.com", i), "name": "Person " + id,
			"roles": []string{"all-staff"}, "managerId": mgr, "employmentType": string(roster.Employee),
			"startDate": "2025-01-06", "endDate": "", "timeZone": zones[i%len(zones)], "revision": 1, table.VersionAttribute: 1,
		})
		if err != nil {
			b.Fatal(err)
		}
		due := benchRun.AddDate(0, 0, i%90-45).Format(time.DateOnly)
		it := map[string]any{
			table.PartitionKey: table.PersonPK(id), table.SortKey: table.AssignmentSK("security-awareness", 1), table.TypeAttribute: table.TypeAssignment,
			"employeeId": id, "moduleId": "security-awareness", "cycle": 1, "moduleVersion": "1.0.0", "moduleMajor": 1,
			"assignedOn": "2026-09-01", "dueOn": due, "dueAt": assign.DueAt(due, time.UTC), "recurrence": "annual",
			"status": string(assign.StatusCompleted), "completedAt": "2026-09-10T10:00:00Z", table.VersionAttribute: 2,
		}
		if i%10 == 3 {
			open++
			it["status"], it[table.VersionAttribute] = string(assign.StatusOpen), 1
			delete(it, "completedAt")
			it[table.GSI4PK], it[table.GSI4SK] = table.DuePK(id), table.DueNoticeSK(due, id, "security-awareness", 1)
			if i%20 == 3 {
				it["remindersSent"], it["lastRemindedOn"] = 1, "2026-10-01"
				it[table.GSI4SK] = table.DueSK(due, id, "security-awareness", 1)
			}
			if i%20 != 3 || due < dueBefore {
				remindable++
			}
		}
		assignment, err := attributevalue.MarshalMap(it)
		if err != nil {
			b.Fatal(err)
		}
		items = append(items, person, assignment)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	var failed atomic.Value
	for start := 0; start < len(items); start += 25 {
		chunk := items[start:min(len(items), start+25)]
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			req := map[string][]types.WriteRequest{}
			for _, it := range chunk {
				req[tableName] = append(req[tableName], types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
			}
			for len(req) > 0 {
				out, err := client.BatchWriteItem(context.Background(), &dynamodb.BatchWriteItemInput{RequestItems: req})
				if err != nil {
					failed.Store(err)
					return
				}
				req = out.UnprocessedItems
			}
		})
	}
	wg.Wait()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	return open, remindable
}

// BenchmarkSelection100k runs the reminder selection for a 100,000-person
// organisation on DynamoDB Local, 10 % of whose assignments are open, due
// over 90 days: it reports the items read (the open assignments the run
// can act on through the due index, and the people and managers of those)
// against the organisation and its open assignments and the notifications
// selected, then renders every selected email.
func BenchmarkSelection100k(b *testing.B) {
	const n = 100_000
	client := devtest.Shared(b).DynamoClient()
	ctx := context.Background()
	name := devtest.Table(b, client, "select")
	open, remindable := seedOrganisation(b, client, name, n)
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	store := &countingStore{Store: dynamo.New(client, name, func() time.Time { return benchRun })}
	s := &outbox.Service{Store: store, Config: reminder.DefaultConfig(), BaseURL: "https://tracker.example.com", Titles: email.CatalogTitles(cat)}

	var ns []reminder.Notification
	var read int
	b.ResetTimer()
	for range b.N {
		store.people.Store(0)
		ns, read, err = s.Select(ctx, benchRun, false)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if read != remindable {
		b.Fatalf("read %d open assignments, want the %d of %d the run can act on", read, remindable, open)
	}
	b.ReportMetric(float64(n), "people")
	b.ReportMetric(float64(open), "open")
	b.ReportMetric(float64(read), "open-read")
	b.ReportMetric(float64(store.people.Load()), "people-read")
	b.ReportMetric(float64(len(ns)), "selected")

	start := time.Now()
	for _, note := range ns {
		if _, err := email.Render(note, s.BaseURL+"/l/"+"x", s.Titles); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(ns))/time.Since(start).Seconds(), "emails-rendered/s")
}
