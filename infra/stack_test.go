package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/attest-oss/attest/shared/table"
)

const testSenderEmail = "training@example.com"

// synthesized is the stack that most tests inspect, built once by TestMain
// with testSenderEmail and the run at 06:00 UTC.
var synthesized struct {
	buildDir string // holds dummy api/bootstrap and assign/bootstrap files
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
	for _, fn := range []string{apiFunction, assignFunction} {
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
	synthesized.stack = NewTrackerStack(app, stackName, &TrackerStackProps{
		BuildDir:             buildDir,
		SenderEmail:          testSenderEmail,
		DailyScheduleHourUTC: 6,
	})
	synthesized.template = assertions.Template_FromStack(synthesized.stack, nil)
	raw, err := json.Marshal(synthesized.template.ToJSON())
	if err == nil {
		var doc struct{ Resources map[string]map[string]any }
		err = json.Unmarshal(raw, &doc)
		synthesized.resources = doc.Resources
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
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
	for _, tc := range []struct {
		construct string
		timeout   float64
	}{
		{construct: "ApiFunction", timeout: 29},
		{construct: "AssignFunction", timeout: 300},
	} {
		t.Run(tc.construct, func(t *testing.T) {
			props := properties(t, logicalID(t, tc.construct), "AWS::Lambda::Function")
			for key, want := range map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"MemorySize":    float64(512),
				"Timeout":       tc.timeout,
			} {
				if got := props[key]; !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %v, want %v", key, got, want)
				}
			}

			env := props["Environment"].(map[string]any)["Variables"].(map[string]any)
			if got := env["TABLE_NAME"]; !reflect.DeepEqual(got, ref(tableID)) {
				t.Errorf("TABLE_NAME = %v, want %v", got, ref(tableID))
			}
			if got := env["LOG_LEVEL"]; got != "INFO" {
				t.Errorf("LOG_LEVEL = %v, want INFO", got)
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

func TestAPIFunctionGetsSenderEmail(t *testing.T) {
	props := properties(t, logicalID(t, "ApiFunction"), "AWS::Lambda::Function")
	env := props["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got := env["SENDER_EMAIL"]; got != testSenderEmail {
		t.Errorf("SENDER_EMAIL = %v, want %s", got, testSenderEmail)
	}
}

func TestAPIFunctionLinksPointAtTheAPI(t *testing.T) {
	props := properties(t, logicalID(t, "ApiFunction"), "AWS::Lambda::Function")
	env := props["Environment"].(map[string]any)["Variables"].(map[string]any)
	if got, want := env["BASE_URL"], getAtt(logicalID(t, "HttpApi"), "ApiEndpoint"); !reflect.DeepEqual(got, want) {
		t.Errorf("BASE_URL = %v, want %v", got, want)
	}
}

// TestOnlyAPIFunctionMaySendMailFromSenderIdentity checks that ses:SendEmail
// is granted to the API function alone, on the sender's identities only.
func TestOnlyAPIFunctionMaySendMailFromSenderIdentity(t *testing.T) {
	apiRole := properties(t, logicalID(t, "ApiFunction"), "AWS::Lambda::Function")["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	found := false
	for id, res := range synthesized.resources {
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		for _, s := range policyStatements(t, res) {
			if !hasActionPrefix(s, "ses:") {
				continue
			}
			roles := res["Properties"].(map[string]any)["Roles"].([]any)
			if !containsValue(roles, ref(apiRole)) || len(roles) != 1 {
				t.Errorf("policy %s grants ses to %v, want the API function's role only", id, roles)
			}
			if !reflect.DeepEqual(asList(s["Action"]), []any{"ses:SendEmail"}) {
				t.Errorf("ses actions %v, want only ses:SendEmail", s["Action"])
			}
			resources := fmt.Sprint(s["Resource"])
			for _, want := range []string{"identity/" + testSenderEmail, "identity/example.com"} {
				if !strings.Contains(resources, want) {
					t.Errorf("ses resources %s lack %s", resources, want)
				}
			}
			if strings.Contains(resources, "*") {
				t.Errorf("ses resources %s contain a wildcard", resources)
			}
			found = true
		}
	}
	if !found {
		t.Error("no ses:SendEmail statement")
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

func TestDailyRuleInvokesAssignFunctionAtConfiguredHour(t *testing.T) {
	functionID := logicalID(t, "AssignFunction")
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"ScheduleExpression": "cron(0 6 * * ? *)",
			"State":              "ENABLED",
			"Targets": []any{map[string]any{
				"Arn":         getAtt(functionID, "Arn"),
				"RetryPolicy": map[string]any{"MaximumRetryAttempts": 2},
			}},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::Permission"), map[string]any{
			"Action":       "lambda:InvokeFunction",
			"FunctionName": getAtt(functionID, "Arn"),
			"Principal":    "events.amazonaws.com",
		})
	})
}

func TestDailyRuleHourFollowsProps(t *testing.T) {
	app, err := newTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	stack := NewTrackerStack(app, "Midnight", &TrackerStackProps{
		BuildDir:             synthesized.buildDir,
		DailyScheduleHourUTC: 0,
	})
	expect(t, func() {
		assertions.Template_FromStack(stack, nil).HasResourceProperties(jsii.String("AWS::Events::Rule"), map[string]any{
			"ScheduleExpression": "cron(0 0 * * ? *)",
		})
	})
}

func TestFunctionsMayUseDynamoDBOnlyOnTableAndIndexes(t *testing.T) {
	tableArn := getAtt(logicalID(t, "Table"), "Arn")
	allowed := []any{
		tableArn,
		map[string]any{"Fn::Join": []any{"", []any{tableArn, "/index/*"}}},
	}
	keyArn := getAtt(logicalID(t, "TableKey"), "Arn")

	// Every statement with a dynamodb action, in any policy, is limited to
	// the table and its indexes.
	for id, res := range synthesized.resources {
		if res["Type"] != "AWS::IAM::Policy" {
			continue
		}
		for _, s := range policyStatements(t, res) {
			if hasActionPrefix(s, "dynamodb:") && !reflect.DeepEqual(asList(s["Resource"]), allowed) {
				t.Errorf("policy %s grants dynamodb on %v, want only %v", id, s["Resource"], allowed)
			}
		}
	}

	// Each function's role reads and writes the table and may use its key.
	for _, construct := range []string{"ApiFunction", "AssignFunction"} {
		t.Run(construct, func(t *testing.T) {
			fn := properties(t, logicalID(t, construct), "AWS::Lambda::Function")
			roleID := fn["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
			var dynamo, kms bool
			for _, res := range synthesized.resources {
				if res["Type"] != "AWS::IAM::Policy" {
					continue
				}
				roles := res["Properties"].(map[string]any)["Roles"].([]any)
				if !containsValue(roles, ref(roleID)) {
					continue
				}
				for _, s := range policyStatements(t, res) {
					actions := asList(s["Action"])
					if containsValue(actions, "dynamodb:PutItem") && containsValue(actions, "dynamodb:Query") {
						dynamo = true
					}
					if containsValue(actions, "kms:Decrypt") && containsValue(actions, "kms:GenerateDataKey*") &&
						reflect.DeepEqual(s["Resource"], keyArn) {
						kms = true
					}
				}
			}
			if !dynamo {
				t.Errorf("role %s has no dynamodb read/write statement", roleID)
			}
			if !kms {
				t.Errorf("role %s may not use the table key %v", roleID, keyArn)
			}
		})
	}
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

func TestOutputsAPIURLAndTableName(t *testing.T) {
	expect(t, func() {
		synthesized.template.HasOutput(jsii.String("ApiUrl"), map[string]any{})
	})
	expect(t, func() {
		synthesized.template.HasOutput(jsii.String("TableName"), map[string]any{
			"Value": ref(logicalID(t, "Table")),
		})
	})
}

func TestNewTrackerStackRejectsHourOutsideDay(t *testing.T) {
	for _, hour := range []int{-1, 24} {
		t.Run(fmt.Sprint(hour), func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "DailyScheduleHourUTC") {
					t.Errorf("recovered %v, want a DailyScheduleHourUTC panic", r)
				}
			}()
			app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir())})
			NewTrackerStack(app, "Invalid", &TrackerStackProps{
				BuildDir:             synthesized.buildDir,
				DailyScheduleHourUTC: hour,
			})
		})
	}
}

func TestMissingBinaryAsksForMakeBuild(t *testing.T) {
	_, err := resolveBuildDir(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "run make build first") {
		t.Errorf("resolveBuildDir(empty dir) = %v, want an error saying to run make build first", err)
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
