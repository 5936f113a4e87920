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
	}
	return http.StatusInternalServerError
}

// errorBody is the JSON body of every error response.
type errorBody struct {
	Error    string           `json:"error"`
	Problems []apperr.Problem `json:"problems,omitempty"`
}

// writeError answers with err's status and a message safe for the client.
// Internal errors are logged and shown only as "internal error".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		s.deps.Logger.ErrorContext(r.Context(), "internal error", "err", err, "method", r.Method, "route", r.Pattern)
		writeJSON(w, http.StatusInternalServerError, errorBody{Error: "internal error"})
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
