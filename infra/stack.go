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
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsses"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

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
	freezeFunction = "freeze"
	exportFunction = "export"
	importFunction = "import"
)

// functionNames are all the Lambda functions of the stack.
var functionNames = []string{apiFunction, assignFunction, remindFunction, sendFunction, bounceFunction, freezeFunction, exportFunction, importFunction}

// DefaultSenderConcurrency is the SenderConcurrency used when it is zero: the
// minimum an SQS event source allows.
const DefaultSenderConcurrency = 2

// DefaultEvidenceRetentionYears is the EvidenceRetentionYears used when it
// is zero: how long evidence bundles are kept under Object Lock.
const DefaultEvidenceRetentionYears = 7

// TrackerStackProps configures the tracker stack.
type TrackerStackProps struct {
	awscdk.StackProps
	// BuildDir holds one <function>/bootstrap binary per Lambda function
	// (api, assign, remind, send, bounce, freeze, export). A relative path is resolved
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
	// EvidenceRetentionYears is how long each evidence file stays locked
	// in the evidence bucket (Object Lock, compliance mode: nobody, the
	// account's root included, can delete or overwrite it before then),
	// 1-100; 0 means DefaultEvidenceRetentionYears. main.go reads it from
	// the CDK context value evidenceRetentionYears. Raising it later locks
	// new files longer; files already stored keep their date.
	EvidenceRetentionYears int
	// AlarmEmail, when set, is subscribed to the operations topic, which
	// every alarm notifies; main.go reads it from the CDK context value
	// alarmEmail. The address must confirm the subscription.
	AlarmEmail string
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
	retentionYears := props.EvidenceRetentionYears
	if retentionYears == 0 {
		retentionYears = DefaultEvidenceRetentionYears
	}
	if err := validateEvidenceRetentionYears(retentionYears); err != nil {
		panic(err.Error())
	}

	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	ops := newOperations(stack, props.AlarmEmail)
	data := newData(stack)
	email := newEmail(stack, data, ops, buildDir, props.SenderEmail)
	api := newAPI(stack, data, email, ops, buildDir, props.ReminderCadence)
	assign := newSchedules(stack, data, ops, buildDir, props.DailyScheduleHourUTC)
	freeze := newFreeze(stack, data, ops, buildDir)
	reminders := newReminders(stack, data, email, ops, buildDir, api.endpoint, senderConcurrency, props.ReminderCadence)
	// POST /api/reminders/run fans out through the queue too, like the schedule.
	api.fn.AddEnvironment(jsii.String(env.QueueURL), reminders.queue.QueueUrl(), nil)
	if props.QuizAttemptsPerDay != 0 {
		api.fn.AddEnvironment(jsii.String(env.QuizAttemptsPerDay), jsii.String(strconv.Itoa(props.QuizAttemptsPerDay)), nil)
	}
	reminders.queue.GrantSendMessages(api.fn)
	evidence := newEvidence(stack, data, ops, buildDir, retentionYears)
	evidence.grantAPI(api.fn)
	evidence.grantSeal(freeze)
	imports := newImports(stack, data, ops, buildDir, api.endpoint)
	imports.grantAPI(api.fn)
	for id, fn := range map[string]awslambda.Function{
		"ApiFunction": api.fn, "AssignFunction": assign, "RemindFunction": reminders.remind,
		"SendFunction": reminders.send, "BounceFunction": email.bounce, "FreezeFunction": freeze,
		"ExportFunction": evidence.fn, "ImportFunction": imports.fn,
	} {
		ops.alarmOnFunction(id, fn)
	}

	// The stack's outputs: what an operator copies after a deploy.
	for _, o := range []struct {
		id, description string
		value           *string
	}{
		{"ApiUrl", "Base URL of the tracker HTTP API", api.url},
		{"TableName", "Name of the tracker DynamoDB table", data.table.TableName()},
		{"ReminderQueueUrl", "URL of the queue of reminder emails to send", reminders.queue.QueueUrl()},
		{"DeadLetterQueueUrl", "URL of the queue of reminder emails that could not be sent", reminders.deadLetterQueue.QueueUrl()},
		{"EvidenceBucketName", "Name of the bucket holding the evidence bundles under Object Lock", evidence.bucket.BucketName()},
		{"SigningKeyArn", "ARN of the KMS key that signs bundle manifests and audit seals (its public key: GET /api/exports/public-key)", evidence.signingKey.KeyArn()},
		{"ExportQueueUrl", "URL of the queue of evidence exports to build", evidence.queue.QueueUrl()},
		{"UploadBucketName", "Name of the bucket large roster imports are uploaded to", imports.bucket.BucketName()},
		{"ImportQueueUrl", "URL of the queue of large roster imports to run", imports.queue.QueueUrl()},
		{"OperationsTopicArn", "SNS topic of operational alarms; subscribe the on-call address", ops.topic.TopicArn()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(o.id), &awscdk.CfnOutputProps{Description: jsii.String(o.description), Value: o.value})
	}
	return stack
}

