package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/table"
)

// DefaultBuildDir is where `make build` writes one <function>/bootstrap
// binary per Lambda function, relative to the repository root.
const DefaultBuildDir = "build"

// Lambda function names: each is a directory of the build directory holding
// that function's bootstrap binary.
const (
	apiFunction    = "api"
	assignFunction = "assign"
	remindFunction = "remind"
	sendFunction   = "send"
	bounceFunction = "bounce"
)

// functionNames are all the Lambda functions of the stack.
var functionNames = []string{apiFunction, assignFunction, remindFunction, sendFunction, bounceFunction}

// DefaultSenderConcurrency is the SenderConcurrency used when it is zero: the
// minimum an SQS event source allows.
const DefaultSenderConcurrency = 2

// TrackerStackProps configures the tracker stack.
type TrackerStackProps struct {
	awscdk.StackProps
	// BuildDir holds one <function>/bootstrap binary per Lambda function
	// (api, assign, remind, send, bounce). A relative path is resolved
	// against the repository root (the nearest directory at or above the
	// working directory that holds go.mod); empty means DefaultBuildDir.
	BuildDir string
	// SenderEmail is the SES identity the tracker sends email from. It is
	// optional and reaches the API and send functions as SENDER_EMAIL; main.go
	// reads it from the CDK context value senderEmail (cdk deploy -c
	// senderEmail=...). When it is empty, no function may send email.
	SenderEmail string
	// DailyScheduleHourUTC is the hour (0-23, UTC) at which the daily
	// assignment run starts; 0 means midnight.
	DailyScheduleHourUTC int
	// SenderConcurrency is the most send functions that consume the reminder
	// queue at once (2-1000; 0 means DefaultSenderConcurrency). It is what
	// keeps reminder email within the account's SES sending rate: each
	// invocation sends a batch of up to 10 messages one after the other, at
	// some 100 ms a message, so the default of 2 sends about 20 messages a
	// second. SES allows 1 message a second in the sandbox and more in a
	// production account (its SES sending quota); raise it only with the
	// quota. A message the send function reports as a batch item failure
	// (SES throttling, say) is retried after the queue's visibility timeout
	// and moved to the dead-letter queue after 5 receives.
	SenderConcurrency int
	// ReminderCadence overrides the default reminder cadence, written as the
	// REMINDER_CADENCE setting (see reminder.ParseConfig), for the functions
	// that plan reminders (remind, and api for POST /api/reminders/run).
	// Empty keeps the defaults; an invalid value makes synth fail.
	ReminderCadence string
	// QuizAttemptsPerDay caps a person's quiz attempts at one module per UTC
	// day (QUIZ_ATTEMPTS_PER_DAY of the api function); 0 keeps
	// quiz.DefaultAttemptsPerDay.
	QuizAttemptsPerDay int
}

