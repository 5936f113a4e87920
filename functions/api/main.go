// Command api is the API Lambda: API Gateway (HTTP API, payload 2.0) in front
// of the tracker's http.Handler.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/shared/app"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	a, err := app.FromEnvironment(context.Background(), logger)
	if err != nil {
		logger.Error("start", "err", err)
		os.Exit(1)
	}
	lambda.Start(httpadapter.NewV2(a.Handler).ProxyWithContext)
}