// applyNag checks every stack under scope with cdk-nag's AwsSolutions and
// Serverless packs when it is synthesized: a finding that is not suppressed
// (with its reason, next to the resource in this file) becomes an error or
// warning annotation, which the CDK tests fail on.
func applyNag(scope constructs.IConstruct) {
	aspects := awscdk.Aspects_Of(scope)
	aspects.Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	aspects.Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
}

// validateEvidenceRetentionYears checks TrackerStackProps.EvidenceRetentionYears
// (after the default is applied) against S3's limit of 100 years.
func validateEvidenceRetentionYears(n int) error {
	if n < 1 || n > 100 {
		return fmt.Errorf("EvidenceRetentionYears must be 1-100, got %d", n)
	}
	return nil
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

// operations are what tells an operator that something failed: the topic
// every alarm notifies, and the queue that keeps the events of asynchronous
// invocations that failed every retry.
type operations struct {
	stack awscdk.Stack
	topic awssns.Topic
	// failed receives what the SNS subscription of the bounce function and
	// the EventBridge rules could not deliver, and the events the
	// asynchronously invoked functions (assign, remind, bounce) failed on.
	failed awssqs.Queue
}

// newOperations defines the operations topic, subscribing alarmEmail when
// it is set, and the queue of failed invocations with its alarm.
func newOperations(stack awscdk.Stack, alarmEmail string) operations {
	topic := awssns.NewTopic(stack, jsii.String("OperationsTopic"), &awssns.TopicProps{
		DisplayName: jsii.String("Attest tracker operations"),
		EnforceSSL:  jsii.Bool(true),
	})
	if alarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(alarmEmail), nil))
	}
	failed := awssqs.NewQueue(stack, jsii.String("FailedInvocationsQueue"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(failed, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-SQS3"), Reason: jsii.String("It is itself the dead-letter queue of the asynchronous invocations; its depth raises an alarm.")},
		{Id: jsii.String("Serverless-SQSRedrivePolicy"), Reason: jsii.String("It is itself the dead-letter queue of the asynchronous invocations; its depth raises an alarm.")},
	}, jsii.Bool(true))
	ops := operations{stack: stack, topic: topic, failed: failed}
	ops.alarm("FailedInvocationsAlarm", "Events of a scheduled run or an SES bounce failed every retry and wait in the queue of failed invocations",
		failed.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}), 1)
	ops.alarm("SESBounceRateAlarm", "The account's SES bounce rate reached 5 % (SES reviews the account at 5 % and may pause sending at 10 %)",
		sesReputationMetric("Reputation.BounceRate"), 0.05)
	ops.alarm("SESComplaintRateAlarm", "The account's SES complaint rate reached 0.1 % (SES reviews the account at 0.1 % and may pause sending at 0.5 %)",
		sesReputationMetric("Reputation.ComplaintRate"), 0.001)
	return ops
}

// sesReputationMetric is the account's SES reputation metric name, the
// highest value of each hour.
func sesReputationMetric(name string) awscloudwatch.Metric {
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace: jsii.String("AWS/SES"), MetricName: jsii.String(name),
		Period: awscdk.Duration_Hours(jsii.Number(1)), Statistic: jsii.String("Maximum"),
	})
}

