package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/attest-oss/attest/shared/apperr"
)

var (
	errPanic   = errors.New("panic while serving")
	errNoRoute = apperr.New(apperr.NotFound, "no such endpoint")
)

// handler serves a request; an error it returns is answered by fail, which
// it has not written a response for.
type handler func(w http.ResponseWriter, r *http.Request) error

// errorsAs says how a route answers errors: as a JSON body or as a page.
type errorsAs int

const (
	// asJSON answers with a JSON error body.
	asJSON errorsAs = iota
	// asPage answers with the error page.
	asPage
	// asPageIfForm answers HTML form posts with the error page, anything
	// else with JSON.
	asPageIfForm
)

// page reports whether r's errors are answered with the error page.
func (e errorsAs) page(r *http.Request) bool {
	return e == asPage || (e == asPageIfForm && isForm(r))
}

// serve adapts h to http.Handler, answering its errors as e says.
func (s *Server) serve(e errorsAs, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, e.page(r), err)
		}
	})
}

// statusOf is the one place that maps error codes to HTTP statuses.
func statusOf(code apperr.Code) int {
	switch code {
	case apperr.Invalid:
		return http.StatusUnprocessableEntity
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.TooLarge:
		return http.StatusRequestEntityTooLarge
	case apperr.Unsupported:
		return http.StatusUnsupportedMediaType
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Unavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error    string           `json:"error"`
	Problems []apperr.Problem `json:"problems,omitempty"`
}

// fail is the one place that answers an error: with err's status and a
// message safe for the client, as the error page or as a JSON body.
// Internal errors are logged and shown only as "internal error" (JSON) or
// the generic error page.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, page bool, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		s.deps.Logger.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "route", r.Pattern)
		if page {
			s.renderPage(w, r, http.StatusInternalServerError, "error", nil, errorPage{Title: "Something went wrong", Message: "Please try again in a minute."})
			return
		}
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
		return
	}
	if page {
		s.renderPage(w, r, statusOf(e.Code), "error", nil, errorPage{Title: "That did not work", Message: e.Message})
		return
	}
	if e.Code == apperr.Unauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="attest"`)
	}
	writeJSON(w, statusOf(e.Code), errorBody{Error: e.Message, Problems: e.Problems})
}

// writeJSON writes v as JSON with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
