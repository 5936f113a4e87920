package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

const queueURL = "https://sqs.eu-west-1.amazonaws.com/123456789012/AttestTracker-ReminderQueue"

// monday is the day the demo organisation is imported: everyone with
// training gets a first notice that day, within their local sending hours.
var monday = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

// fakeSQS speaks just enough of the SQS JSON protocol (AWS JSON 1.0) for
// SendMessageBatch, and keeps the bodies queued.
type fakeSQS struct {
	t      *testing.T
	mu     sync.Mutex
	bodies []string
}

func (f *fakeSQS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if target := r.Header.Get("X-Amz-Target"); target != "AmazonSQS.SendMessageBatch" {
		f.t.Errorf("unexpected SQS action %q", target)
		http.Error(w, `{"__type":"com.amazonaws.sqs#InvalidAction","message":"not faked"}`, http.StatusBadRequest)
		return
	}
	var in struct {
		QueueURL string `json:"QueueUrl"`
		Entries  []struct{ Id, MessageBody string }
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		f.t.Errorf("SendMessageBatch request: %v", err)
		http.Error(w, `{"__type":"com.amazonaws.sqs#InvalidParameterValue"}`, http.StatusBadRequest)
		return
	}
	if in.QueueURL != queueURL {
		f.t.Errorf("queue %q, want %q", in.QueueURL, queueURL)
	}
	type result struct{ Id, MessageId, MD5OfMessageBody string }
	out := struct {
		Successful []result
		Failed     []struct{}
	}{Failed: []struct{}{}}
	f.mu.Lock()
	for _, e := range in.Entries {
		sum := md5.Sum([]byte(e.MessageBody))
		f.bodies = append(f.bodies, e.MessageBody)
		out.Successful = append(out.Successful, result{Id: e.Id, MessageId: fmt.Sprintf("msg-%d", len(f.bodies)), MD5OfMessageBody: hex.EncodeToString(sum[:])})
	}
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-amz-json-1.0")
	_ = json.NewEncoder(w).Encode(out)
}

// queued returns the bodies queued so far.
func (f *fakeSQS) queued() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.bodies)
}

// TestWireQueuesOneMessagePerNotification wires the function as Lambda
// starts it, on DynamoDB Local and a fake SQS, and feeds it the real
// EventBridge scheduled event moved to the demo organisation's first Monday:
// the run queues one message per notification due at that hour.
func TestWireQueuesOneMessagePerNotification(t *testing.T) {
	ctx := context.Background()
	client := devtest.Shared(t).DynamoClient()
	tableName := devtest.Table(t, client, "remind")
	seed, err := app.New(app.Config{DynamoDB: client, TableName: tableName, Now: func() time.Time { return monday }})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Roster.Import(ctx, roster.Request{Body: bytes.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test", Role: identity.Admin}); err != nil {
		t.Fatal(err)
	}
	e := devtest.Fixture[events.EventBridgeEvent](t, "../../shared/handler/testdata/scheduled-event.json")
	e.Time = monday.Add(time.Hour) // Monday 10:00 UTC: Europe and India are within sending hours
	want, _, err := seed.Reminders.Select(ctx, e.Time, true)
	if err != nil || len(want) == 0 {
		t.Fatalf("%d notifications due at %v (%v), want some", len(want), e.Time, err)
	}

	fake := &fakeSQS{t: t}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	queue := awssqs.NewFromConfig(devstack.AWSConfig(), func(o *awssqs.Options) { o.BaseEndpoint = aws.String(srv.URL) })
	t.Setenv(env.TableName, tableName)
	t.Setenv(env.QueueURL, queueURL)
	var calls devtest.AccessLog
	run, err := wire(slog.New(slog.DiscardHandler), devtest.Shared(t).DynamoClient(calls.Option), queue)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := run(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Notifications != len(want) {
		t.Errorf("the run counted %d notifications, want %d", sum.Notifications, len(want))
	}
	var got, wantKeys []string
	for _, b := range fake.queued() {
		var n reminder.Notification
		if err := json.Unmarshal([]byte(b), &n); err != nil {
			t.Fatalf("queued body %q: %v", b, err)
		}
		got = append(got, n.Recipient.Key+" "+string(n.Kind)+" "+n.Day)
	}
	for _, n := range want {
		wantKeys = append(wantKeys, n.Recipient.Key+" "+string(n.Kind)+" "+n.Day)
	}
	slices.Sort(got)
	slices.Sort(wantKeys)
	if !slices.Equal(got, wantKeys) {
		t.Errorf("queued %v,\nwant %v", got, wantKeys)
	}
	calls.CheckWithin(t, table.FunctionAccess()["remind"])
}

// TestWireFailsWithoutItsConfiguration: a function that cannot be wired
// says which variable is wrong.
func TestWireFailsWithoutItsConfiguration(t *testing.T) {
	for _, tt := range []struct {
		name, table, queue, cadence, want string
	}{
		{"NoTable", "", queueURL, "", env.TableName},
		{"NoQueue", "attest", "", "", env.QueueURL},
		{"BadCadence", "attest", queueURL, "hours=8", env.ReminderCadence},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(env.TableName, tt.table)
			t.Setenv(env.QueueURL, tt.queue)
			t.Setenv(env.ReminderCadence, tt.cadence)
			if _, err := wire(slog.New(slog.DiscardHandler), nil, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("wire: %v, want an error naming %s", err, tt.want)
			}
		})
	}
}
