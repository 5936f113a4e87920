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
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

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
)

// TrackerStackProps configures the tracker stack.
type TrackerStackProps struct {
	awscdk.StackProps
	// BuildDir holds one <function>/bootstrap binary per Lambda function
	// (api, assign). A relative path is resolved against the repository root
	// (the nearest directory at or above the working directory that holds
	// go.mod); empty means DefaultBuildDir.
	BuildDir string
	// SenderEmail is the SES identity the tracker sends email from. It is
	// optional and reaches the API function as SENDER_EMAIL; main.go reads it
	// from the CDK context value senderEmail (cdk deploy -c senderEmail=...).
	SenderEmail string
	// DailyScheduleHourUTC is the hour (0-23, UTC) at which the daily
	// assignment run starts; 0 means midnight.
	DailyScheduleHourUTC int
}

// NewTrackerStack defines the whole tracker: the encrypted DynamoDB table,
// the HTTP API in front of the API function and the daily assignment run.
// It panics, as CDK constructs do, when props are invalid or a function's
// bootstrap binary is missing from the build directory.
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

	stack := awscdk.NewStack(scope, &id, &props.StackProps)
	data := newData(stack)
	apiURL := newAPI(stack, data, buildDir, props.SenderEmail)
	newSchedules(stack, data, buildDir, props.DailyScheduleHourUTC)

	awscdk.NewCfnOutput(stack, jsii.String("ApiUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base URL of the tracker HTTP API"),
		Value:       apiURL,
	})
	awscdk.NewCfnOutput(stack, jsii.String("TableName"), &awscdk.CfnOutputProps{
		Description: jsii.String("Name of the tracker DynamoDB table"),
		Value:       data.table.TableName(),
	})
	return stack
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
	for _, fn := range []string{apiFunction, assignFunction} {
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

// newAPI defines the API function and the HTTP API that sends every request
// to it, and returns the API's base URL.
func newAPI(stack awscdk.Stack, data dataResources, buildDir, senderEmail string) *string {
	fn := newGoFunction(stack, goFunctionProps{
		id:          "ApiFunction",
		name:        apiFunction,
		description: "Attest tracker HTTP API",
		buildDir:    buildDir,
		memoryMB:    512,
		timeout:     awscdk.Duration_Seconds(jsii.Number(29)),
		environment: map[string]string{
			"TABLE_NAME":   *data.table.TableName(),
			"SENDER_EMAIL": senderEmail,
		},
	})
	data.table.GrantReadWriteData(fn)

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
	fn.AddEnvironment(jsii.String("BASE_URL"), api.ApiEndpoint(), nil)
	if senderEmail != "" {
		fn.AddToRolePolicy(sendEmailStatement(stack, senderEmail))
	}
	stage := api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			BurstLimit: jsii.Number(100),
			RateLimit:  jsii.Number(50),
		},
	})
	return stage.Url()
}

// sendEmailStatement allows sending mail from the sender's SES identity only:
// the address itself, or its domain if that is the verified identity.
func sendEmailStatement(stack awscdk.Stack, senderEmail string) awsiam.PolicyStatement {
	_, domain, _ := strings.Cut(senderEmail, "@")
	identity := func(name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("ses"), Resource: jsii.String("identity"), ResourceName: jsii.String(name)})
	}
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ses:SendEmail"),
		Resources: &[]*string{identity(senderEmail), identity(domain)},
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
			"TABLE_NAME": *data.table.TableName(),
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
	env := map[string]*string{"LOG_LEVEL": jsii.String("INFO")}
	for k, v := range p.environment {
		env[k] = jsii.String(v)
	}
	return awslambda.NewFunction(stack, jsii.String(p.id), &awslambda.FunctionProps{
		Description:           jsii.String(p.description),
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          awslambda.Architecture_ARM_64(),
		Handler:               jsii.String("bootstrap"),
		Code:                  awslambda.Code_FromAsset(jsii.String(filepath.Join(p.buildDir, p.name)), nil),
		MemorySize:            jsii.Number(p.memoryMB),
		Timeout:               p.timeout,
		Environment:           &env,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel_INFO,
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
		LogGroup:              logGroup,
	})
}
