// Command api is the API Lambda: API Gateway (HTTP API, payload 2.0) in front
// of the tracker's http.Handler.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/shared/app"
)

func main() {
	a, _ := app.MustFromEnvironment()
	lambda.Start(httpadapter.NewV2(a.Handler).ProxyWithContext)
}
