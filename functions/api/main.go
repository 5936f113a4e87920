// Command api is the API Lambda: API Gateway (HTTP API, payload 2.0) in front
// of the tracker's http.Handler, which needs the whole application (app.New).
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	table, err := env.Required(env.TableName)
	if err != nil {
		startup.Exit(logger, err)
	}
	cadence, err := reminder.ParseConfig(env.Optional(env.ReminderCadence))
	if err != nil {
		startup.Exit(logger, err)
	}
	// With a queue, POST /api/reminders/run fans out like the hourly run.
	var dispatcher outbox.Dispatcher
	if queue := env.Optional(env.QueueURL); queue != "" {
		dispatcher = sqs.NewDispatcher(cfg, queue)
	}
	a, err := app.New(app.Config{
		DynamoDB:         dynamodb.NewFromConfig(cfg),
		TableName:        table,
		SES:              sesv2.NewFromConfig(cfg),
		SenderEmail:      env.Optional(env.SenderEmail),
		BaseURL:          env.Optional(env.BaseURL),
		ConfigurationSet: env.Optional(env.ConfigurationSet),
		Cadence:          &cadence,
		Dispatcher:       dispatcher,
		Logger:           logger,
	})
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(httpadapter.NewV2(a.Handler).ProxyWithContext)
}
