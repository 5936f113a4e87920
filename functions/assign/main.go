// Command assign is the daily assignment Lambda, invoked by an EventBridge
// schedule: it assigns renewals, cancels leavers' training and, after a
// content change, re-evaluates everybody.
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
	lambda.Start(schedule.AssignHandler(a.Assigner, logger))
}
