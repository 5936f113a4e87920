// Command send is the SQS consumer that sends reminder emails, one
// notification per message, reporting failed messages so only they are
// retried.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/ses"
	"github.com/attest-oss/attest/shared/signin"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), sesv2.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the delivery service on the clients and the environment, and
// returns the queue handler.
func wire(logger *slog.Logger, db dynamo.API, mail ses.API) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	store := dynamo.New(db, table, time.Now)
	base := env.Optional(env.BaseURL)
	reminders := &outbox.Service{
		Store:   store,
		Mailer:  ses.NewSender(mail, env.Optional(env.SenderEmail), env.Optional(env.ConfigurationSet)),
		Links:   &signin.Service{Store: store, People: store, BaseURL: base, Logger: logger, Now: time.Now},
		BaseURL: base,
		Titles:  email.CatalogTitles(cat),
		Logger:  logger,
		Now:     time.Now,
	}
	return handler.Send(reminders, logger), nil
}
