// Command infra is the AWS CDK app that deploys the attest tracker into the
// account and region of the caller:
//
//	make build                               # writes build/<function>/bootstrap
//	npx cdk deploy -c senderEmail=training@example.com
//
// The cdk CLI runs it as `go run ./infra` (see cdk.json); running that command
// directly also synthesizes the CloudFormation template into cdk.out/.
//
// Context values (cdk -c key=value, or the context block of cdk.json):
//
//	senderEmail        the SES identity the tracker sends email from (optional)
//	senderConcurrency  how many send functions may run at once, 2-1000
//	                   (optional, default 2): keep it within the account's
//	                   SES sending rate, see TrackerStackProps
//	reminderCadence    the reminder cadence, e.g. "beforeDue=10,3;max=6" (see reminder.ParseConfig)
//	quizAttemptsPerDay quiz attempts a person has at one module per UTC day (optional, default 10)
//	alarmEmail         an address subscribed to the operations topic, which
//	                   every alarm notifies (optional; it must confirm)
//	evidenceRetentionYears  how long evidence bundles stay locked in the
//	                   evidence bucket, 1-100 (optional, default 7)
//
// Synthesis runs cdk-nag's AwsSolutions and Serverless packs on the stack: an
// unsuppressed error fails it.
//
// The account and region come from CDK_DEFAULT_ACCOUNT and CDK_DEFAULT_REGION,
// which the cdk CLI sets from the caller's AWS profile; without them the
// stack is environment-agnostic.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/attest-oss/attest/shared/reminder"
)

// stackName is the CloudFormation stack name of the tracker.
const stackName = "AttestTracker"

// dailyScheduleHourUTC is the hour (UTC) of the daily assignment run.
const dailyScheduleHourUTC = 6

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "infra:", err)
		os.Exit(1)
	}
}

// run synthesizes the tracker stack from the binaries in DefaultBuildDir.
func run() error {
	// Check the binaries before starting the jsii runtime, for a plain error.
	buildDir, err := resolveBuildDir(DefaultBuildDir)
	if err != nil {
		return err
	}
	app, err := newApp()
	if err != nil {
		return err
	}
	defer jsii.Close()

	senderEmail, _ := app.Node().TryGetContext(jsii.String("senderEmail")).(string)
	reminderCadence, _ := app.Node().TryGetContext(jsii.String("reminderCadence")).(string)
	alarmEmail, _ := app.Node().TryGetContext(jsii.String("alarmEmail")).(string)
	if _, err := reminder.ParseConfig(reminderCadence); err != nil {
		return err
	}
	senderConcurrency, err := intContext(app, "senderConcurrency")
	if err != nil {
		return err
	}
	if senderConcurrency != 0 {
		if err := validateSenderConcurrency(senderConcurrency); err != nil {
			return err
		}
	}
	quizAttemptsPerDay, err := intContext(app, "quizAttemptsPerDay")
	if err != nil {
		return err
	}
	if quizAttemptsPerDay < 0 {
		return fmt.Errorf("context quizAttemptsPerDay: %d is not a positive number", quizAttemptsPerDay)
	}
	evidenceRetentionYears, err := intContext(app, "evidenceRetentionYears")
	if err != nil {
		return err
	}
	if evidenceRetentionYears != 0 {
		if err := validateEvidenceRetentionYears(evidenceRetentionYears); err != nil {
			return fmt.Errorf("context evidenceRetentionYears: %w", err)
		}
	}
	NewTrackerStack(app, stackName, &TrackerStackProps{
		StackProps: awscdk.StackProps{
			Env:         environment(),
			Description: jsii.String("Attest security-training tracker"),
		},
		BuildDir:               buildDir,
		SenderEmail:            senderEmail,
		DailyScheduleHourUTC:   dailyScheduleHourUTC,
		SenderConcurrency:      senderConcurrency,
		ReminderCadence:        reminderCadence,
		QuizAttemptsPerDay:     quizAttemptsPerDay,
		AlarmEmail:             alarmEmail,
		EvidenceRetentionYears: evidenceRetentionYears,
	})
	applyNag(app)
	app.Synth(nil)
	return nil
}

// intContext is the integer context value key, 0 when it is unset: a string
// when given with cdk -c, a number when given in cdk.json.
func intContext(app awscdk.App, key string) (int, error) {
	switch v := app.Node().TryGetContext(jsii.String(key)).(type) {
	case nil:
		return 0, nil
	case float64:
		if v != float64(int(v)) {
			return 0, fmt.Errorf("context %s: %v is not an integer", key, v)
		}
		return int(v), nil
	case string:
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("context %s: %q is not an integer", key, v)
		}
		return n, nil
	default:
		return 0, fmt.Errorf("context %s: %v is not an integer", key, v)
	}
}

// newApp creates the CDK app with the context of cdk.json (see cdkContext).
// Run outside the cdk CLI, the app writes its cloud assembly to <repo>/cdk.out,
// as the CLI would, instead of a temporary directory.
func newApp() (awscdk.App, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	context, err := cdkContext(root)
	if err != nil {
		return nil, err
	}
	props := &awscdk.AppProps{Context: &context}
	if os.Getenv("CDK_OUTDIR") == "" { // the cdk CLI sets it
		props.Outdir = jsii.String(filepath.Join(root, "cdk.out"))
	}
	return awscdk.NewApp(props), nil
}

// cdkContext returns the context block (the feature flags) of root/cdk.json,
// so that `go run ./infra` and the tests synthesize the same template as the
// cdk CLI, which passes that context to the app itself.
func cdkContext(root string) (map[string]any, error) {
	raw, err := os.ReadFile(filepath.Join(root, "cdk.json"))
	if err != nil {
		return nil, err
	}
	var config struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(raw, &config); err != nil {
		return nil, fmt.Errorf("cdk.json: %w", err)
	}
	return config.Context, nil
}

// environment returns the account and region the cdk CLI resolved, or nil
// (an environment-agnostic stack) when it resolved neither.
func environment() *awscdk.Environment {
	account, region := os.Getenv("CDK_DEFAULT_ACCOUNT"), os.Getenv("CDK_DEFAULT_REGION")
	if account == "" && region == "" {
		return nil
	}
	env := &awscdk.Environment{}
	if account != "" {
		env.Account = jsii.String(account)
	}
	if region != "" {
		env.Region = jsii.String(region)
	}
	return env
}
