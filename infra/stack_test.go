package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/attest-oss/attest/shared/cost"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/table"
)

const testSenderEmail = "training@example.com"

// testCadence is the reminder cadence the synthesized stack is given.
const testCadence = "beforeDue=10,3;max=6"

// testQuizAttemptsPerDay is the daily quiz attempt cap the synthesized
// stack is given.
const testQuizAttemptsPerDay = 4

// synthesized is the stack that most tests inspect, built once by TestMain
// with testSenderEmail and the run at 06:00 UTC.
var synthesized struct {
	buildDir string // holds a dummy <function>/bootstrap file per function
	stack    awscdk.Stack
	template assertions.Template
	// resources is the template's Resources section by logical id.
	resources map[string]map[string]any
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

// runTests synthesizes the shared stack from dummy binaries in a temporary
// build directory, so that no `make build` is needed, then runs the tests.
func runTests(m *testing.M) int {
	defer jsii.Close()
	dir, err := os.MkdirTemp("", "attest-infra-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir := filepath.Join(dir, "build")
	synthesized.buildDir = buildDir
	for _, fn := range functionNames {
		if err := os.MkdirAll(filepath.Join(buildDir, fn), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// Distinct contents give each function its own asset.
		if err := os.WriteFile(filepath.Join(buildDir, fn, "bootstrap"), []byte("dummy "+fn), 0o755); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	app, err := newTestApp(filepath.Join(dir, "cdk.out"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	applyNag(app)
	synthesized.stack = NewTrackerStack(app, stackName, &TrackerStackProps{
		BuildDir:             buildDir,
		SenderEmail:          testSenderEmail,
		DailyScheduleHourUTC: 6,
		ReminderCadence:      testCadence,
		QuizAttemptsPerDay:   testQuizAttemptsPerDay,
	})
	synthesized.template, err = synthesize(synthesized.stack)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	synthesized.resources, err = templateResources(synthesized.template)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

// synthesize synthesizes stack into a Template, reporting as an error the
// panic of a synthesis that fails validation: cdk-nag's unsuppressed errors
// (its findings are printed above the error).
func synthesize(stack awscdk.Stack) (template assertions.Template, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("synthesis failed (cdk-nag errors, if any, are listed above): %v", r)
		}
	}()
	return assertions.Template_FromStack(stack, nil), nil
}

// templateResources is the Resources section of template by logical id.
func templateResources(template assertions.Template) (map[string]map[string]any, error) {
	raw, err := json.Marshal(template.ToJSON())
	if err != nil {
		return nil, err
	}
	var doc struct{ Resources map[string]map[string]any }
	err = json.Unmarshal(raw, &doc)
	return doc.Resources, err
}

// synthOther synthesizes another tracker stack from the shared dummy
// binaries and returns its template and resources by logical id.
func synthOther(t *testing.T, props TrackerStackProps) (assertions.Template, map[string]map[string]any) {
	t.Helper()
	app, err := newTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	props.BuildDir = synthesized.buildDir
	template := assertions.Template_FromStack(NewTrackerStack(app, "Other", &props), nil)
	resources, err := templateResources(template)
	if err != nil {
		t.Fatal(err)
	}
	return template, resources
}

// newTestApp is an app with cdk.json's context, as in newApp, that writes its
// cloud assembly to outdir rather than the repository's cdk.out.
func newTestApp(outdir string) (awscdk.App, error) {
	root, err := repoRoot()
	if err != nil {
		return nil, err
	}
	context, err := cdkContext(root)
	if err != nil {
		return nil, err
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &context, Outdir: jsii.String(outdir)}), nil
}

// expect runs a Template assertion, which panics on a mismatch, and reports
// the mismatch as a failure of t instead of crashing the test binary.
func expect(t *testing.T, assertion func()) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v", r)
		}
	}()
	assertion()
}

// logicalID is the logical id of the CloudFormation resource behind the
// construct at path (construct ids from the stack down).
func logicalID(t *testing.T, path ...string) string {
	t.Helper()
	node := synthesized.stack.Node()
	for _, id := range path {
		child := node.TryFindChild(jsii.String(id))
		if child == nil {
			t.Fatalf("no construct %q under %s", id, *node.Path())
		}
		node = child.Node()
	}
	element, ok := node.DefaultChild().(awscdk.CfnElement)
	if !ok {
		t.Fatalf("construct %s has no CloudFormation resource", *node.Path())
	}
	return *synthesized.stack.GetLogicalId(element)
}

// resource is the resource logicalID of type typ in the synthesized template.
func resource(t *testing.T, logicalID, typ string) map[string]any {
	t.Helper()
	res, ok := synthesized.resources[logicalID]
	if !ok {
		t.Fatalf("no resource %s", logicalID)
	}
	if res["Type"] != typ {
		t.Fatalf("resource %s is a %v, want %s", logicalID, res["Type"], typ)
	}
	return res
}

// properties is the Properties map of resource logicalID of type typ.
func properties(t *testing.T, logicalID, typ string) map[string]any {
	t.Helper()
	props, _ := resource(t, logicalID, typ)["Properties"].(map[string]any)
	return props
}

// getAtt is the template form of Fn::GetAtt logicalID.attribute.
func getAtt(logicalID, attribute string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{logicalID, attribute}}
}

// ref is the template form of Ref logicalID.
func ref(logicalID string) map[string]any {
	return map[string]any{"Ref": logicalID}
}

// keySchema is the template form of a partition and sort key.
func keySchema(partitionKey, sortKey string) []any {
	return []any{
		map[string]any{"AttributeName": partitionKey, "KeyType": "HASH"},
		map[string]any{"AttributeName": sortKey, "KeyType": "RANGE"},
	}
}

func TestTableKeySchemaAndAttributesMatchDefinition(t *testing.T) {
	def := table.Definition()
	props := properties(t, logicalID(t, "Table"), "AWS::DynamoDB::Table")

	if got, want := props["KeySchema"], keySchema(def.PartitionKey, def.SortKey); !reflect.DeepEqual(got, want) {
		t.Errorf("KeySchema = %v, want %v", got, want)
	}

	want := []string{def.PartitionKey, def.SortKey}
	for _, ix := range def.Indexes {
		want = append(want, ix.PartitionKey, ix.SortKey)
	}
	var got []string
	for _, a := range props["AttributeDefinitions"].([]any) {
		attr := a.(map[string]any)
		if attr["AttributeType"] != "S" {
			t.Errorf("attribute %v has type %v, want S", attr["AttributeName"], attr["AttributeType"])
		}
		got = append(got, attr["AttributeName"].(string))
	}
	sort.Strings(got)
	sort.Strings(want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AttributeDefinitions names = %v, want %v", got, want)
	}
}

func TestTableHasEveryIndexOfDefinitionProjectingAll(t *testing.T) {
	def := table.Definition()
	props := properties(t, logicalID(t, "Table"), "AWS::DynamoDB::Table")

	indexes, _ := props["GlobalSecondaryIndexes"].([]any)
	if len(indexes) != len(def.Indexes) {
		t.Errorf("%d GlobalSecondaryIndexes, want %d", len(indexes), len(def.Indexes))
	}
	for _, ix := range def.Indexes {
		want := map[string]any{
			"IndexName":  ix.Name,
			"KeySchema":  keySchema(ix.PartitionKey, ix.SortKey),
			"Projection": map[string]any{"ProjectionType": "ALL"},
		}
		found := false
		for _, got := range indexes {
			if reflect.DeepEqual(got, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("no index %v among %v", want, indexes)
		}
	}
}

func TestTableBillsPayPerRequest(t *testing.T) {
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"BillingMode": "PAY_PER_REQUEST",
		})
	})
}

func TestTableHasPointInTimeRecovery(t *testing.T) {
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
		})
	})
}

