package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/s3store"
)

// uploadBucket is the upload bucket of large roster imports in make dev.
const uploadBucket = "attest-uploads"

// s3EventsPath is where the S3 server (locals3 -notify) posts the event
// notification of each uploaded import file: the local stand-in for the
// upload bucket's notification to the import queue.
const s3EventsPath = "/local/s3-events"

// setUpUploads creates the upload bucket on the S3 server unless it
// exists, and returns its configuration.
func setUpUploads(ctx context.Context, stack *devstack.Stack) (*app.ImportsConfig, error) {
	client := stack.S3Client()
	if err := ensureBucket(ctx, client, uploadBucket); err != nil {
		return nil, err
	}
	return &app.ImportsConfig{
		Uploads: &s3store.Uploads{Store: &s3store.Store{Client: client, Bucket: uploadBucket, Now: time.Now}},
		Links:   stack.S3Presigner(uploadBucket),
	}, nil
}

// localImports runs large imports in-process through the import
// function's own handler, each notification as the one message of an SQS
// batch, in the background (the S3 server's PUT returns meanwhile).
type localImports struct {
	handle  func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	running sync.WaitGroup
}

// run hands one notification to the handler, without a deadline.
func (l *localImports) run(body string) {
	l.running.Go(func() {
		resp, err := l.handle(context.Background(), events.SQSEvent{Records: []events.SQSMessage{{MessageId: "local", Body: body}}})
		if err != nil || len(resp.BatchItemFailures) > 0 {
			log.Printf("import of %s failed (%v); see the logs", body, err)
		}
	})
}

// wait waits for the imports running.
func (l *localImports) wait() { l.running.Wait() }

// withS3Events serves the S3 server's notifications on s3EventsPath and
// everything else through next.
func withS3Events(next http.Handler, imports *localImports) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", next)
	mux.HandleFunc("POST "+s3EventsPath, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		imports.run(string(body))
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintln(w, "accepted")
	})
	return mux
}
