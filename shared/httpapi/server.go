// Package httpapi is the tracker's HTTP surface: one http.Handler that the API
// Lambda serves through API Gateway and the local stand-in serves on
// 127.0.0.1. Errors are mapped to statuses in one place (errors.go); clients
// never see internal error text.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/people"
	"github.com/attest-oss/attest/shared/roster"
)

// KeyStore looks API keys up by hash.
type KeyStore interface {
	// APIKey returns the key record with the given hash, or found=false.
	APIKey(ctx context.Context, hash string) (auth.APIKey, bool, error)
}

// PeopleStore reads people and their records.
type PeopleStore interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (people.Record, bool, error)
	// PersonHistory returns the person's roster revisions, oldest first.
	PersonHistory(ctx context.Context, employeeID string) ([]people.Revision, error)
	// Assignments returns every assignment of the person.
	Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error)
}

// Deps are the handler's collaborators.
type Deps struct {
	Keys     KeyStore
	People   PeopleStore
	Roster   *roster.Service
	Assigner *assign.Runner
	Logger   *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Server is the tracker's http.Handler.
type Server struct {
	deps Deps
	mux  *http.ServeMux
}

var _ http.Handler = (*Server)(nil)

// New returns the handler with every route registered.
func New(d Deps) *Server {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{deps: d, mux: http.NewServeMux()}
	s.routes()
	return s
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.Handle("PUT /api/roster", s.withKey(s.putRoster, auth.RoleAdmin, auth.RoleHRIS))
	s.mux.Handle("GET /api/people/{employeeId}", s.withKey(s.getPerson, auth.RoleAdmin, auth.RoleAuditor))
	s.mux.Handle("POST /api/assignments/run", s.withKey(s.runAssignments, auth.RoleAdmin))
	s.mux.HandleFunc("/", s.notFound)
}

// ServeHTTP implements http.Handler: security headers, the request log and
// recovery from panics, around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.deps.Now()
	rec := &statusRecorder{ResponseWriter: w}
	h := rec.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	defer func() {
		if p := recover(); p != nil {
			s.deps.Logger.ErrorContext(r.Context(), "panic", "panic", p, "method", r.Method, "route", r.Pattern)
			if rec.status == 0 {
				s.writeError(rec, r, errPanic)
			}
		}
		s.deps.Logger.InfoContext(r.Context(), "request",
			"method", r.Method, "route", r.Pattern, "status", rec.status,
			"durationMs", s.deps.Now().Sub(start).Milliseconds())
	}()
	s.mux.ServeHTTP(rec, r)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.writeError(w, r, errNoRoute)
}

// statusRecorder remembers the status written, for the request log.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}
