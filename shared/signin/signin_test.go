package signin_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/roster"
)

func TestMain(m *testing.M) { devtest.Main(m) }

const baseURL = "http://tracker.test"

var linkPattern = regexp.MustCompile(regexp.QuoteMeta(baseURL) + `/l/([A-Za-z0-9_-]{43})`)

// TestLinksFromBothPathsSignIn issues a link the two ways the tracker does:
// asked for on the sign-in page, and inside a reminder (a nudge, through
// the reminder service's port). Each arrives by email, names its kind and
// lifetime, is recorded in the audit stream with who issued it and from
// where, and signs its person in exactly once, with a sign-in event naming
// the kind of link.
func TestLinksFromBothPathsSignIn(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	ctx := context.Background()
	name := devtest.Table(t, client, "signin")
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	a, err := app.New(app.Config{
		DynamoDB: client, TableName: name, SES: stack.SESClient(), SenderEmail: "training@attest.test",
		BaseURL: baseURL, Now: func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	tag := time.Now().UnixNano()
	address := func(id string) string { return fmt.Sprintf("%s-%d@signin.example.com", strings.ToLower(id), tag) }
	csv := "employee_id,email,name,roles,start_date,time_zone\n" +
		"S1," + address("S1") + ",Sam,all-staff,2026-01-05,Europe/Berlin\n" +
		"S2," + address("S2") + ",Sol,all-staff,2026-01-05,America/Chicago\n"
	if _, err := a.Roster.Import(ctx, roster.Request{Body: strings.NewReader(csv), ContentType: "text/csv", Mode: roster.ModeSync, Actor: "test"}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, employeeID string
		issue            func() error
		kind             auth.LinkKind
		ttl              time.Duration
		actor, source    string
	}{
		{
			name: "RequestedOnTheSignInPage", employeeID: "S1",
			issue: func() error { return a.SignIn.RequestLink(ctx, "  "+strings.ToUpper(address("S1"))+" ", "192.0.2.7") },
			kind:  auth.LinkSignIn, ttl: auth.SignInLinkTTL, actor: "person:S1", source: "192.0.2.7",
		},
		{
			name: "InAReminder", employeeID: "S2",
			issue: func() error { _, err := a.Reminders.NudgePerson(ctx, "S2", "key:test", "test"); return err },
			kind:  auth.LinkReminder, ttl: auth.ReminderLinkTTL, actor: "schedule", source: "nudge",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.issue(); err != nil {
				t.Fatal(err)
			}
			token := linkIn(t, stack, address(tt.employeeID))
			tok, found, err := a.Store.SignInToken(ctx, auth.HashSecret(token))
			if err != nil || !found || tok.EmployeeID != tt.employeeID || tok.Kind != tt.kind || !tok.ExpiresAt.Equal(now.Add(tt.ttl)) {
				t.Fatalf("stored token %+v found=%v err %v, want %s's %s link for %s", tok, found, err, tt.employeeID, tt.kind, tt.ttl)
			}
			if ok, err := a.SignIn.CheckLink(ctx, token); !ok || err != nil {
				t.Fatalf("CheckLink before use: %v %v", ok, err)
			}
			id, sess, ok, err := a.SignIn.SignIn(ctx, token, "198.51.100.9", "Test/1.0")
			if !ok || err != nil || sess.EmployeeID != tt.employeeID {
				t.Fatalf("SignIn: %+v ok=%v err %v", sess, ok, err)
			}
			if stored, found, err := a.Store.Session(ctx, auth.HashSecret(id)); !found || err != nil || stored.EmployeeID != tt.employeeID {
				t.Errorf("session of the returned id: %+v found=%v err %v", stored, found, err)
			}
			if ok, err := a.SignIn.CheckLink(ctx, token); ok || err != nil {
				t.Errorf("CheckLink after use: %v %v, want a used link", ok, err)
			}
			if _, _, ok, err := a.SignIn.SignIn(ctx, token, "198.51.100.9", "Test/1.0"); ok || err != nil {
				t.Errorf("second SignIn: ok=%v err %v, want a used link", ok, err)
			}

			events, err := a.Store.AuditEvents(ctx, now.Format(time.DateOnly))
			if err != nil {
				t.Fatal(err)
			}
			var sent, signedIn []audit.Event
			for _, ev := range events {
				if ev.Subject != "person#"+tt.employeeID {
					continue
				}
				switch ev.Action {
				case audit.ActionSignInLinkSent:
					sent = append(sent, ev)
				case audit.ActionSignIn:
					signedIn = append(signedIn, ev)
				}
			}
			if len(sent) != 1 || sent[0].Actor != tt.actor || sent[0].Source != tt.source {
				t.Errorf("link events %+v, want one by %s from %s", sent, tt.actor, tt.source)
			}
			if len(signedIn) != 1 || signedIn[0].Source != "198.51.100.9" || signedIn[0].Details["linkKind"] != string(tt.kind) {
				t.Errorf("sign-in events %+v, want one from 198.51.100.9 with linkKind %s", signedIn, tt.kind)
			}
		})
	}
}

// linkIn returns the token of the one sign-in link mailed to address.
func linkIn(t *testing.T, stack *devstack.Stack, address string) string {
	t.Helper()
	all, err := stack.SentMail(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var tokens []string
	for _, m := range all {
		for _, to := range m.To {
			if strings.EqualFold(to, address) {
				for _, match := range linkPattern.FindAllStringSubmatch(m.Text, -1) {
					tokens = append(tokens, match[1])
				}
			}
		}
	}
	if len(tokens) != 1 {
		t.Fatalf("links mailed to %s: %v, want one", address, tokens)
	}
	return tokens[0]
}
