package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

const baseURL = "https://tracker.attest.test"

// link is a sign-in link in an email; the group is the token.
var link = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/l/([A-Za-z0-9_-]{43})`)

// TestWireSendsDigestsWithSignInLinks wires the function as Lambda starts it,
// on DynamoDB Local and the SES emulator, and feeds it the real SQS event
// with digests for two people of the demo organisation in its first two
// messages (the third is not a notification and is dropped): each person
// gets one email whose sign-in link is stored for them.
func TestWireSendsDigestsWithSignInLinks(t *testing.T) {
	ctx := context.Background()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	tableName := devtest.Table(t, client, "send")
	domain := strings.ToLower(strings.NewReplacer("_", "-", ".", "-").Replace(tableName)) + ".test"
	seed, err := app.New(app.Config{DynamoDB: client, TableName: tableName,
		Now: func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	csv, err := content.FS.ReadFile("demo/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"@example.com", "@contractor.example.net", "@northwind-data.example.org"} {
		csv = bytes.ReplaceAll(csv, []byte(d), []byte("@"+domain))
	}
	if _, err := seed.Roster.Import(ctx, roster.Request{Body: bytes.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test", Role: identity.Admin}); err != nil {
		t.Fatal(err)
	}

	e := devtest.Fixture[events.SQSEvent](t, "../../shared/handler/testdata/sqs-event.json")
	ids := []string{"E020", "E021"}
	emails := map[string]string{} // address → employee id
	for i, id := range ids {
		p, found, err := seed.Store.GetPerson(ctx, id)
		if err != nil || !found {
			t.Fatalf("%s: found=%v %v", id, found, err)
		}
		all, err := seed.Store.Assignments(ctx, id)
		if err != nil || len(all) == 0 {
			t.Fatalf("%s has %d assignments, %v", id, len(all), err)
		}
		n := reminder.Notification{Recipient: reminder.Recipient{Key: "person#" + id, Email: p.Email, Name: p.Name, TimeZone: p.Location()},
			Kind: reminder.KindDigest, Day: "2026-11-02"}
		for _, a := range all {
			n.Lines = append(n.Lines, reminder.Line{Person: p.Person, Assignment: a, Reason: reminder.ReasonNotice})
		}
		b, err := json.Marshal(n)
		if err != nil {
			t.Fatal(err)
		}
		e.Records[i].Body = string(b)
		emails[strings.ToLower(p.Email)] = id
	}

	t.Setenv(env.TableName, tableName)
	t.Setenv(env.SenderEmail, "training@attest.test")
	t.Setenv(env.BaseURL, baseURL)
	var calls devtest.AccessLog
	send, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(calls.Option), stack.SESClient())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := send(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != 0 {
		t.Errorf("batch item failures %+v, want none", resp.BatchItemFailures)
	}

	all, err := stack.SentMail(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{} // employee id → emails
	for _, m := range all {
		if len(m.To) != 1 || !strings.HasSuffix(strings.ToLower(m.To[0]), "@"+domain) {
			continue
		}
		id, ok := emails[strings.ToLower(m.To[0])]
		if !ok {
			t.Errorf("an email went to %s", m.To[0])
			continue
		}
		got[id]++
		if m.From != "training@attest.test" {
			t.Errorf("%s: from %q", id, m.From)
		}
		found := link.FindStringSubmatch(m.Text)
		if found == nil {
			t.Errorf("%s: no sign-in link in\n%s", id, m.Text)
			continue
		}
		tok, ok, err := seed.Store.SignInToken(ctx, auth.HashSecret(found[1]))
		if err != nil || !ok || tok.EmployeeID != id || tok.Kind != auth.LinkReminder {
			t.Errorf("%s: the link's token is %+v (found=%v, %v), want a stored reminder link for them", id, tok, ok, err)
		}
	}
	for _, id := range ids {
		if got[id] != 1 {
			t.Errorf("%s got %d emails, want 1", id, got[id])
		}
	}
	calls.CheckWithin(t, table.FunctionAccess()["send"])
}

// TestWireFailsWithoutTheTable: a function that cannot be wired says which
// variable is missing.
func TestWireFailsWithoutTheTable(t *testing.T) {
	t.Setenv(env.TableName, "")
	if _, err := wire(slog.New(slog.DiscardHandler), nil, nil); err == nil || !strings.Contains(err.Error(), env.TableName) {
		t.Errorf("wire: %v, want an error naming %s", err, env.TableName)
	}
}
