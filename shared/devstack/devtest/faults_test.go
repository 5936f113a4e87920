package devtest_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sestypes "github.com/aws/aws-sdk-go-v2/service/sesv2/types"
	"github.com/aws/smithy-go"

	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
)

// put writes item n of a test table.
func put(ctx context.Context, db *dynamodb.Client, tableName string, n int) error {
	_, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(tableName), Item: map[string]dbtypes.AttributeValue{
		"PK": &dbtypes.AttributeValueMemberS{Value: "F#" + strconv.Itoa(n)}, "SK": &dbtypes.AttributeValueMemberS{Value: "S"}}})
	return err
}

// stored counts the items of a test table.
func stored(t *testing.T, db *dynamodb.Client, tableName string) int {
	t.Helper()
	out, err := db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(tableName), Select: dbtypes.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	return int(out.Count)
}

// TestFaultsAsTheServicesAnswer checks that each kind of fault reaches the
// caller as the service's own error would, and that a lost response's
// write took effect.
func TestFaultsAsTheServicesAnswer(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	ctx := context.Background()
	only := func(kind devtest.Fault) *devtest.Faults {
		f := devtest.NewFaults(1, 1)
		f.Kinds, f.MaxAttempts = []devtest.Fault{kind}, 1
		return f
	}
	tableName := devtest.Table(t, stack.DynamoClient(), "faults")

	f := only(devtest.Throttle)
	err := put(ctx, stack.DynamoClient(f.DynamoDB), tableName, 1)
	var throughput *dbtypes.ProvisionedThroughputExceededException
	if !errors.As(err, &throughput) || !retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool() {
		t.Errorf("DynamoDB throttle: %v (%T), want a retryable ProvisionedThroughputExceededException", err, err)
	}
	f = only(devtest.ServerError)
	err = put(ctx, stack.DynamoClient(f.DynamoDB), tableName, 1)
	var internal *dbtypes.InternalServerError
	if !errors.As(err, &internal) || !retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool() {
		t.Errorf("DynamoDB 5xx: %v (%T), want a retryable InternalServerError", err, err)
	}
	if n := stored(t, stack.DynamoClient(), tableName); n != 0 {
		t.Errorf("throttled and failed puts stored %d items", n)
	}
	f = only(devtest.LostResponse)
	err = put(ctx, stack.DynamoClient(f.DynamoDB), tableName, 1)
	if err == nil || !retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err).Bool() {
		t.Errorf("lost response: %v, want a retryable error", err)
	}
	if n := stored(t, stack.DynamoClient(), tableName); n != 1 {
		t.Errorf("the put whose response was lost stored %d items, want 1", n)
	}
	if got := f.Injected(); got[devtest.Injection{Fault: devtest.LostResponse, Op: "PutItem"}] != 1 || len(got) != 1 {
		t.Errorf("injected %v", got)
	}

	f = only(devtest.Throttle)
	_, err = stack.SESClient(f.SES).SendEmail(ctx, &sesv2.SendEmailInput{
		FromEmailAddress: aws.String("faults@attest.test"),
		Destination:      &sestypes.Destination{ToAddresses: []string{"nobody@faults.test"}},
		Content: &sestypes.EmailContent{Simple: &sestypes.Message{Subject: &sestypes.Content{Data: aws.String("s")},
			Body: &sestypes.Body{Text: &sestypes.Content{Data: aws.String("b")}}}},
	})
	var tooMany *sestypes.TooManyRequestsException
	if !errors.As(err, &tooMany) {
		t.Errorf("SES throttle: %v (%T), want TooManyRequestsException", err, err)
	}
	f = only(devtest.Throttle)
	_, err = stack.S3Client(f.S3).ListBuckets(ctx, &s3.ListBucketsInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SlowDown" {
		t.Errorf("S3 throttle: %v, want SlowDown", err)
	}
}

// TestFaultsFollowTheSeed runs the same calls under the same seed twice,
// and once under another, through the SDK's retries.
func TestFaultsFollowTheSeed(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	ctx := context.Background()
	run := func(seed uint64) (string, int) {
		tableName := devtest.Table(t, stack.DynamoClient(), "seed")
		f := devtest.NewFaults(seed, 0.2)
		db := stack.DynamoClient(f.DynamoDB)
		failed := 0
		for n := range 100 {
			if put(ctx, db, tableName, n) != nil {
				failed++
			}
		}
		if got := stored(t, stack.DynamoClient(), tableName); got < 100-failed {
			t.Errorf("%d puts succeeded but %d items are stored", 100-failed, got)
		}
		return fmt.Sprint(f.Injected()), failed
	}
	a, failedA := run(7)
	b, failedB := run(7)
	c, _ := run(8)
	if a != b || failedA != failedB {
		t.Errorf("seed 7 twice: %s (%d failed) and %s (%d failed)", a, failedA, b, failedB)
	}
	if a == c {
		t.Errorf("seeds 7 and 8 injected the same: %s", a)
	}
	// With 3 attempts, 20 % faults let a call fail 0.8 % of the time.
	if failedA > 5 {
		t.Errorf("%d of 100 puts failed despite the retries", failedA)
	}
}

// TestFaultsKillAt kills a child process at its third attempt: the third
// put took effect, the fourth never ran.
func TestFaultsKillAt(t *testing.T) {
	if tableName := os.Getenv("DEVTEST_FAULTS_KILL_TABLE"); tableName != "" {
		f := &devtest.Faults{}
		f.KillAt(3)
		db := dynamodb.NewFromConfig(devstack.AWSConfig(), func(o *dynamodb.Options) {
			o.BaseEndpoint = aws.String(os.Getenv("DEVTEST_FAULTS_KILL_ENDPOINT"))
			f.DynamoDB(o)
		})
		for n := range 5 {
			if err := put(context.Background(), db, tableName, n); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatal("not killed")
	}
	t.Parallel()
	stack := devtest.Shared(t)
	tableName := devtest.Table(t, stack.DynamoClient(), "kill")
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultsKillAt$")
	cmd.Env = append(os.Environ(), "DEVTEST_FAULTS_KILL_TABLE="+tableName, "DEVTEST_FAULTS_KILL_ENDPOINT="+stack.DynamoEndpoint())
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	if n := stored(t, stack.DynamoClient(), tableName); n != 3 {
		t.Errorf("the killed child stored %d items, want 3", n)
	}
}
