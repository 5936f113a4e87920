package sqs

import (
	"context"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
)

// fakeSender keeps the messages sent, or fails with err.
type fakeSender struct {
	sent []*awssqs.SendMessageInput
	err  error
}

func (f *fakeSender) SendMessage(ctx context.Context, in *awssqs.SendMessageInput, opts ...func(*awssqs.Options)) (*awssqs.SendMessageOutput, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.sent = append(f.sent, in)
	return &awssqs.SendMessageOutput{MessageId: aws.String("m-1")}, nil
}

// TestEnqueueSendsTheIDAsTheBody: the message is the export id alone, on the
// export queue; a refusal names the export.
func TestEnqueueSendsTheIDAsTheBody(t *testing.T) {
	f := &fakeSender{}
	q := &ExportQueue{API: f, QueueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/exports"}
	if err := q.Enqueue(context.Background(), "exp_0123456789abcdef"); err != nil {
		t.Fatal(err)
	}
	if len(f.sent) != 1 || aws.ToString(f.sent[0].MessageBody) != "exp_0123456789abcdef" || aws.ToString(f.sent[0].QueueUrl) != q.QueueURL {
		t.Errorf("sent %+v, want the id on the export queue", f.sent)
	}
	f.err = errors.New("AccessDenied")
	if err := q.Enqueue(context.Background(), "exp_1"); !errors.Is(err, f.err) || err.Error() != "enqueue export exp_1: AccessDenied" {
		t.Errorf("Enqueue = %v, want the refusal naming the export", err)
	}
}
