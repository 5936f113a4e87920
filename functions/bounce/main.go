// Command bounce is the Lambda that SNS invokes with the bounce and
// complaint events SES publishes: it marks permanently bounced and
// complaining addresses undeliverable, so reminders stop going to them.
package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the store on the DynamoDB client and the environment, and
// returns the bounce handler.
func wire(logger *slog.Logger, db dynamo.API) (func(context.Context, events.SNSEvent) error, error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	return handler.Bounce(dynamo.New(db, table, time.Now), logger), nil
}