// NewTrackerStack defines the whole tracker: the encrypted DynamoDB table,
// the HTTP API in front of the API function, the daily assignment run, the
// SES configuration set whose bounces and complaints reach the bounce
// function, and the hourly reminder run, which queues one message per
// recipient for the send function. It panics, as CDK constructs do, when
// props are invalid or a function's bootstrap binary is missing from the
// build directory.
func NewTrackerStack(scope constructs.Construct, id string, props *TrackerStackProps) awscdk.Stack {
	if props == nil {
		props = &TrackerStackProps{}
	}
	buildDir, err := resolveBuildDir(props.BuildDir)
	if err != nil {
		panic(err)
	}
	if props.DailyScheduleHourUTC < 0 || props.DailyScheduleHourUTC > 23 {
		panic(fmt.Sprintf("DailyScheduleHourUTC must be 0-23, got %d", props.DailyScheduleHourUTC))
	}
	senderConcurrency := props.SenderConcurrency
	if senderConcurrency == 0 {
		senderConcurrency = DefaultSenderConcurrency
	}
	if err := validateSenderConcurrency(senderConcurrency); err != nil {
		panic(err.Error())
	}
	if _, err := reminder.ParseConfig(props.ReminderCadence); err != nil {
		panic(err.Error())
	}
	if props.QuizAttemptsPerDay < 0 {
		panic(fmt.Sprintf("QuizAttemptsPerDay must be positive (or 0 for the default), got %d", props.QuizAttemptsPerDay))
	}

	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	data := newData(stack)
	email := newEmail(stack, data, buildDir, props.SenderEmail)
	api := newAPI(stack, data, email, buildDir, props.ReminderCadence)
	newSchedules(stack, data, buildDir, props.DailyScheduleHourUTC)
	reminders := newReminders(stack, data, email, buildDir, api.endpoint, senderConcurrency, props.ReminderCadence)
	// POST /api/reminders/run fans out through the queue too, like the schedule.
	api.fn.AddEnvironment(jsii.String(env.QueueURL), reminders.queue.QueueUrl(), nil)
	if props.QuizAttemptsPerDay != 0 {
		api.fn.AddEnvironment(jsii.String(env.QuizAttemptsPerDay), jsii.String(strconv.Itoa(props.QuizAttemptsPerDay)), nil)
	}
	reminders.queue.GrantSendMessages(api.fn)

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the tracker HTTP API"),
		Value:       api.url,
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Name of the tracker DynamoDB table"),
		Value:       data.table.TableName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("ReminderQueueUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("URL of the queue of reminder emails to send"),
		Value:       reminders.queue.QueueUrl(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DeadLetterQueueUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("URL of the queue of reminder emails that could not be sent"),
		Value:       reminders.deadLetterQueue.QueueUrl(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("OperationsTopicArn"), &awscdk.CfnOutputProps{
		Description: jsii.String("SNS topic of operational alarms; subscribe the on-call address"),
		Value:       reminders.operations.TopicArn(),
	})
	return stack
}

// validateSenderConcurrency checks TrackerStackProps.SenderConcurrency (after
// the default is applied) against the limits of an SQS event source.
func validateSenderConcurrency(n int) error {
	if n < 2 || n > 1000 {
		return fmt.Errorf("SenderConcurrency must be 2-1000 (the limits of an SQS event source), got %d", n)
	}
	return nil
}

// resolveBuildDir returns the absolute build directory for dir (see
// TrackerStackProps.BuildDir) after checking that it holds every function's
// bootstrap binary.
func resolveBuildDir(dir string) (string, error) {
	if dir == "" {
		dir = DefaultBuildDir
	}
	if !filepath.IsAbs(dir) {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, dir)
	}
	for _, fn := range functionNames {
		bootstrap := filepath.Join(dir, fn, "bootstrap")
		if _, err := os.Stat(bootstrap); err != nil {
			return "", fmt.Errorf("lambda binary %s is missing: run make build first (%w)", bootstrap, err)
		}
	}
	return dir, nil
}

// repoRoot returns the nearest directory at or above the working directory
// that holds go.mod: the repository root both for `go run ./infra` and the
// cdk CLI (run from the root) and for `go test ./infra` (run from infra/).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod at or above the working directory: run from the attest repository")
		}
		dir = parent
	}
}

// dataResources are the stateful resources the functions use.
type dataResources struct {
	table awsdynamodb.Table
}

// newData defines the customer-managed KMS key and the single DynamoDB table,
// whose keys, indexes and TTL attribute all come from table.Definition().
// Both are retained when the stack is deleted.
//
// It uses Table rather than TableV2: TableV2 (AWS::DynamoDB::GlobalTable)
// cannot render a customer-managed key in an environment-agnostic stack.
func newData(stack awscdk.Stack) dataResources {
	key := awskms.NewKey(stack, jsii.String("TableKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the attest tracker DynamoDB table"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})

	def := table.Definition()
	tbl := awsdynamodb.NewTable(stack, jsii.String("Table"), &awsdynamodb.TableProps{
		PartitionKey:        stringAttribute(def.PartitionKey),
		SortKey:             stringAttribute(def.SortKey),
		TimeToLiveAttribute: jsii.String(def.TTLAttribute),
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		Encryption:          awsdynamodb.TableEncryption_CUSTOMER_MANAGED,
		EncryptionKey:       key,
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		DeletionProtection: jsii.Bool(true),
		RemovalPolicy:      awscdk.RemovalPolicy_RETAIN,
	})
	for _, ix := range def.Indexes {
		tbl.AddGlobalSecondaryIndex(&awsdynamodb.GlobalSecondaryIndexProps{
			IndexName:      jsii.String(ix.Name),
			PartitionKey:   stringAttribute(ix.PartitionKey),
			SortKey:        stringAttribute(ix.SortKey),
			ProjectionType: awsdynamodb.ProjectionType_ALL,
		})
	}
	return dataResources{table: tbl}
}

