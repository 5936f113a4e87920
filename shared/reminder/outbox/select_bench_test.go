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
// the run; the rest are completed and so not on the due index. Items are
// written with BatchWriteItem, eight requests in flight: this is data for
// the benchmark, not an import.
func seedOrganisation(b *testing.B, client *dynamodb.Client, tableName string, n int) (open int) {
	zones := []string{"UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Kolkata"}
	var items []map[string]types.AttributeValue
	for i := range n {
		id := fmt.Sprintf("P%06d", i)
		mgr := ""
		if i%10 != 0 {
			mgr = fmt.Sprintf("P%06d", i-i%10)
		}
		p := roster.Person{EmployeeID: id, Email: fmt.Sprintf("p%06d@bench.example.com", i), Name: "Person " + id,
			Roles: []string{"all-staff"}, ManagerID: mgr, EmploymentType: roster.Employee, StartDate: "2025-01-06", TimeZone: zones[i%len(zones)]}
		person, err := attributevalue.MarshalMap(struct {
			PK, SK, GSI2PK, GSI2SK string
			roster.Person
			Revision, Version int
		}{table.PersonPK(id), table.ProfileSK, table.RosterPK, table.PersonGSISK(id), p, 1, 1})
		if err != nil {
			b.Fatal(err)
		}
		due := benchRun.AddDate(0, 0, i%90-45).Format(time.DateOnly)
		a := assign.Assignment{EmployeeID: id, ModuleID: "security-awareness", Cycle: 1, ModuleVersion: "1.0.0", ModuleMajor: 1,
			AssignedOn: "2026-09-01", DueOn: due, DueAt: assign.DueAt(due, time.UTC), Recurrence: "annual", Status: assign.StatusCompleted,
			CompletedAt: "2026-09-10T10:00:00Z", Version: 2}
		it := struct {
			PK, SK string
			GSI4PK string `dynamodbav:",omitempty"`
			GSI4SK string `dynamodbav:",omitempty"`
			assign.Assignment
		}{PK: table.PersonPK(id), SK: table.AssignmentSK(a.ModuleID, 1), Assignment: a}
		if i%10 == 3 {
			open++
			it.Status, it.CompletedAt, it.Version = assign.StatusOpen, "", 1
			it.GSI4PK, it.GSI4SK = table.DuePK(id), table.DueSK(due, id, a.ModuleID, 1)
			if i%20 == 3 {
				it.RemindersSent, it.LastRemindedOn = 1, "2026-10-01"
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
	return open
}

// BenchmarkSelection100k runs the reminder selection for a 100,000-person
// organisation on DynamoDB Local, 10 % of whose assignments are open, due
// over 90 days: it reports the items read (open assignments through the due
// index, and the people and managers of those) against the organisation and
// the notifications selected, then renders every selected email.
func BenchmarkSelection100k(b *testing.B) {
	const n = 100_000
	client := devtest.Shared(b).DynamoClient()
	name := devtest.UniqueName(b, "select")
	ctx := context.Background()
	if err := dynamo.CreateTable(ctx, client, name); err != nil {
		b.Fatal(err)
	}
	open := seedOrganisation(b, client, name, n)
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
	if read != open {
		b.Fatalf("read %d open assignments, want %d", read, open)
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