// alarm defines the alarm id, which notifies the operations topic when
// metric reaches threshold in one period; missing data is not breaching.
func (o operations) alarm(id, description string, metric awscloudwatch.IMetric, threshold float64) awscloudwatch.Alarm {
	alarm := awscloudwatch.NewAlarm(o.stack, jsii.String(id), &awscloudwatch.AlarmProps{
		AlarmDescription:   jsii.String(description),
		Metric:             metric,
		Threshold:          jsii.Number(threshold),
		EvaluationPeriods:  jsii.Number(1),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
	})
	alarm.AddAlarmAction(awscloudwatchactions.NewSnsAction(o.topic))
	return alarm
}

// alarmOnFunction defines the alarms <id>ErrorsAlarm and <id>ThrottlesAlarm:
// any error or throttled invocation of fn in 5 minutes.
func (o operations) alarmOnFunction(id string, fn awslambda.Function) {
	opts := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum")}
	o.alarm(id+"ErrorsAlarm", "The "+id+" failed", fn.MetricErrors(opts), 1)
	o.alarm(id+"ThrottlesAlarm", "The "+id+" was throttled", fn.MetricThrottles(opts), 1)
}

// dataResources are the stateful resources the functions use.
type dataResources struct {
	table awsdynamodb.Table
	key   awskms.Key // encrypts the table
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
	return dataResources{table: tbl, key: key}
}

// auditDenied are the actions that could change or remove an audit event,
// which every function is explicitly denied on the audit partitions.
// Overwriting one with PutItem cannot be denied by IAM (it does not tell a
// new item from an existing one); the store's audit puts are conditional on
// the item's absence.
var auditDenied = []string{"UpdateItem", "DeleteItem", "BatchWriteItem", "PartiQLUpdate", "PartiQLDelete"}

