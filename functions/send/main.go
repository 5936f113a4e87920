// Command send is the SQS consumer that sends reminder emails, one
// notification per message, reporting failed messages so only they are
// retried.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	a, err := app.FromEnvironment(context.Background(), logger)
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(a.Reminders.HandleQueue)
}
