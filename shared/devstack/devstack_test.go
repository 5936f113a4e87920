package devstack_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
)

func TestMain(m *testing.M) { devtest.Main(m) }

func TestDynamoDBRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := devtest.Shared(t).DynamoClient()
	table := devtest.UniqueName(t, "devstack")

	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{
			{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
			{AttributeName: aws.String("SK"), AttributeType: ddbtypes.ScalarAttributeTypeS},
		},
		KeySchema: []ddbtypes.KeySchemaElement{
			{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash},
			{AttributeName: aws.String("SK"), KeyType: ddbtypes.KeyTypeRange},
		},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	item := map[string]ddbtypes.AttributeValue{
		"PK":   &ddbtypes.AttributeValueMemberS{Value: "PERSON#1"},
		"SK":   &ddbtypes.AttributeValueMemberS{Value: "PROFILE"},
		"Name": &ddbtypes.AttributeValueMemberS{Value: "Ada"},
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	got, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(table),
		Key:            map[string]ddbtypes.AttributeValue{"PK": item["PK"], "SK": item["SK"]},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if name, ok := got.Item["Name"].(*ddbtypes.AttributeValueMemberS); !ok || name.Value != "Ada" {
		t.Fatalf("GetItem returned %#v, want Name=Ada", got.Item)
	}

	var tables []string
	for pages := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{}); pages.HasMorePages(); {
		page, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatalf("ListTables: %v", err)
		}
		tables = append(tables, page.TableNames...)
	}
	if !slices.Contains(tables, table) {
		t.Fatalf("ListTables = %v, want it to contain %q", tables, table)
	}
}

func TestSendMailAndReadItBack(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stack := devtest.Shared(t)
	to := fmt.Sprintf("learner-%08x@example.com", rand.Uint32())

	out, err := stack.SESClient().SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("training@example.com"),
		Destination: &sestypes.Destination{
			ToAddresses: []string{to},
			CcAddresses: []string{"manager@example.com"},
		},
		ReplyToAddresses: []string{"security@example.com"},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{
			Subject: &sestypes.Content{Data: aws.String("Your training is due")},
			Body: &sestypes.Body{
				Html: &sestypes.Content{Data: aws.String("<p>Please finish <b>Phishing 101</b>.</p>")},
				Text: &sestypes.Content{Data: aws.String("Please finish Phishing 101.")},
			},
		}},
	})
	if err != nil {
		t.Fatalf("SendEmail: %v", err)
	}

	mails, err := stack.SentMail(ctx)
	if err != nil {
		t.Fatalf("SentMail: %v", err)
	}
	i := slices.IndexFunc(mails, func(m devstack.Mail) bool { return m.MessageID == aws.ToString(out.MessageId) })
	if i < 0 {
		t.Fatalf("message %s not in SentMail %+v", aws.ToString(out.MessageId), mails)
	}
	m := mails[i]
	if m.From != "training@example.com" || !slices.Equal(m.To, []string{to}) ||
		!slices.Equal(m.CC, []string{"manager@example.com"}) || len(m.BCC) != 0 ||
		!slices.Equal(m.ReplyTo, []string{"security@example.com"}) ||
		m.Subject != "Your training is due" ||
		m.HTML != "<p>Please finish <b>Phishing 101</b>.</p>" || m.Text != "Please finish Phishing 101." {
		t.Errorf("SentMail returned %+v", m)
	}
	if d := time.Since(m.At); d < -time.Second || d > time.Minute {
		t.Errorf("At = %v, want about now", m.At)
	}
}

func TestStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	stack, err := devstack.Start(t.Context(), devstack.Options{})
	if err != nil {
		t.Fatal(err)
	}
	pids := stack.PIDs()
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); err != nil {
			t.Fatalf("%s (pid %d) not running before Stop: %v", name, pid, err)
		}
	}
	if err := stack.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	for name, pid := range pids {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s (pid %d) after Stop: kill 0 = %v, want ESRCH", name, pid, err)
		}
		if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("%s process group %d after Stop: kill 0 = %v, want ESRCH", name, pid, err)
		}
	}
	if err := stack.Err(); err != nil {
		t.Errorf("Err after a clean Stop = %v, want nil", err)
	}
}

func TestChildDeathClosesDone(t *testing.T) {
	t.Parallel()
	var log bytes.Buffer // written only under the stack's log lock, read after Stop
	stack, err := devstack.Start(t.Context(), devstack.Options{Log: &log, PrefixLog: true})
	if err != nil {
		t.Fatal(err)
	}
	defer stack.Stop()
	if err := stack.Err(); err != nil {
		t.Fatalf("Err before any death = %v", err)
	}
	if err := syscall.Kill(stack.PIDs()[devstack.SESName], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-stack.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed 10s after the SES emulator was killed")
	}
	msg := stack.Err().Error()
	if !strings.HasPrefix(msg, "ses (pid ") || !strings.Contains(msg, "exited unexpectedly: signal: killed") {
		t.Errorf("Err = %q, want it to name ses and its exit status", msg)
	}
	if err := stack.Stop(); err != nil {
		t.Errorf("Stop after a death: %v", err)
	}
	if !strings.Contains(log.String(), "[ses] aws-ses-v2-local: server running at") {
		t.Errorf("Log lacks the prefixed SES start-up line:\n%s", log.String())
	}
}

func TestStartWithoutNodeModules(t *testing.T) {
	t.Parallel()
	_, err := devstack.Start(context.Background(), devstack.Options{RepoRoot: t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "npm ci") {
		t.Fatalf("Start without node_modules: err = %v, want a hint to run npm ci", err)
	}
}
