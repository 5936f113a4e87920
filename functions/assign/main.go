// Command assign is the daily assignment Lambda, invoked by an EventBridge
// schedule: it assigns renewals, cancels leavers' training and, after a
// content change, re-evaluates everybody.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/schedule"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "err", err)
		os.Exit(1)
	}
	a, err := app.New(app.Config{
		DynamoDB:    dynamodb.NewFromConfig(cfg),
		TableName:   os.Getenv("TABLE_NAME"),
		SES:         sesv2.NewFromConfig(cfg),
		SenderEmail: os.Getenv("SENDER_EMAIL"),
		BaseURL:     os.Getenv("BASE_URL"),
		Logger:      logger,
	})
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(schedule.AssignHandler(a.Assigner, logger))
}