func TestTableEncryptedWithCustomerManagedRotatingKey(t *testing.T) {
	keyID := logicalID(t, "TableKey")
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"SSESpecification": map[string]any{
				"SSEEnabled":     true,
				"SSEType":        "KMS",
				"KMSMasterKeyId": getAtt(keyID, "Arn"),
			},
		})
	})
	key := resource(t, keyID, "AWS::KMS::Key")
	if rotation := key["Properties"].(map[string]any)["EnableKeyRotation"]; rotation != true {
		t.Errorf("key EnableKeyRotation = %v, want true", rotation)
	}
	if key["DeletionPolicy"] != "Retain" || key["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("key DeletionPolicy/UpdateReplacePolicy = %v/%v, want Retain", key["DeletionPolicy"], key["UpdateReplacePolicy"])
	}
}

func TestTableHasDeletionProtectionAndIsRetained(t *testing.T) {
	tbl := resource(t, logicalID(t, "Table"), "AWS::DynamoDB::Table")
	if got := tbl["Properties"].(map[string]any)["DeletionProtectionEnabled"]; got != true {
		t.Errorf("DeletionProtectionEnabled = %v, want true", got)
	}
	if tbl["DeletionPolicy"] != "Retain" || tbl["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("table DeletionPolicy/UpdateReplacePolicy = %v/%v, want Retain", tbl["DeletionPolicy"], tbl["UpdateReplacePolicy"])
	}
}

func TestTableTTLAttributeMatchesDefinition(t *testing.T) {
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::DynamoDB::Table"), map[string]any{
			"TimeToLiveSpecification": map[string]any{
				"AttributeName": table.Definition().TTLAttribute,
				"Enabled":       true,
			},
		})
	})
}

func TestFunctionsRunGoBootstrapOnARMWithJSONLogs(t *testing.T) {
	tableID := logicalID(t, "Table")
	functions := []struct {
		construct string
		timeout   float64
		memoryMB  float64
	}{
		{construct: "ApiFunction", timeout: 29, memoryMB: 512},
		{construct: "AssignFunction", timeout: 300, memoryMB: 512},
		{construct: "RemindFunction", timeout: 300, memoryMB: 512},
		{construct: "SendFunction", timeout: 60, memoryMB: 256},
		{construct: "BounceFunction", timeout: 30, memoryMB: 256},
		{construct: "FreezeFunction", timeout: 900, memoryMB: 1024},
		{construct: "ExportFunction", timeout: 900, memoryMB: 1024},
		{construct: "ImportFunction", timeout: 900, memoryMB: 1769},
	}
	// One more: the CDK's handler that sets the upload bucket's
	// notification at deployment.
	if got := countResources("AWS::Lambda::Function"); got != len(functions)+1 {
		t.Errorf("%d Lambda functions, want %d: add the new one to this test", got, len(functions))
	}
	for _, tc := range functions {
		t.Run(tc.construct, func(t *testing.T) {
			props := properties(t, logicalID(t, tc.construct), "AWS::Lambda::Function")
			for key, want := range map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    tc.memoryMB,
				"Timeout":       tc.timeout,
			} {
				if got := props[key]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", key, got, want)
				}
			}

			vars := props["Environment"].(map[string]any)["Variables"].(map[string]any)
			if got := vars[env.TableName]; !reflect.DeepEqual(got, ref(tableID)) {
				t.Errorf("%s = %v, want %v", env.TableName, got, ref(tableID))
			}
			if got := vars[env.LogLevel]; got != "INFO" {
				t.Errorf("%s = %v, want INFO", env.LogLevel, got)
			}

			logging := props["LoggingConfig"].(map[string]any)
			if logging["LogFormat"] != "JSON" || logging["ApplicationLogLevel"] != "INFO" {
				t.Errorf("LoggingConfig = %v, want LogFormat JSON, ApplicationLogLevel INFO", logging)
			}
			logGroupID := logicalID(t, tc.construct+"LogGroup")
			if got := logging["LogGroup"]; !reflect.DeepEqual(got, ref(logGroupID)) {
				t.Errorf("LoggingConfig.LogGroup = %v, want %v", got, ref(logGroupID))
			}
			logGroup := resource(t, logGroupID, "AWS::Logs::LogGroup")
			if got := logGroup["Properties"].(map[string]any)["RetentionInDays"]; got != float64(90) {
				t.Errorf("log group RetentionInDays = %v, want 90", got)
			}
			if logGroup["DeletionPolicy"] != "Retain" {
				t.Errorf("log group DeletionPolicy = %v, want Retain", logGroup["DeletionPolicy"])
			}
		})
	}
}

