// Command remind is the hourly reminder Lambda, invoked by an EventBridge
// schedule: it selects who gets which reminder and fans the emails out
// through SQS to the send function.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/handler"
)

func main() {
	a, logger := app.MustFromEnvironment()
	lambda.Start(handler.HourlyReminders(a.Reminders, logger))
}
