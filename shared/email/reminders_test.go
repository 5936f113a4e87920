package email

import (
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

const testLink = "https://training.example.com/l/abc123"

var testTitles = CatalogTitles(&catalog.Catalog{Modules: map[string]*catalog.Module{
	"aware":   {ID: "aware", Title: "Security awareness"},
	"privacy": {ID: "privacy", Title: "Data privacy"},
	"hostile": {ID: "hostile", Title: `Phishing <img src=x onerror="alert(1)">`},
}})

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// line returns a line for person id named name, module due on dueOn in loc,
// overdue by days.
func line(id, name, module, dueOn string, loc *time.Location, reason reminder.Reason, days int) reminder.Line {
	return reminder.Line{
		Person:      roster.Person{EmployeeID: id, Name: name},
		Assignment:  assign.Assignment{EmployeeID: id, ModuleID: module, DueOn: dueOn, DueAt: assign.DueAt(dueOn, loc)},
		Reason:      reason,
		DaysOverdue: days,
	}
}

func notification(kind reminder.Kind, key string, loc *time.Location, lines ...reminder.Line) reminder.Notification {
	return reminder.Notification{
		Recipient: reminder.Recipient{Key: key, Email: "to@example.com", Name: "Ada", TimeZone: loc},
		Kind:      kind, Day: "2026-12-16", Lines: lines,
	}
}

func TestRenderSubjects(t *testing.T) {
	utc := time.UTC
	due := func(module string) reminder.Line {
		return line("a", "Ada", module, "2026-12-18", utc, reminder.ReasonBeforeDue, 0)
	}
	late := func(module string) reminder.Line {
		return line("a", "Ada", module, "2026-12-04", utc, reminder.ReasonOverdue, 12)
	}
	notice := func(module string) reminder.Line {
		return line("a", "Ada", module, "2026-12-30", utc, reminder.ReasonNotice, 0)
	}
	report := func(id, module string) reminder.Line {
		return line(id, "Person "+id, module, "2026-12-04", utc, "", 12)
	}
	tests := []struct {
		name string
		n    reminder.Notification
		want string
	}{
		{name: "digest, one item due", n: notification(reminder.KindDigest, "person#a", utc, due("aware")),
			want: "Security training: 1 item due"},
		{name: "digest, two items due", n: notification(reminder.KindDigest, "person#a", utc, due("aware"), due("privacy")),
			want: "Security training: 2 items due"},
		{name: "digest, two items due, one overdue", n: notification(reminder.KindDigest, "person#a", utc, late("aware"), due("privacy")),
			want: "Security training: 2 items due, 1 overdue"},
		{name: "digest, all overdue", n: notification(reminder.KindDigest, "person#a", utc, late("aware"), late("privacy")),
			want: "Security training: 2 items overdue"},
		{name: "digest, new training only", n: notification(reminder.KindDigest, "person#a", utc, notice("aware")),
			want: "New security training: 1 item to complete"},
		{name: "digest, new and due", n: notification(reminder.KindDigest, "person#a", utc, notice("aware"), due("privacy")),
			want: "Security training: 2 items due"},
		{name: "nudge", n: notification(reminder.KindNudge, "person#a", utc, late("aware")),
			want: "Reminder from your manager: complete your security training"},
		{name: "escalation, one person", n: notification(reminder.KindEscalation, "person#m", utc, report("r1", "aware"), report("r1", "privacy")),
			want: "1 person in your team has overdue security training"},
		{name: "escalation, three people", n: notification(reminder.KindEscalation, "person#m", utc,
			report("r1", "aware"), report("r1", "privacy"), report("r2", "aware"), report("r3", "aware")),
			want: "3 people in your team have overdue security training"},
		{name: "escalation to a vendor, one person", n: notification(reminder.KindEscalation, "vendor#Acme", utc, report("s1", "aware")),
			want: "1 of your staff has overdue security training"},
		{name: "escalation to a vendor, two people", n: notification(reminder.KindEscalation, "vendor#Acme", utc, report("s1", "aware"), report("s2", "aware")),
			want: "2 of your staff have overdue security training"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(tt.n, testLink, testTitles)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if m.Subject != tt.want {
				t.Errorf("got %q, want %q", m.Subject, tt.want)
			}
			if m.To != "to@example.com" {
				t.Errorf("got To %q, want to@example.com", m.To)
			}
		})
	}
}

