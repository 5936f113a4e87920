// Package signin signs people in with emailed links: it issues the links
// (asked for on the sign-in page, or put into reminder emails), checks and
// uses them up into sessions, and ends sessions, with an audit event each
// time. Cookies and CSRF checks are the HTTP layer's; this package imports
// no AWS package.
package signin

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Store keeps sign-in tokens, sessions and request counters.
type Store interface {
	// PutSignInToken stores a new token with the audit event of its issue.
	PutSignInToken(ctx context.Context, rec auth.SignInToken, event audit.Event) error
	// SignInToken returns an unexpired, unused token, or found=false.
	SignInToken(ctx context.Context, hash string) (auth.SignInToken, bool, error)
	// ConsumeSignInToken uses the token up and creates the session; NotFound
	// if the token is no longer valid.
	ConsumeSignInToken(ctx context.Context, tokenHash string, sess auth.Session, event audit.Event) error
	// DeleteSession ends a session.
	DeleteSession(ctx context.Context, hash string, event audit.Event) error
	// CountRequest counts a request in a fixed window and returns the count.
	CountRequest(ctx context.Context, scope, key string, window time.Duration) (int, error)
}

// People finds the people who sign in.
type People interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// PersonByEmail returns the person holding the address (any case), or found=false.
	PersonByEmail(ctx context.Context, email string) (roster.Record, bool, error)
}

// Limits on sign-in link requests, counted in the store per hour. An
// address is limited per network it is asked for from, never on its own, so
// that nobody can lock a person out by asking for their address; a network
// (often an office behind one NAT) has a ceiling well above what its people
// need. Reminder emails' links are under no limit.
const (
	linksPerAddressAndIPPerHour = 5
	linksPerIPPerHour           = 300
)

// Scopes of the request counters (table.RatePK).
const (
	scopeIP           = "link-ip"
	scopeAddressAndIP = "link-email-ip"
)

// Service issues sign-in links and turns them into sessions.
type Service struct {
	Store  Store
	People People
	Mailer email.Sender
	// BaseURL is the public origin of the service (no trailing slash); links
	// point there.
	BaseURL string
	// Logger receives the failures that RequestLink does not report;
	// discarded when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// IssueLink stores a fresh sign-in token of kind for the person, with the
// audit event of its issue by actor from source, and returns the link and
// when it stops working. It does not check that the person is active:
// using the link does.
func (s *Service) IssueLink(ctx context.Context, employeeID string, kind auth.LinkKind, actor, source string) (link string, expires time.Time, err error) {
	now := s.now()
	token, tok := auth.NewSignInToken(employeeID, kind, now)
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionSignInLinkSent,
		Subject: identity.PersonRef(employeeID), Source: source}
	if err := s.Store.PutSignInToken(ctx, tok, event); err != nil {
		return "", time.Time{}, err
	}
	return s.BaseURL + "/l/" + token, tok.ExpiresAt, nil
}

// RequestLink answers a request for a sign-in link to address from ip: when
// the address belongs to an active person and has not been asked for too
// often from ip, the person gets a link by email. The result does not
// depend on the address: only a malformed address (Invalid), too many
// requests from ip (RateLimited) or a failure to count them is an error;
// what happens to the address is logged, never returned.
func (s *Service) RequestLink(ctx context.Context, address, ip string) error {
	address = strings.TrimSpace(address)
	if identity.CheckEmail(address) != nil {
		return apperr.New(apperr.Invalid, "that is not an email address")
	}
	n, err := s.Store.CountRequest(ctx, scopeIP, ip, time.Hour)
	if err != nil {
		return err
	}
	if n > linksPerIPPerHour {
		return apperr.New(apperr.RateLimited, "too many sign-in requests from this network; try again in an hour")
	}
	if err := s.sendIfKnown(ctx, address, ip); err != nil {
		s.log().ErrorContext(ctx, "sign-in link not sent", "err", err)
	}
	return nil
}

