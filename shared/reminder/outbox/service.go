package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

// Store is what the reminder run needs from storage.
type Store interface {
	// OpenAssignments hands to fn the open assignments awaiting their
	// notice and those due before dueBefore (YYYY-MM-DD; "" for every open
	// one), from the due index.
	OpenAssignments(ctx context.Context, dueBefore string, fn func(assign.Assignment) error) (read int, err error)
	// PeopleByID reads many people at once; absent ones are left out.
	PeopleByID(ctx context.Context, ids []string) (map[string]roster.Person, error)
	// ClaimNotification records a pending notification unless one exists.
	ClaimNotification(ctx context.Context, rec reminder.Record) (reminder.Record, bool, error)
	// ClaimNudge is ClaimNotification with the audit event of the nudge, in
	// the same transaction.
	ClaimNudge(ctx context.Context, rec reminder.Record, event audit.Event) (reminder.Record, bool, error)
	// MarkNotification records a sending attempt's outcome.
	MarkNotification(ctx context.Context, recipient, day, kind, messageID, failure string, at time.Time) error
	// MarkReminded counts a reminder on an assignment, once per day (and
	// takes it off the due index's notices).
	MarkReminded(ctx context.Context, a assign.Assignment, day string) error
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// Assignments returns every assignment of the person.
	Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error)
	// SendingPaused reports the organisation's pause switch.
	SendingPaused(ctx context.Context) (bool, error)
	// Vendors returns the vendors' escalation contacts by vendor key.
	Vendors(ctx context.Context) (map[string]orgconfig.Vendor, error)
	// UndeliverableSet returns which of the (lower-case) addresses bounced or complained.
	UndeliverableSet(ctx context.Context, emails []string) (map[string]bool, error)
}

// Links issues sign-in links (package signin).
type Links interface {
	// IssueLink stores a fresh token of kind for the person, with the audit
	// event of its issue by actor from source, and returns the link.
	IssueLink(ctx context.Context, employeeID string, kind auth.LinkKind, actor, source string) (link string, expires time.Time, err error)
}

// Mailer sends one email and returns the provider's message id.
type Mailer interface {
	Send(ctx context.Context, m email.Message) (string, error)
}

// Dispatcher hands notifications to whoever delivers them: an SQS queue in
// AWS (one message per notification), or Deliver in-process locally.
type Dispatcher interface {
	Dispatch(ctx context.Context, ns []reminder.Notification) error
}

// Service runs reminders.
type Service struct {
	Store  Store
	Mailer Mailer
	// Links puts a sign-in link into digests and nudges.
	Links   Links
	Config  reminder.Config
	BaseURL string
	// Titles names modules in emails.
	Titles func(moduleID string) string
	// Dispatcher delivers the run's notifications; nil delivers them
	// in-process, one after the other.
	Dispatcher Dispatcher
	Logger     *slog.Logger
	Now        func() time.Time
}

// Run selects and hands out the notifications due at now. With hourly,
// recipients outside their local sending hours are left for a later run;
// otherwise the run covers the whole day. A dry run reports what it would
// send and sends nothing; so does a paused organisation.
func (s *Service) Run(ctx context.Context, now time.Time, hourly, dryRun bool) (reminder.RunSummary, error) {
	sum := reminder.RunSummary{At: now.UTC(), DryRun: dryRun, ByKind: map[string]int{}}
	paused, err := s.Store.SendingPaused(ctx)
	if err != nil {
		return sum, err
	}
	sum.Paused = paused
	ns, read, err := s.Select(ctx, now, hourly)
	if err != nil {
		return sum, err
	}
	sum.OpenRead, sum.Notifications = read, len(ns)
	for _, n := range ns {
		sum.ByKind[string(n.Kind)]++
		if dryRun || paused {
			sum.Planned = append(sum.Planned, reminder.Planned{Recipient: n.Recipient.Key, Email: n.Recipient.Email, Kind: string(n.Kind), Day: n.Day, Items: items(n)})
		}
	}
	if dryRun || paused || len(ns) == 0 {
		return sum, nil
	}
	if s.Dispatcher != nil {
		return sum, s.Dispatcher.Dispatch(ctx, ns)
	}
	var errs []error
	for _, n := range ns {
		if err := s.Deliver(ctx, n, "schedule"); err != nil {
			errs = append(errs, err)
		}
	}
	return sum, errors.Join(errs...)
}

