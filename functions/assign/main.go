// Command assign is the daily assignment Lambda, invoked by an EventBridge
// schedule: it assigns renewals, cancels leavers' training and, after a
// content change, re-evaluates everybody.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
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
	h, err := wire(logger, dynamodb.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the assignment runner on the DynamoDB client and the
// environment, and returns the daily handler.
func wire(logger *slog.Logger, db dynamo.API) (func(context.Context, events.EventBridgeEvent) (assign.Summary, error), error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	store := dynamo.New(db, table, time.Now)
	runner := &assign.Runner{Store: store, Catalog: cat, Now: time.Now}
	return handler.DailyAssignment(runner, logger), nil
}
