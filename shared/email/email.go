// Package email composes the emails the tracker sends, each with an HTML and
// a plain-text body rendered from templates (html/template escapes what
// people typed). It knows nothing about how mail is sent: a Sender (package
// ses in AWS and locally against the SES emulator) does that.
package email

import "context"

// Message is one email with an HTML and a plain-text body.
type Message struct {
	To      string
	Subject string
	HTML    string
	Text    string
}

// Sender sends email.
type Sender interface {
	// Send sends m and returns the provider's message id.
	Send(ctx context.Context, m Message) (string, error)
}