func TestFunctionEnvironments(t *testing.T) {
	tbl := ref(logicalID(t, "Table"))
	// Links in email point at the API's endpoint.
	baseURL := getAtt(logicalID(t, "HttpApi"), "ApiEndpoint")
	set := ref(logicalID(t, "ConfigurationSet"))
	queue := ref(logicalID(t, "ReminderQueue"))
	bucket := ref(logicalID(t, "EvidenceBucket"))
	signingKey := getAtt(logicalID(t, "SigningKey"), "Arn")
	exports := ref(logicalID(t, "ExportQueue"))
	for _, tc := range []struct {
		construct string
		want      map[string]any // LOG_LEVEL=INFO is added
	}{
		{"ApiFunction", map[string]any{env.TableName: tbl, env.SenderEmail: testSenderEmail, env.BaseURL: baseURL, env.ConfigurationSet: set, env.ReminderCadence: testCadence, env.QueueURL: queue,
			env.QuizAttemptsPerDay: strconv.Itoa(testQuizAttemptsPerDay), env.EvidenceBucket: bucket, env.SigningKeyID: signingKey, env.ExportQueueURL: exports,
			env.UploadBucket: ref(logicalID(t, "UploadBucket"))}},
		{"AssignFunction", map[string]any{env.TableName: tbl}},
		{"RemindFunction", map[string]any{env.TableName: tbl, env.QueueURL: queue, env.ReminderCadence: testCadence}},
		{"SendFunction", map[string]any{env.TableName: tbl, env.SenderEmail: testSenderEmail, env.BaseURL: baseURL, env.ConfigurationSet: set}},
		{"BounceFunction", map[string]any{env.TableName: tbl}},
		{"FreezeFunction", map[string]any{env.TableName: tbl, env.SigningKeyID: signingKey}},
		{"ExportFunction", map[string]any{env.TableName: tbl, env.EvidenceBucket: bucket, env.EvidenceBucketKeyID: getAtt(logicalID(t, "EvidenceBucketKey"), "Arn"),
			env.EvidenceRetentionDays: "2557", env.SigningKeyID: signingKey, env.ExportQueueURL: exports}},
		{"ImportFunction", map[string]any{env.TableName: tbl, env.UploadBucket: ref(logicalID(t, "UploadBucket")), env.ImportQueueURL: ref(logicalID(t, "ImportQueue"))}},
	} {
		t.Run(tc.construct, func(t *testing.T) {
			tc.want[env.LogLevel] = "INFO"
			props := properties(t, logicalID(t, tc.construct), "AWS::Lambda::Function")
			got := props["Environment"].(map[string]any)["Variables"].(map[string]any)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("environment = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestOnlyAPIAndSendFunctionsMaySendMailFromSenderIdentity checks that
// ses:SendEmail is granted to the API and send functions alone, on the
// sender's identities and the configuration set only (SES checks both).
func TestOnlyAPIAndSendFunctionsMaySendMailFromSenderIdentity(t *testing.T) {
	sesArn := func(resource ...any) map[string]any {
		return map[string]any{"Fn::Join": []any{"", append([]any{
			"arn:", ref("AWS::Partition"), ":ses:", ref("AWS::Region"), ":", ref("AWS::AccountId"),
		}, resource...)}}
	}
	resources := sortedJSON([]any{
		sesArn(":identity/" + testSenderEmail),
		sesArn(":identity/example.com"),
		sesArn(":configuration-set/", ref(logicalID(t, "ConfigurationSet"))),
	})
	want := map[string]map[string][]any{
		roleOf(t, "ApiFunction"):  {"ses:SendEmail": resources},
		roleOf(t, "SendFunction"): {"ses:SendEmail": resources},
	}
	if got := allowed(t, synthesized.resources, "ses:"); !reflect.DeepEqual(got, want) {
		t.Errorf("ses grants by role = %v, want %v", got, want)
	}
}

func TestNoSenderEmailGrantsNoSES(t *testing.T) {
	_, resources := synthOther(t, TrackerStackProps{})
	if got := allowed(t, resources, "ses:"); len(got) != 0 {
		t.Errorf("without a sender, ses grants by role = %v, want none", got)
	}
}

// TestOnlyRemindSendsToAndOnlySendConsumesReminderQueue checks the sqs
// grants of every function: all on the reminder queue alone.
func TestOnlyRemindAndAPISendToAndOnlySendConsumesReminderQueue(t *testing.T) {
	queueArn := getAtt(logicalID(t, "ReminderQueue"), "Arn")
	failedArn := getAtt(logicalID(t, "FailedInvocationsQueue"), "Arn")
	grants := allowed(t, synthesized.resources, "sqs:")
	// The grants on the export queue (TestOnlyAPIAndExportSendToAndOnlyExportConsumesExportQueue).
	takeGrants(grants, getAtt(logicalID(t, "ExportQueue"), "Arn"))
	// The import queue: the import function alone consumes it and sends
	// its continuations to it.
	if got, want := takeGrants(grants, getAtt(logicalID(t, "ImportQueue"), "Arn")), map[string][]string{roleOf(t, "ImportFunction"): {
		"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage",
	}}; !reflect.DeepEqual(got, want) {
		t.Errorf("grants on the import queue %v, want %v", got, want)
	}
	// The grants on the queue of failed invocations: only the asynchronously
	// invoked functions may send to it (their on-failure destination).
	failed := takeGrants(grants, failedArn)
	destination := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
	wantFailed := map[string][]string{
		roleOf(t, "AssignFunction"): destination, roleOf(t, "RemindFunction"): destination, roleOf(t, "BounceFunction"): destination,
		roleOf(t, "FreezeFunction"): destination, roleOf(t, "ExportFunction"): destination,
	}
	if !reflect.DeepEqual(failed, wantFailed) {
		t.Errorf("grants on the queue of failed invocations %v, want %v", failed, wantFailed)
	}
	for role, actions := range grants {
		for action, resources := range actions {
			if !reflect.DeepEqual(resources, []any{queueArn}) {
				t.Errorf("role %s may %s on %v, want only %v", role, action, resources, queueArn)
			}
		}
	}
	consume := []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}
	roles := map[string]bool{}
	for _, tc := range []struct {
		construct   string
		allow, deny []string // deny nil: no sqs action at all
	}{
		{construct: "RemindFunction", allow: []string{"sqs:SendMessage"}, deny: append([]string{"sqs:PurgeQueue"}, consume...)},
		{construct: "SendFunction", allow: consume, deny: []string{"sqs:SendMessage", "sqs:PurgeQueue"}},
		{construct: "ApiFunction", allow: []string{"sqs:SendMessage"}, deny: append([]string{"sqs:PurgeQueue"}, consume...)},
		{construct: "AssignFunction"},
		{construct: "BounceFunction"},
		{construct: "FreezeFunction"},
		{construct: "ExportFunction"},
		{construct: "ImportFunction"},
	} {
		t.Run(tc.construct, func(t *testing.T) {
			role := roleOf(t, tc.construct)
			roles[role] = true
			got := grants[role]
			if tc.allow == nil && len(got) != 0 {
				t.Errorf("sqs grants %v, want none", got)
			}
			for _, action := range tc.allow {
				if _, ok := got[action]; !ok {
					t.Errorf("no %s among %v", action, got)
				}
			}
			for _, action := range tc.deny {
				if _, ok := got[action]; ok {
					t.Errorf("%s is granted, want not", action)
				}
			}
		})
	}
	for role := range grants {
		if !roles[role] {
			t.Errorf("role %s, of no function, has sqs grants %v", role, grants[role])
		}
	}
}

func TestHTTPAPISendsEveryRequestToAPIFunction(t *testing.T) {
	apiID := logicalID(t, "HttpApi")
	functionID := logicalID(t, "ApiFunction")
	integrationID := logicalID(t, "HttpApi", "DefaultRoute", "ApiIntegration")

	if got := properties(t, apiID, "AWS::ApiGatewayV2::Api")["ProtocolType"]; got != "HTTP" {
		t.Errorf("API ProtocolType = %v, want HTTP", got)
	}
	integration := properties(t, integrationID, "AWS::ApiGatewayV2::Integration")
	if integration["IntegrationType"] != "AWS_PROXY" || !reflect.DeepEqual(integration["IntegrationUri"], getAtt(functionID, "Arn")) {
		t.Errorf("integration = %v, want AWS_PROXY to %s", integration, functionID)
	}
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
			"ApiId":    ref(apiID),
			"RouteKey": "$default",
			"Target": map[string]any{
				"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}},
			},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Stage"), map[string]any{
			"ApiId":      ref(apiID),
			"StageName":  "$default",
			"AutoDeploy": true,
			"DefaultRouteSettings": map[string]any{
				"ThrottlingBurstLimit": 100,
				"ThrottlingRateLimit":  50,
			},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": getAtt(functionID, "Arn"),
			"Principal":    "apigateway.amazonaws.com",
		})
	})
}

func TestScheduledRulesInvokeTheirFunctions(t *testing.T) {
	for _, tc := range []struct {
		rule, function, schedule string
	}{
		{rule: "DailyAssignRule", function: "AssignFunction", schedule: "cron(0 6 * * ? *)"},
		{rule: "HourlyRemindRule", function: "RemindFunction", schedule: "cron(0 * * * ? *)"},
		{rule: "DailyFreezeRule", function: "FreezeFunction", schedule: "cron(30 2 * * ? *)"},
		{rule: "QuarterCloseExportRule", function: "ExportFunction", schedule: "cron(30 3 * * ? *)"},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			ruleID := logicalID(t, tc.rule)
			functionID := logicalID(t, tc.function)
			props := properties(t, ruleID, "AWS::Events::Rule")
			if props["ScheduleExpression"] != tc.schedule || props["State"] != "ENABLED" {
				t.Errorf("ScheduleExpression, State = %v, %v, want %s, ENABLED", props["ScheduleExpression"], props["State"], tc.schedule)
			}
			targets, _ := props["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("Targets = %v, want one", targets)
			}
			target := targets[0].(map[string]any)
			if !reflect.DeepEqual(target["Arn"], getAtt(functionID, "Arn")) {
				t.Errorf("target Arn = %v, want %v", target["Arn"], getAtt(functionID, "Arn"))
			}
			if want := map[string]any{"MaximumRetryAttempts": float64(2)}; !reflect.DeepEqual(target["RetryPolicy"], want) {
				t.Errorf("target RetryPolicy = %v, want %v", target["RetryPolicy"], want)
			}
			expect(t, func() {
				synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
					"Action":       "lambda:InvokeFunction",
					"FunctionName": getAtt(functionID, "Arn"),
					"Principal":    "events.amazonaws.com",
					"SourceArn":    getAtt(ruleID, "Arn"),
				})
			})
		})
	}
}

func TestDailyRuleHourFollowsProps(t *testing.T) {
	template, _ := synthOther(t, TrackerStackProps{DailyScheduleHourUTC: 0})
	expect(t, func() {
		template.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"ScheduleExpression": "cron(0 0 * * ? *)",
		})
	})
}