func TestRenderEscapes(t *testing.T) {
	hostile := `Eve <script>alert("x")</script> & co`
	l := line("e", hostile, "hostile", "2026-12-04", time.UTC, "", 12)
	n := notification(reminder.KindEscalation, "person#m", time.UTC, l)
	n.Recipient.Name = hostile
	m, err := Render(n, "", testTitles)
	if err != nil {
		t.Fatalf("got %v, want nil", err)
	}
	tests := []struct {
		name, body string
		want       []string
		wantNot    []string
	}{
		{name: "html", body: m.HTML,
			want: []string{
				"Hello Eve &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co,",
				"<strong>Eve &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co</strong>",
				"Phishing &lt;img src=x onerror=&#34;alert(1)&#34;&gt;",
			},
			wantNot: []string{"<script>", "<img"}},
		{name: "text", body: m.Text,
			want: []string{"Hello " + hostile + ",", "- " + hostile + `: Phishing <img src=x onerror="alert(1)"> — overdue since`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range tt.want {
				if !strings.Contains(tt.body, w) {
					t.Errorf("got %s, want it to contain %q", tt.body, w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(tt.body, w) {
					t.Errorf("got %s, want no %q", tt.body, w)
				}
			}
		})
	}
}

func TestRenderDates(t *testing.T) {
	auckland, losAngeles := zone(t, "Pacific/Auckland"), zone(t, "America/Los_Angeles")
	// Due Friday 4 December in Los Angeles: the day ends at 08:00 UTC and
	// 21:00 in Auckland on Saturday 5 December.
	tests := []struct {
		name string
		kind reminder.Kind
		to   *time.Location
		l    reminder.Line
		want string
	}{
		{name: "due, in the person's zone", kind: reminder.KindDigest, to: losAngeles,
			l: line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonBeforeDue, 0), want: "Security awareness — due Friday 4 December"},
		{name: "due, in the recipient's zone", kind: reminder.KindDigest, to: auckland,
			l: line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonBeforeDue, 0), want: "Security awareness — due Saturday 5 December"},
		{name: "no zone: UTC", kind: reminder.KindDigest,
			l: line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonBeforeDue, 0), want: "Security awareness — due Saturday 5 December"},
		{name: "overdue", kind: reminder.KindDigest, to: losAngeles,
			l: line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonOverdue, 12), want: "Security awareness — overdue since Friday 4 December (12 days)"},
		{name: "overdue by one day", kind: reminder.KindNudge, to: losAngeles,
			l: line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonNudge, 1), want: "Security awareness — overdue since Friday 4 December (1 day)"},
		{name: "new", kind: reminder.KindDigest, to: losAngeles,
			l: line("a", "Ada", "privacy", "2026-12-04", losAngeles, reminder.ReasonNotice, 0), want: "New: Data privacy — due Friday 4 December"},
		{name: "no due instant: the due day as written", kind: reminder.KindDigest, to: auckland,
			l: func() reminder.Line {
				l := line("a", "Ada", "aware", "2026-12-04", losAngeles, reminder.ReasonBeforeDue, 0)
				l.Assignment.DueAt = time.Time{}
				return l
			}(), want: "Security awareness — due Friday 4 December"},
		{name: "escalation: the report's due day", kind: reminder.KindEscalation, to: auckland,
			l: line("r", "Rob", "aware", "2026-12-04", losAngeles, "", 7), want: "Rob: Security awareness — overdue since Friday 4 December (7 days)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(notification(tt.kind, "person#x", tt.to, tt.l), testLink, testTitles)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if !strings.Contains(m.Text, tt.want) {
				t.Errorf("got %s, want it to contain %q", m.Text, tt.want)
			}
			html := strings.NewReplacer("New: ", "<strong>New:</strong> ", "Rob: ", "<strong>Rob</strong>: ").Replace(tt.want)
			if !strings.Contains(m.HTML, html) {
				t.Errorf("got %s, want it to contain %q", m.HTML, html)
			}
		})
	}
}

