package email

import (
	"bytes"
	"fmt"
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
	"time"
)

// signInData is what the sign-in email shows.
type signInData struct {
	Name    string
	Link    string
	Expires string
}

// The templates are parsed on first use, not when a function starts.
var (
	signInHTML = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("signin").Parse(`<!doctype html>
<html lang="en"><body style="font-family: system-ui, sans-serif; font-size: 16px; line-height: 1.5; color: #1a1a1a">
<p>Hello {{.Name}},</p>
<p>Use this link to sign in to your security training. It works once, until {{.Expires}}.</p>
<p><a href="{{.Link}}" style="display: inline-block; padding: 12px 20px; background: #0b57d0; color: #ffffff; text-decoration: none; border-radius: 6px; font-weight: 600">Sign in to your training</a></p>
<p>Or paste this address into your browser:<br>{{.Link}}</p>
<p>If you did not ask for this, you can ignore this email.</p>
</body></html>`))
	})
	signInText = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("signin").Parse(`Hello {{.Name}},

Use this link to sign in to your security training. It works once, until {{.Expires}}.

{{.Link}}

If you did not ask for this, you can ignore this email.
`))
	})
)

// SignInLink returns the email carrying a sign-in link; expires is shown in
// the person's time zone.
func SignInLink(to, name, link string, expires time.Time, loc *time.Location) (Message, error) {
	d := signInData{Name: name, Link: link, Expires: expires.In(loc).Format("15:04 MST on Monday 2 January")}
	var h, t bytes.Buffer
	if err := signInHTML().Execute(&h, d); err != nil {
		return Message{}, fmt.Errorf("render sign-in email: %w", err)
	}
	if err := signInText().Execute(&t, d); err != nil {
		return Message{}, fmt.Errorf("render sign-in email: %w", err)
	}
	return Message{To: to, Subject: "Your sign-in link for security training", HTML: h.String(), Text: t.String()}, nil
}