// stringAttribute is a string key attribute named name.
func stringAttribute(name string) *awsdynamodb.Attribute {
	return &awsdynamodb.Attribute{Name: jsii.String(name), Type: awsdynamodb.AttributeType_STRING}
}

// apiResources are what the rest of the stack needs to know of the HTTP API.
type apiResources struct {
	fn       awslambda.Function
	url      *string // the $default stage's URL, with a trailing slash
	endpoint *string // the API's endpoint, without: the base of links in email
}

// newAPI defines the API function and the HTTP API that sends every request
// to it. The function sends sign-in links and manual nudges through the
// configuration set of email.
func newAPI(stack awscdk.Stack, data dataResources, email emailResources, buildDir, cadence string) apiResources {
	fn := newGoFunction(stack, goFunctionProps{
		id:          "ApiFunction",
		name:        apiFunction,
		description: "Attest tracker HTTP API",
		buildDir:    buildDir,
		memoryMB:    512,
		timeout:     awscdk.Duration_Seconds(jsii.Number(29)),
		environment: map[string]string{
			env.TableName:        *data.table.TableName(),
			env.SenderEmail:      email.senderEmail,
			env.ConfigurationSet: *email.configurationSet.ConfigurationSetName(),
		},
	})
	if cadence != "" {
		fn.AddEnvironment(jsii.String(env.ReminderCadence), jsii.String(cadence), nil)
	}
	data.table.GrantReadWriteData(fn)
	email.grantSend(fn)

	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     stack.StackName(),
		Description: jsii.String("Attest tracker API"),
		// A $default route sends every method and path to the function.
		DefaultIntegration: awsapigatewayv2integrations.NewHttpLambdaIntegration(
			jsii.String("ApiIntegration"), fn, nil),
		// The $default stage is added below, with throttling.
		CreateDefaultStage: jsii.Bool(false),
	})
	// Links in emails point at the API's own endpoint ($default stage: no
	// path prefix, no trailing slash).
	fn.AddEnvironment(jsii.String(env.BaseURL), api.ApiEndpoint(), nil)
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			BurstLimit: jsii.Number(100),
			RateLimit:  jsii.Number(50),
		},
	})
	return apiResources{fn: fn, url: stage.Url(), endpoint: api.ApiEndpoint()}
}

// emailResources are what the functions that send email need: the sender
// and the SES configuration set that reports bounces and complaints.
type emailResources struct {
	stack            awscdk.Stack
	senderEmail      string // empty: sending is not allowed
	configurationSet awsses.ConfigurationSet
}

// grantSend allows fn to send email (when there is a sender), see
// sendEmailStatement.
func (e emailResources) grantSend(fn awslambda.Function) {
	if e.senderEmail != "" {
		fn.AddToRolePolicy(sendEmailStatement(e.stack, e.senderEmail, e.configurationSet))
	}
}

