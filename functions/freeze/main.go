// Command freeze is the daily freeze Lambda, invoked by an EventBridge
// schedule: it freezes the metrics of the quarter that closed last (its
// rows, figures and agreement reports, stored once), unless that quarter is
// frozen already.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), time.Now)
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// wire builds the metrics service on the DynamoDB client, the environment
// and the clock, and returns the daily freeze handler.
func wire(logger *slog.Logger, db dynamo.API, now func() time.Time) (func(context.Context, events.EventBridgeEvent) (handler.FreezeSummary, error), error) {
	table, err := env.Required(env.TableName)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	store := dynamo.New(db, table, now)
	svc := &metrics.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: cat, Now: now}
	return handler.DailyFreeze(svc, logger), nil
}
