package main

import (
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/attest-oss/attest/shared/env"
)

// TestEvidenceBucketIsLockedEncryptedPrivateAndRetained: versioned, Object
// Lock in compliance mode for 7 years by default, SSE-KMS with its own
// rotating key, public access blocked, access logged, retained with the
// stack.
func TestEvidenceBucketIsLockedEncryptedPrivateAndRetained(t *testing.T) {
	id := logicalID(t, "EvidenceBucket")
	keyID := logicalID(t, "EvidenceBucketKey")
	bucket := resource(t, id, "AWS::S3::Bucket")
	props := bucket["Properties"].(map[string]any)
	for key, want := range map[string]any{
		"VersioningConfiguration": map[string]any{"Status": "Enabled"},
		"ObjectLockEnabled":       true,
		"ObjectLockConfiguration": map[string]any{
			"ObjectLockEnabled": "Enabled",
			"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Years": float64(7)}},
		},
		"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
			"BucketKeyEnabled":              true,
			"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": getAtt(keyID, "Arn")},
		}}},
		"PublicAccessBlockConfiguration": map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
		},
		"LoggingConfiguration": map[string]any{"DestinationBucketName": ref(logicalID(t, "EvidenceAccessLogsBucket")), "LogFilePrefix": "evidence/"},
	} {
		if got := props[key]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
	for _, res := range []map[string]any{bucket, resource(t, keyID, "AWS::KMS::Key"), resource(t, logicalID(t, "SigningKey"), "AWS::KMS::Key")} {
		if res["DeletionPolicy"] != "Retain" || res["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s DeletionPolicy, UpdateReplacePolicy = %v, %v, want Retain", res["Type"], res["DeletionPolicy"], res["UpdateReplacePolicy"])
		}
	}
	if got := properties(t, keyID, "AWS::KMS::Key")["EnableKeyRotation"]; got != true {
		t.Errorf("bucket key EnableKeyRotation = %v, want true", got)
	}
	// Only TLS: the bucket policy denies every request without it.
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::S3::BucketPolicy"), map[string]any{
			"Bucket": ref(id),
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{
				assertions.Match_ObjectLike(&map[string]any{
					"Effect":    "Deny",
					"Action":    "s3:*",
					"Principal": map[string]any{"AWS": "*"},
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				}),
			})},
		})
	})
	// The access log bucket is private and TLS-only too.
	logs := properties(t, logicalID(t, "EvidenceAccessLogsBucket"), "AWS::S3::Bucket")
	if !reflect.DeepEqual(logs["PublicAccessBlockConfiguration"], props["PublicAccessBlockConfiguration"]) {
		t.Errorf("access log bucket PublicAccessBlockConfiguration = %v, want all blocked", logs["PublicAccessBlockConfiguration"])
	}
}

// TestEvidenceRetentionFollowsProps: 3 years instead of the default 7 locks
// the bucket's objects 3 calendar years, and each file the export function
// writes at least as long.
func TestEvidenceRetentionFollowsProps(t *testing.T) {
	template, resources := synthOther(t, TrackerStackProps{EvidenceRetentionYears: 3})
	expect(t, func() {
		template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"ObjectLockConfiguration": map[string]any{
				"ObjectLockEnabled": "Enabled",
				"Rule":              map[string]any{"DefaultRetention": map[string]any{"Mode": "COMPLIANCE", "Years": 3}},
			},
		})
	})
	found := false
	for _, res := range resources {
		if res["Type"] != "AWS::Lambda::Function" {
			continue
		}
		// The CDK's bucket notifications handler has no environment.
		props, _ := res["Properties"].(map[string]any)
		environment, _ := props["Environment"].(map[string]any)
		vars, _ := environment["Variables"].(map[string]any)
		if days, ok := vars[env.EvidenceRetentionDays]; ok {
			found = true
			if days != "1096" {
				t.Errorf("%s = %v, want 1096", env.EvidenceRetentionDays, days)
			}
		}
	}
	if !found {
		t.Errorf("no function has %s", env.EvidenceRetentionDays)
	}
}

// TestEvidenceRetentionFromContext: the context value evidenceRetentionYears
// (cdk -c evidenceRetentionYears=3) is read as main.go reads it.
func TestEvidenceRetentionFromContext(t *testing.T) {
	app, err := newTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	app.Node().SetContext(jsii.String("evidenceRetentionYears"), "3")
	if got, err := intContext(app, "evidenceRetentionYears"); got != 3 || err != nil {
		t.Errorf("intContext = %d, %v; want 3", got, err)
	}
}