// newEmail defines the SES configuration set that the tracker sends every
// email through, and the bounce function, which receives the set's bounce
// and complaint events through an SNS topic.
//
// The set suppresses addresses on the account's suppression list for
// bounces and complaints. The topic is not encrypted: SES can publish only
// to a topic whose KMS key policy admits it, and the events hold no more
// than the addresses the table holds anyway; it accepts only TLS.
func newEmail(stack awscdk.Stack, data dataResources, buildDir, senderEmail string) emailResources {
	set := awsses.NewConfigurationSet(stack, jsii.String("ConfigurationSet"), &awsses.ConfigurationSetProps{
		SuppressionReasons: awsses.SuppressionReasons_BOUNCES_AND_COMPLAINTS,
		ReputationMetrics:  jsii.Bool(true),
	})
	topic := awssns.NewTopic(stack, jsii.String("EmailEventTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Attest email bounces and complaints"),
		EnforceSSL:  jsii.Bool(true),
	})
	set.AddEventDestination(jsii.String("BounceComplaintDestination"), &awsses.ConfigurationSetEventDestinationOptions{
		Destination: awsses.EventDestination_SnsTopic(topic),
		Events:      &[]awsses.EmailSendingEvent{awsses.EmailSendingEvent_BOUNCE, awsses.EmailSendingEvent_COMPLAINT},
	})

	fn := newGoFunction(stack, goFunctionProps{
		id:          "BounceFunction",
		name:        bounceFunction,
		description: "Attest tracker email bounce and complaint handler",
		buildDir:    buildDir,
		memoryMB:    256,
		timeout:     awscdk.Duration_Seconds(jsii.Number(30)),
		environment: map[string]string{
			env.TableName: *data.table.TableName(),
		},
	})
	data.table.GrantReadWriteData(fn)
	topic.AddSubscription(awssnssubscriptions.NewLambdaSubscription(fn, nil))

	return emailResources{stack: stack, senderEmail: senderEmail, configurationSet: set}
}

// sendEmailStatement allows sending mail from the sender's SES identity only
// (the address itself, or its domain if that is the verified identity) and
// through the configuration set only: SES checks both resources.
func sendEmailStatement(stack awscdk.Stack, senderEmail string, set awsses.ConfigurationSet) awsiam.PolicyStatement {
	_, domain, _ := strings.Cut(senderEmail, "@")
	arn := func(resource string, name *string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String(resource), ResourceName: name})
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("ses:SendEmail"),
		Resources: &[]*string{
			arn("identity", jsii.String(senderEmail)),
			arn("identity", jsii.String(domain)),
			arn("configuration-set", set.ConfigurationSetName()),
		},
	})
}

// newSchedules defines the daily assignment function and the EventBridge
// rule that invokes it every day at hourUTC:00 UTC.
func newSchedules(stack awscdk.Stack, data dataResources, buildDir string, hourUTC int) {
	fn := newGoFunction(stack, goFunctionProps{
		id:          "AssignFunction",
		name:        assignFunction,
		description: "Attest tracker daily assignment run",
		buildDir:    buildDir,
		memoryMB:    512,
		timeout:     awscdk.Duration_Minutes(jsii.Number(5)),
		environment: map[string]string{
			env.TableName: *data.table.TableName(),
		},
	})
	data.table.GrantReadWriteData(fn)

	rule := awsevents.NewRule(stack, jsii.String("DailyAssignRule"), &awsevents.RuleProps{
		Description: jsii.String("Starts the daily assignment run"),
		Schedule: awsevents.Schedule_Cron(&awsevents.CronOptions{
			Minute: jsii.String("0"),
			Hour:   jsii.String(strconv.Itoa(hourUTC)),
		}),
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: jsii.Number(2),
	}))
}

// reminderResources are the queues of the reminder run.
type reminderResources struct {
	queue, deadLetterQueue awssqs.Queue
	operations             awssns.Topic
}

// sendTimeoutSeconds is the send function's timeout; the reminder queue's
// visibility timeout is 6 times as long, as Lambda recommends.
const sendTimeoutSeconds = 60

