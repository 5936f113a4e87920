// Command send is the SQS consumer that sends reminder emails, one
// notification per message, reporting failed messages so only they are
// retried.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/attest-oss/attest/shared/app"
)

func main() {
	a, _ := app.MustFromEnvironment()
	lambda.Start(a.Reminders.HandleQueue)
}
