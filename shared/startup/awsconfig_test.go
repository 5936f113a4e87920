package startup

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/smithy-go/logging"
)

// awsVariables are the variables either configuration reads that a test
// sets (empty unless the case names them), so that the machine's own AWS
// setup does not leak in.
var awsVariables = []string{
	"AWS_REGION", "AWS_DEFAULT_REGION",
	"AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY", "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN", "AWS_ACCOUNT_ID",
	"AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CA_BUNDLE", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN",
	"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
	"AWS_DEFAULTS_MODE", "AWS_SDK_UA_APP_ID", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
	"AWS_REQUEST_CHECKSUM_CALCULATION", "AWS_RESPONSE_CHECKSUM_VALIDATION", "AWS_ACCOUNT_ID_ENDPOINT_MODE",
}

// setEnvironment sets every awsVariables entry to its value in env (or
// empty), and points the shared files nowhere, as in a Lambda environment.
func setEnvironment(t *testing.T, env map[string]string) {
	t.Helper()
	for _, name := range awsVariables {
		t.Setenv(name, env[name])
	}
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/credentials")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// lambda is the environment Lambda sets.
var lambda = map[string]string{
	"AWS_REGION":            "eu-west-1",
	"AWS_DEFAULT_REGION":    "eu-west-1",
	"AWS_ACCESS_KEY_ID":     "ASIAEXAMPLE",
	"AWS_SECRET_ACCESS_KEY": "secret",
	"AWS_SESSION_TOKEN":     "token",
}

// with returns env with the entries of more added or replaced.
func with(env map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range env {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// TestAWSConfigIsLoadDefaultConfigsOnLambda checks that in the environments
// Lambda, the stack and the tools give a function, AWSConfig resolves what
// config.LoadDefaultConfig resolves: the same settings, the same
// credentials (and their reported source), the clients' default HTTP client
// and retryer.
func TestAWSConfigIsLoadDefaultConfigsOnLambda(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
	}{
		{"lambda", lambda},
		{"only the default region", with(lambda, map[string]string{"AWS_REGION": "", "AWS_DEFAULT_REGION": "us-east-2"})},
		{"no session token", with(lambda, map[string]string{"AWS_SESSION_TOKEN": ""})},
		{"old key names", with(lambda, map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_ACCESS_KEY": "AKIDOLD", "AWS_SECRET_KEY": "old"})},
		{"account id", with(lambda, map[string]string{"AWS_ACCOUNT_ID": "111122223333"})},
		{"coldstart", with(lambda, map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})},
		{"adaptive retries", with(lambda, map[string]string{"AWS_RETRY_MODE": "adaptive", "AWS_MAX_ATTEMPTS": "5"})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setEnvironment(t, tt.env)
			want, err := config.LoadDefaultConfig(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := AWSConfig(os.Getenv)
			if err != nil {
				t.Fatal(err)
			}
			if got.Region != want.Region || got.Region == "" {
				t.Errorf("region %q, LoadDefaultConfig %q", got.Region, want.Region)
			}
			if !reflect.DeepEqual(got.BaseEndpoint, want.BaseEndpoint) {
				t.Errorf("base endpoint %v, LoadDefaultConfig %v", got.BaseEndpoint, want.BaseEndpoint)
			}
			settings := func(c aws.Config) []any {
				return []any{c.RetryMaxAttempts, c.RetryMode, c.DefaultsMode, c.AccountIDEndpointMode,
					c.RequestChecksumCalculation, c.ResponseChecksumValidation, c.AppID,
					c.HTTPClient == nil, c.Retryer == nil, reflect.TypeOf(c.Logger), reflect.TypeOf(c.Credentials)}
			}
			if g, w := settings(got), settings(want); !reflect.DeepEqual(g, w) {
				t.Errorf("settings %v, LoadDefaultConfig %v", g, w)
			}
			gotCreds, err := got.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			wantCreds, err := want.Credentials.Retrieve(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if gotCreds != wantCreds {
				t.Errorf("credentials %+v, LoadDefaultConfig %+v", gotCreds, wantCreds)
			}
			type sources interface{ ProviderSources() []aws.CredentialSource }
			if g, w := got.Credentials.(sources).ProviderSources(), want.Credentials.(sources).ProviderSources(); !reflect.DeepEqual(g, w) {
				t.Errorf("credential sources %v, LoadDefaultConfig %v", g, w)
			}
			if _, ok := got.Logger.(*logging.StandardLogger); !ok {
				t.Errorf("logger %T, want the SDK's standard logger", got.Logger)
			}
		})
	}
}

// TestAWSConfigErrors checks the environments AWSConfig refuses: malformed
// retry settings (which LoadDefaultConfig refuses too) and no credentials
// (which Lambda always sets).
func TestAWSConfigErrors(t *testing.T) {
	tests := []struct {
		name, want string
		env        map[string]string
	}{
		{"max attempts", "AWS_MAX_ATTEMPTS", with(lambda, map[string]string{"AWS_MAX_ATTEMPTS": "three"})},
		{"retry mode", "AWS_RETRY_MODE", with(lambda, map[string]string{"AWS_RETRY_MODE": "eager"})},
		{"no secret key", "AWS_SECRET_ACCESS_KEY", with(lambda, map[string]string{"AWS_SECRET_ACCESS_KEY": ""})},
		{"no credentials", "AWS_ACCESS_KEY_ID", map[string]string{"AWS_REGION": "eu-west-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(name string) string { return tt.env[name] }
			if _, err := AWSConfig(env); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
}
