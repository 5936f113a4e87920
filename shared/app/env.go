package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/sqs"
)

// FromEnvironment wires the application inside a Lambda function: AWS
// clients from the default configuration, and the settings the CDK stack
// passes as environment variables (TABLE_NAME, required; SENDER_EMAIL;
// BASE_URL; CONFIGURATION_SET; REMINDER_CADENCE, see reminder.ParseConfig;
// QUEUE_URL, where set, makes reminder runs fan out through SQS).
func FromEnvironment(ctx context.Context, logger *slog.Logger) (*App, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	cadence, err := reminder.ParseConfig(os.Getenv("REMINDER_CADENCE"))
	if err != nil {
		return nil, err
	}
	var dispatcher outbox.Dispatcher
	if queue := os.Getenv("QUEUE_URL"); queue != "" {
		dispatcher = sqs.NewDispatcher(cfg, queue)
	}
	return New(Config{
		DynamoDB:         dynamodb.NewFromConfig(cfg),
		TableName:        table,
		SES:              sesv2.NewFromConfig(cfg),
		SenderEmail:      os.Getenv("SENDER_EMAIL"),
		BaseURL:          os.Getenv("BASE_URL"),
		ConfigurationSet: os.Getenv("CONFIGURATION_SET"),
		Cadence:          &cadence,
		Dispatcher:       dispatcher,
		Logger:           logger,
	})
}

// MustFromEnvironment is how every Lambda's main starts: a JSON logger on
// standard output, then FromEnvironment; when the function cannot be wired it
// logs why and exits, so Lambda reports an initialisation error.
func MustFromEnvironment() (*App, *slog.Logger) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	a, err := FromEnvironment(context.Background(), logger)
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	return a, logger
}