// Select returns the notifications due at now and how many open
// assignments it read: it loads what package remind needs (through the due
// index the open assignments a run at now can act on, those awaiting their
// notice and those due before reminder.DueBefore; their people and
// managers, the vendors and the unreachable addresses) and asks it. It
// sends nothing.
func (s *Service) Select(ctx context.Context, now time.Time, hourly bool) ([]reminder.Notification, int, error) {
	var open []assign.Assignment
	read, err := s.Store.OpenAssignments(ctx, reminder.DueBefore(s.Config, now), func(a assign.Assignment) error {
		open = append(open, a)
		return nil
	})
	if err != nil {
		return nil, read, err
	}
	ppl, err := s.loadPeople(ctx, open)
	if err != nil {
		return nil, read, err
	}
	vendors, err := s.Store.Vendors(ctx)
	if err != nil {
		return nil, read, err
	}
	for _, v := range vendors {
		if v.OwnerID != "" {
			if err := s.addPeople(ctx, ppl, []string{v.OwnerID}); err != nil {
				return nil, read, err
			}
		}
	}
	emails := make([]string, 0, len(ppl)+len(vendors))
	for _, p := range ppl {
		emails = append(emails, strings.ToLower(p.Email))
	}
	for _, v := range vendors {
		if v.ContactEmail != "" {
			emails = append(emails, strings.ToLower(v.ContactEmail))
		}
	}
	unreachable, err := s.Store.UndeliverableSet(ctx, emails)
	if err != nil {
		return nil, read, err
	}
	cfg := s.Config
	cfg.Hourly = hourly
	return reminder.Plan(reminder.Input{Config: cfg, Now: now, Open: open, People: ppl, Vendors: vendors, Unreachable: unreachable}), read, nil
}

// loadPeople reads the people of the open assignments and their managers up
// to two levels (the escalation ladder).
func (s *Service) loadPeople(ctx context.Context, open []assign.Assignment) (map[string]roster.Person, error) {
	ppl := map[string]roster.Person{}
	var ids []string
	for _, a := range open {
		ids = append(ids, a.EmployeeID)
	}
	for range 3 { // the people, their managers, the managers' managers
		if err := s.addPeople(ctx, ppl, ids); err != nil {
			return nil, err
		}
		var next []string
		for _, id := range ids {
			if p, ok := ppl[id]; ok && p.ManagerID != "" {
				next = append(next, p.ManagerID)
			}
		}
		ids = next
	}
	return ppl, nil
}

