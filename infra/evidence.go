package main

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/attest-oss/attest/shared/env"
)

// signingKeyAlias is the alias of the evidence signing key, in AWS as in
// make dev (Local KMS).
const signingKeyAlias = "alias/attest-evidence"

// exportsPrefix is the key prefix of every bundle in the evidence bucket.
const exportsPrefix = "exports/"

// Quarter-close schedule: every day at 03:30 UTC, an hour after the freeze
// (02:30), so that a quarter is frozen before its bundles are requested;
// the export service requests them once.
const (
	exportScheduleHourUTC   = "3"
	exportScheduleMinuteUTC = "30"
)

// exportTimeoutMinutes is the export function's timeout, Lambda's longest;
// the export queue's visibility timeout is 6 times as long, as Lambda
// recommends.
const exportTimeoutMinutes = 15

// evidenceResources are the evidence bundles' resources: where they are
// stored, the key that signs them, and the function that builds them.
type evidenceResources struct {
	bucket     awss3.Bucket
	bucketKey  awskms.Key // encrypts the bucket
	signingKey awskms.Key // signs manifests and audit seals
	queue      awssqs.Queue
	dlq        awssqs.Queue
	fn         awslambda.Function
}

// retentionDays is a whole number of days at least as long as years
// calendar years (365 days a year, and a leap day for every four started):
// what each stored file is locked for, never less than the bucket's default.
func retentionDays(years int) int {
	return 365*years + (years+3)/4
}

// newEvidence defines the evidence bucket, versioned and under Object Lock
// (compliance mode, retentionYears by default), encrypted with a key of its
// own, TLS only, private, logging access to a bucket of its own; the
// asymmetric key (ECC_NIST_P256) that signs manifests and audit seals; and
// the export function, fed by a queue of export requests and started daily
// by the quarter-close schedule. Bucket and keys are retained with the
// stack.
func newEvidence(stack awscdk.Stack, data dataResources, ops operations, buildDir string, retentionYears int) evidenceResources {
	bucketKey := awskms.NewKey(stack, jsii.String("EvidenceBucketKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the attest evidence bucket"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	signingKey := awskms.NewKey(stack, jsii.String("SigningKey"), &awskms.KeyProps{
		Description:   jsii.String("Signs attest evidence bundle manifests and audit log seals"),
		KeySpec:       awskms.KeySpec_ECC_NIST_P256,
		KeyUsage:      awskms.KeyUsage_SIGN_VERIFY,
		Alias:         jsii.String(signingKeyAlias),
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	// Server access logs support SSE-S3 only.
	accessLogs := awss3.NewBucket(stack, jsii.String("EvidenceAccessLogsBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		EnforceSSL:        jsii.Bool(true),
		Versioned:         jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(accessLogs, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("It is itself the access log bucket of the evidence bucket; logging its own access would log forever.")},
	}, jsii.Bool(true))

	bucket := awss3.NewBucket(stack, jsii.String("EvidenceBucket"), &awss3.BucketProps{
		Versioned:              jsii.Bool(true),
		ObjectLockEnabled:      jsii.Bool(true),
		Encryption:             awss3.BucketEncryption_KMS,
		EncryptionKey:          bucketKey,
		BucketKeyEnabled:       jsii.Bool(true),
		EnforceSSL:             jsii.Bool(true),
		BlockPublicAccess:      awss3.BlockPublicAccess_BLOCK_ALL(),
		ServerAccessLogsBucket: accessLogs,
		ServerAccessLogsPrefix: jsii.String("evidence/"),
		// An export that failed leaves no object; the parts of an upload
		// that could not even be aborted go after a day.
		LifecycleRules: &[]*awss3.LifecycleRule{{
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// The default retention in calendar years (the L2 construct writes
	// days): every object version is locked that long unless the export
	// function locks it longer.
	bucket.Node().DefaultChild().(awss3.CfnBucket).SetObjectLockConfiguration(&awss3.CfnBucket_ObjectLockConfigurationProperty{
		ObjectLockEnabled: jsii.String("Enabled"),
		Rule: &awss3.CfnBucket_ObjectLockRuleProperty{
			DefaultRetention: &awss3.CfnBucket_DefaultRetentionProperty{
				Mode:  jsii.String("COMPLIANCE"),
				Years: jsii.Number(float64(retentionYears)),
			},
		},
	})

	queue, dlq := workQueue(stack, "Export", "export", exportTimeoutMinutes)

	fn := newGoFunction(stack, goFunctionProps{
		id:          "ExportFunction",
		name:        exportFunction,
		description: "Attest tracker evidence bundle export",
		buildDir:    buildDir,
		memoryMB:    1024,
		timeout:     awscdk.Duration_Minutes(jsii.Number(exportTimeoutMinutes)),
		environment: map[string]string{
			env.TableName:             *data.table.TableName(),
			env.EvidenceBucket:        *bucket.BucketName(),
			env.EvidenceBucketKeyID:   *bucketKey.KeyArn(),
			env.EvidenceRetentionDays: strconv.Itoa(retentionDays(retentionYears)),
			env.SigningKeyID:          *signingKey.KeyArn(),
			env.ExportQueueURL:        *queue.QueueUrl(),
		},
		onFailure: ops.failed, // the schedule's events
	})
	grantTable(fn, data, exportFunction)
	e := evidenceResources{bucket: bucket, bucketKey: bucketKey, signingKey: signingKey, queue: queue, dlq: dlq, fn: fn}
	// Bundles are written, locked, and aborted when they fail; never read,
	// overwritten in place or deleted (Object Lock refuses that anyway).
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject", "s3:PutObjectRetention", "s3:AbortMultipartUpload"),
		Resources: &[]*string{bucket.ArnForObjects(jsii.String(exportsPrefix + "*"))},
	}))
	e.grantBucketKey(fn, "kms:GenerateDataKey", "kms:Decrypt")
	fn.AddToRolePolicy(signStatement(signingKey, "kms:Sign", "kms:GetPublicKey"))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{exportsPrefixSuppression()}, jsii.Bool(true))
	// The quarter-close automation requests its bundles through the queue.
	queue.GrantSendMessages(fn)
	// The event source grants fn the right to receive and delete messages.
	// One export per invocation: each may take the whole 15 minutes.
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(2),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"), Reason: jsii.String("An SQS event source takes no on-failure destination: the export queue's redrive policy moves a request to its dead-letter queue after 3 receives.")},
	}, jsii.Bool(true))
	newScheduleRule(stack, "QuarterCloseExportRule", "Requests the evidence bundles of the quarter that closed, once it is frozen",
		&awsevents.CronOptions{Minute: jsii.String(exportScheduleMinuteUTC), Hour: jsii.String(exportScheduleHourUTC)}, fn, ops)

	ops.alarm("ExportDeadLettersAlarm", "Evidence exports failed 3 times and wait in the export dead-letter queue",
		dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}), 1)
	return e
}

