// Package startup is how every Lambda function's main begins and, when it
// cannot be wired, ends: a JSON logger on standard output, the AWS
// configuration Lambda provides, and an exit that says why. It is wiring
// only, and links neither the HTTP API nor email nor any adapter, so that a
// function links what its own main.go builds and no more.
package startup

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Start returns the function's logger, which writes JSON to standard output,
// and the AWS configuration of the Lambda environment (see AWSConfig). When
// the configuration cannot be built it exits (see Exit).
func Start() (*slog.Logger, aws.Config) {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := AWSConfig(os.Getenv)
	if err != nil {
		Exit(logger, fmt.Errorf("load AWS configuration: %w", err))
	}
	return logger, cfg
}

// Exit logs why the function cannot be wired and exits, so that Lambda
// reports an initialisation error.
func Exit(logger *slog.Logger, err error) {
	logger.Error("start", "err", err)
	os.Exit(1)
}
