package sqs

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestImportQueueSendsTheContinuation(t *testing.T) {
	f := &fakeSender{}
	q := &ImportQueue{API: f, QueueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/imports"}
	if err := q.Continue(context.Background(), "imp_0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 || aws.ToString(f.sent[0].MessageBody) != `{"importId":"imp_0123456789abcdef"}` || aws.ToString(f.sent[0].QueueUrl) != q.QueueURL {
		t.Errorf("sent %+v, want the continuation on the import queue", f.sent)
	}
	f.err = errors.New("AccessDenied")
	if err := q.Continue(context.Background(), "imp_1"); !errors.Is(err, f.err) {
		t.Errorf("Continue = %v, want the refusal", err)
	}
}
