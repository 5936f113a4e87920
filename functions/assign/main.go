// Command assign is the daily assignment Lambda, invoked by an EventBridge
// schedule: it assigns renewals, cancels leavers' training and, after a
// content change, re-evaluates everybody.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/handler"
)

func main() {
	a, logger := app.MustFromEnvironment()
	lambda.Start(handler.DailyAssignment(a.Assigner, logger))
}
