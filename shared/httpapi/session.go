package httpapi

import (
	"context"
	"crypto/subtle"
	"errors"
	"mime"
	"net/http"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Session cookie names: the __Host- prefix makes browsers insist on Secure,
// Path=/ and no Domain; plain-HTTP local development cannot use it.
const (
	secureCookieName   = "__Host-attest_session"
	insecureCookieName = "attest_session"
)

// maxFormBody bounds any body sent with a session cookie; JSON handlers set
// tighter limits of their own.
const maxFormBody = 64 << 10

// touchAfter limits how often a session's idle expiry is pushed back.
const touchAfter = 5 * time.Minute

// signedIn is a person signed in with a session cookie.
type signedIn struct {
	session auth.Session
	person  roster.Record
	// assignments are the person's assignments when the route read them
	// alongside the session (withPersonReading); nil otherwise.
	assignments []assign.Assignment
}

// readAlongside reads, for the request and the employee id its session
// cookie names, what a route needs besides the session and the person; nil
// when the read failed (the route's service reads again).
type readAlongside func(ctx context.Context, r *http.Request, employeeID string) []assign.Assignment

// readAssignments reads the person's assignments of the request's module
// for a quiz submission.
func (s *Server) readAssignments(ctx context.Context, r *http.Request, employeeID string) []assign.Assignment {
	all, err := s.deps.Quiz.ModuleAssignments(ctx, employeeID, r.PathValue("moduleId"))
	if err != nil {
		return nil
	}
	return all
}

func (s *Server) cookieName() string {
	if s.deps.InsecureCookies {
		return insecureCookieName
	}
	return secureCookieName
}

// sessionCookie returns the cookie that carries a new session: the
// person's employee id (not a secret; it lets the session and the person be
// read at once) and the session id, joined by a dot.
func (s *Server) sessionCookie(employeeID, id string) *http.Cookie {
	return &http.Cookie{
		Name: s.cookieName(), Value: employeeID + "." + id, Path: "/", MaxAge: int(auth.SessionMaxTTL.Seconds()),
		HttpOnly: true, Secure: !s.deps.InsecureCookies, SameSite: http.SameSiteLaxMode,
	}
}

// clearedCookie removes the session cookie.
func (s *Server) clearedCookie() *http.Cookie {
	return &http.Cookie{Name: s.cookieName(), Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: !s.deps.InsecureCookies, SameSite: http.SameSiteLaxMode}
}

// parseSessionCookie splits a session cookie value into the employee id and
// the session id; ok is false, and both are empty, for anything malformed:
// an invalid employee id or a session id that NewSecret cannot have made is
// refused before any lookup.
func parseSessionCookie(v string) (employeeID, id string, ok bool) {
	const idLen = 43
	if len(v) < idLen+2 || v[len(v)-idLen-1] != '.' {
		return "", "", false
	}
	employeeID, id = v[:len(v)-idLen-1], v[len(v)-idLen:]
	if identity.CheckEmployeeID(employeeID) != nil || !auth.LooksLikeSecret(id) {
		return "", "", false
	}
	return employeeID, id, true
}

// currentSession returns the signed-in person of the request, or nil when
// there is no valid session, the person is no longer active or the roster
// revoked the session (an email change, a deactivation). The session
// and the person are read in one call; the session must belong to the
// person the cookie names.
//
// alongside, when not nil, reads what the route will need of the person the
// cookie names (readAssignments) at the same time; what it read is kept only
// once the session is found to be that person's.
func (s *Server) currentSession(r *http.Request, alongside readAlongside) (*signedIn, error) {
	c, err := r.Cookie(s.cookieName())
	if err != nil {
		return nil, nil
	}
	employeeID, id, ok := parseSessionCookie(c.Value)
	if !ok {
		return nil, nil
	}
	ctx := r.Context()
	var (
		assignments []assign.Assignment
		wg          sync.WaitGroup
	)
	if alongside != nil {
		wg.Go(func() { assignments = alongside(ctx, r, employeeID) })
	}
	sess, found, rec, personFound, err := s.deps.Sessions.SessionAndPerson(ctx, auth.HashSecret(id), employeeID)
	wg.Wait()
	if err != nil || !found || sess.EmployeeID != employeeID {
		return nil, err
	}
	if !personFound || !rec.ActiveOn(s.today()) || rec.Revoked(sess.CreatedAt) {
		return nil, nil
	}
	if s.deps.Now().Sub(sess.LastSeen) > touchAfter {
		if err := s.deps.Sessions.TouchSession(ctx, sess); err != nil {
			return nil, err
		}
	}
	return &signedIn{session: sess, person: rec, assignments: assignments}, nil
}

// personHandler serves a signed-in person's request; an error it returns
// is answered by fail, which it has not written a response for.
type personHandler func(w http.ResponseWriter, r *http.Request, who *signedIn) error

// withPerson requires a signed-in person. On page routes (asPage) a GET
// without a session redirects to the sign-in page and the checks' errors
// are pages; elsewhere they are JSON (no session: 401). State-changing
// requests must carry the session's CSRF token (form field csrf, or header
// X-CSRF-Token) and must not come from another site. Errors of next are
// answered as e says.
func (s *Server) withPerson(e errorsAs, next personHandler) http.Handler {
	return s.withPersonReading(e, nil, next)
}

// withPersonReading is withPerson for a route that needs more of the
// person than their profile: alongside reads it at the same time as the
// session (one round trip instead of two in a row), from the employee id
// the cookie names, and next sees it only once the session is found to be
// that person's.
func (s *Server) withPersonReading(e errorsAs, alongside readAlongside, next personHandler) http.Handler {
	page := e == asPage
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		who, err := s.checkPerson(w, r, page, alongside)
		if err != nil {
			s.fail(w, r, page, err)
			return
		}
		if who == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		if err := next(w, r, who); err != nil {
			s.fail(w, r, e.page(r), err)
		}
	})
}

