package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/people"
)

// Session cookie names: the __Host- prefix makes browsers insist on Secure,
// Path=/ and no Domain; plain-HTTP local development cannot use it.
const (
	secureCookieName   = "__Host-attest_session"
	insecureCookieName = "attest_session"
)

// touchAfter limits how often a session's idle expiry is pushed back.
const touchAfter = 5 * time.Minute

// signedIn is a person signed in with a session cookie.
type signedIn struct {
	session auth.Session
	person  people.Record
}

type signedInKey struct{}

func (s *Server) cookieName() string {
	if s.deps.InsecureCookies {
		return insecureCookieName
	}
	return secureCookieName
}

// sessionCookie returns the cookie that carries a new session id.
func (s *Server) sessionCookie(id string) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName(), Value: id, Path: "/", MaxAge: int(auth.SessionMaxTTL.Seconds()),
		HttpOnly: true, Secure: !s.deps.InsecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

// clearedCookie removes the session cookie.
func (s *Server) clearedCookie() *http.Cookie {
	return &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.deps.InsecureCookies, SameSite: http.SameSiteLaxMode}
}

// currentSession returns the signed-in person of the request, or nil when
// there is no valid session or the person is no longer active.
func (s *Server) currentSession(r *http.Request) (*signedIn, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil || !auth.LooksLikeSecret(c.Value) {
		return nil, nil
	}
	ctx := r.Context()
	sess, found, err := s.deps.Sessions.Session(ctx, auth.HashSecret(c.Value))
	if err != nil || !found {
		return nil, err
	}
	rec, found, err := s.deps.People.GetPerson(ctx, sess.EmployeeID)
	if err != nil || !found || !rec.ActiveOn(s.today()) {
		return nil, err
	}
	if s.deps.Now().Sub(sess.LastSeen) > touchAfter {
		if err := s.deps.Sessions.TouchSession(ctx, sess); err != nil {
			return nil, err
		}
	}
	return &signedIn{session: sess, person: rec}, nil
}

// withPerson requires a signed-in person. Pages without a session redirect
// to the sign-in page; JSON calls get 401. State-changing requests must
// carry the session's CSRF token (form field csrf, or header X-CSRF-Token)
// and, when the browser sends one, an Origin of this site.
func (s *Server) withPerson(page bool, next func(http.ResponseWriter, *http.Request, *signedIn)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.currentSession(r)
		if err != nil {
			s.fail(w, r, page, err)
			return
		}
		if who == nil {
			if page && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
			s.fail(w, r, page, apperr.New(apperr.Unauthorized, "please sign in"))
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			if err := s.checkCSRF(r, who.session.CSRFToken); err != nil {
				s.fail(w, r, page, err)
				return
			}
		}
		next(w, r.WithContext(context.WithValue(r.Context(), signedInKey{}, who)), who)
	})
}

// checkCSRF compares the request's CSRF token with the session's.
func (s *Server) checkCSRF(r *http.Request, want string) error {
	if origin := r.Header.Get("Origin"); origin != "" && s.deps.BaseURL != "" && origin != s.deps.BaseURL {
		return apperr.New(apperr.Forbidden, "cross-site request refused")
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return apperr.New(apperr.Forbidden, "missing or wrong CSRF token; reload the page and try again")
	}
	return nil
}

// fail answers an error as a page or as JSON.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, page bool, err error) {
	if !page {
		s.writeError(w, r, err)
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		s.deps.Logger.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "route", r.Pattern)
		s.renderPage(w, r, http.StatusInternalServerError, "error", nil, errorPage{Title: "Something went wrong", Message: "Please try again in a minute."})
		return
	}
	s.renderPage(w, r, statusOf(e.Code), "error", nil, errorPage{Title: "That did not work", Message: e.Message})
}

func (s *Server) today() string { return s.deps.Now().UTC().Format(people.DateLayout) }
