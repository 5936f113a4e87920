// Command bounce is the Lambda that SNS invokes with the bounce and
// complaint events SES publishes: it marks permanently bounced and
// complaining addresses undeliverable, so reminders stop going to them.
package main

import (
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	table, err := env.Required(env.TableName)
	if err != nil {
		startup.Exit(logger, err)
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table, time.Now)
	lambda.Start(handler.Bounce(store, logger))
}
