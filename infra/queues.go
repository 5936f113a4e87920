package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// workQueue makes the queue <prefix>Queue that feeds a function whose runs
// take up to timeoutMinutes (visibility six times that, as Lambda advises
// for SQS event sources), encrypted and TLS-only, with its dead-letter
// queue <prefix>DeadLetterQueue after 3 receives, kept 14 days; what names
// the work in the suppression's reason.
func workQueue(stack awscdk.Stack, prefix, what string, timeoutMinutes float64) (queue, dlq awssqs.Queue) {
	dlq = awssqs.NewQueue(stack, jsii.String(prefix+"DeadLetterQueue"), &awssqs.QueueProps{
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{
		{Id: jsii.String("Serverless-SQSRedrivePolicy"), Reason: jsii.String("It is itself the " + what + " queue's dead-letter queue; its depth raises an alarm.")},
	}, jsii.Bool(true))
	queue = awssqs.NewQueue(stack, jsii.String(prefix+"Queue"), &awssqs.QueueProps{
		VisibilityTimeout: awscdk.Duration_Minutes(jsii.Number(6 * timeoutMinutes)),
		Encryption:        awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:        jsii.Bool(true),
		DeadLetterQueue:   &awssqs.DeadLetterQueue{Queue: dlq, MaxReceiveCount: jsii.Number(3)},
	})
	return queue, dlq
}
