package main

import (
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
)

// TestUploadBucketNotifiesTheImportQueue: the upload bucket is private,
// TLS only, encrypted, takes presigned PUTs from the console's origin and
// expires imports' objects after a week; each uploaded file is notified
// to the import queue (which only the bucket may send to, besides the
// import function), whose messages reach the import function one at a
// time, a dead-letter queue after 3 receives.
func TestUploadBucketNotifiesTheImportQueue(t *testing.T) {
	bucket := logicalID(t, "UploadBucket")
	queue := logicalID(t, "ImportQueue")
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::S3::Bucket"), map[string]any{
			"BucketEncryption": map[string]any{"ServerSideEncryptionConfiguration": []any{map[string]any{
				"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "AES256"},
			}}},
			"PublicAccessBlockConfiguration": map[string]any{
				"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true,
			},
			"CorsConfiguration": map[string]any{"CorsRules": []any{assertions.Match_ObjectLike(&map[string]any{
				"AllowedMethods": []any{"PUT"},
				"AllowedOrigins": []any{getAtt(logicalID(t, "HttpApi"), "ApiEndpoint")},
			})}},
			"LifecycleConfiguration": map[string]any{"Rules": []any{assertions.Match_ObjectLike(&map[string]any{
				"Prefix": "imports/", "ExpirationInDays": 7, "Status": "Enabled",
				"AbortIncompleteMultipartUpload": map[string]any{"DaysAfterInitiation": 1},
			})}},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("Custom::S3BucketNotifications"), map[string]any{
			"BucketName": ref(bucket),
			"NotificationConfiguration": map[string]any{"QueueConfigurations": []any{map[string]any{
				"Events":   []any{"s3:ObjectCreated:Put"},
				"QueueArn": getAtt(queue, "Arn"),
				"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{
					map[string]any{"Name": "suffix", "Value": "/upload"},
					map[string]any{"Name": "prefix", "Value": "imports/"},
				}}},
			}}},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::SQS::QueuePolicy"), map[string]any{
			"Queues": []any{ref(queue)},
			"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
				"Effect":    "Allow",
				"Principal": map[string]any{"Service": "s3.amazonaws.com"},
				"Condition": map[string]any{"ArnLike": map[string]any{"aws:SourceArn": getAtt(bucket, "Arn")}},
			})})},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::SQS::Queue"), map[string]any{
			"VisibilityTimeout": 5400,
			"RedrivePolicy":     map[string]any{"deadLetterTargetArn": getAtt(logicalID(t, "ImportDeadLetterQueue"), "Arn"), "maxReceiveCount": 3},
		})
	})
	expect(t, func() {
		synthesized.template.HasResourceProperties(jsii.String("AWS::Lambda::EventSourceMapping"), map[string]any{
			"EventSourceArn":        getAtt(queue, "Arn"),
			"FunctionName":          ref(logicalID(t, "ImportFunction")),
			"BatchSize":             1,
			"FunctionResponseTypes": []any{"ReportBatchItemFailures"},
		})
	})
}
