// Package ses is the email adapter: it sends package email's messages
// through Amazon SES (API v2), and is the only package that calls the SES
// SDK (wiring only constructs the client). Locally the same client talks to the SES emulator. Bodies are never
// logged.
package ses

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	"github.com/aws/aws-sdk-go-v2/service/sesv2/types"

	"github.com/attest-oss/attest/shared/email"
)

// API is the part of the SES v2 client the sender uses.
type API interface {
	SendEmail(ctx context.Context, in *sesv2.SendEmailInput, opts ...func(*sesv2.Options)) (*sesv2.SendEmailOutput, error)
}

// Sender sends messages from one address.
type Sender struct {
	api              API
	from             string
	configurationSet string
}

// NewSender returns a sender using the SES identity from; with a
// configuration set, SES reports bounces and complaints through its event
// destination.
func NewSender(api API, from, configurationSet string) *Sender {
	return &Sender{api: api, from: from, configurationSet: configurationSet}
}

// Send sends m and returns SES's message id.
func (s *Sender) Send(ctx context.Context, m email.Message) (string, error) {
	in := &sesv2.SendEmailInput{
		FromEmailAddress: aws.String(s.from),
		Destination:      &types.Destination{ToAddresses: []string{m.To}},
		Content: &types.EmailContent{Simple: &types.Message{
			Subject: &types.Content{Data: aws.String(m.Subject), Charset: aws.String("UTF-8")},
			Body: &types.Body{
				Html: &types.Content{Data: aws.String(m.HTML), Charset: aws.String("UTF-8")},
				Text: &types.Content{Data: aws.String(m.Text), Charset: aws.String("UTF-8")},
			},
		}},
	}
	if s.configurationSet != "" {
		in.ConfigurationSetName = aws.String(s.configurationSet)
	}
	out, err := s.api.SendEmail(ctx, in)
	if err != nil {
		return "", fmt.Errorf("send email: %w", err)
	}
	return aws.ToString(out.MessageId), nil
}

var _ email.Sender = (*Sender)(nil)
