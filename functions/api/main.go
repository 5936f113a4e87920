// Command api is the API Lambda: API Gateway (HTTP API, payload 2.0) in front
// of the tracker's http.Handler, which needs the whole application (app.New).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/ses"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), sesv2.NewFromConfig(cfg), awssqs.NewFromConfig(cfg), s3.NewFromConfig(cfg), kms.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// queueAPI is the part of the SQS client the API uses: batches of
// reminders, one message per export request.
type queueAPI interface {
	sqs.API
	sqs.SendAPI
}

// wire builds the application on the given clients and the environment, and
// returns the API Gateway proxy in front of its http.Handler. The queue
// client is used only when QUEUE_URL or EXPORT_QUEUE_URL is set; the KMS
// client only with SIGNING_KEY_ID (the public key of the evidence key, to
// verify the audit seals and serve it), the S3 client only with
// EVIDENCE_BUCKET (to presign downloads of bundles, which EXPORT_QUEUE_URL
// hands to the export function).
func wire(logger *slog.Logger, db dynamo.API, mail ses.API, queue queueAPI, objects *s3.Client, keys kmssign.API) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	cadence, err := reminder.ParseConfig(env.Optional(env.ReminderCadence))
	if err != nil {
		return nil, fmt.Errorf("environment variable %s: %w", env.ReminderCadence, err)
	}
	attemptsPerDay, err := env.PositiveInt(env.QuizAttemptsPerDay, quiz.DefaultAttemptsPerDay)
	if err != nil {
		return nil, err
	}
	// With a queue, POST /api/reminders/run fans out like the hourly run.
	var dispatcher outbox.Dispatcher
	if url := env.Optional(env.QueueURL); url != "" {
		dispatcher = &sqs.Dispatcher{API: queue, QueueURL: url}
	}
	var signer signing.Signer
	if id := env.Optional(env.SigningKeyID); id != "" {
		signer = kmssign.New(keys, id)
	}
	var exports *app.ExportsConfig
	if bucket := env.Optional(env.EvidenceBucket); bucket != "" {
		url, err := env.Required(env.ExportQueueURL)
		if err != nil {
			return nil, err
		}
		exports = &app.ExportsConfig{
			Objects: &s3store.Store{Client: objects, Bucket: bucket, Presign: s3.NewPresignClient(objects), Now: time.Now},
			Queue:   &sqs.ExportQueue{API: queue, QueueURL: url},
		}
	}
	var imports *app.ImportsConfig
	if bucket := env.Optional(env.UploadBucket); bucket != "" {
		imports = &app.ImportsConfig{Uploads: &s3store.Uploads{Store: &s3store.Store{
			Client: objects, Bucket: bucket, Presign: s3.NewPresignClient(objects), Now: time.Now,
		}}}
	}
	a, err := app.New(app.Config{
		DynamoDB:           db,
		TableName:          table,
		SES:                mail,
		SenderEmail:        env.Optional(env.SenderEmail),
		BaseURL:            env.Optional(env.BaseURL),
		ConfigurationSet:   env.Optional(env.ConfigurationSet),
		Cadence:            &cadence,
		QuizAttemptsPerDay: attemptsPerDay,
		Dispatcher:         dispatcher,
		Signer:             signer,
		Exports:            exports,
		Imports:            imports,
		Logger:             logger,
	})
	if err != nil {
		return nil, err
	}
	return httpadapter.NewV2(a.Handler).ProxyWithContext, nil
}
