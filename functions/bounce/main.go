// Command bounce is the Lambda that SNS invokes with the bounce and
// complaint events SES publishes: it marks permanently bounced and
// complaining addresses undeliverable, so reminders stop going to them.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/handler"
)

func main() {
	a, logger := app.MustFromEnvironment()
	lambda.Start(handler.Bounce(a.Store, logger))
}
