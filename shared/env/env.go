// Package env names the environment variables through which the CDK stack
// (package infra) configures the Lambda functions, and reads them: the stack
// and the functions' wiring spell each name through the constants here, so
// the two sides cannot drift apart.
package env

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The variables the stack sets, and which functions read them.
const (
	// TableName is the name of the DynamoDB table (package table's schema).
	// Every function requires it.
	TableName = "TABLE_NAME"
	// SenderEmail is the SES identity email comes from (api, send).
	SenderEmail = "SENDER_EMAIL"
	// BaseURL is the service's public origin, the base of links in email
	// (api, send).
	BaseURL = "BASE_URL"
	// ConfigurationSet is the SES configuration set whose events report
	// bounces and complaints (api, send).
	ConfigurationSet = "CONFIGURATION_SET"
	// ReminderCadence overrides the reminder cadence, in the syntax of
	// reminder.ParseConfig; unset keeps the defaults (api, remind).
	ReminderCadence = "REMINDER_CADENCE"
	// QueueURL is the URL of the reminder queue. The remind function
	// requires it; where it is set, the API's reminder runs fan out through
	// the queue too.
	QueueURL = "QUEUE_URL"
	// QuizAttemptsPerDay caps a person's quiz attempts at one module per UTC
	// day, a positive whole number; unset keeps quiz.DefaultAttemptsPerDay
	// (api).
	QuizAttemptsPerDay = "QUIZ_ATTEMPTS_PER_DAY"
	// EvidenceBucket is the name of the evidence bucket, where bundles are
	// stored under Object Lock (export; api, which presigns downloads).
	EvidenceBucket = "EVIDENCE_BUCKET"
	// EvidenceBucketKeyID is the ARN of the KMS key that encrypts the
	// evidence bucket; objects are written with SSE-KMS under it (export).
	EvidenceBucketKeyID = "EVIDENCE_BUCKET_KEY_ID"
	// EvidenceRetentionDays is how many days each stored evidence file is
	// locked (compliance mode), at least the bucket's default retention;
	// unset leaves it to the bucket's default (export).
	EvidenceRetentionDays = "EVIDENCE_RETENTION_DAYS"
	// SigningKeyID is the ARN of the asymmetric KMS key (ECC_NIST_P256)
	// that signs bundle manifests and audit seals (export, freeze; api,
	// which serves its public key).
	SigningKeyID = "SIGNING_KEY_ID"
	// ExportQueueURL is the URL of the queue of export requests, which the
	// export function consumes (api, and export for the quarter-close
	// automation's requests).
	ExportQueueURL = "EXPORT_QUEUE_URL"
	// UploadBucket is the name of the upload bucket of large roster
	// imports (import; api, which presigns uploads and problem lists).
	UploadBucket = "UPLOAD_BUCKET"
	// ImportQueueURL is the URL of the import queue, fed by the upload
	// bucket's notifications, to which the import function sends its
	// continuations (import).
	ImportQueueURL = "IMPORT_QUEUE_URL"
	// LogLevel is INFO on every function. No function reads it: Lambda
	// filters the functions' JSON logs by the application log level the
	// stack sets, also INFO.
	LogLevel = "LOG_LEVEL"
)

// Required returns the value of the variable name; it fails, naming the
// variable, when name is unset or empty.
func Required(name string) (string, error) {
	v := os.Getenv(name)
	if v == "" {
		return "", fmt.Errorf("environment variable %s is not set", name)
	}
	return v, nil
}

// Optional returns the value of the variable name, empty when it is unset.
func Optional(name string) string {
	return os.Getenv(name)
}

// PositiveInt returns the value of the variable name as a whole number
// above zero, or def when name is unset or empty; it fails, naming the
// variable, on anything else.
func PositiveInt(name string, def int) (int, error) {
	v := strings.TrimSpace(os.Getenv(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("environment variable %s must be a whole number above zero, not %q", name, v)
	}
	return n, nil
}
