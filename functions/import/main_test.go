package main

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// sender is the import queue: it keeps the continuations sent.
type sender struct {
	mu   sync.Mutex
	sent []string
}

func (s *sender) SendMessage(ctx context.Context, in *awssqs.SendMessageInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if aws.ToString(in.QueueUrl) != os.Getenv(env.ImportQueueURL) {
		return nil, fmt.Errorf("sent to %s", aws.ToString(in.QueueUrl))
	}
	s.sent = append(s.sent, aws.ToString(in.MessageBody))
	return &awssqs.SendMessageOutput{MessageId: aws.String(fmt.Sprint("c", len(s.sent)))}, nil
}

func (s *sender) next() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.sent) == 0 {
		return "", false
	}
	body := s.sent[0]
	s.sent = s.sent[1:]
	return body, true
}

// TestImportFunctionRunsAnUploadAcrossInvocations wires the function as
// Lambda starts it, on the local stand-ins: an upload through the
// presigned URL, the bucket's S3 notification through the queue, then the
// continuations the function sends itself when its deadline nears, until
// the import is done. Every DynamoDB call stays within the function's
// declared access.
func TestImportFunctionRunsAnUploadAcrossInvocations(t *testing.T) {
	stack := devtest.Shared(t)
	var calls devtest.AccessLog
	t.Setenv(env.TableName, devtest.Table(t, stack.DynamoClient(), "import"))
	bucket := devtest.Bucket(t, stack.S3Client(), "import")
	t.Setenv(env.UploadBucket, bucket)
	t.Setenv(env.ImportQueueURL, "https://sqs.eu-west-1.amazonaws.com/111122223333/imports")
	// The clock moves a second at every reading: an invocation with 96
	// seconds left (its context's deadline) hands the import on after a
	// few chunks.
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		clock = clock.Add(time.Second)
		return clock
	}
	queue := &sender{}
	h, svc, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(calls.Option), stack.S3Client(), queue, now)
	if err != nil {
		t.Fatal(err)
	}
	svc.ChunkLines = 10
	svc.Links = stack.S3Presigner(bucket) // the API's part: presigning the upload
	defer calls.CheckWithin(t, table.FunctionAccess()["import"])

	var file strings.Builder
	file.WriteString("employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone\n")
	for i := range 45 {
		fmt.Fprintf(&file, "F%03d,f%03d@example.com,Person %03d,all-staff,,Ops,employee,,,2026-01-05,,UTC\n", i, i, i)
	}
	im, url, err := svc.Request(t.Context(), roster.Options{Mode: roster.ModeSync, Role: identity.HRIS}, "hris-key", "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(file.String()))
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	notification, err := os.ReadFile("../../shared/handler/testdata/s3-upload-event.json")
	if err != nil {
		t.Fatal(err)
	}
	body := string(bytes.ReplaceAll(notification, []byte("imp_0123456789abcdef"), []byte(im.ID)))
	invocations := 0
	for ok := true; ok; body, ok = queue.next() {
		invocations++
		if invocations > 50 {
			t.Fatal("no end to the continuations")
		}
		ctx, cancel := context.WithDeadline(t.Context(), now().Add(roster.ChainMargin+6*time.Second))
		out, err := h(ctx, events.SQSEvent{Records: []events.SQSMessage{{MessageId: fmt.Sprint("m", invocations), Body: body}}})
		cancel()
		if err != nil || len(out.BatchItemFailures) != 0 {
			t.Fatalf("invocation %d: %+v, %v", invocations, out, err)
		}
	}
	got, err := svc.Get(t.Context(), im.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != roster.ImportDone || got.Result.Created != 45 || got.RowsWritten != 45 {
		t.Fatalf("import %+v, want done with 45 people", got)
	}
	if invocations < 3 {
		t.Errorf("%d invocations, want continuations", invocations)
	}
}

// TestWireFailsWithoutItsVariables: each variable is required, by name.
func TestWireFailsWithoutItsVariables(t *testing.T) {
	for _, name := range []string{env.TableName, env.UploadBucket, env.ImportQueueURL} {
		t.Run(name, func(t *testing.T) {
			for _, n := range []string{env.TableName, env.UploadBucket, env.ImportQueueURL} {
				t.Setenv(n, "set")
			}
			t.Setenv(name, "")
			if _, _, err := wire(slog.New(slog.DiscardHandler), nil, nil, nil, time.Now); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("wire = %v, want an error naming %s", err, name)
			}
		})
	}
}