// grantTable allows fn exactly the access table.FunctionAccess declares for
// the function name: one statement per grant, limited by a
// ForAllValues:StringLike dynamodb:LeadingKeys condition to the grant's
// partition keys (for a Query on an index, the index's partition key), on
// the table, and on its indexes when the grant includes Query. It denies
// every change to an audit event (auditDenied), and allows the use of the
// table's key through DynamoDB only: to decrypt, and to encrypt when the
// function writes.
func grantTable(fn awslambda.Function, data dataResources, name string) {
	access, ok := table.FunctionAccess()[name]
	if !ok {
		panic(fmt.Sprintf("table.FunctionAccess declares no access for function %s", name))
	}
	tableArn := data.table.TableArn()
	writes := false
	for _, g := range access {
		resources := []*string{tableArn}
		var actions []*string
		for _, a := range g.Actions {
			actions = append(actions, jsii.String("dynamodb:"+string(a)))
			switch a {
			case table.Query:
				resources = append(resources, jsii.String(*tableArn+"/index/*"))
			case table.PutItem, table.UpdateItem, table.DeleteItem:
				writes = true
			}
		}
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   &actions,
			Resources: &resources,
			Conditions: &map[string]any{
				"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": g.Keys},
			},
		}))
	}
	var denied []*string
	for _, a := range auditDenied {
		denied = append(denied, jsii.String("dynamodb:"+a))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Effect:    awsiam.Effect_DENY,
		Actions:   &denied,
		Resources: &[]*string{tableArn},
		Conditions: &map[string]any{
			"ForAnyValue:StringLike": map[string]any{"dynamodb:LeadingKeys": []string{table.AuditKeys}},
		},
	}))
	kms := []string{"kms:Decrypt", "kms:DescribeKey"}
	suppressions := []*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Queries on the table's indexes are limited by the dynamodb:LeadingKeys condition to the index partitions table.FunctionAccess declares."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<Table[0-9A-F]+\.Arn>\/index\/\*$/`)}},
	}}
	if writes {
		kms = append(kms, "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*")
		suppressions = append(suppressions, &cdknag.NagPackSuppression{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("DynamoDB's documented key actions for writing a table with a customer-managed key, on that key only and through DynamoDB only (kms:ViaService)."),
			AppliesTo: &[]any{"Action::kms:ReEncrypt*", "Action::kms:GenerateDataKey*"},
		})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &suppressions, jsii.Bool(true))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(kms...),
		Resources: &[]*string{data.key.KeyArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "dynamodb." + *awscdk.Aws_REGION() + ".amazonaws.com"},
		},
	}))
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
func newAPI(stack awscdk.Stack, data dataResources, email emailResources, ops operations, buildDir, cadence string) apiResources {
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
	grantTable(fn, data, apiFunction)
	email.grantSend(fn)

	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("ApiIntegration"), fn, nil)
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("HttpApi"), &awsapigatewayv2.HttpApiProps{
		ApiName:     stack.StackName(),
		Description: jsii.String("Attest tracker API"),
		// A $default route sends every method and path to the function.
		DefaultIntegration: integration,
		// The $default stage is added below, with throttling.
		CreateDefaultStage: jsii.Bool(false),
	})
	// The sign-in routes have routes of their own, to the same function,
	// only so that the stage can throttle them more tightly.
	var signInRoutes []awsapigatewayv2.HttpRoute
	for _, path := range signInPaths {
		signInRoutes = append(signInRoutes, *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_ANY},
			Integration: integration,
		})...)
	}
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
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogGroup"), &awslogs.LogGroupProps{
		Retention:     awslogs.RetentionDays_THREE_MONTHS,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	routeSettings := map[string]any{}
	for _, path := range signInPaths {
		routeSettings["ANY "+path] = map[string]any{
			"ThrottlingBurstLimit": signInBurstLimit,
			"ThrottlingRateLimit":  signInRateLimit,
		}
	}
	cfnStage := stage.Node().DefaultChild().(awsapigatewayv2.CfnStage)
	cfnStage.SetAccessLogSettings(&awsapigatewayv2.CfnStage_AccessLogSettingsProperty{
		DestinationArn: accessLogs.LogGroupArn(),
		Format:         jsii.String(accessLogFormat),
	})
	cfnStage.SetRouteSettings(routeSettings)
	// The stage's route settings name the routes, which must exist first.
	for _, r := range signInRoutes {
		stage.Node().AddDependency(r)
	}
	cdknag.NagSuppressions_AddResourceSuppressions(api, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-APIG4"), Reason: jsii.String("The API function authorises every request itself (API keys, sessions, per-route roles), so the routes have no API Gateway authorizer.")},
	}, jsii.Bool(true))
	ops.alarm("ApiServerErrorsAlarm", "The HTTP API answered 5xx", api.MetricServerError(&awscloudwatch.MetricOptions{
		Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Sum"),
	}), 1)
	return apiResources{fn: fn, url: stage.Url(), endpoint: api.ApiEndpoint()}
}

// signInPaths are the routes of sign-in (POST /auth/link) and of the links
// in email (/l/<token>), which the stage throttles to signInRateLimit
// requests a second (bursts of signInBurstLimit) instead of the default 50.
var signInPaths = []string{"/auth/{proxy+}", "/l/{proxy+}"}

// The throttle of signInPaths.
const (
	signInRateLimit  = 10
	signInBurstLimit = 20
)

// accessLogFormat is one JSON object per request. It logs the route, never
// the path, which holds a sign-in token on /l/ routes.
const accessLogFormat = `{"requestId":"$context.requestId","sourceIp":"$context.identity.sourceIp",` +
	`"requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey",` +
	`"status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"responseLatency":"$context.responseLatency","integrationLatency":"$context.integrationLatency",` +
	`"integrationStatus":"$context.integrationStatus","integrationError":"$context.integrationErrorMessage",` +
	`"userAgent":"$context.identity.userAgent"}`

