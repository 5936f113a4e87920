package email

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"sync"
	texttemplate "text/template"
	"time"

	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/catalog"

	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

// Titles returns the title of a module, by module id, as emails show it.
type Titles func(moduleID string) string

// CatalogTitles returns the module titles of cat; a module cat does not
// hold shows its id.
func CatalogTitles(cat *catalog.Catalog) Titles {
	return func(id string) string {
		if m, ok := cat.Module(id); ok {
			return m.Title
		}
		return id
	}
}

// dueLayout is how due days are written in emails.
const dueLayout = "Monday 2 January"

// reminderData is what a reminder email shows.
type reminderData struct {
	Name     string
	Intro    string
	Items    []reminderItem
	Link     string
	LinkText string
	LinkNote string
	Outro    string
}

// reminderItem is one assignment in a reminder email.
type reminderItem struct {
	Person string // escalations only
	New    bool   // the first notice of the assignment
	Title  string
	When   string
}

// The templates are parsed on first use, not when a function starts.
var (
	reminderHTML = sync.OnceValue(func() *htmltemplate.Template {
		return htmltemplate.Must(htmltemplate.New("reminder").Parse(`<!doctype html>
<html lang="en"><body style="font-family: system-ui, sans-serif; font-size: 16px; line-height: 1.5; color: #1a1a1a">
<p>Hello {{.Name}},</p>
<p>{{.Intro}}</p>
<ul>
{{- range .Items}}
<li>{{if .Person}}<strong>{{.Person}}</strong>: {{end}}{{if .New}}<strong>New:</strong> {{end}}{{.Title}} — {{.When}}</li>
{{- end}}
</ul>
{{- if .Link}}
<p><a href="{{.Link}}" style="display: inline-block; padding: 12px 20px; background: #0b57d0; color: #ffffff; text-decoration: none; border-radius: 6px; font-weight: 600">{{.LinkText}}</a></p>
{{- if .LinkNote}}
<p>{{.LinkNote}}</p>
{{- end}}
{{- end}}
<p style="color: #555555; font-size: 14px">{{.Outro}}</p>
</body></html>`))
	})
	reminderText = sync.OnceValue(func() *texttemplate.Template {
		return texttemplate.Must(texttemplate.New("reminder").Parse(`Hello {{.Name}},

{{.Intro}}
{{range .Items}}
- {{if .Person}}{{.Person}}: {{end}}{{if .New}}New: {{end}}{{.Title}} — {{.When}}
{{- end}}
{{if .Link}}
{{.LinkText}}:
{{.Link}}
{{- if .LinkNote}}
{{.LinkNote}}
{{- end}}
{{end}}
{{.Outro}}
`))
	})
)