// TestRetentionDaysCoverTheCalendarYears: a file is locked at least as long
// as the bucket's default in years, whatever day it is written.
func TestRetentionDaysCoverTheCalendarYears(t *testing.T) {
	for _, tc := range []struct{ years, days int }{{1, 366}, {3, 1096}, {4, 1461}, {7, 2557}, {100, 36525}} {
		if got := retentionDays(tc.years); got != tc.days {
			t.Errorf("retentionDays(%d) = %d, want %d", tc.years, got, tc.days)
		}
	}
}

// TestSigningKeyIsAnECCSigningKey: the manifests' and seals' key is an
// asymmetric NIST P-256 signing key under its alias.
func TestSigningKeyIsAnECCSigningKey(t *testing.T) {
	id := logicalID(t, "SigningKey")
	props := properties(t, id, "AWS::KMS::Key")
	if props["KeySpec"] != "ECC_NIST_P256" || props["KeyUsage"] != "SIGN_VERIFY" {
		t.Errorf("KeySpec, KeyUsage = %v, %v, want ECC_NIST_P256, SIGN_VERIFY", props["KeySpec"], props["KeyUsage"])
	}
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::KMS::Alias"), map[string]any{
			"AliasName":   signingKeyAlias,
			"TargetKeyId": getAtt(id, "Arn"),
		})
	})
}

// TestOnlyExportAndFreezeSignAndOnlyThroughTheirGrants: the export function
// signs manifests and the freeze function seals; the API only reads the
// public key. The bucket's key is used through S3 only: by the export
// function to write, by the API (presigned downloads) to read. No role may
// use any other key but the table's.
func TestOnlyExportAndFreezeSignAndOnlyThroughTheirGrants(t *testing.T) {
	signing := getAtt(logicalID(t, "SigningKey"), "Arn")
	bucketKey := getAtt(logicalID(t, "EvidenceBucketKey"), "Arn")
	tableKey := getAtt(logicalID(t, "TableKey"), "Arn")
	viaS3 := map[string]any{"StringEquals": map[string]any{"kms:ViaService": map[string]any{
		"Fn::Join": []any{"", []any{"s3.", ref("AWS::Region"), ".amazonaws.com"}}}}}
	type grant struct {
		Actions   []any
		Condition any
	}
	want := map[string]map[string]grant{ // role construct -> key -> grant
		"ExportFunction": {"signing": {[]any{"kms:GetPublicKey", "kms:Sign"}, nil}, "bucket": {[]any{"kms:Decrypt", "kms:GenerateDataKey"}, viaS3}},
		"FreezeFunction": {"signing": {[]any{"kms:GetPublicKey", "kms:Sign"}, nil}},
		"ApiFunction":    {"signing": {[]any{"kms:GetPublicKey"}, nil}, "bucket": {[]any{"kms:Decrypt"}, viaS3}},
	}
	for _, construct := range functionConstructs {
		t.Run(construct, func(t *testing.T) {
			got := map[string]grant{}
			for _, s := range roleStatements(t, roleOf(t, construct)) {
				if !hasActionPrefix(s, "kms:") || s["Effect"] != "Allow" {
					continue
				}
				var key string
				switch {
				case reflect.DeepEqual(s["Resource"], signing):
					key = "signing"
				case reflect.DeepEqual(s["Resource"], bucketKey):
					key = "bucket"
				case reflect.DeepEqual(s["Resource"], tableKey):
					continue // TestFunctionsMayUseTheTableKeyOnlyThroughDynamoDB
				default:
					t.Errorf("kms statement %v on another resource", s)
					continue
				}
				if _, dup := got[key]; dup {
					t.Errorf("two statements on the %s key", key)
				}
				got[key] = grant{sortedJSON(asList(s["Action"])), s["Condition"]}
			}
			w := want[construct]
			if w == nil {
				w = map[string]grant{}
			}
			if !reflect.DeepEqual(got, w) {
				t.Errorf("evidence key grants %v, want %v", got, w)
			}
		})
	}
}