// newReminders defines the hourly reminder run: the remind function, which
// an EventBridge rule invokes at the start of every hour and which queues one
// message per recipient, and the send function, which emails them through
// the configuration set of email, at most concurrency invocations at once. A
// message that fails 5 times moves to the dead-letter queue, which keeps it
// 14 days. baseURL is the API's endpoint, the base of links in email.
func newReminders(stack awscdk.Stack, data dataResources, email emailResources, buildDir string, baseURL *string, concurrency int, cadence string) reminderResources {
	dlq := awssqs.NewQueue(stack, jsii.String("ReminderDeadLetterQueue"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	queue := awssqs.NewQueue(stack, jsii.String("ReminderQueue"), &awssqs.QueueProps{
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * sendTimeoutSeconds)),
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(5),
		},
	})

	remind := newGoFunction(stack, goFunctionProps{
		id:          "RemindFunction",
		name:        remindFunction,
		description: "Attest tracker hourly reminder run",
		buildDir:    buildDir,
		memoryMB:    512,
		timeout:     awscdk.Duration_Minutes(jsii.Number(5)),
		environment: map[string]string{
			env.TableName: *data.table.TableName(),
			env.QueueURL:  *queue.QueueUrl(),
		},
	})
	if cadence != "" {
		remind.AddEnvironment(jsii.String(env.ReminderCadence), jsii.String(cadence), nil)
	}
	data.table.GrantReadWriteData(remind)
	queue.GrantSendMessages(remind)

	rule := awsevents.NewRule(stack, jsii.String("HourlyRemindRule"), &awsevents.RuleProps{
		Description: jsii.String("Starts the hourly reminder run"),
		Schedule:    awsevents.Schedule_Cron(&awsevents.CronOptions{Minute: jsii.String("0")}),
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(remind, &awseventstargets.LambdaFunctionProps{
		RetryAttempts: jsii.Number(2),
	}))

	send := newGoFunction(stack, goFunctionProps{
		id:          "SendFunction",
		name:        sendFunction,
		description: "Attest tracker reminder email sender",
		buildDir:    buildDir,
		memoryMB:    256,
		timeout:     awscdk.Duration_Seconds(jsii.Number(sendTimeoutSeconds)),
		environment: map[string]string{
			env.TableName:        *data.table.TableName(),
			env.SenderEmail:      email.senderEmail,
			env.BaseURL:          *baseURL,
			env.ConfigurationSet: *email.configurationSet.ConfigurationSetName(),
		},
	})
	data.table.GrantReadWriteData(send)
	email.grantSend(send)
	// The event source grants send the right to receive and delete messages.
	send.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(10),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(float64(concurrency)),
	}))

	// Anybody subscribed to the operations topic hears as soon as a reminder
	// could not be sent after every retry.
	alerts := awssns.NewTopic(stack, jsii.String("OperationsTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Attest tracker operations"),
		EnforceSSL:  jsii.Bool(true),
	})
	alarm := awscloudwatch.NewAlarm(stack, jsii.String("ReminderDeadLettersAlarm"), &awscloudwatch.AlarmProps{
		AlarmDescription: jsii.String("Reminder emails could not be sent after 5 tries and wait in the dead-letter queue"),
		Metric: dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}),
		Threshold:          jsii.Number(1),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(alerts))

	return reminderResources{queue: queue, deadLetterQueue: dlq, operations: alerts}
}

// goFunctionProps describes one Go Lambda function.
type goFunctionProps struct {
	id          string // construct id; the log group is <id>LogGroup
	name        string // directory of the build directory holding bootstrap
	description string
	buildDir    string
	memoryMB    float64
	timeout     awscdk.Duration
	environment map[string]string // LOG_LEVEL=INFO is added
}

// newGoFunction defines an arm64 provided.al2023 function running the Go
// bootstrap binary <buildDir>/<name>/bootstrap, logging JSON at INFO to its
// own log group, which keeps 90 days and is retained with the stack.
func newGoFunction(stack awscdk.Stack, p goFunctionProps) awslambda.Function {
	logGroup := awslogs.NewLogGroup(stack, jsii.String(p.id+"LogGroup"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	vars := map[string]*string{env.LogLevel: jsii.String("INFO")}
	for k, v := range p.environment {
		vars[k] = jsii.String(v)
	}
	// A role of its own instead of the default AWSLambdaBasicExecutionRole,
	// which may write to every log group of the account: this one writes to
	// the function's own log group only.
	role := awsiam.NewRole(stack, jsii.String(p.id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Role of " + p.description),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: &[]*string{logGroup.LogGroupArn()},
	}))
	return awslambda.NewFunction(stack, jsii.String(p.id), &awslambda.FunctionProps{
		Role:                  role,
		Description:           jsii.String(p.description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(p.buildDir, p.name)), nil),
		MemorySize:            jsii.Number(p.memoryMB),
		Timeout:               p.timeout,
		Environment:           &vars,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
		LogGroup:              logGroup,
	})
}
