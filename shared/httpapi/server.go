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

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/signin"
	"github.com/attest-oss/attest/shared/team"
	"github.com/attest-oss/attest/shared/waiver"
)

// KeyStore looks API keys up by hash.
type KeyStore interface {
	// APIKey returns the key record with the given hash, or found=false.
	APIKey(ctx context.Context, hash string) (auth.APIKey, bool, error)
}

// PeopleStore reads people and their records.
type PeopleStore interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
	// PersonHistory returns the person's roster revisions, oldest first.
	PersonHistory(ctx context.Context, employeeID string) ([]roster.Revision, error)
	// Assignments returns every assignment of the person.
	Assignments(ctx context.Context, employeeID string) ([]assign.Assignment, error)
	// PersonByEmail returns the person who holds the address
	// (case-insensitive), or found=false.
	PersonByEmail(ctx context.Context, email string) (roster.Record, bool, error)
	// ListPeople returns every stored person, active or not, through the
	// roster index.
	ListPeople(ctx context.Context) ([]roster.Record, error)
	// PeopleByID returns the stored people among ids, by employee id.
	PeopleByID(ctx context.Context, ids []string) (map[string]roster.Person, error)
}

// SessionStore reads the sessions of signed-in people.
type SessionStore interface {
	// Session returns a valid session, or found=false.
	Session(ctx context.Context, hash string) (auth.Session, bool, error)
	// SessionAndPerson reads what Session and PeopleStore.GetPerson read,
	// in one call.
	SessionAndPerson(ctx context.Context, hash, employeeID string) (sess auth.Session, sessFound bool, rec roster.Record, personFound bool, err error)
	// TouchSession pushes the session's idle expiry back.
	TouchSession(ctx context.Context, sess auth.Session) error
}

// NotificationStore lists what was sent to a recipient.
type NotificationStore interface {
	// Notifications returns a recipient's notifications, oldest first.
	Notifications(ctx context.Context, recipient string) ([]reminder.Record, error)
}

// AuditLog records audit events that go with no other write.
type AuditLog interface {
	// PutAuditEvent writes one audit event.
	PutAuditEvent(ctx context.Context, event audit.Event) error
}