func TestReminderQueueRedrivesToDeadLetterQueue(t *testing.T) {
	dlqID := logicalID(t, "ReminderDeadLetterQueue")
	queue := properties(t, logicalID(t, "ReminderQueue"), "AWS::SQS::Queue")
	dlq := properties(t, dlqID, "AWS::SQS::Queue")

	want := map[string]any{"deadLetterTargetArn": getAtt(dlqID, "Arn"), "maxReceiveCount": float64(5)}
	if got := queue["RedrivePolicy"]; !reflect.DeepEqual(got, want) {
		t.Errorf("queue RedrivePolicy = %v, want %v", got, want)
	}
	if got, want := dlq["MessageRetentionPeriod"], float64(14*24*60*60); got != want {
		t.Errorf("dead-letter queue MessageRetentionPeriod = %v, want %v (14 days)", got, want)
	}
	if got := dlq["RedrivePolicy"]; got != nil {
		t.Errorf("dead-letter queue RedrivePolicy = %v, want none", got)
	}
	// Lambda recommends a visibility timeout of 6 times the function's.
	sendTimeout, _ := properties(t, logicalID(t, "SendFunction"), "AWS::Lambda::Function")["Timeout"].(float64)
	if got, _ := queue["VisibilityTimeout"].(float64); sendTimeout == 0 || got < 6*sendTimeout {
		t.Errorf("queue VisibilityTimeout = %v, want at least 6 × the send function's timeout %v", queue["VisibilityTimeout"], sendTimeout)
	}
}

func TestReminderQueuesAreEncryptedAndRequireTLS(t *testing.T) {
	for _, construct := range []string{"ReminderQueue", "ReminderDeadLetterQueue"} {
		t.Run(construct, func(t *testing.T) {
			id := logicalID(t, construct)
			if got := properties(t, id, "AWS::SQS::Queue")["SqsManagedSseEnabled"]; got != true {
				t.Errorf("SqsManagedSseEnabled = %v, want true", got)
			}
			expect(t, func() {
				synthesized.template.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
					"Queues": []any{ref(id)},
					"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
						assertions.Match_ObjectLike(&map[string]any{
							"Effect":    "Deny",
							"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
						}),
					})},
				})
			})
		})
	}
}

func TestSendFunctionConsumesReminderQueueInBatches(t *testing.T) {
	if got := countResources("AWS::Lambda::EventSourceMapping"); got != 3 {
		t.Errorf("%d event source mappings, want 3 (reminders, exports, imports)", got)
	}
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"EventSourceArn":        getAtt(logicalID(t, "ReminderQueue"), "Arn"),
			"FunctionName":          ref(logicalID(t, "SendFunction")),
			"BatchSize":             10,
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
			"ScalingConfig":         map[string]any{"MaximumConcurrency": DefaultSenderConcurrency},
		})
	})
}

func TestSenderConcurrencyFollowsProps(t *testing.T) {
	for _, tc := range []struct {
		prop, want int
	}{
		{prop: 0, want: DefaultSenderConcurrency},
		{prop: 2, want: 2},
		{prop: 25, want: 25},
	} {
		t.Run(fmt.Sprint(tc.prop), func(t *testing.T) {
			template, _ := synthOther(t, TrackerStackProps{SenderConcurrency: tc.prop})
			expect(t, func() {
				template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
					"ScalingConfig": map[string]any{"MaximumConcurrency": tc.want},
				})
			})
		})
	}
}

func TestConfigurationSetSendsBouncesAndComplaintsToBounceFunction(t *testing.T) {
	setID := logicalID(t, "ConfigurationSet")
	topicID := logicalID(t, "EmailEventTopic")
	bounceArn := getAtt(logicalID(t, "BounceFunction"), "Arn")

	resource(t, setID, "AWS::SES::ConfigurationSet")
	if got := countResources("AWS::SES::ConfigurationSetEventDestination"); got != 1 {
		t.Errorf("%d configuration set event destinations, want 1", got)
	}
	dest := properties(t, logicalID(t, "ConfigurationSet", "BounceComplaintDestination"), "AWS::SES::ConfigurationSetEventDestination")
	if got := dest["ConfigurationSetName"]; !reflect.DeepEqual(got, ref(setID)) {
		t.Errorf("event destination ConfigurationSetName = %v, want %v", got, ref(setID))
	}
	ed := dest["EventDestination"].(map[string]any)
	var events []string
	for _, e := range ed["MatchingEventTypes"].([]any) {
		events = append(events, e.(string))
	}
	sort.Strings(events)
	if want := []string{"bounce", "complaint"}; !reflect.DeepEqual(events, want) || ed["Enabled"] != true {
		t.Errorf("event destination Enabled, MatchingEventTypes = %v, %v, want true, %v", ed["Enabled"], events, want)
	}
	if want := map[string]any{"TopicARN": ref(topicID)}; !reflect.DeepEqual(ed["SnsDestination"], want) {
		t.Errorf("event destination SnsDestination = %v, want %v", ed["SnsDestination"], want)
	}

	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "lambda",
			"Endpoint": bounceArn,
			"TopicArn": ref(topicID),
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": bounceArn,
			"Principal":    "sns.amazonaws.com",
			"SourceArn":    ref(topicID),
		})
	})
	// SES may publish to the topic.
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::SNS::TopicPolicy"), map[string]any{
			"Topics": []any{ref(topicID)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Action":    "sns:Publish",
					"Effect":    "Allow",
					"Principal": map[string]any{"Service": "ses.amazonaws.com"},
				}),
			})},
		})
	})
}

// functionConstructs maps each function name to its construct id.
var functionConstructs = map[string]string{
	apiFunction: "ApiFunction", assignFunction: "AssignFunction", remindFunction: "RemindFunction",
	sendFunction: "SendFunction", bounceFunction: "BounceFunction", freezeFunction: "FreezeFunction",
	exportFunction: "ExportFunction", importFunction: "ImportFunction",
}