// addPeople reads the given people not yet in ppl, in batches.
func (s *Service) addPeople(ctx context.Context, ppl map[string]roster.Person, ids []string) error {
	var todo []string
	for _, id := range ids {
		if _, ok := ppl[id]; !ok {
			todo = append(todo, id)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	found, err := s.Store.PeopleByID(ctx, todo)
	if err != nil {
		return err
	}
	maps.Copy(ppl, found)
	return nil
}

// Deliver sends one notification at most once per recipient, kind and day:
// it records the notification as pending, sends it, then records it sent.
// A notification found already sent is skipped; one found
// pending (a crashed or failed earlier attempt) is sent again. The window in
// which an email can go out twice is between SES accepting it and the
// record of that, a single write.
func (s *Service) Deliver(ctx context.Context, n reminder.Notification, actor string) error {
	rec, claimed, err := s.Store.ClaimNotification(ctx, s.record(n, actor))
	if err != nil {
		return err
	}
	if !claimed && rec.Status == reminder.StatusSent {
		// A run that died (or failed) after recording the email sent may
		// not have counted it on every assignment yet; counting is once
		// per day, so doing it again changes nothing else.
		return s.markReminded(ctx, n)
	}
	return s.send(ctx, n, rec)
}

func (s *Service) record(n reminder.Notification, actor string) reminder.Record {
	return reminder.Record{Recipient: n.Recipient.Key, Email: n.Recipient.Email, Kind: n.Kind, Day: n.Day,
		Items: items(n), CreatedAt: s.now().UTC(), Actor: actor}
}

// send renders and sends a claimed notification and records the outcome.
func (s *Service) send(ctx context.Context, n reminder.Notification, rec reminder.Record) error {
	link, err := s.link(ctx, n)
	if err != nil {
		return err
	}
	msg, err := email.Render(n, link, s.Titles)
	if err != nil {
		return err
	}
	id, sendErr := s.Mailer.Send(ctx, msg)
	now := s.now()
	if sendErr != nil {
		failure := "send failed: " + fmt.Sprintf("%T", errors.Unwrap(sendErr))
		if err := s.Store.MarkNotification(ctx, rec.Recipient, rec.Day, string(rec.Kind), "", failure, now); err != nil {
			return errors.Join(sendErr, err)
		}
		return fmt.Errorf("deliver %s %s to %s: %w", rec.Kind, rec.Day, rec.Recipient, sendErr)
	}
	if err := s.markSent(ctx, rec, id, now); err != nil {
		return err
	}
	if err := s.markReminded(ctx, n); err != nil {
		return err
	}
	s.log().InfoContext(ctx, "notification sent", "kind", n.Kind, "day", n.Day, "recipient", rec.Recipient, "lines", len(n.Lines))
	return nil
}

// markAttempts and markBackoff bound the retries of recording an email
// sent: SES accepted it, and until the record says so a rerun sends it
// again, so this one write is retried beyond the SDK's own retries (first
// after markBackoff, doubling), with a context of its own.
const (
	markAttempts = 6
	markBackoff  = 50 * time.Millisecond
)

// markSent records the notification sent with SES's message id, retrying
// as markAttempts says.
func (s *Service) markSent(ctx context.Context, rec reminder.Record, messageID string, now time.Time) error {
	ctx = context.WithoutCancel(ctx)
	var err error
	for try, wait := 1, markBackoff; ; try, wait = try+1, wait*2 {
		err = s.Store.MarkNotification(ctx, rec.Recipient, rec.Day, string(rec.Kind), messageID, "", now)
		if err == nil || try == markAttempts {
			return err
		}
		s.log().WarnContext(ctx, "record notification sent: retrying", "recipient", rec.Recipient, "try", try, "err", err)
		time.Sleep(wait)
	}
}

// markReminded counts a digest on each of its assignments (once per day).
func (s *Service) markReminded(ctx context.Context, n reminder.Notification) error {
	if n.Kind != reminder.KindDigest {
		return nil
	}
	for _, l := range n.Lines {
		if err := s.Store.MarkReminded(ctx, l.Assignment, n.Day); err != nil {
			return err
		}
	}
	return nil
}

// link returns the sign-in link of a digest or nudge (a fresh 7-day token
// for its recipient), or the tracker's address for escalations.
func (s *Service) link(ctx context.Context, n reminder.Notification) (string, error) {
	id, ok := identity.PersonOfRef(n.Recipient.Key)
	if n.Kind == reminder.KindEscalation || !ok {
		return s.BaseURL + "/me", nil
	}
	link, _, err := s.Links.IssueLink(ctx, id, auth.LinkReminder, "schedule", string(n.Kind))
	return link, err
}

// NudgePerson sends the person with the given id a reminder of all their
// open training now, at most once per person per day (in their time zone):
// NotFound for nobody, Conflict for a person who has left, who has no open
// training, whose address is unreachable or who was already reminded today.
// The nudge's record and its audit event (actor, from source) are written
// together, before the email is sent.
func (s *Service) NudgePerson(ctx context.Context, employeeID, actor, source string) (reminder.Record, error) {
	rec, found, err := s.Store.GetPerson(ctx, employeeID)
	if err != nil {
		return reminder.Record{}, err
	}
	if !found {
		return reminder.Record{}, roster.ErrNoSuchPerson
	}
	if !rec.ActiveOn(s.now().UTC().Format(roster.DateLayout)) {
		return reminder.Record{}, apperr.New(apperr.Conflict, "%s has left; there is nothing to remind them of", rec.Name)
	}
	all, err := s.Store.Assignments(ctx, employeeID)
	if err != nil {
		return reminder.Record{}, err
	}
	var open []assign.Assignment
	for _, a := range all {
		if a.Status == assign.StatusOpen {
			open = append(open, a)
		}
	}
	p := rec.Person
	n, ok := reminder.NudgeNotification(p, open, s.now())
	if !ok {
		return reminder.Record{}, apperr.New(apperr.Conflict, "%s has no open training to be reminded of", p.Name)
	}
	unreachable, err := s.Store.UndeliverableSet(ctx, []string{strings.ToLower(p.Email)})
	if err != nil {
		return reminder.Record{}, err
	}
	if unreachable[strings.ToLower(p.Email)] {
		return reminder.Record{}, apperr.New(apperr.Conflict, "%s's address is unreachable (it bounced or complained); fix it in the roster", p.Name)
	}
	nudge := s.record(n, actor)
	event := audit.Event{ID: audit.NewBatchID(), At: nudge.CreatedAt, Actor: actor, Action: audit.ActionReminderNudged,
		Subject: identity.PersonRef(employeeID), Source: source, Details: map[string]any{"day": n.Day, "items": nudge.Items}}
	claim, claimed, err := s.Store.ClaimNudge(ctx, nudge, event)
	if err != nil {
		return reminder.Record{}, err
	}
	if !claimed {
		return claim, apperr.New(apperr.Conflict, "%s was already reminded today", p.Name)
	}
	if err := s.send(ctx, n, claim); err != nil {
		return reminder.Record{}, err
	}
	claim.Status = reminder.StatusSent
	return claim, nil
}

// items summarises a notification's lines for its record.
func items(n reminder.Notification) []string {
	out := make([]string, 0, len(n.Lines))
	for _, l := range n.Lines {
		s := fmt.Sprintf("%s %s#%d", l.Assignment.EmployeeID, l.Assignment.ModuleID, l.Assignment.Cycle)
		if l.Reason != "" {
			s += " " + string(l.Reason)
		}
		if l.DaysOverdue > 0 {
			s += fmt.Sprintf(" overdue %dd", l.DaysOverdue)
		}
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}