// emailResources are what the functions that send email need: the sender
// and the SES configuration set that reports bounces and complaints.
type emailResources struct {
	stack            awscdk.Stack
	bounce           awslambda.Function // handles bounces and complaints
	senderEmail      string             // empty: sending is not allowed
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
func newEmail(stack awscdk.Stack, data dataResources, ops operations, buildDir, senderEmail string) emailResources {
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
		onFailure: ops.failed,
	})
	grantTable(fn, data, bounceFunction)
	// SNS retries a failed delivery, then moves the event to the queue of
	// failed invocations; so does Lambda with an event the function failed.
	topic.AddSubscription(awssnssubscriptions.NewLambdaSubscription(fn, &awssnssubscriptions.LambdaSubscriptionProps{
		DeadLetterQueue: ops.failed,
	}))

	return emailResources{stack: stack, bounce: fn, senderEmail: senderEmail, configurationSet: set}
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

// scheduledJob is a function that works on the table alone, started by an
// EventBridge rule: the daily assignment run, the daily freeze.
type scheduledJob struct {
	id, name, description string
	memoryMB              float64
	timeout               awscdk.Duration
	ruleID, ruleDesc      string
	cron                  *awsevents.CronOptions
}

// newScheduledJob defines job's function, with the table's name and its
// own table access (FunctionAccess), and the rule that starts it.
func newScheduledJob(stack awscdk.Stack, data dataResources, ops operations, buildDir string, job scheduledJob) awslambda.Function {
	fn := newGoFunction(stack, goFunctionProps{
		id:          job.id,
		name:        job.name,
		description: job.description,
		buildDir:    buildDir,
		memoryMB:    job.memoryMB,
		timeout:     job.timeout,
		environment: map[string]string{
			env.TableName: *data.table.TableName(),
		},
		onFailure: ops.failed,
	})
	grantTable(fn, data, job.name)
	newScheduleRule(stack, job.ruleID, job.ruleDesc, job.cron, fn, ops)
	return fn
}

// newSchedules defines the daily assignment function and the EventBridge
// rule that invokes it every day at hourUTC:00 UTC, and returns the function.
func newSchedules(stack awscdk.Stack, data dataResources, ops operations, buildDir string, hourUTC int) awslambda.Function {
	return newScheduledJob(stack, data, ops, buildDir, scheduledJob{
		id: "AssignFunction", name: assignFunction, description: "Attest tracker daily assignment run",
		memoryMB: 512, timeout: awscdk.Duration_Minutes(jsii.Number(5)),
		ruleID: "DailyAssignRule", ruleDesc: "Starts the daily assignment run",
		cron: &awsevents.CronOptions{Minute: jsii.String("0"), Hour: jsii.String(strconv.Itoa(hourUTC))},
	})
}

// newScheduleRule defines the EventBridge rule that invokes fn on the cron
// schedule (UTC), retried twice, then sent to the failed-invocations queue.
func newScheduleRule(stack awscdk.Stack, id, description string, cron *awsevents.CronOptions, fn awslambda.Function, ops operations) {
	rule := awsevents.NewRule(stack, jsii.String(id), &awsevents.RuleProps{
		Description: jsii.String(description),
		Schedule:    awsevents.Schedule_Cron(cron),
	})
	rule.AddTarget(awseventstargets.NewLambdaFunction(fn, &awseventstargets.LambdaFunctionProps{
		RetryAttempts:   jsii.Number(2),
		DeadLetterQueue: ops.failed,
	}))
}

// Freeze schedule: every day at 02:30 UTC, after the day's assignment run
// has had its chance to record the last day of a quarter.
const (
	freezeScheduleHourUTC   = "2"
	freezeScheduleMinuteUTC = "30"
)

// newFreeze defines the freeze function and the EventBridge rule that
// invokes it every day at 02:30 UTC: it freezes the quarter that closed
// last unless it is frozen already (then it reads one item). Reading every
// person's history of a large organisation takes minutes, hence the
// 15-minute timeout.
func newFreeze(stack awscdk.Stack, data dataResources, ops operations, buildDir string) awslambda.Function {
	return newScheduledJob(stack, data, ops, buildDir, scheduledJob{
		id: "FreezeFunction", name: freezeFunction, description: "Attest tracker quarterly metrics freeze",
		memoryMB: 1024, timeout: awscdk.Duration_Minutes(jsii.Number(15)),
		ruleID: "DailyFreezeRule", ruleDesc: "Freezes the metrics of the quarter that closed, once",
		cron: &awsevents.CronOptions{Minute: jsii.String(freezeScheduleMinuteUTC), Hour: jsii.String(freezeScheduleHourUTC)},
	})
}