// grantAPI allows the API function to queue exports, to presign downloads
// of bundles (which then read with the API's permissions: the object and
// its key) and to read the signing key's public key; it may not sign. It
// gets their names.
func (e evidenceResources) grantAPI(fn awslambda.Function) {
	e.queue.GrantSendMessages(fn)
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &[]*string{e.bucket.ArnForObjects(jsii.String(exportsPrefix + "*"))},
	}))
	e.grantBucketKey(fn, "kms:Decrypt")
	fn.AddToRolePolicy(signStatement(e.signingKey, "kms:GetPublicKey"))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{exportsPrefixSuppression()}, jsii.Bool(true))
	fn.AddEnvironment(jsii.String(env.EvidenceBucket), e.bucket.BucketName(), nil)
	fn.AddEnvironment(jsii.String(env.SigningKeyID), e.signingKey.KeyArn(), nil)
	fn.AddEnvironment(jsii.String(env.ExportQueueURL), e.queue.QueueUrl(), nil)
}

// grantSeal allows the freeze function, which seals the audit log daily,
// to sign with the signing key, and gives it the key's ARN.
func (e evidenceResources) grantSeal(fn awslambda.Function) {
	fn.AddToRolePolicy(signStatement(e.signingKey, "kms:Sign", "kms:GetPublicKey"))
	fn.AddEnvironment(jsii.String(env.SigningKeyID), e.signingKey.KeyArn(), nil)
}

// grantBucketKey allows fn the actions on the bucket's key, through S3 only.
func (e evidenceResources) grantBucketKey(fn awslambda.Function, actions ...string) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{e.bucketKey.KeyArn()},
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:ViaService": "s3." + *awscdk.Aws_REGION() + ".amazonaws.com"},
		},
	}))
}

// signStatement allows actions on the signing key.
func signStatement(key awskms.Key, actions ...string) awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: &[]*string{key.KeyArn()},
	})
}

// exportsPrefixSuppression explains the wildcard of the bundles' keys.
func exportsPrefixSuppression() *cdknag.NagPackSuppression {
	return &cdknag.NagPackSuppression{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("Bundles are stored under exports/<quarter>/<scope>/<export id>/, ids made at run time: the grant covers that prefix of the evidence bucket only."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<EvidenceBucket[0-9A-F]+\.Arn>\/exports\/\*$/`)}},
	}
}
