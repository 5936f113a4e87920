package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/table"
)

// importTimeoutMinutes is the import function's timeout, Lambda's longest
// (a run hands the import on before it ends); the import queue's
// visibility timeout is 6 times as long, as Lambda recommends.
const importTimeoutMinutes = 15

// importMemoryMB is the import function's memory: one full vCPU, and room
// for the 100 MB upload of 100,000 people parsed and planned at once.
const importMemoryMB = 1769

// uploadExpiryDays is how long the upload bucket keeps an import's objects
// (its file, frozen plan and problem list), whatever the import's state.
const uploadExpiryDays = 7

// importResources are the large roster imports' resources: the bucket the
// files are uploaded to, the queue its notifications (and the function's
// continuations) go through, and the function that runs the imports.
type importResources struct {
	bucket awss3.Bucket
	queue  awssqs.Queue
	dlq    awssqs.Queue
	fn     awslambda.Function
}

// newImports defines the upload bucket (SSE-S3, private, TLS only, CORS
// for presigned PUTs from the console's origin, its import objects expired
// after a week), whose notifications of uploaded files go to the import
// queue (with a dead-letter queue after 3 receives, and an alarm on it),
// and the import function, fed by the queue one message at a time.
func newImports(stack awscdk.Stack, data dataResources, ops operations, buildDir string, consoleOrigin *string) importResources {
	bucket := awss3.NewBucket(stack, jsii.String("UploadBucket"), &awss3.BucketProps{
		Encryption:        awss3.BucketEncryption_S3_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		BlockPublicAccess: awss3.BlockPublicAccess_BLOCK_ALL(),
		Cors: &[]*awss3.CorsRule{{
			AllowedMethods: &[]awss3.HttpMethods{awss3.HttpMethods_PUT},
			AllowedOrigins: &[]*string{consoleOrigin},
			AllowedHeaders: jsii.Strings("Content-Type"),
			MaxAge:         jsii.Number(3600),
		}},
		LifecycleRules: &[]*awss3.LifecycleRule{{
			Prefix:                              jsii.String(table.ImportsObjectPrefix),
			Expiration:                          awscdk.Duration_Days(jsii.Number(uploadExpiryDays)),
			AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(1)),
		}},
		RemovalPolicy:     awscdk.RemovalPolicy_DESTROY,
		AutoDeleteObjects: jsii.Bool(false),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(bucket, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("AwsSolutions-S1"), Reason: jsii.String("Uploads are transient (expired after 7 days); every import, its uploader and its outcome are in the audit log.")},
	}, jsii.Bool(true))

	queue, dlq := workQueue(stack, "Import", "import", importTimeoutMinutes)
	// The destination adds the queue policy allowing the bucket (its
	// aws:SourceArn) to send.
	bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED_PUT, awss3notifications.NewSqsDestination(queue),
		&awss3.NotificationKeyFilter{Prefix: jsii.String(table.ImportsObjectPrefix), Suffix: jsii.String(table.UploadSuffix)})
	suppressNotificationsHandler(stack)

	fn := newGoFunction(stack, goFunctionProps{
		id:          "ImportFunction",
		name:        importFunction,
		description: "Attest tracker large roster import",
		buildDir:    buildDir,
		memoryMB:    importMemoryMB,
		timeout:     awscdk.Duration_Minutes(jsii.Number(importTimeoutMinutes)),
		environment: map[string]string{
			env.TableName:      *data.table.TableName(),
			env.UploadBucket:   *bucket.BucketName(),
			env.ImportQueueURL: *queue.QueueUrl(),
		},
	})
	grantTable(fn, data, importFunction)
	// It reads and deletes uploads, writes plans and problem lists.
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject", "s3:DeleteObject"),
		Resources: &[]*string{bucket.ArnForObjects(jsii.String(table.ImportsObjectPrefix + "*"))},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload"),
		Resources: &[]*string{
			bucket.ArnForObjects(jsii.String(table.PlanKey("*"))),
			bucket.ArnForObjects(jsii.String(table.ProblemsKey("*"))),
		},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{importsPrefixSuppression()}, jsii.Bool(true))
	// Continuations.
	queue.GrantSendMessages(fn)
	fn.AddEventSource(awslambdaeventsources.NewSqsEventSource(queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(2),
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("Serverless-LambdaEventSourceMappingDestination"), Reason: jsii.String("An SQS event source takes no on-failure destination: the import queue's redrive policy moves a message to its dead-letter queue after 3 receives.")},
		{Id: jsii.String("Serverless-LambdaAsyncFailureDestination"), Reason: jsii.String("Invoked by its SQS event source only, never asynchronously.")},
	}, jsii.Bool(true))
	ops.alarm("ImportDeadLettersAlarm", "Large roster imports failed 3 times and wait in the import dead-letter queue",
		dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{
			Period: awscdk.Duration_Minutes(jsii.Number(5)), Statistic: jsii.String("Maximum"),
		}), 1)
	return importResources{bucket: bucket, queue: queue, dlq: dlq, fn: fn}
}

// suppressNotificationsHandler explains the findings on the function
// the CDK adds to set a bucket's notifications (a deployment-time custom
// resource, not code of ours).
func suppressNotificationsHandler(stack awscdk.Stack) {
	handler := stack.Node().TryFindChild(jsii.String("BucketNotificationsHandler050a0587b7544547bf325f094a3db834"))
	if handler == nil {
		return
	}
	reason := jsii.String("The CDK's own deployment-time handler that sets the upload bucket's notification configuration (s3:PutBucketNotification); it runs only during deployments.")
	var suppressions []*cdknag.NagPackSuppression
	for _, id := range []string{"AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1", "Serverless-LambdaDLQ", "Serverless-LambdaDefaultMemorySize",
		"Serverless-LambdaLatestVersion", "Serverless-LambdaTracing", "Serverless-LambdaAsyncFailureDestination", "Serverless-LambdaLogGroupRetention"} {
		suppressions = append(suppressions, &cdknag.NagPackSuppression{Id: jsii.String(id), Reason: reason})
	}
	cdknag.NagSuppressions_AddResourceSuppressions(handler, &suppressions, jsii.Bool(true))
}

// grantAPI allows the API function to presign uploads of files and
// downloads of problem lists, and gives it the bucket's name.
func (i importResources) grantAPI(fn awslambda.Function) {
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: &[]*string{i.bucket.ArnForObjects(jsii.String(table.UploadKey("*")))},
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &[]*string{i.bucket.ArnForObjects(jsii.String(table.ProblemsKey("*")))},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(fn.Role(), &[]*cdknag.NagPackSuppression{importsPrefixSuppression()}, jsii.Bool(true))
	fn.AddEnvironment(jsii.String(env.UploadBucket), i.bucket.BucketName(), nil)
}

// importsPrefixSuppression explains the wildcards of the imports' keys.
func importsPrefixSuppression() *cdknag.NagPackSuppression {
	return &cdknag.NagPackSuppression{
		Id:        jsii.String("AwsSolutions-IAM5"),
		Reason:    jsii.String("An import's objects lie under imports/<import id>/, ids made at run time: the grants cover those keys of the upload bucket only."),
		AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::<UploadBucket[0-9A-F]+\.Arn>\/imports\/\*.*$/`)}},
	}
}