// sendIfKnown emails a sign-in link when the address belongs to an active
// person and has not been asked for too often from ip. The counter's key is
// a hash of the pair, so the table holds no address.
func (s *Service) sendIfKnown(ctx context.Context, address, ip string) error {
	n, err := s.Store.CountRequest(ctx, scopeAddressAndIP, auth.HashSecret(strings.ToLower(address)+" "+ip), time.Hour)
	if err != nil || n > linksPerAddressAndIPPerHour {
		return err
	}
	rec, found, err := s.People.PersonByEmail(ctx, address)
	if err != nil || !found || !rec.ActiveOn(s.today()) {
		return err
	}
	link, expires, err := s.IssueLink(ctx, rec.EmployeeID, auth.LinkSignIn, identity.PersonActor(rec.EmployeeID), ip)
	if err != nil {
		return err
	}
	msg, err := email.SignInLink(rec.Email, rec.Name, link, expires, rec.Location())
	if err != nil {
		return err
	}
	_, err = s.Mailer.Send(ctx, msg)
	return err
}

// CheckLink reports whether token is a sign-in link that still works: it
// is unexpired and unused, and its person is active and has not had it
// revoked. Checking changes nothing, since mail scanners fetch links.
func (s *Service) CheckLink(ctx context.Context, token string) (bool, error) {
	if !auth.LooksLikeSecret(token) {
		return false, nil
	}
	tok, found, err := s.Store.SignInToken(ctx, auth.HashSecret(token))
	if err != nil || !found {
		return false, err
	}
	_, ok, err := s.holder(ctx, tok)
	return ok, err
}

// holder returns the person a token signs in, and whether it still does so:
// the person is active, and the roster has not revoked the token (an email
// change, a deactivation) since it was issued.
func (s *Service) holder(ctx context.Context, tok auth.SignInToken) (roster.Record, bool, error) {
	rec, found, err := s.People.GetPerson(ctx, tok.EmployeeID)
	if err != nil || !found || !rec.ActiveOn(s.today()) || rec.Revoked(tok.CreatedAt) {
		return roster.Record{}, false, err
	}
	return rec, true, nil
}

// SignIn uses token up and starts a session for its person, with the
// sign-in audit event; the request came from source with the User-Agent
// userAgent (kept cut, audit.UserAgent). It returns the session id (for
// the cookie) and the session, or ok=false when the link does not work
// (malformed, unknown, expired, used, its person is no longer active, or
// the roster revoked it).
func (s *Service) SignIn(ctx context.Context, token, source, userAgent string) (id string, sess auth.Session, ok bool, err error) {
	if !auth.LooksLikeSecret(token) {
		return "", auth.Session{}, false, nil
	}
	hash := auth.HashSecret(token)
	tok, found, err := s.Store.SignInToken(ctx, hash)
	if err != nil || !found {
		return "", auth.Session{}, false, err
	}
	rec, ok, err := s.holder(ctx, tok)
	if err != nil || !ok {
		return "", auth.Session{}, false, err
	}
	now := s.now()
	id, sess = auth.NewSession(rec.EmployeeID, now)
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(rec.EmployeeID), Action: audit.ActionSignIn,
		Subject: identity.PersonRef(rec.EmployeeID), Source: source,
		Details: map[string]any{"linkKind": string(tok.Kind), "userAgent": audit.UserAgent(userAgent)}}
	if err := s.Store.ConsumeSignInToken(ctx, hash, sess, event); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			return "", auth.Session{}, false, nil
		}
		return "", auth.Session{}, false, err
	}
	return id, sess, true, nil
}

// SignOut ends a session, with its audit event; the request came from source.
func (s *Service) SignOut(ctx context.Context, sess auth.Session, source string) error {
	event := audit.Event{ID: audit.NewBatchID(), At: s.now(), Actor: identity.PersonActor(sess.EmployeeID), Action: audit.ActionSignOut,
		Subject: identity.PersonRef(sess.EmployeeID), Source: source}
	return s.Store.DeleteSession(ctx, sess.Hash, event)
}

func (s *Service) today() string { return s.now().UTC().Format(roster.DateLayout) }

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
