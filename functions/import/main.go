// Command import is the import Lambda. The import queue invokes it, one
// message at a time, with the upload bucket's notification of a large
// roster import's file (POST /api/roster/imports, then a PUT to the
// presigned URL) or with a continuation it sent itself: it validates the
// file as PUT /api/roster does, freezes the plan, and writes it chunk by
// chunk with checkpoints, handing the import to a new invocation before its
// 15 minutes run out.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, _, err := wire(logger, dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg), awssqs.NewFromConfig(cfg), time.Now)
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the import service on the resources the environment names
// (the table, the upload bucket, the import queue for continuations) and
// returns the handler of the queue's messages, and the service.
func wire(logger *slog.Logger, db dynamo.API, objects *s3.Client, queue sqs.SendAPI, now func() time.Time) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), *roster.ImportService, error) {
	names := map[string]string{}
	for _, name := range []string{env.TableName, env.UploadBucket, env.ImportQueueURL} {
		v, err := env.Required(name)
		if err != nil {
			return nil, nil, err
		}
		names[name] = v
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, nil, fmt.Errorf("load content: %w", err)
	}
	store := dynamo.New(db, names[env.TableName], now)
	svc := &roster.ImportService{
		Store: store,
		Uploads: &s3store.Uploads{Store: &s3store.Store{
			Client: objects, Bucket: names[env.UploadBucket], Now: now,
		}},
		Catalog:  cat,
		Assigner: &assign.Runner{Store: store, Catalog: cat, Now: now},
		Queue:    &sqs.ImportQueue{API: queue, QueueURL: names[env.ImportQueueURL]},
		Logger:   logger,
		Now:      now,
	}
	return handler.Import(svc, logger), svc, nil
}
