// Command hello is the smallest aws-lambda-go function: the baseline that
// infra/coldstart measures every function's init against, built with the
// same flags in the same run. It is a measuring stick, not a Lambda of the
// product, so it lives here and not under functions/.
package main

import "github.com/aws/aws-lambda-go/lambda"

func main() {
	lambda.Start(func() (string, error) { return "hello", nil })
}
