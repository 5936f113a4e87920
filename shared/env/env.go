// Package env names the environment variables through which the CDK stack
// (package infra) configures the Lambda functions, and reads them: the stack
// and the functions' wiring spell each name through the constants here, so
// the two sides cannot drift apart.
package env

import (
	"fmt"
	"os"
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
