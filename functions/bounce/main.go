// Command bounce is the Lambda that SNS invokes with the bounce and
// complaint events SES publishes: it marks permanently bounced and
// complaining addresses undeliverable, so reminders stop going to them.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/bounce"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	a, err := app.FromEnvironment(context.Background(), logger)
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(bounce.Handler(a.Store, logger))
}