// Deps are the handler's collaborators.
type Deps struct {
	Keys     KeyStore
	People   PeopleStore
	Sessions SessionStore
	// SignIn issues sign-in links and starts and ends sessions.
	SignIn *signin.Service
	// Quiz takes modules; Acks policies.
	Quiz    *quiz.Service
	Acks    *ack.Service
	Catalog *catalog.Catalog
	Roster  *roster.Service
	// Assigner runs the assignment job.
	Assigner *assign.Runner
	// Reminders runs reminder emails and nudges; Notifications lists them.
	Reminders     *outbox.Service
	Notifications NotificationStore
	// Suppressions tells undeliverable addresses.
	Suppressions SuppressionStore
	// OrgConfig keeps the organisation's settings and the vendors' contacts.
	OrgConfig *orgconfig.Service
	// APIKeys creates, lists and revokes API keys.
	APIKeys *apikey.Service
	// Waivers grants, lists and revokes waivers, and tells /me what is
	// waived.
	Waivers *waiver.Service
	// Teams builds managers' team views.
	Teams *team.Service
	// Agreements reads and saves customer agreements.
	Agreements *agreement.Service
	// Metrics answers the accountability figures, their trend and the
	// agreements' reports (metrics.Service).
	Metrics MetricsService
	// Exports requests, lists and serves evidence exports; nil when the
	// deployment has no evidence bucket and key (the exports routes answer
	// 503).
	Exports ExportService
	// Imports requests and reports large roster imports; nil when the
	// deployment has no upload bucket (their routes answer 503).
	Imports ImportService
	// Audit records who read someone else's record.
	Audit AuditLog
	// AuditVerifier checks the audit log against its seals.
	AuditVerifier AuditVerifier
	// InsecureCookies drops the Secure flag and the __Host- prefix of the
	// session cookie, and the Strict-Transport-Security header, for
	// plain-HTTP local development only.
	InsecureCookies bool
	Logger          *slog.Logger
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Server is the tracker's http.Handler.
type Server struct {
	deps Deps
	mux  *routeMux
}

var _ http.Handler = (*Server)(nil)

// New returns the handler with every route registered. The error is nil:
// the page templates are parsed when each is first rendered (see pages),
// not here.
func New(d Deps) (*Server, error) {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{deps: d, mux: &routeMux{ServeMux: http.NewServeMux()}}
	s.routes()
	return s, nil
}

func (s *Server) routes() {
	s.mux.HandleFunc("GET /healthz", s.healthz)
	s.mux.HandleFunc("GET /api/openapi.json", s.openAPI)
	s.mux.Handle("PUT /api/roster", s.withKey(s.putRoster, identity.Admin, identity.HRIS))
	s.mux.Handle("POST /api/roster/imports", s.withKey(s.requestImport, identity.Admin, identity.HRIS))
	s.mux.Handle("GET /api/roster/imports", s.withKey(s.listImports, identity.Admin, identity.HRIS, identity.Auditor))
	s.mux.Handle("GET /api/roster/imports/{id}", s.withKey(s.getImport, identity.Admin, identity.HRIS, identity.Auditor))
	s.mux.Handle("GET /api/people/{employeeId}", s.withPersonAccess(s.getPerson, identity.Admin, identity.Auditor))
	s.mux.Handle("POST /api/assignments/run", s.withKey(s.runAssignments, identity.Admin))
	s.mux.Handle("GET /api/settings", s.withKey(s.getSettings, identity.Admin))
	s.mux.Handle("PUT /api/settings", s.withKey(s.putSettings, identity.Admin))
	s.mux.Handle("GET /api/vendors", s.withKey(s.listVendors, identity.Admin))
	s.mux.Handle("GET /api/vendors/{vendor}", s.withKey(s.getVendor, identity.Admin))
	s.mux.Handle("PUT /api/vendors/{vendor}", s.withKey(s.putVendor, identity.Admin))
	s.mux.Handle("POST /api/reminders/run", s.withKey(s.runReminders, identity.Admin))
	s.mux.Handle("POST /api/people/{employeeId}/nudge", s.withPersonAccess(s.nudge, identity.Admin))
	s.mux.Handle("GET /api/people/{employeeId}/notifications", s.withPersonAccess(s.notifications, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/teams/{managerId}", s.withKeyOrPerson(s.getTeam, teamRoles...))
	s.mux.Handle("POST /api/keys", s.withKeyOrAccess(s.createKey, identity.Admin))
	s.mux.Handle("GET /api/keys", s.withKeyOrAccess(s.listKeys, identity.Admin))
	s.mux.Handle("DELETE /api/keys/{id}", s.withKeyOrAccess(s.revokeKey, identity.Admin))
	s.mux.Handle("POST /api/waivers", s.withKeyOrAccess(s.grantWaiver, identity.Admin))
	s.mux.Handle("GET /api/waivers", s.withKeyOrAccess(s.listWaivers, identity.Admin, identity.Auditor))
	s.mux.Handle("DELETE /api/waivers/{id}", s.withKeyOrAccess(s.revokeWaiver, identity.Admin))
	s.mux.Handle("GET /api/metrics", s.withKeyOrAccess(s.getMetrics, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/agreements/{key}/report", s.withKeyOrAccess(s.getAgreementReport, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/agreements", s.withKeyOrAccess(s.listAgreements, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/agreements/{key}", s.withKeyOrAccess(s.getAgreement, identity.Admin, identity.Auditor))
	s.mux.Handle("PUT /api/agreements/{key}", s.withKeyOrAccess(s.putAgreement, identity.Admin))
	s.mux.Handle("POST /api/exports", s.withKeyOrAccess(s.requestExport, identity.Admin))
	s.mux.Handle("GET /api/exports", s.withKeyOrAccess(s.listExports, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/exports/{id}", s.withKeyOrAccess(s.getExport, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/exports/{id}/files/{name}", s.withKeyOrAccess(s.downloadExportFile, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /api/exports/public-key", s.serve(asJSON, s.exportPublicKey))
	s.mux.Handle("GET /api/audit/verify", s.withKeyOrAccess(s.verifyAudit, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /admin", s.withAccess(asPage, s.overviewPageHandler, consoleRoles...))
	s.mux.Handle("GET /admin/metrics", s.withAccess(asPage, s.metricsPageHandler, consoleRoles...))
	s.mux.Handle("GET /admin/agreements", s.withAccess(asPage, s.agreementsPageHandler, consoleRoles...))
	s.mux.Handle("GET /admin/agreements/{key}", s.withAccess(asPage, s.reportPageHandler, consoleRoles...))
	s.mux.Handle("GET /admin/exports", s.withAccess(asPage, s.exportsPageHandler, consoleRoles...))
	s.mux.Handle("POST /admin/exports", s.withAccess(asPage, s.formRequestExport, identity.Admin))
	s.mux.Handle("GET /admin/waivers", s.withAccess(asPage, s.waiversPageHandler, consoleRoles...))
	s.mux.Handle("POST /admin/waivers", s.withAccess(asPage, s.formGrantWaiver, identity.Admin))
	s.mux.Handle("POST /admin/waivers/{id}/revoke", s.withAccess(asPage, s.formRevokeWaiver, identity.Admin))
	s.mux.Handle("GET /admin/settings", s.withAccess(asPage, s.settingsPageHandler, consoleRoles...))
	s.mux.Handle("POST /admin/settings", s.withAccess(asPage, s.formSettings, identity.Admin))
	s.mux.Handle("POST /admin/vendors", s.withAccess(asPage, s.formPutVendor, identity.Admin))
	s.mux.Handle("POST /admin/vendors/{vendor}", s.withAccess(asPage, s.formPutVendor, identity.Admin))
	s.mux.Handle("GET /admin/keys", s.withAccess(asPage, s.keysPageHandler, identity.Admin, identity.Auditor))
	s.mux.Handle("POST /admin/keys", s.withAccess(asPage, s.formCreateKey, identity.Admin))
	s.mux.Handle("POST /admin/keys/{id}/revoke", s.withAccess(asPage, s.formRevokeKey, identity.Admin))
	s.mux.Handle("GET /admin/people", s.withAccess(asPage, s.peoplePageHandler, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /admin/people/{employeeId}", s.withAccess(asPage, s.personPageHandler, identity.Admin, identity.Auditor))
	s.mux.Handle("GET /admin/roster", s.withAccess(asPage, s.rosterPageHandler, identity.Admin, identity.Auditor))
	s.mux.Handle("POST /admin/roster/preview", withBodyLimit(maxUploadBody, s.withAccess(asPage, s.formRosterPreview, identity.Admin)))
	s.mux.Handle("POST /admin/roster/apply", withBodyLimit(maxUploadBody, s.withAccess(asPage, s.formRosterApply, identity.Admin)))

	s.mux.HandleFunc("GET /signin", s.signInPage)
	s.mux.Handle("POST /auth/link", s.serve(asPageIfForm, sameSiteOnly(s.requestLink)))
	s.mux.Handle("GET /l/{token}", s.serve(asPage, s.confirmLink))
	s.mux.Handle("POST /l/{token}", s.serve(asPage, sameSiteOnly(s.consumeLink)))
	s.mux.Handle("POST /auth/logout", s.withPerson(asPageIfForm, s.signOut))
	s.mux.Handle("GET /api/me", s.withPerson(asJSON, s.apiMe))
	s.mux.Handle("GET /me", s.withPerson(asPage, s.mePageHandler))
	s.mux.Handle("GET /me/modules/{moduleId}", s.withPerson(asPage, s.modulePageHandler))
	s.mux.Handle("POST /me/modules/{moduleId}/attempts", s.withPersonReading(asPage, s.readAssignments, s.formAttempt))
	s.mux.Handle("GET /me/modules/{moduleId}/receipt", s.withPerson(asPage, s.receiptHandler))
	s.mux.Handle("POST /api/me/modules/{moduleId}/attempts", s.withPersonReading(asJSON, s.readAssignments, s.apiAttempt))
	s.mux.Handle("GET /me/policies/{policyId}", s.withPerson(asPage, s.policyPageHandler))
	s.mux.Handle("POST /me/policies/{policyId}", s.withPerson(asPage, s.formAcknowledge))
	s.mux.Handle("GET /api/me/policies/{policyId}", s.withPerson(asJSON, s.apiPolicy))
	s.mux.Handle("POST /api/me/policies/{policyId}/acknowledgments", s.withPerson(asJSON, s.apiAcknowledge))
	s.mux.Handle("GET /team", s.withPerson(asPage, s.teamPageHandler))
	s.mux.Handle("POST /team/nudge/{employeeId}", s.withPerson(asPage, s.formNudge))
	s.mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/me", http.StatusSeeOther) })
	s.mux.Handle("/", s.serve(asJSON, s.notFound))
}

// hsts tells browsers to reach the service, and its subdomains, over HTTPS
// only for a year (the service is served over HTTPS only, except locally).
const hsts = "max-age=31536000; includeSubDomains"

// ServeHTTP implements http.Handler: security headers, the request log and
// recovery from panics, around the routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.deps.Now()
	rec := &statusRecorder{ResponseWriter: w}
	h := rec.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	if !s.deps.InsecureCookies {
		h.Set("Strict-Transport-Security", hsts)
	}
	defer func() {
		if p := recover(); p != nil {
			s.deps.Logger.ErrorContext(r.Context(), "panic", "panic", p, "method", r.Method, "route", r.Pattern)
			if rec.status == 0 {
				s.fail(rec, r, false, errPanic)
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

func (s *Server) notFound(http.ResponseWriter, *http.Request) error { return errNoRoute }

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
