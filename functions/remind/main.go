// Command remind is the hourly reminder Lambda, invoked by an EventBridge
// schedule: it selects who gets which reminder and fans the emails out
// through SQS to the send function.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/schedule"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	a, err := app.FromEnvironment(context.Background(), logger)
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(schedule.RemindHandler(a.Reminders, logger))
}
