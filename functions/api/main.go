// Command api is the API Lambda: API Gateway (HTTP API, payload 2.0) in front
// of the tracker's http.Handler, which needs the whole application (app.New).
package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
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
	"github.com/attest-oss/attest/shared/s3presign"
	"github.com/attest-oss/attest/shared/ses"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	links := s3presign.Presigner{Region: cfg.Region, Credentials: cfg.Credentials, Endpoint: aws.ToString(cfg.BaseEndpoint)}
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), sesv2.NewFromConfig(cfg), awssqs.NewFromConfig(cfg), links, kms.NewFromConfig(cfg))
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
// verify the audit seals and serve it), the presigner (its Bucket is set
// here) only with EVIDENCE_BUCKET: the API presigns downloads of bundles,
// which EXPORT_QUEUE_URL hands to the export function to build, and links
// no S3 client; with UPLOAD_BUCKET it presigns the uploads of large roster
// imports too, which the bucket's notification hands to the import
// function.
func wire(logger *slog.Logger, db dynamo.API, mail ses.API, queue queueAPI, links s3presign.Presigner, keys kmssign.API) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), error) {
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
		links.Bucket = bucket
		exports = &app.ExportsConfig{
			Links: &links,
			Queue: &sqs.ExportQueue{API: queue, QueueURL: url},
		}
	}
	var imports *app.ImportsConfig
	if bucket := env.Optional(env.UploadBucket); bucket != "" {
		uploads := links
		uploads.Bucket = bucket
		imports = &app.ImportsConfig{Links: &uploads}
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