// TestFunctionsMayUseDynamoDBOnlyAsDeclared: each function's role allows
// exactly one statement per grant of its table.FunctionAccess, with the
// grant's actions, on the table (and its indexes when the grant queries),
// limited by a ForAllValues:StringLike dynamodb:LeadingKeys condition to the
// grant's keys; and nothing else on DynamoDB.
func TestFunctionsMayUseDynamoDBOnlyAsDeclared(t *testing.T) {
	tableArn := getAtt(logicalID(t, "Table"), "Arn")
	indexArn := map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/*"}}}
	for name, access := range table.FunctionAccess() {
		t.Run(name, func(t *testing.T) {
			var want []any
			for _, g := range access {
				var actions, keys []any
				resources := []any{tableArn}
				for _, a := range g.Actions {
					actions = append(actions, "dynamodb:"+string(a))
					if a == table.Query {
						resources = append(resources, indexArn)
					}
				}
				for _, k := range g.Keys {
					keys = append(keys, k)
				}
				want = append(want, map[string]any{
					"Action": sortedJSON(actions), "Resource": resources,
					"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": sortedJSON(keys)}},
				})
			}
			var got []any
			for _, s := range roleStatements(t, roleOf(t, functionConstructs[name])) {
				if s["Effect"] != "Allow" || !hasActionPrefix(s, "dynamodb:") {
					continue
				}
				cond, _ := s["Condition"].(map[string]any)
				like, _ := cond["ForAllValues:StringLike"].(map[string]any)
				got = append(got, map[string]any{
					"Action": sortedJSON(asList(s["Action"])), "Resource": asList(s["Resource"]),
					"Condition": map[string]any{"ForAllValues:StringLike": map[string]any{"dynamodb:LeadingKeys": sortedJSON(asList(like["dynamodb:LeadingKeys"]))}},
				})
				if len(cond) != 1 {
					t.Errorf("statement %v: want the LeadingKeys condition alone", s)
				}
			}
			if !reflect.DeepEqual(sortedJSON(got), sortedJSON(want)) {
				t.Errorf("dynamodb statements\n got %v\nwant %v", sortedJSON(got), sortedJSON(want))
			}
		})
	}
}

// TestNoPolicyAllowsScanOrEveryDynamoDBAction: no statement anywhere allows
// Scan, a wildcard DynamoDB action or a table-level action.
func TestNoPolicyAllowsScanOrEveryDynamoDBAction(t *testing.T) {
	item := map[string]bool{}
	for _, a := range []table.Action{table.GetItem, table.BatchGetItem, table.Query, table.PutItem, table.UpdateItem, table.DeleteItem, table.ConditionCheckItem} {
		item["dynamodb:"+string(a)] = true
	}
	for id, res := range synthesized.resources {
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		for _, s := range policyStatements(t, res) {
			if s["Effect"] != "Allow" {
				continue
			}
			for _, a := range asList(s["Action"]) {
				if action := a.(string); strings.HasPrefix(action, "dynamodb:") && !item[action] || action == "*" {
					t.Errorf("policy %s allows %s", id, action)
				}
			}
		}
	}
}

// TestEveryFunctionIsDeniedChangingAuditEvents: every function's role
// explicitly denies updating or deleting an item of an audit partition, in
// any way, so the audit trail is append-only whatever else is allowed.
func TestEveryFunctionIsDeniedChangingAuditEvents(t *testing.T) {
	tableArn := getAtt(logicalID(t, "Table"), "Arn")
	want := map[string]any{
		"Effect":    "Deny",
		"Action":    []any{"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:PartiQLDelete", "dynamodb:PartiQLUpdate", "dynamodb:UpdateItem"},
		"Resource":  []any{tableArn},
		"Condition": map[string]any{"ForAnyValue:StringLike": map[string]any{"dynamodb:LeadingKeys": []any{"AUDIT#*"}}},
	}
	for name, construct := range functionConstructs {
		t.Run(name, func(t *testing.T) {
			var denies []any
			for _, s := range roleStatements(t, roleOf(t, construct)) {
				if s["Effect"] == "Deny" {
					cond, _ := s["Condition"].(map[string]any)
					like, _ := cond["ForAnyValue:StringLike"].(map[string]any)
					denies = append(denies, map[string]any{
						"Effect": "Deny", "Action": sortedJSON(asList(s["Action"])), "Resource": asList(s["Resource"]),
						"Condition": map[string]any{"ForAnyValue:StringLike": map[string]any{"dynamodb:LeadingKeys": asList(like["dynamodb:LeadingKeys"])}},
					})
				}
			}
			if !reflect.DeepEqual(denies, []any{want}) {
				t.Errorf("deny statements %v, want %v", denies, want)
			}
		})
	}
}

// TestFunctionsMayUseTheTableKeyOnlyThroughDynamoDB: each function may use
// the table's key through DynamoDB only (kms:ViaService), to decrypt, and to
// encrypt only if it writes; the reminder run only reads. (The evidence keys:
// TestOnlyExportAndFreezeSignAndOnlyThroughTheirGrants.)
func TestFunctionsMayUseTheTableKeyOnlyThroughDynamoDB(t *testing.T) {
	keyArn := getAtt(logicalID(t, "TableKey"), "Arn")
	read := []any{"kms:Decrypt", "kms:DescribeKey"}
	write := []any{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
	viaDynamoDB := map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{
		"Fn::Join": []any{"", []any{"dynamodb.", ref("AWS::Region"), ".amazonaws.com"}}}}}
	for name, construct := range functionConstructs {
		t.Run(name, func(t *testing.T) {
			want := write
			if name == remindFunction {
				want = read
			}
			var kms []map[string]any
			for _, s := range roleStatements(t, roleOf(t, construct)) {
				if hasActionPrefix(s, "kms:") && reflect.DeepEqual(s["Resource"], keyArn) {
					kms = append(kms, s)
				}
			}
			if len(kms) != 1 {
				t.Fatalf("kms statements %v, want one", kms)
			}
			s := kms[0]
			if got := sortedJSON(asList(s["Action"])); !reflect.DeepEqual(got, want) || !reflect.DeepEqual(s["Resource"], keyArn) || !reflect.DeepEqual(s["Condition"], viaDynamoDB) {
				t.Errorf("kms statement %v, want %v on %v if %v", s, want, keyArn, viaDynamoDB)
			}
		})
	}
}

// roleStatements are the statements of every policy attached to the role
// roleID.
func roleStatements(t *testing.T, roleID string) []map[string]any {
	t.Helper()
	var all []map[string]any
	for _, res := range synthesized.resources {
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		if containsValue(res["Properties"].(map[string]any)["Roles"].([]any), ref(roleID)) {
			all = append(all, policyStatements(t, res)...)
		}
	}
	return all
}

func TestNoManagedFullAccessOrWildcardPolicies(t *testing.T) {
	for id, res := range synthesized.resources {
		switch res["Type"] {
		case "AWS::IAM::ManagedPolicy":
			t.Errorf("unexpected managed policy %s", id)
		case "AWS::IAM::Role":
			arns, err := json.Marshal(res["Properties"].(map[string]any)["ManagedPolicyArns"])
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(arns), "FullAccess") {
				t.Errorf("role %s has a FullAccess managed policy: %s", id, arns)
			}
		case "AWS::IAM::Policy":
			for _, s := range policyStatements(t, res) {
				for _, action := range asList(s["Action"]) {
					if a := action.(string); a == "*" || strings.HasSuffix(a, ":*") {
						t.Errorf("policy %s allows every action %q", id, a)
					}
				}
			}
		}
	}
}

func TestOutputs(t *testing.T) {
	for _, tc := range []struct {
		output, construct string // construct "": any value
	}{
		{output: "ApiUrl"},
		{output: "TableName", construct: "Table"},
		{output: "ReminderQueueUrl", construct: "ReminderQueue"},
		{output: "DeadLetterQueueUrl", construct: "ReminderDeadLetterQueue"},
		{output: "OperationsTopicArn", construct: "OperationsTopic"},
		{output: "EvidenceBucketName", construct: "EvidenceBucket"},
		{output: "ExportQueueUrl", construct: "ExportQueue"},
		{output: "SigningKeyArn"},
	} {
		t.Run(tc.output, func(t *testing.T) {
			want := map[string]any{}
			if tc.construct != "" {
				want["Value"] = ref(logicalID(t, tc.construct))
			}
			expect(t, func() {
				synthesized.template.HasOutput(jsii.String(tc.output), want)
			})
		})
	}
}

// TestFunctionsLogOnlyToTheirOwnLogGroup: no role of ours carries a managed
// policy (AWSLambdaBasicExecutionRole may write to every log group), and
// each function's role may write logs to its own log group only. The CDK's
// deployment-time handler of bucket notifications is the one exception.
func TestFunctionsLogOnlyToTheirOwnLogGroup(t *testing.T) {
	notifications := logicalID(t, "BucketNotificationsHandler050a0587b7544547bf325f094a3db834", "Role")
	for id, res := range synthesized.resources {
		if res["Type"] != "AWS::IAM::Role" || id == notifications {
			continue
		}
		if props, ok := res["Properties"].(map[string]any); ok && props["ManagedPolicyArns"] != nil {
			t.Errorf("role %s has managed policies %v", id, props["ManagedPolicyArns"])
		}
	}
	grants := allowed(t, synthesized.resources, "logs:")
	for _, fn := range []string{"ApiFunction", "AssignFunction", "RemindFunction", "SendFunction", "BounceFunction", "FreezeFunction", "ExportFunction", "ImportFunction"} {
		t.Run(fn, func(t *testing.T) {
			logGroup := getAtt(logicalID(t, fn+"LogGroup"), "Arn")
			got := grants[roleOf(t, fn)]
			for _, action := range []string{"logs:CreateLogStream", "logs:PutLogEvents"} {
				if !reflect.DeepEqual(got[action], []any{logGroup}) {
					t.Errorf("%s on %v, want only %v", action, got[action], logGroup)
				}
			}
			if len(got) != 2 {
				t.Errorf("logs actions %v, want only CreateLogStream and PutLogEvents", got)
			}
		})
	}
}

// TestDeadLettersRaiseAnAlarm: a message in the dead-letter queue (a
// reminder that failed every try) raises an alarm on the operations topic.
func TestDeadLettersRaiseAnAlarm(t *testing.T) {
	alarm := properties(t, logicalID(t, "ReminderDeadLettersAlarm"), "AWS::CloudWatch::Alarm")
	dims := fmt.Sprint(alarm["Dimensions"])
	if alarm["MetricName"] != "ApproximateNumberOfMessagesVisible" || alarm["Namespace"] != "AWS/SQS" ||
		!strings.Contains(dims, logicalID(t, "ReminderDeadLetterQueue")) {
		t.Errorf("alarm watches %v %v %v, want the dead-letter queue's visible messages", alarm["Namespace"], alarm["MetricName"], dims)
	}
	if alarm["Threshold"] != float64(1) || alarm["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || alarm["TreatMissingData"] != "notBreaching" {
		t.Errorf("alarm fires on %v %v (missing data %v), want one message or more", alarm["ComparisonOperator"], alarm["Threshold"], alarm["TreatMissingData"])
	}
	if !reflect.DeepEqual(alarm["AlarmActions"], []any{ref(logicalID(t, "OperationsTopic"))}) {
		t.Errorf("alarm actions %v, want the operations topic", alarm["AlarmActions"])
	}
}

// TestCdkNagReportsNothingUnsuppressed: the AwsSolutions and Serverless
// packs of cdk-nag find no unsuppressed error or warning in the stack; every
// suppression (see stack.go) names its reason.
func TestCdkNagReportsNothingUnsuppressed(t *testing.T) {
	annotations := assertions.Annotations_FromStack(synthesized.stack)
	everything := assertions.Match_StringLikeRegexp(jsii.String(".*"))
	for level, found := range map[string]any{
		"error":   annotations.FindError(jsii.String("*"), everything),
		"warning": annotations.FindWarning(jsii.String("*"), everything),
	} {
		// Read through JSON: the Go type of the messages is deprecated.
		raw, err := json.Marshal(found)
		if err != nil {
			t.Fatal(err)
		}
		var messages []struct {
			ID    string `json:"id"`
			Entry struct{ Data any }
		}
		if err := json.Unmarshal(raw, &messages); err != nil {
			t.Fatal(err)
		}
		for _, m := range messages {
			t.Errorf("cdk-nag %s at %s: %v", level, m.ID, m.Entry.Data)
		}
	}
}

// TestHTTPAPILogsEveryRequestAsJSON: the $default stage writes one JSON
// access log line per request, with the route but never the path (which
// holds sign-in tokens), to a log group kept 90 days.
func TestHTTPAPILogsEveryRequestAsJSON(t *testing.T) {
	logGroupID := logicalID(t, "ApiAccessLogGroup")
	stage := properties(t, logicalID(t, "HttpApi", "DefaultStage"), "AWS::ApiGatewayV2::Stage")
	settings, _ := stage["AccessLogSettings"].(map[string]any)
	if !reflect.DeepEqual(settings["DestinationArn"], getAtt(logGroupID, "Arn")) {
		t.Errorf("access logs go to %v, want %s", settings["DestinationArn"], logGroupID)
	}
	format, _ := settings["Format"].(string)
	var line map[string]string
	if err := json.Unmarshal([]byte(format), &line); err != nil {
		t.Fatalf("access log format %q is not a JSON object: %v", format, err)
	}
	for field, variable := range map[string]string{
		"requestId": "$context.requestId", "sourceIp": "$context.identity.sourceIp", "routeKey": "$context.routeKey",
		"status": "$context.status", "responseLatency": "$context.responseLatency", "integrationLatency": "$context.integrationLatency",
	} {
		if line[field] != variable {
			t.Errorf("access log field %s = %q, want %s", field, line[field], variable)
		}
	}
	if strings.Contains(format, "$context.path") {
		t.Errorf("access log format %s logs the path, which holds sign-in tokens", format)
	}
	logGroup := resource(t, logGroupID, "AWS::Logs::LogGroup")
	if got := logGroup["Properties"].(map[string]any)["RetentionInDays"]; got != float64(90) {
		t.Errorf("access log group RetentionInDays = %v, want 90", got)
	}
}

// TestSignInRoutesAreThrottledTighterThanTheRest: /auth/* and /l/* have
// routes of their own, to the API function, which the stage throttles more
// tightly than its default.
func TestSignInRoutesAreThrottledTighterThanTheRest(t *testing.T) {
	apiID := logicalID(t, "HttpApi")
	integrationID := logicalID(t, "HttpApi", "DefaultRoute", "ApiIntegration")
	stageID := logicalID(t, "HttpApi", "DefaultStage")
	stage := resource(t, stageID, "AWS::ApiGatewayV2::Stage")
	props := stage["Properties"].(map[string]any)
	defaults := props["DefaultRouteSettings"].(map[string]any)
	routeSettings, _ := props["RouteSettings"].(map[string]any)
	for _, key := range []string{"ANY /auth/{proxy+}", "ANY /l/{proxy+}"} {
		t.Run(key, func(t *testing.T) {
			expect(t, func() {
				synthesized.template.HasResourceProperties(jsii.String("AWS::ApiGatewayV2::Route"), map[string]any{
					"ApiId":    ref(apiID),
					"RouteKey": key,
					"Target":   map[string]any{"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}}},
				})
			})
			got, _ := routeSettings[key].(map[string]any)
			rate, _ := got["ThrottlingRateLimit"].(float64)
			burst, _ := got["ThrottlingBurstLimit"].(float64)
			if rate <= 0 || burst <= 0 || rate >= defaults["ThrottlingRateLimit"].(float64) || burst >= defaults["ThrottlingBurstLimit"].(float64) {
				t.Errorf("route settings %v, want a throttle below the default %v", got, defaults)
			}
		})
	}
	// The route settings name the routes, which must exist first.
	if deps := fmt.Sprint(stage["DependsOn"]); !strings.Contains(deps, "HttpApiANYauthproxy") || !strings.Contains(deps, "HttpApiANYlproxy") {
		t.Errorf("stage DependsOn %s, want the sign-in routes", deps)
	}
}

// TestEveryFunctionIsTraced: active X-Ray tracing on every function.
func TestEveryFunctionIsTraced(t *testing.T) {
	for _, construct := range functionConstructs {
		props := properties(t, logicalID(t, construct), "AWS::Lambda::Function")
		if want := map[string]any{"Mode": "Active"}; !reflect.DeepEqual(props["TracingConfig"], want) {
			t.Errorf("%s TracingConfig = %v, want %v", construct, props["TracingConfig"], want)
		}
	}
}

// TestAsynchronousInvocationsKeepWhatFailed: every function that something
// invokes asynchronously (an EventBridge rule, an SNS subscription, S3) has an
// on-failure destination, every rule target and every Lambda subscription has
// a dead-letter queue, and all of them land in the one queue of failed
// invocations. It walks the synthesized template, so a rule or function added
// later without them fails here.
func TestAsynchronousInvocationsKeepWhatFailed(t *testing.T) {
	failedID := logicalID(t, "FailedInvocationsQueue")
	failedArn := getAtt(failedID, "Arn")
	asyncPrincipals := map[string]bool{"events.amazonaws.com": true, "sns.amazonaws.com": true, "s3.amazonaws.com": true}
	invokedAsync := map[string]bool{} // function logical ids
	invokeConfigs := map[string]map[string]any{}
	rules, subscriptions := 0, 0
	for id, res := range synthesized.resources {
		props, _ := res["Properties"].(map[string]any)
		switch res["Type"] {
		case "AWS::Lambda::Permission":
			if principal, _ := props["Principal"].(string); asyncPrincipals[principal] {
				invokedAsync[functionOf(t, id, props["FunctionName"])] = true
			}
		case "AWS::Lambda::EventInvokeConfig":
			invokeConfigs[functionOf(t, id, props["FunctionName"])] = props
		case "AWS::Events::Rule":
			rules++
			for _, target := range asList(props["Targets"]) {
				if want := map[string]any{"Arn": failedArn}; !reflect.DeepEqual(target.(map[string]any)["DeadLetterConfig"], want) {
					t.Errorf("rule %s target DeadLetterConfig = %v, want %v", id, target.(map[string]any)["DeadLetterConfig"], want)
				}
			}
		case "AWS::SNS::Subscription":
			if props["Protocol"] != "lambda" {
				continue
			}
			subscriptions++
			if want := map[string]any{"deadLetterTargetArn": failedArn}; !reflect.DeepEqual(props["RedrivePolicy"], want) {
				t.Errorf("subscription %s RedrivePolicy = %v, want %v", id, props["RedrivePolicy"], want)
			}
		}
	}
	// The walk must have found what the stack is known to hold: the four
	// scheduled rules, the bounce subscription and the five functions they
	// invoke (the API and send functions are invoked synchronously).
	if rules < 4 || subscriptions < 1 {
		t.Errorf("found %d rules and %d Lambda subscriptions, want at least 4 and 1", rules, subscriptions)
	}
	for _, construct := range []string{"AssignFunction", "RemindFunction", "BounceFunction", "FreezeFunction", "ExportFunction"} {
		if !invokedAsync[logicalID(t, construct)] {
			t.Errorf("%s is not found invoked asynchronously", construct)
		}
	}
	for _, construct := range []string{"ApiFunction", "SendFunction", "ImportFunction"} {
		if invokedAsync[logicalID(t, construct)] {
			t.Errorf("%s is invoked asynchronously, want only synchronous invocations or a queue", construct)
		}
	}
	for fn := range invokedAsync {
		config, ok := invokeConfigs[fn]
		if !ok {
			t.Errorf("function %s is invoked asynchronously without an EventInvokeConfig", fn)
			continue
		}
		want := map[string]any{"OnFailure": map[string]any{"Destination": failedArn}}
		if config["MaximumRetryAttempts"] != float64(2) || !reflect.DeepEqual(config["DestinationConfig"], want) {
			t.Errorf("function %s: retries %v, destination %v; want 2 and %v", fn, config["MaximumRetryAttempts"], config["DestinationConfig"], want)
		}
	}
	failed := properties(t, failedID, "AWS::SQS::Queue")
	if failed["SqsManagedSseEnabled"] != true || failed["MessageRetentionPeriod"] != float64(14*24*60*60) {
		t.Errorf("queue of failed invocations %v, want encrypted, kept 14 days", failed)
	}
}

// functionOf is the logical id of the function that a FunctionName property
// (a Ref or a GetAtt of its Arn) of resource id names.
func functionOf(t *testing.T, id string, name any) string {
	t.Helper()
	if m, ok := name.(map[string]any); ok {
		if r, ok := m["Ref"].(string); ok {
			return r
		}
		if att, ok := m["Fn::GetAtt"].([]any); ok && len(att) == 2 {
			return att[0].(string)
		}
	}
	t.Fatalf("%s names its function as %v, want a Ref or a GetAtt", id, name)
	return ""
}

// TestAlarmsNotifyTheOperationsTopic: errors and throttles of every
// function, the API's 5xx answers, messages in either dead-letter queue and
// the account's SES bounce and complaint rates raise alarms, and every alarm
// notifies the operations topic.
func TestAlarmsNotifyTheOperationsTopic(t *testing.T) {
	topic := ref(logicalID(t, "OperationsTopic"))
	type want struct {
		namespace, metric string
		dimension         any // the value of the alarm's one dimension; nil: none
		threshold         float64
	}
	alarms := map[string]want{
		"ApiServerErrorsAlarm":     {"AWS/ApiGateway", "5xx", ref(logicalID(t, "HttpApi")), 1},
		"ReminderDeadLettersAlarm": {"AWS/SQS", "ApproximateNumberOfMessagesVisible", getAtt(logicalID(t, "ReminderDeadLetterQueue"), "QueueName"), 1},
		"ExportDeadLettersAlarm":   {"AWS/SQS", "ApproximateNumberOfMessagesVisible", getAtt(logicalID(t, "ExportDeadLetterQueue"), "QueueName"), 1},
		"ImportDeadLettersAlarm":   {"AWS/SQS", "ApproximateNumberOfMessagesVisible", getAtt(logicalID(t, "ImportDeadLetterQueue"), "QueueName"), 1},
		"FailedInvocationsAlarm":   {"AWS/SQS", "ApproximateNumberOfMessagesVisible", getAtt(logicalID(t, "FailedInvocationsQueue"), "QueueName"), 1},
		"SESBounceRateAlarm":       {"AWS/SES", "Reputation.BounceRate", nil, 0.05},
		"SESComplaintRateAlarm":    {"AWS/SES", "Reputation.ComplaintRate", nil, 0.001},
	}
	for _, construct := range functionConstructs {
		alarms[construct+"ErrorsAlarm"] = want{"AWS/Lambda", "Errors", ref(logicalID(t, construct)), 1}
		alarms[construct+"ThrottlesAlarm"] = want{"AWS/Lambda", "Throttles", ref(logicalID(t, construct)), 1}
	}
	for id, w := range alarms {
		t.Run(id, func(t *testing.T) {
			alarm := properties(t, logicalID(t, id), "AWS::CloudWatch::Alarm")
			if alarm["Namespace"] != w.namespace || alarm["MetricName"] != w.metric || alarm["Threshold"] != w.threshold {
				t.Errorf("alarm on %v %v at %v, want %s %s at %v", alarm["Namespace"], alarm["MetricName"], alarm["Threshold"], w.namespace, w.metric, w.threshold)
			}
			var values []any
			for _, d := range asList(alarm["Dimensions"]) {
				if d != nil {
					values = append(values, d.(map[string]any)["Value"])
				}
			}
			if w.dimension == nil && len(values) != 0 || w.dimension != nil && !reflect.DeepEqual(values, []any{w.dimension}) {
				t.Errorf("alarm dimensions %v, want %v", alarm["Dimensions"], w.dimension)
			}
			if alarm["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || alarm["TreatMissingData"] != "notBreaching" {
				t.Errorf("alarm fires on %v (missing data %v), want reaching the threshold", alarm["ComparisonOperator"], alarm["TreatMissingData"])
			}
		})
	}
	if got := countResources("AWS::CloudWatch::Alarm"); got != len(alarms) {
		t.Errorf("%d alarms, want %d: add the new one to this test", got, len(alarms))
	}
	for id, res := range synthesized.resources {
		if res["Type"] == "AWS::CloudWatch::Alarm" && !reflect.DeepEqual(res["Properties"].(map[string]any)["AlarmActions"], []any{topic}) {
			t.Errorf("alarm %s notifies %v, want the operations topic", id, res["Properties"].(map[string]any)["AlarmActions"])
		}
	}
}

// TestAlarmEmailSubscribesToTheOperationsTopic: the optional address
// receives the alarms; without one, the topic has no subscriber.
func TestAlarmEmailSubscribesToTheOperationsTopic(t *testing.T) {
	template, _ := synthOther(t, TrackerStackProps{AlarmEmail: "oncall@example.com"})
	expect(t, func() {
		template.HasResourceProperties(jsii.String("AWS::SNS::Subscription"), map[string]any{
			"Protocol": "email",
			"Endpoint": "oncall@example.com",
		})
	})
	expect(t, func() {
		synthesized.template.ResourcePropertiesCountIs(jsii.String("AWS::SNS::Subscription"), map[string]any{"Protocol": "email"}, jsii.Number(0))
	})
}

func TestNewTrackerStackRejectsInvalidProps(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props TrackerStackProps
		want  string // in the panic
	}{
		{"hour -1", TrackerStackProps{DailyScheduleHourUTC: -1}, "DailyScheduleHourUTC"},
		{"hour 24", TrackerStackProps{DailyScheduleHourUTC: 24}, "DailyScheduleHourUTC"},
		{"concurrency 1", TrackerStackProps{SenderConcurrency: 1}, "SenderConcurrency"},
		{"concurrency -2", TrackerStackProps{SenderConcurrency: -2}, "SenderConcurrency"},
		{"concurrency 1001", TrackerStackProps{SenderConcurrency: 1001}, "SenderConcurrency"},
		{"cadence unknown setting", TrackerStackProps{ReminderCadence: "often=yes"}, "unknown setting"},
		{"cadence ladder upside down", TrackerStackProps{ReminderCadence: "escalateAfter=9;escalateUpAfter=3"}, "next manager up"},
		{"retention -1", TrackerStackProps{EvidenceRetentionYears: -1}, "EvidenceRetentionYears"},
		{"retention 101", TrackerStackProps{EvidenceRetentionYears: 101}, "EvidenceRetentionYears"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), tc.want) {
					t.Errorf("recovered %v, want a %s panic", r, tc.want)
				}
			}()
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			tc.props.BuildDir = synthesized.buildDir
			NewTrackerStack(app, "Invalid", &tc.props)
		})
	}
}

func TestMissingBinaryAsksForMakeBuild(t *testing.T) {
	_, err := resolveBuildDir(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run make build first") {
		t.Errorf("resolveBuildDir(empty dir) = %v, want an error saying to run make build first", err)
	}
	// Every function's binary is required.
	for _, missing := range functionNames {
		t.Run(missing, func(t *testing.T) {
			dir := t.TempDir()
			for _, fn := range functionNames {
				if fn == missing {
					continue
				}
				if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), nil, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			_, err := resolveBuildDir(dir)
			if want := filepath.Join(dir, missing, "bootstrap"); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("resolveBuildDir = %v, want an error naming %s", err, want)
			}
		})
	}
}

func TestIntContext(t *testing.T) {
	app := awscdk.NewApp(&awscdk.AppProps{
		Outdir: jsii.String(t.TempDir()),
		Context: &map[string]any{
			"cli": "7", "json": 3, "word": "x", "fraction": 2.5, "flag": true,
		},
	})
	for _, tc := range []struct {
		key     string
		want    int
		wantErr bool
	}{
		{key: "unset", want: 0},
		{key: "cli", want: 7},
		{key: "json", want: 3},
		{key: "word", wantErr: true},
		{key: "fraction", wantErr: true},
		{key: "flag", wantErr: true},
	} {
		got, err := intContext(app, tc.key)
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("intContext(%s) = %d, %v; want %d, error %v", tc.key, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestRepoRootIsParentOfInfra(t *testing.T) {
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Dir(wd); root != want {
		t.Errorf("repoRoot() = %s, want %s (go test runs in infra/)", root, want)
	}
}

// takeGrants removes the grants on the resource arn from grants (see
// allowed) and returns them: each role's actions on it, sorted.
func takeGrants(grants map[string]map[string][]any, arn any) map[string][]string {
	taken := map[string][]string{}
	for role, actions := range grants {
		for action, resources := range actions {
			if containsValue(resources, arn) {
				taken[role] = append(taken[role], action)
				actions[action] = slices.DeleteFunc(resources, func(r any) bool { return reflect.DeepEqual(r, arn) })
				if len(actions[action]) == 0 {
					delete(actions, action)
				}
			}
		}
		if len(actions) == 0 {
			delete(grants, role)
		}
	}
	for _, actions := range taken {
		sort.Strings(actions)
	}
	return taken
}

// countResources is how many resources of type typ the template has.
func countResources(typ string) int {
	n := 0
	for _, res := range synthesized.resources {
		if res["Type"] == typ {
			n++
		}
	}
	return n
}

// roleOf is the logical id of the role of the function construct.
func roleOf(t *testing.T, construct string) string {
	t.Helper()
	fn := properties(t, logicalID(t, construct), "AWS::Lambda::Function")
	return fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
}

// allowed maps each role (by logical id) that the IAM policies of resources
// allow an action starting with prefix to those actions, each to the
// resources it is allowed on (in the order of sortedJSON).
func allowed(t *testing.T, resources map[string]map[string]any, prefix string) map[string]map[string][]any {
	t.Helper()
	grants := map[string]map[string][]any{}
	for _, res := range resources {
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		for _, s := range policyStatements(t, res) {
			if s["Effect"] != "Allow" {
				continue
			}
			for _, a := range asList(s["Action"]) {
				action := a.(string)
				if !strings.HasPrefix(action, prefix) {
					continue
				}
				for _, r := range res["Properties"].(map[string]any)["Roles"].([]any) {
					role := fmt.Sprint(r)
					if m, ok := r.(map[string]any); ok {
						role = fmt.Sprint(m["Ref"])
					}
					if grants[role] == nil {
						grants[role] = map[string][]any{}
					}
					grants[role][action] = append(grants[role][action], asList(s["Resource"])...)
				}
			}
		}
	}
	for _, actions := range grants {
		for action, resources := range actions {
			actions[action] = sortedJSON(resources)
		}
	}
	return grants
}

// sortedJSON is a copy of list sorted by the JSON form of its values.
func sortedJSON(list []any) []any {
	key := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	sorted := append([]any(nil), list...)
	sort.Slice(sorted, func(i, j int) bool { return key(sorted[i]) < key(sorted[j]) })
	return sorted
}

// policyStatements are the statements of the AWS::IAM::Policy res.
func policyStatements(t *testing.T, res map[string]any) []map[string]any {
	t.Helper()
	doc := res["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)
	var statements []map[string]any
	for _, s := range doc["Statement"].([]any) {
		statements = append(statements, s.(map[string]any))
	}
	return statements
}

// hasActionPrefix reports whether statement s has an action starting with prefix.
func hasActionPrefix(s map[string]any, prefix string) bool {
	for _, a := range asList(s["Action"]) {
		if strings.HasPrefix(a.(string), prefix) {
			return true
		}
	}
	return false
}

// asList is v as a list: IAM allows a single value where a list is expected.
func asList(v any) []any {
	if list, ok := v.([]any); ok {
		return list
	}
	return []any{v}
}

// containsValue reports whether list holds a value deeply equal to v.
func containsValue(list []any, v any) bool {
	for _, item := range list {
		if reflect.DeepEqual(item, v) {
			return true
		}
	}
	return false
}

// TestCostModelMatchesStack checks that the cost model (shared/cost)
// counts the stack's priced resources as the stack defines them: each
// function's memory, the customer-managed keys (and which rotate), the
// alarms, the polled queues and the scheduled rules.
func TestCostModelMatchesStack(t *testing.T) {
	for construct, fn := range map[string]string{
		"ApiFunction": "api", "AssignFunction": "assign", "RemindFunction": "remind", "SendFunction": "send",
		"BounceFunction": "bounce", "FreezeFunction": "freeze", "ExportFunction": "export", "ImportFunction": "import",
	} {
		props := properties(t, logicalID(t, construct), "AWS::Lambda::Function")
		if got, want := props["MemorySize"], float64(cost.FunctionMemoryMB[fn]); got != want {
			t.Errorf("%s: MemorySize %v, cost.FunctionMemoryMB[%q] %v", construct, got, fn, want)
		}
	}
	// The CDK's bucket-notifications handler runs at deployment only.
	functions := 0
	for id, res := range synthesized.resources {
		if res["Type"] == "AWS::Lambda::Function" && !strings.HasPrefix(id, "BucketNotificationsHandler") {
			functions++
		}
	}
	if want := len(cost.FunctionMemoryMB); functions != want {
		t.Errorf("%d functions, cost.FunctionMemoryMB has %d", functions, want)
	}
	rotating := 0
	for _, res := range synthesized.resources {
		if res["Type"] == "AWS::KMS::Key" && res["Properties"].(map[string]any)["EnableKeyRotation"] == true {
			rotating++
		}
	}
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"customer-managed keys", countResources("AWS::KMS::Key"), cost.Stack.CustomerKeys},
		{"rotating keys", rotating, cost.Stack.RotatingKeys},
		{"alarms", countResources("AWS::CloudWatch::Alarm"), cost.Stack.Alarms},
		{"composite alarms", countResources("AWS::CloudWatch::CompositeAlarm"), 0},
		{"polled queues", countResources("AWS::Lambda::EventSourceMapping"), cost.Stack.PolledQueues},
		// One hourly rule and three daily ones make cost.Stack.ScheduledRuns.
		{"scheduled rules", countResources("AWS::Events::Rule"), 4},
	} {
		if c.got != c.want {
			t.Errorf("%s: the stack has %d, cost.Stack counts %d", c.what, c.got, c.want)
		}
	}
	if want := 24*365 + 3*365; cost.Stack.ScheduledRuns != want {
		t.Errorf("cost.Stack.ScheduledRuns = %d, want %d (hourly reminders, daily assign, freeze, export)", cost.Stack.ScheduledRuns, want)
	}
}
