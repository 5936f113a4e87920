package devstack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/attest-oss/attest/shared/devstack"
)

func TestZZMeasure(t *testing.T) {
	if os.Getenv("MEASURE") == "" {
		t.Skip()
	}
	dir := os.Getenv("DATADIR")
	t0 := time.Now()
	s, err := devstack.Start(context.Background(), devstack.Options{Log: os.Stdout, PrefixLog: true, DynamoDataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("READY", time.Since(t0), s.DynamoEndpoint(), s.SESEndpoint(), s.PIDs())
	if os.Getenv("HANG") != "" {
		fmt.Println("TESTPID", os.Getpid())
		// churn goroutines that lock and exit threads, to provoke thread retirement
		for i := 0; i < 200; i++ {
			go func() { runtimeLock() }()
		}
		time.Sleep(time.Hour)
	}
	ctx := context.Background()
	db := s.DynamoClient()
	_, err = db.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("persist"), BillingMode: ddbtypes.BillingModePayPerRequest,
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("PK"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("PK"), KeyType: ddbtypes.KeyTypeHash}}})
	fmt.Println("create:", err)
	lt, err := db.ListTables(ctx, &dynamodb.ListTablesInput{})
	fmt.Println("tables:", lt.TableNames, err)
	_, err = s.SESClient().SendEmail(ctx, &sesv2.SendEmailInput{FromEmailAddress: aws.String("a@example.com"),
		Destination: &sestypes.Destination{ToAddresses: []string{"b@example.com"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("hi")},
			Body: &sestypes.Body{Html: &sestypes.Content{Data: aws.String("<b>x</b>")}, Text: &sestypes.Content{Data: aws.String("x")}},
			Headers: []sestypes.MessageHeader{{Name: aws.String("X-Test"), Value: aws.String("1")}},
			Attachments: []sestypes.Attachment{{FileName: aws.String("a.txt"), RawContent: []byte("hello"), ContentType: aws.String("text/plain")}},
		}}})
	fmt.Println("send:", err)
	resp, _ := http.Get(s.SESEndpoint() + "/store")
	b, _ := io.ReadAll(resp.Body)
	fmt.Println("STORE", string(b))
	m, err := s.SentMail(ctx)
	fmt.Printf("MAIL %+v %v\n", m, err)
	t1 := time.Now()
	fmt.Println("stop:", s.Stop(), time.Since(t1))
}

func runtimeLock() { runtime.LockOSThread(); time.Sleep(10 * time.Millisecond) }
