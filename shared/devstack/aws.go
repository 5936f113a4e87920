package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/s3presign"
)

// Region is the region of AWSConfig. With -sharedDb DynamoDB Local ignores
// it, and the SES emulator and the S3 server always do; Local KMS puts it in
// key ARNs.
const Region = "us-east-1"

// AccountID is the account in Local KMS's key ARNs
// ("arn:aws:kms:us-east-1:111122223333:key/...").
const AccountID = "111122223333"

// AWSConfig returns the configuration for talking to the local stand-ins:
// static credentials "local"/"local" and Region. It reads no environment
// variables or shared config files, so a developer's real AWS setup can not
// leak in. It holds no endpoint: use DynamoClient, SESClient, S3Client and
// KMSClient, or set BaseEndpoint in the client options to the stand-in's
// endpoint (DynamoEndpoint, ...).
func AWSConfig() aws.Config {
	return aws.Config{
		Region:      Region,
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}
}

// DynamoClient returns the production DynamoDB client pointed at DynamoDB
// Local, with CRC32 response validation off. optFns are applied after that.
func (s *Stack) DynamoClient(optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	local := func(o *dynamodb.Options) {
		o.BaseEndpoint = aws.String(s.DynamoEndpoint())
		o.DisableValidateResponseChecksum = true
	}
	return dynamodb.NewFromConfig(AWSConfig(), append([]func(*dynamodb.Options){local}, optFns...)...)
}

// SESClient returns the production SES v2 client pointed at the SES
// emulator. optFns are applied after that.
func (s *Stack) SESClient(optFns ...func(*sesv2.Options)) *sesv2.Client {
	local := func(o *sesv2.Options) { o.BaseEndpoint = aws.String(s.SESEndpoint()) }
	return sesv2.NewFromConfig(AWSConfig(), append([]func(*sesv2.Options){local}, optFns...)...)
}

// S3Client returns the production S3 client pointed at the S3 server, with
// path-style addressing ("/bucket/key": the server does not resolve bucket
// host names). The server stores object lock and retention settings but does
// not enforce them, and does not check signatures. optFns are applied after
// that.
func (s *Stack) S3Client(optFns ...func(*s3.Options)) *s3.Client {
	local := func(o *s3.Options) {
		o.BaseEndpoint = aws.String(s.S3Endpoint())
		o.UsePathStyle = true
	}
	return s3.NewFromConfig(AWSConfig(), append([]func(*s3.Options){local}, optFns...)...)
}

// S3Presigner returns the production presigner of downloads from bucket
// (package s3presign), its URLs pointed at the S3 server, path style.
func (s *Stack) S3Presigner(bucket string) *s3presign.Presigner {
	cfg := AWSConfig()
	return &s3presign.Presigner{Bucket: bucket, Region: cfg.Region, Credentials: cfg.Credentials, Endpoint: s.S3Endpoint(), PathStyle: true}
}

// KMSClient returns the production KMS client pointed at Local KMS, which
// creates and signs with asymmetric keys (ECC_NIST_P256, SIGN_VERIFY among
// them). optFns are applied after that.
func (s *Stack) KMSClient(optFns ...func(*kms.Options)) *kms.Client {
	local := func(o *kms.Options) { o.BaseEndpoint = aws.String(s.KMSEndpoint()) }
	return kms.NewFromConfig(AWSConfig(), append([]func(*kms.Options){local}, optFns...)...)
}

// Mail is one message the SES emulator accepted. Fields the message did not
// have are empty.
type Mail struct {
	MessageID   string // "ses-" and nine digits
	From        string
	ReplyTo     []string
	To, CC, BCC []string
	Subject     string
	HTML, Text  string
	Attachments []Attachment
	Headers     []Header
	At          time.Time // when the emulator accepted it, to the second
}

// Attachment is a file attached to a Mail.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"contentType"`
	Content     []byte `json:"content"` // base64 in the emulator's JSON
	Size        int    `json:"size"`
}

// Header is a custom header of a Mail (SendEmail Content.Simple.Headers).
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// storeResponse is the JSON of the emulator's GET /store, see
// node_modules/aws-ses-v2-local/dist/store.d.ts.
type storeResponse struct {
	Emails []struct {
		MessageID   string   `json:"messageId"`
		From        string   `json:"from"`
		ReplyTo     []string `json:"replyTo"`
		Destination struct {
			To  []string `json:"to"`
			CC  []string `json:"cc"`
			BCC []string `json:"bcc"`
		} `json:"destination"`
		Subject string `json:"subject"`
		Body    struct {
			HTML string `json:"html"`
			Text string `json:"text"`
		} `json:"body"`
		Attachments []Attachment `json:"attachments"`
		Headers     []Header     `json:"headers"`
		At          int64        `json:"at"` // Unix seconds
	} `json:"emails"`
}

// SentMail lists every message sent to the SES emulator since it started,
// oldest first. The store is shared by everyone using the stack, so tests
// should pick out their own messages, e.g. by a unique recipient.
func (s *Stack) SentMail(ctx context.Context) ([]Mail, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.SESEndpoint()+"/store", nil)
	if err != nil {
		return nil, fmt.Errorf("list sent mail: %w", err)
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("list sent mail: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, fmt.Errorf("list sent mail: GET /store: %s: %s", resp.Status, body)
	}
	var store storeResponse
	if err := json.NewDecoder(resp.Body).Decode(&store); err != nil {
		return nil, fmt.Errorf("list sent mail: decode GET /store: %w", err)
	}
	mails := make([]Mail, 0, len(store.Emails))
	for _, e := range store.Emails {
		mails = append(mails, Mail{
			MessageID:   e.MessageID,
			From:        e.From,
			ReplyTo:     e.ReplyTo,
			To:          e.Destination.To,
			CC:          e.Destination.CC,
			BCC:         e.Destination.BCC,
			Subject:     e.Subject,
			HTML:        e.Body.HTML,
			Text:        e.Body.Text,
			Attachments: e.Attachments,
			Headers:     e.Headers,
			At:          time.Unix(e.At, 0),
		})
	}
	return mails, nil
}
