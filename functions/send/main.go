// Command send is the SQS consumer that sends reminder emails, one
// notification per message, reporting failed messages so only they are
// retried.
package main

import (
	"fmt"
	"time"

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
	table, err := env.Required(env.TableName)
	if err != nil {
		startup.Exit(logger, err)
	}
	cat, err := catalog.Default()
	if err != nil {
		startup.Exit(logger, fmt.Errorf("load content: %w", err))
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table, time.Now)
	base := env.Optional(env.BaseURL)
	reminders := &outbox.Service{
		Store:   store,
		Mailer:  ses.NewSender(sesv2.NewFromConfig(cfg), env.Optional(env.SenderEmail), env.Optional(env.ConfigurationSet)),
		Links:   &signin.Service{Store: store, People: store, BaseURL: base, Logger: logger, Now: time.Now},
		BaseURL: base,
		Titles:  email.CatalogTitles(cat),
		Logger:  logger,
		Now:     time.Now,
	}
	lambda.Start(handler.Send(reminders, logger))
}
