// Command remind is the hourly reminder Lambda, invoked by an EventBridge
// schedule: it selects who gets which reminder and fans the emails out
// through SQS to the send function.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), awssqs.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the reminder run on the clients and the environment, and
// returns the hourly handler. It wires no mailer and no module titles: with
// a dispatcher, a run only selects and queues; the send function renders and
// sends.
func wire(logger *slog.Logger, db dynamo.API, queue sqs.API) (func(context.Context, events.EventBridgeEvent) (reminder.RunSummary, error), error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	url, err := env.Required(env.QueueURL)
	if err != nil {
		return nil, err
	}
	cadence, err := reminder.ParseConfig(env.Optional(env.ReminderCadence))
	if err != nil {
		return nil, fmt.Errorf("environment variable %s: %w", env.ReminderCadence, err)
	}
	reminders := &outbox.Service{
		Store:      dynamo.New(db, table, time.Now),
		Config:     cadence,
		Dispatcher: &sqs.Dispatcher{API: queue, QueueURL: url},
		Logger:     logger,
		Now:        time.Now,
	}
	return handler.HourlyReminders(reminders, logger), nil
}