// TestOnlyExportWritesAndOnlyAPIReadsBundles: the export function may write
// (and lock, and abort) objects under exports/ only; the API may read them
// (presigned downloads); nobody may delete or list them. The only other S3
// grants are those of large imports on the upload bucket: the API presigns
// uploads and problem lists, the import function reads and deletes
// uploads and writes plans and problem lists, the CDK's deployment-time
// handler sets the bucket's notification.
func TestOnlyExportWritesAndOnlyAPIReadsBundles(t *testing.T) {
	exports := map[string]any{"Fn::Join": []any{"", []any{getAtt(logicalID(t, "EvidenceBucket"), "Arn"), "/exports/*"}}}
	uploadArn := getAtt(logicalID(t, "UploadBucket"), "Arn")
	uploads := func(suffix string) any { return map[string]any{"Fn::Join": []any{"", []any{uploadArn, suffix}}} }
	grants := allowed(t, synthesized.resources, "s3:")
	want := map[string]map[string][]any{
		roleOf(t, "ExportFunction"): {"s3:PutObject": {exports}, "s3:PutObjectRetention": {exports}, "s3:AbortMultipartUpload": {exports}},
		roleOf(t, "ApiFunction"):    {"s3:GetObject": {exports, uploads("/imports/*/problems.json")}, "s3:PutObject": {uploads("/imports/*/upload")}},
		roleOf(t, "ImportFunction"): {
			"s3:GetObject": {uploads("/imports/*")}, "s3:DeleteObject": {uploads("/imports/*")},
			"s3:PutObject":            {uploads("/imports/*/plan.jsonl.gz"), uploads("/imports/*/problems.json")},
			"s3:AbortMultipartUpload": {uploads("/imports/*/plan.jsonl.gz"), uploads("/imports/*/problems.json")},
		},
		logicalID(t, "BucketNotificationsHandler050a0587b7544547bf325f094a3db834", "Role"): {"s3:PutBucketNotification": {uploadArn}},
	}
	if !reflect.DeepEqual(grants, want) {
		t.Errorf("s3 grants %v, want %v", grants, want)
	}
}

// TestExportQueueFeedsTheExportFunctionOneAtATime: the queue is encrypted
// and TLS-only, redrives to its dead-letter queue after 3 receives, hides a
// request in progress 6 times the function's timeout, and reaches the export
// function one request an invocation, reporting failures per message.
func TestExportQueueFeedsTheExportFunctionOneAtATime(t *testing.T) {
	queueID, dlqID := logicalID(t, "ExportQueue"), logicalID(t, "ExportDeadLetterQueue")
	queue := properties(t, queueID, "AWS::SQS::Queue")
	if want := map[string]any{"deadLetterTargetArn": getAtt(dlqID, "Arn"), "maxReceiveCount": float64(3)}; !reflect.DeepEqual(queue["RedrivePolicy"], want) {
		t.Errorf("RedrivePolicy = %v, want %v", queue["RedrivePolicy"], want)
	}
	if queue["VisibilityTimeout"] != float64(6*900) {
		t.Errorf("VisibilityTimeout = %v, want 6 × the export function's 900 s", queue["VisibilityTimeout"])
	}
	for _, id := range []string{queueID, dlqID} {
		if got := properties(t, id, "AWS::SQS::Queue")["SqsManagedSseEnabled"]; got != true {
			t.Errorf("%s SqsManagedSseEnabled = %v, want true", id, got)
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
	}
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"EventSourceArn":        getAtt(queueID, "Arn"),
			"FunctionName":          ref(logicalID(t, "ExportFunction")),
			"BatchSize":             1,
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		})
	})
}

// TestOnlyAPIAndExportSendToAndOnlyExportConsumesExportQueue: the API
// queues requested exports, the export function the quarter close's; only
// the export function receives them.
func TestOnlyAPIAndExportSendToAndOnlyExportConsumesExportQueue(t *testing.T) {
	grants := allowed(t, synthesized.resources, "sqs:")
	got := takeGrants(grants, getAtt(logicalID(t, "ExportQueue"), "Arn"))
	send := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"}
	both := append([]string{"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:ReceiveMessage"}, send...)
	sort.Strings(both)
	want := map[string][]string{roleOf(t, "ApiFunction"): send, roleOf(t, "ExportFunction"): both}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("grants on the export queue %v, want %v", got, want)
	}
}
