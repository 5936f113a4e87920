// Command send is the SQS consumer that sends reminder emails, one
// notification per message, reporting failed messages so only they are
// retried.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/handler"
)

func main() {
	a, logger := app.MustFromEnvironment()
	lambda.Start(handler.Send(a.Reminders, logger))
}