func TestRenderLink(t *testing.T) {
	l := line("a", "Ada", "aware", "2026-12-04", time.UTC, reminder.ReasonOverdue, 12)
	tests := []struct {
		name      string
		n         reminder.Notification
		link      string
		wantLinks int
		want      []string
	}{
		{name: "digest: the sign-in link once", n: notification(reminder.KindDigest, "person#a", time.UTC, l), link: testLink, wantLinks: 1,
			want: []string{"Open your training", "It works once, within 7 days."}},
		{name: "nudge: the sign-in link once", n: notification(reminder.KindNudge, "person#a", time.UTC, l), link: testLink, wantLinks: 1,
			want: []string{"Your manager asked us to remind you"}},
		{name: "escalation with the team view", n: notification(reminder.KindEscalation, "person#m", time.UTC, l), link: "https://training.example.com/team", wantLinks: 1,
			want: []string{"See your team", "These people in your team"}},
		{name: "escalation without a link", n: notification(reminder.KindEscalation, "person#m", time.UTC, l),
			want: []string{"These people in your team"}},
		{name: "escalation to a vendor: never the link", n: notification(reminder.KindEscalation, "vendor#Acme", time.UTC, l), link: "https://training.example.com/team",
			want: []string{"These members of your staff"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Render(tt.n, tt.link, testTitles)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			for _, body := range []string{m.HTML, m.Text} {
				if got := strings.Count(body, "https://"); got != tt.wantLinks {
					t.Errorf("got %d links, want %d in %s", got, tt.wantLinks, body)
				}
				if tt.wantLinks > 0 && !strings.Contains(body, tt.link) {
					t.Errorf("got %s, want it to contain %q", body, tt.link)
				}
				for _, w := range tt.want {
					if !strings.Contains(body, w) {
						t.Errorf("got %s, want it to contain %q", body, w)
					}
				}
			}
			if strings.Contains(m.HTML, "<a ") != (tt.wantLinks > 0) {
				t.Errorf("got %s, want a button only with a link", m.HTML)
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	l := line("a", "Ada", "aware", "2026-12-04", time.UTC, reminder.ReasonOverdue, 12)
	noEmail := notification(reminder.KindDigest, "person#a", time.UTC, l)
	noEmail.Recipient.Email = ""
	tests := []struct {
		name string
		n    reminder.Notification
		link string
		want string
	}{
		{name: "no address", n: noEmail, link: testLink, want: "no recipient address"},
		{name: "no lines", n: notification(reminder.KindDigest, "person#a", time.UTC), link: testLink, want: "lists nothing"},
		{name: "digest without a sign-in link", n: notification(reminder.KindDigest, "person#a", time.UTC, l), want: "needs a sign-in link"},
		{name: "nudge without a sign-in link", n: notification(reminder.KindNudge, "person#a", time.UTC, l), want: "needs a sign-in link"},
		{name: "unknown kind", n: notification("shout", "person#a", time.UTC, l), link: testLink, want: `unknown kind "shout"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Render(tt.n, tt.link, testTitles)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestTitles(t *testing.T) {
	l := line("a", "Ada", "retired", "2026-12-04", time.UTC, reminder.ReasonBeforeDue, 0)
	tests := []struct {
		name   string
		titles Titles
		module string
		want   string
	}{
		{name: "catalog title", titles: testTitles, module: "aware", want: "Security awareness — due"},
		{name: "module no longer in the catalog", titles: testTitles, module: "retired", want: "retired — due"},
		{name: "no titles", module: "aware", want: "aware — due"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l.Assignment.ModuleID = tt.module
			m, err := Render(notification(reminder.KindDigest, "person#a", time.UTC, l), testLink, tt.titles)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			if !strings.Contains(m.Text, tt.want) {
				t.Errorf("got %s, want it to contain %q", m.Text, tt.want)
			}
		})
	}
}
