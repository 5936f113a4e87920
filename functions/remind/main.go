// Command remind is the hourly reminder Lambda, invoked by an EventBridge
// schedule: it selects who gets which reminder and fans the emails out
// through SQS to the send function.
package main

import (
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

// main wires no mailer and no module titles: with a dispatcher, a run only
// selects and queues; the send function renders and sends.
func main() {
	logger, cfg := startup.Start()
	table, err := env.Required(env.TableName)
	if err != nil {
		startup.Exit(logger, err)
	}
	queue, err := env.Required(env.QueueURL)
	if err != nil {
		startup.Exit(logger, err)
	}
	cadence, err := reminder.ParseConfig(env.Optional(env.ReminderCadence))
	if err != nil {
		startup.Exit(logger, err)
	}
	reminders := &outbox.Service{
		Store:      dynamo.New(dynamodb.NewFromConfig(cfg), table, time.Now),
		Config:     cadence,
		Dispatcher: sqs.NewDispatcher(cfg, queue),
		Logger:     logger,
		Now:        time.Now,
	}
	lambda.Start(handler.HourlyReminders(reminders, logger))
}