// reminderResources are the queues of the reminder run.
type reminderResources struct {
	queue, deadLetterQueue awssqs.Queue
	remind, send           awslambda.Function
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
func newReminders(stack awscdk.Stack, data dataResources, email emailResources, ops operations, buildDir string, baseURL *string, concurrency int, cadence string) reminderResources {
	dlq := awssqs.NewQueue(stack, jsii.String("ReminderDeadLetterQueue"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("Serverless-SQSRedrivePolicy"), Reason: jsii.String("It is itself the reminder queue's dead-letter queue; its depth raises an alarm.")},
	}, jsii.Bool(true))
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
		onFailure: ops.failed,
	})
	if cadence != "" {
		remind.AddEnvironment(jsii.String(env.ReminderCadence), jsii.String(cadence), nil)
	}
	grantTable(remind, data, remindFunction)
	queue.GrantSendMessages(remind)

	newScheduleRule(stack, "HourlyRemindRule", "Starts the hourly reminder run", &awsevents.CronOptions{Minute: jsii.String("0")}, remind, ops)

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
	grantTable(send, data, sendFunction)
	email.grantSend(send)
	// The event source grants send the right to receive and delete messages.
	send.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(10),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(float64(concurrency)),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(send, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"), Reason: jsii.String("An SQS event source takes no on-failure destination: the reminder queue's redrive policy moves a message to its dead-letter queue after 5 receives.")},
	}, jsii.Bool(true))

	// Anybody subscribed to the operations topic hears as soon as a reminder
	// could not be sent after every retry.
	ops.alarm("ReminderDeadLettersAlarm", "Reminder emails could not be sent after 5 tries and wait in the dead-letter queue",
		dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}), 1)

	return reminderResources{queue: queue, deadLetterQueue: dlq, remind: remind, send: send}
}

// retryAttempts is how often Lambda retries an asynchronous invocation that
// failed: twice (its default, made explicit) for a function with an
// on-failure destination, unset for the others.
func retryAttempts(onFailure awssqs.IQueue) *float64 {
	if onFailure == nil {
		return nil
	}
	return jsii.Number(2)
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
	// onFailure, for a function invoked asynchronously, is the on-failure
	// destination of the events it failed on after Lambda's 2 retries.
	onFailure awssqs.IQueue
}

// newGoFunction defines an arm64 provided.al2023 function running the Go
// bootstrap binary <buildDir>/<name>/bootstrap, logging JSON at INFO to its
// own log group, which keeps 90 days and is retained with the stack, and
// tracing with X-Ray.
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
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Active tracing needs xray:PutTraceSegments and xray:PutTelemetryRecords, which support no resource-level permissions."),
		AppliesTo: &[]any{"Resource::*"},
	}}, jsii.Bool(true))
	// An on-failure destination keeps what a dead-letter queue would keep,
	// with the error; every function does without a dead-letter queue.
	suppressions := []*cdknag.NagPackSuppression{{
		Id:     jsii.String("Serverless-LambdaDLQ"),
		Reason: jsii.String("An asynchronously invoked function has an on-failure destination instead, which keeps the event with its error; the others are invoked synchronously (API Gateway, or the SQS event source whose queue has a dead-letter queue)."),
	}}
	var onFailure awslambda.IDestination
	if p.onFailure != nil {
		onFailure = awslambdadestinations.NewSqsDestination(p.onFailure)
	}
	fn := awslambda.NewFunction(stack, jsii.String(p.id), &awslambda.FunctionProps{
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
		Tracing:               awslambda.Tracing_ACTIVE,
		OnFailure:             onFailure,
		RetryAttempts:         retryAttempts(p.onFailure),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &suppressions, jsii.Bool(true))
	return fn
}
