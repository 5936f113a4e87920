// Command freeze is the daily freeze Lambda, invoked by an EventBridge
// schedule: it freezes the metrics of the quarter that closed last (its
// rows, figures and agreement reports, stored once), unless that quarter is
// frozen already, and seals the audit days that ended with the evidence key.
package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	signer, err := evidenceKey(kms.NewFromConfig(cfg))
	if err != nil {
		startup.Exit(logger, err)
	}
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), signer, time.Now)
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// evidenceKey is the KMS key named by env.SigningKeyID, which signs the
// audit seals.
func evidenceKey(client kmssign.API) (signing.Signer, error) {
	keyID, err := env.Required(env.SigningKeyID)
	if err != nil {
		return nil, err
	}
	return kmssign.New(client, keyID), nil
}

// wire builds the metrics service and the audit sealer on the DynamoDB
// client, the evidence key, the environment and the clock, and returns the
// daily freeze handler.
func wire(logger *slog.Logger, db dynamo.API, signer signing.Signer, now func() time.Time) (func(context.Context, events.EventBridgeEvent) (handler.FreezeSummary, error), error) {
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
	sealer := &auditlog.Sealer{Store: store, Signer: signer, Now: now}
	return handler.DailyFreeze(svc, sealer, logger), nil
}
