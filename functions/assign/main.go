// Command assign is the daily assignment Lambda, invoked by an EventBridge
// schedule: it assigns renewals, cancels leavers' training and, after a
// content change, re-evaluates everybody.
package main

import (
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
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
	cat, err := catalog.Default()
	if err != nil {
		startup.Exit(logger, fmt.Errorf("load content: %w", err))
	}
	store := dynamo.New(dynamodb.NewFromConfig(cfg), table, time.Now)
	runner := &assign.Runner{Store: store, Catalog: cat, Now: time.Now}
	lambda.Start(handler.DailyAssignment(runner, logger))
}