// Render composes the email for a reminder notification, with the items in
// the planner's order:
//
//   - a digest or a nudge lists the recipient's training with its due day
//     in the recipient's time zone; link is the recipient's sign-in link
//     (required), shown once;
//   - an escalation lists the overdue training of the people named, with
//     their names, due days (of their own calendar) and days overdue; link
//     is the base URL of the team view, or empty for none. A vendor's
//     contact, who has no account, never gets the link.
//
// titles names the modules; when nil, module ids are shown. The message
// carries no List-Unsubscribe header: the training is mandatory.
func Render(n reminder.Notification, link string, titles Titles) (Message, error) {
	if n.Recipient.Email == "" {
		return Message{}, errors.New("render reminder: no recipient address")
	}
	if len(n.Lines) == 0 {
		return Message{}, fmt.Errorf("render reminder: %s for %s lists nothing", n.Kind, n.Recipient.Key)
	}
	if titles == nil {
		titles = func(id string) string { return id }
	}
	loc := n.Recipient.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	d := reminderData{Name: n.Recipient.Name, Link: link}
	var subject string
	switch n.Kind {
	case reminder.KindDigest, reminder.KindNudge:
		if link == "" {
			return Message{}, fmt.Errorf("render reminder: %s for %s needs a sign-in link", n.Kind, n.Recipient.Key)
		}
		subject = digestSubject(n.Lines)
		d.Intro = "You have security training to complete:"
		if n.Kind == reminder.KindNudge {
			subject = "Reminder from your manager: complete your security training"
			d.Intro = "Your manager asked us to remind you to complete your security training:"
		}
		d.LinkText = "Open your training"
		d.LinkNote = fmt.Sprintf("The link signs you in. It works once, within %d days.", int(auth.ReminderLinkTTL/(24*time.Hour)))
		d.Outro = "Security training is mandatory, so these reminders cannot be turned off. They stop once your training is complete."
	case reminder.KindEscalation:
		subject = escalationSubject(n.Recipient, n.Lines)
		d.Intro = "These people in your team have overdue security training:"
		if n.Recipient.IsVendor() {
			d.Intro = "These members of your staff working with us have overdue security training:"
			d.Link = "" // a vendor's contact has no account to see the team with
		}
		d.LinkText = "See your team's training"
		d.Outro = "You will get this summary while any of this training stays overdue. Security training is mandatory, so these emails cannot be turned off."
	default:
		return Message{}, fmt.Errorf("render reminder: unknown kind %q", n.Kind)
	}
	for _, l := range n.Lines {
		it := reminderItem{Title: titles(l.Assignment.ModuleID), New: l.Reason == reminder.ReasonNotice, When: when(l, n.Kind, loc)}
		if n.Kind == reminder.KindEscalation {
			it.Person = l.Person.Name
		}
		d.Items = append(d.Items, it)
	}
	var h, t bytes.Buffer
	if err := reminderHTML().Execute(&h, d); err != nil {
		return Message{}, fmt.Errorf("render reminder: %w", err)
	}
	if err := reminderText().Execute(&t, d); err != nil {
		return Message{}, fmt.Errorf("render reminder: %w", err)
	}
	return Message{To: n.Recipient.Email, Subject: subject, HTML: h.String(), Text: t.String()}, nil
}

// digestSubject counts the items of a digest and those overdue, e.g.
// "Security training: 2 items due, 1 overdue".
func digestSubject(lines []reminder.Line) string {
	overdue, notices := 0, 0
	for _, l := range lines {
		if l.DaysOverdue > 0 {
			overdue++
		}
		if l.Reason == reminder.ReasonNotice {
			notices++
		}
	}
	switch {
	case notices == len(lines):
		return "New security training: " + count(len(lines), "item", "items") + " to complete"
	case overdue == 0:
		return "Security training: " + count(len(lines), "item", "items") + " due"
	case overdue == len(lines):
		return "Security training: " + count(len(lines), "item", "items") + " overdue"
	}
	return fmt.Sprintf("Security training: %s due, %d overdue", count(len(lines), "item", "items"), overdue)
}

// escalationSubject counts the people of an escalation, e.g. "3 people in
// your team have overdue security training".
func escalationSubject(r reminder.Recipient, lines []reminder.Line) string {
	ids := make(map[string]bool, len(lines))
	for _, l := range lines {
		ids[l.Person.EmployeeID] = true
	}
	n := len(ids)
	verb := "have"
	if n == 1 {
		verb = "has"
	}
	if r.IsVendor() {
		return fmt.Sprintf("%d of your staff %s overdue security training", n, verb)
	}
	return fmt.Sprintf("%s in your team %s overdue security training", count(n, "person", "people"), verb)
}

// when says when a line's assignment is or was due: "due Friday 4
// December" or "overdue since Friday 4 December (12 days)". A person's own
// training shows its due day in loc, the recipient's zone; a report's shows
// the due day of the report's calendar, on which the days overdue count.
func when(l reminder.Line, kind reminder.Kind, loc *time.Location) string {
	due := writtenDay(l.Assignment.DueOn)
	if kind != reminder.KindEscalation && !l.Assignment.DueAt.IsZero() {
		due = l.Assignment.DueAt.Add(-time.Nanosecond).In(loc).Format(dueLayout)
	}
	if l.DaysOverdue > 0 {
		return fmt.Sprintf("overdue since %s (%s)", due, count(l.DaysOverdue, "day", "days"))
	}
	return "due " + due
}

// writtenDay writes a YYYY-MM-DD day as emails show it, or returns it as
// is when malformed.
func writtenDay(day string) string {
	d, err := time.Parse(roster.DateLayout, day)
	if err != nil {
		return day
	}
	return d.Format(dueLayout)
}

// count writes n with the singular or plural noun.
func count(n int, singular, plural string) string {
	if n == 1 {
		return "1 " + singular
	}
	return fmt.Sprintf("%d %s", n, plural)
}
