package httpapi

import (
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/identity"
)

// Limits on sign-in link requests, counted in DynamoDB.
const (
	linksPerAddressPerHour = 5
	linksPerIPPerHour      = 30
	// linkResponseFloor is the least time POST /auth/link takes, so that the
	// answer for a known address (which sends mail) takes as long as for an
	// unknown one.
	linkResponseFloor = 400 * time.Millisecond
)

// linkAccepted is the one answer of POST /auth/link, whatever the address.
var linkAccepted = map[string]string{
	"status":  "accepted",
	"message": "If the address belongs to an active person, a sign-in link is on its way.",
}

func (s *Server) signInPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, "signin", nil, nil)
}

// requestLink answers POST /auth/link ({"email"} or a form) with 202 and the
// same body in the same time, whether or not the address is known; only an
// active person's address gets an email.
func (s *Server) requestLink(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	form := isForm(r)
	email, err := s.linkEmail(w, r, form)
	if err != nil {
		s.fail(w, r, form, err)
		return
	}
	ip := sourceOf(r)
	if n, err := s.deps.Sessions.CountRequest(r.Context(), "link-ip", ip, time.Hour); err != nil {
		s.fail(w, r, form, err)
		return
	} else if n > linksPerIPPerHour {
		s.fail(w, r, form, apperr.New(apperr.RateLimited, "too many sign-in requests from this network; try again later"))
		return
	}
	if err := s.sendLinkIfKnown(r, email, ip); err != nil {
		// Logged, never shown: the answer must not depend on the address.
		s.deps.Logger.ErrorContext(r.Context(), "sign-in link not sent", "err", err)
	}
	if wait := linkResponseFloor - time.Since(start); wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
		}
	}
	if form {
		s.renderPage(w, r, http.StatusAccepted, "link-sent", nil, nil)
		return
	}
	writeJSON(w, http.StatusAccepted, linkAccepted)
}

// linkEmail reads and checks the address of a link request.
func (s *Server) linkEmail(w http.ResponseWriter, r *http.Request, form bool) (string, error) {
	body, err := readBody(w, r, 4<<10)
	if err != nil {
		return "", err
	}
	var email string
	if form {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return "", apperr.New(apperr.Invalid, "the form could not be read")
		}
		email = values.Get("email")
	} else {
		var req struct {
			Email string `json:"email"`
		}
		if err := decodeStrict(body, &req, `{"email": "..."}`); err != nil {
			return "", err
		}
		email = req.Email
	}
	email = strings.TrimSpace(email)
	if identity.CheckEmail(email) != nil {
		return "", apperr.New(apperr.Invalid, "that is not an email address")
	}
	return email, nil
}

// sendLinkIfKnown emails a sign-in link when the address belongs to an
// active person and the address has not asked too often.
func (s *Server) sendLinkIfKnown(r *http.Request, address, ip string) error {
	ctx := r.Context()
	n, err := s.deps.Sessions.CountRequest(ctx, "link-email", auth.HashSecret(strings.ToLower(address)), time.Hour)
	if err != nil || n > linksPerAddressPerHour {
		return err
	}
	rec, found, err := s.deps.People.PersonByEmail(ctx, address)
	if err != nil || !found || !rec.ActiveOn(s.today()) {
		return err
	}
	now := s.deps.Now()
	token, tok := auth.NewSignInToken(rec.EmployeeID, auth.LinkSignIn, now)
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(rec.EmployeeID), Action: audit.ActionSignInLinkSent,
		Subject: identity.PersonRef(rec.EmployeeID), Source: ip}
	if err := s.deps.Sessions.PutSignInToken(ctx, tok, event); err != nil {
		return err
	}
	msg, err := email.SignInLink(rec.Email, rec.Name, s.deps.BaseURL+"/l/"+token, tok.ExpiresAt, rec.Location())
	if err != nil {
		return err
	}
	_, err = s.deps.Mailer.Send(ctx, msg)
	return err
}

// confirmLink answers GET /l/{token}: a page with one button. It changes
// nothing, since mail scanners fetch links.
func (s *Server) confirmLink(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if !auth.LooksLikeSecret(token) {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return
	}
	_, found, err := s.deps.Sessions.SignInToken(r.Context(), auth.HashSecret(token))
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	if !found {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return
	}
	s.renderPage(w, r, http.StatusOK, "confirm", nil, nil)
}

// consumeLink answers POST /l/{token}: it uses the token up, starts a
// session and sends the person to /me.
func (s *Server) consumeLink(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	ctx := r.Context()
	if !auth.LooksLikeSecret(token) {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return
	}
	hash := auth.HashSecret(token)
	tok, found, err := s.deps.Sessions.SignInToken(ctx, hash)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	if !found {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return
	}
	rec, found, err := s.deps.People.GetPerson(ctx, tok.EmployeeID)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	if !found || !rec.ActiveOn(s.today()) {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return
	}
	now := s.deps.Now()
	id, sess := auth.NewSession(rec.EmployeeID, now)
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(rec.EmployeeID), Action: audit.ActionSignIn,
		Subject: identity.PersonRef(rec.EmployeeID), Source: sourceOf(r),
		Details: map[string]any{"linkKind": string(tok.Kind), "userAgent": audit.UserAgent(r.UserAgent())}}
	if err := s.deps.Sessions.ConsumeSignInToken(ctx, hash, sess, event); err != nil {
		if apperr.CodeOf(err) == apperr.NotFound {
			s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
			return
		}
		s.fail(w, r, true, err)
		return
	}
	http.SetCookie(w, s.sessionCookie(rec.EmployeeID, id))
	http.Redirect(w, r, "/me", http.StatusSeeOther)
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, who *signedIn) {
	now := s.deps.Now()
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(who.person.EmployeeID), Action: audit.ActionSignOut,
		Subject: identity.PersonRef(who.person.EmployeeID), Source: sourceOf(r)}
	if err := s.deps.Sessions.DeleteSession(r.Context(), who.session.Hash, event); err != nil {
		s.fail(w, r, isForm(r), err)
		return
	}
	http.SetCookie(w, s.clearedCookie())
	if isForm(r) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// isForm reports whether the request body is an HTML form.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}
