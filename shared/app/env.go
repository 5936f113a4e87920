package app

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
)

// FromEnvironment wires the application inside a Lambda function: AWS
// clients from the default configuration, and the settings the CDK stack
// passes as environment variables (TABLE_NAME, required; SENDER_EMAIL;
// BASE_URL).
func FromEnvironment(ctx context.Context, logger *slog.Logger) (*App, error) {
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		return nil, fmt.Errorf("TABLE_NAME is not set")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	return New(Config{
		DynamoDB:    dynamodb.NewFromConfig(cfg),
		TableName:   table,
		SES:         sesv2.NewFromConfig(cfg),
		SenderEmail: os.Getenv("SENDER_EMAIL"),
		BaseURL:     os.Getenv("BASE_URL"),
		Logger:      logger,
	})
}