// checkPerson returns the request's signed-in person after the session and
// CSRF checks, or nil when a page's GET without a session is to be sent to
// the sign-in page.
func (s *Server) checkPerson(w http.ResponseWriter, r *http.Request, page bool, alongside readAlongside) (*signedIn, error) {
	who, err := s.currentSession(r, alongside)
	if err != nil {
		return nil, err
	}
	if who == nil {
		if page && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			return nil, nil
		}
		return nil, apperr.New(apperr.Unauthorized, "please sign in")
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return who, nil
	}
	limit := bodyLimit(r)
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := parseForm(r, limit); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apperr.New(apperr.TooLarge, "the form is over the limit of %d bytes", limit)
		}
		return nil, apperr.New(apperr.Invalid, "the form could not be read")
	}
	return who, s.checkCSRF(r, who.session.CSRFToken)
}

// parseForm parses a form body: URL-encoded, or multipart/form-data held
// in memory up to limit bytes. Other bodies are left to the handler.
func parseForm(r *http.Request, limit int64) error {
	if isForm(r) {
		return r.ParseForm()
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "multipart/form-data" {
		return r.ParseMultipartForm(limit)
	}
	return nil
}

// bodyLimitKey carries a route's own limit on bodies sent with a session
// cookie (withBodyLimit).
type bodyLimitKey struct{}

// withBodyLimit lets the session routes of h take bodies of up to limit
// bytes instead of maxFormBody: file uploads.
func withBodyLimit(limit int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), bodyLimitKey{}, limit)))
	})
}

// bodyLimit is the largest body the request's route takes with a session
// cookie.
func bodyLimit(r *http.Request) int64 {
	if n, ok := r.Context().Value(bodyLimitKey{}).(int64); ok {
		return n
	}
	return maxFormBody
}

// crossOrigin refuses requests that browsers mark as cross-site
// (Sec-Fetch-Site, else Origin against Host). Same-origin form posts from
// pages sent with Referrer-Policy: no-referrer carry "Origin: null", so the
// Origin header alone cannot be compared.
var crossOrigin = http.NewCrossOriginProtection()

// errCrossSite answers a state-changing request another site made.
var errCrossSite = apperr.New(apperr.Forbidden, "cross-site request refused")

// sameSiteOnly refuses cross-site requests (crossOrigin) before h. The
// sign-in routes have no session and so no CSRF token, but another site
// must not make a browser ask for a link or use one: that would sign the
// victim in as the attacker (login CSRF).
func sameSiteOnly(h handler) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		if crossOrigin.Check(r) != nil {
			return errCrossSite
		}
		return h(w, r)
	}
}

// checkCSRF refuses cross-site requests and compares the request's CSRF
// token (header X-CSRF-Token, or form field csrf) with the session's.
func (s *Server) checkCSRF(r *http.Request, want string) error {
	if crossOrigin.Check(r) != nil {
		return errCrossSite
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

func (s *Server) today() string { return s.deps.Now().UTC().Format(roster.DateLayout) }
