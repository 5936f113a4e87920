package httpapi

import (
	"mime"
	"net/http"
	"net/url"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// linkResponseFloor is the least time POST /auth/link takes, so that the
// answer for a known address (which sends mail) takes as long as for an
// unknown one.
const linkResponseFloor = 400 * time.Millisecond

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
func (s *Server) requestLink(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	form := isForm(r)
	address, err := s.linkEmail(w, r, form)
	if err != nil {
		return err
	}
	if err := s.deps.SignIn.RequestLink(r.Context(), address, sourceOf(r)); err != nil {
		return err
	}
	if wait := linkResponseFloor - time.Since(start); wait > 0 {
		select {
		case <-time.After(wait):
		case <-r.Context().Done():
		}
	}
	if form {
		s.renderPage(w, r, http.StatusAccepted, "link-sent", nil, nil)
		return nil
	}
	writeJSON(w, http.StatusAccepted, linkAccepted)
	return nil
}

// linkEmail reads the address of a link request.
func (s *Server) linkEmail(w http.ResponseWriter, r *http.Request, form bool) (string, error) {
	body, err := readBody(w, r, 4<<10)
	if err != nil {
		return "", err
	}
	if form {
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return "", apperr.New(apperr.Invalid, "the form could not be read")
		}
		return values.Get("email"), nil
	}
	var req struct {
		Email string `json:"email"`
	}
	if err := decodeStrict(body, &req, `{"email": "..."}`); err != nil {
		return "", err
	}
	return req.Email, nil
}

// confirmLink answers GET /l/{token}: a page with one button. It changes
// nothing, since mail scanners fetch links.
func (s *Server) confirmLink(w http.ResponseWriter, r *http.Request) error {
	ok, err := s.deps.SignIn.CheckLink(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	if !ok {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return nil
	}
	s.renderPage(w, r, http.StatusOK, "confirm", nil, nil)
	return nil
}

// consumeLink answers POST /l/{token}: it uses the token up, starts a
// session and sends the person to /me.
func (s *Server) consumeLink(w http.ResponseWriter, r *http.Request) error {
	id, sess, ok, err := s.deps.SignIn.SignIn(r.Context(), r.PathValue("token"), sourceOf(r), r.UserAgent())
	if err != nil {
		return err
	}
	if !ok {
		s.renderPage(w, r, http.StatusNotFound, "link-invalid", nil, nil)
		return nil
	}
	http.SetCookie(w, s.sessionCookie(sess.EmployeeID, id))
	http.Redirect(w, r, "/me", http.StatusSeeOther)
	return nil
}

// signOut ends the session.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	if err := s.deps.SignIn.SignOut(r.Context(), who.session, sourceOf(r)); err != nil {
		return err
	}
	http.SetCookie(w, s.clearedCookie())
	if isForm(r) {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return nil
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// isForm reports whether the request body is an HTML form.
func isForm(r *http.Request) bool {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return mt == "application/x-www-form-urlencoded"
}
