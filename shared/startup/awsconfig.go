package startup

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go/logging"
)

// AWSConfig builds the AWS configuration from the environment Lambda gives a
// function, reading each variable with getenv (os.Getenv in Start). It is
// what config.LoadDefaultConfig resolves there, without linking that
// package: config links the whole credential chain (shared config and
// credentials files, SSO, STS, IMDS, container, process and login
// credentials), whose generated packages cost every function about 1 ms of
// package init and 0.6 MB gzipped, and none of which a function can use.
//
// Lambda sets the region (AWS_REGION, and AWS_DEFAULT_REGION) and the
// execution role's temporary credentials (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) as reserved environment
// variables before init ("Defined runtime environment variables",
// docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html). They do
// not change while the execution environment lives: when the role's
// permissions change Lambda replaces running environments rather than their
// credentials (".../lambda-intro-execution-role.html"). LoadDefaultConfig
// too reads them once: its environment provider (config.NewEnvConfig) makes
// them a credentials.StaticCredentialsProvider, which never refreshes, in an
// aws.CredentialsCache; this does the same, with the same variables
// (AWS_ACCESS_KEY and AWS_SECRET_KEY as fallbacks, AWS_ACCOUNT_ID), source
// name and credential source (which the SDK reports in its user agent).
//
// Also read, as config.NewEnvConfig reads them: AWS_ENDPOINT_URL (every
// client's base endpoint; infra/coldstart points the SDK at a closed port
// with it), AWS_MAX_ATTEMPTS and AWS_RETRY_MODE (the standard retryer's
// settings; coldstart sets AWS_MAX_ATTEMPTS=1). The defaults LoadDefaultConfig
// applies when nothing is set are set here too: the legacy defaults mode,
// "preferred" account-ID endpoints, checksums "when supported", and the SDK's
// logger on standard error. The HTTP client and the retryer are the
// clients' defaults, as with LoadDefaultConfig.
//
// Not read, because neither Lambda, the stack nor the tools set them:
// shared config and credentials files and profiles, web identity, container
// and IMDS credentials (a Lambda with SnapStart, which Go runtimes do not
// offer, gets container credentials), AWS_CA_BUNDLE, service-specific
// AWS_ENDPOINT_URL_<SERVICE> and AWS_IGNORE_CONFIGURED_ENDPOINT_URLS, FIPS and
// dual-stack endpoints, AWS_DEFAULTS_MODE, AWS_SDK_UA_APP_ID, request
// compression and the checksum settings.
func AWSConfig(getenv func(string) string) (aws.Config, error) {
	cfg := aws.Config{
		Region:                     first(getenv, "AWS_REGION", "AWS_DEFAULT_REGION"),
		Logger:                     logging.NewStandardLogger(os.Stderr),
		DefaultsMode:               aws.DefaultsModeLegacy,
		AccountIDEndpointMode:      aws.AccountIDEndpointModePreferred,
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenSupported,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenSupported,
	}
	creds := aws.Credentials{
		AccessKeyID:     first(getenv, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY"),
		SecretAccessKey: first(getenv, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
		AccountID:       getenv("AWS_ACCOUNT_ID"),
		Source:          "EnvConfigCredentials", // config.CredentialsSourceName
	}
	if !creds.HasKeys() {
		return aws.Config{}, errors.New("environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the execution role's credentials) are not set")
	}
	cfg.Credentials = aws.NewCredentialsCache(credentials.StaticCredentialsProvider{
		Value:  creds,
		Source: []aws.CredentialSource{aws.CredentialSourceEnvVars},
	})
	if v := getenv("AWS_ENDPOINT_URL"); v != "" {
		cfg.BaseEndpoint = aws.String(v)
	}
	if v := getenv("AWS_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("environment variable AWS_MAX_ATTEMPTS=%s: %w", v, err)
		}
		cfg.RetryMaxAttempts = n
	}
	if v := getenv("AWS_RETRY_MODE"); v != "" {
		mode, err := aws.ParseRetryMode(v)
		if err != nil {
			return aws.Config{}, fmt.Errorf("environment variable AWS_RETRY_MODE: %w", err)
		}
		cfg.RetryMode = mode
	}
	return cfg, nil
}

// first returns the value of the first of names that is set and not empty.
func first(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}
