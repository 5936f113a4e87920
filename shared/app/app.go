// Package app wires the whole tracker together from a DynamoDB client and a
// table name, so that the API function, the local stand-in stack and the
// integration tests build exactly the same object graph. The other functions
// wire only the parts they use, in their own main.go.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/email"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/httpapi"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/reminder/outbox"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/ses"
	"github.com/attest-oss/attest/shared/signin"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/team"
	"github.com/attest-oss/attest/shared/waiver"
)

// Config is what the application needs to run.
type Config struct {
	// DynamoDB is the client (production or local endpoint).
	DynamoDB dynamo.API
	// TableName is the table of package table's schema.
	TableName string
	// SES is the SES v2 client (production or the local emulator).
	SES ses.API
	// SenderEmail is the SES identity mail comes from.
	SenderEmail string
	// BaseURL is the public origin of the service, for links in emails.
	BaseURL string
	// InsecureCookies relaxes the session cookie and leaves out HSTS, for
	// plain-HTTP local use.
	InsecureCookies bool
	// ConfigurationSet is the SES configuration set whose events report
	// bounces and complaints (empty locally).
	ConfigurationSet string
	// QuizAttemptsPerDay caps a person's quiz attempts at one module per
	// UTC day; zero means quiz.DefaultAttemptsPerDay.
	QuizAttemptsPerDay int
	// Cadence is the reminder cadence; nil means reminder.DefaultConfig.
	Cadence *reminder.Config
	// Dispatcher hands reminder notifications to the send function (SQS in
	// AWS); nil delivers them in-process.
	Dispatcher outbox.Dispatcher
	// Exports are the evidence exports' adapters; nil leaves them out (the
	// exports routes answer 503 and the admin console says so).
	Exports *ExportsConfig
	// Imports are the large roster imports' adapters; nil leaves them out
	// (their routes answer 503).
	Imports *ImportsConfig
	// Logger receives JSON logs; discarded when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil (tests move the clock).
	Now func() time.Time
	// Signer is the evidence key, which signs the audit seals (and the
	// bundles' manifests); nil means none is configured: the audit log
	// is not sealed, and verifying a sealed day fails, saying so.
	Signer signing.Signer
}

// ExportsConfig holds the adapters evidence exports run on; the bundles
// are signed by Config.Signer, which exports need.
type ExportsConfig struct {
	// Objects is the evidence bucket bundles are written into; needed
	// without a Queue (exports run in-process).
	Objects export.Objects
	// Links presigns downloads from the evidence bucket.
	Links export.Links
	// Build writes a bundle; needed without a Queue (exports run
	// in-process). Package app/inprocess wires the real one (package
	// bundle), which package app does not link: the API function queues
	// exports and would link the evidence and PDF writers for nothing.
	Build export.Builder
	// Queue hands exports to the export function; nil runs them
	// in-process (make dev, tests: App.Exports.Wait).
	Queue export.Queue
}

// ImportsConfig holds the adapters large roster imports run on.
type ImportsConfig struct {
	// Links presigns the upload bucket's URLs (the API's part).
	Links roster.UploadLinks
	// Uploads is the upload bucket, to run imports (the import function's
	// part, and in-process).
	Uploads roster.Uploads
	// Queue hands an import on to a new invocation of the import
	// function; nil runs an import to its end in one go (make dev, tests).
	Queue roster.ImportQueue
}

// App is the wired application.
type App struct {
	Store     *dynamo.Store
	Catalog   *catalog.Catalog
	Assigner  *assign.Runner
	Roster    *roster.Service
	Reminders *outbox.Service
	SignIn    *signin.Service
	Quiz      *quiz.Service
	Acks      *ack.Service
	OrgConfig *orgconfig.Service
	// Keys creates, lists and revokes API keys.
	Keys *apikey.Service
	// Waivers is the exceptions register.
	Waivers *waiver.Service
	// Teams builds managers' team views.
	Teams *team.Service
	// Metrics answers the metrics and agreement reports and freezes
	// closed quarters.
	Metrics *metrics.Service
	// Agreements keeps the customer agreements.
	Agreements *agreement.Service
	// Exports requests, runs and serves evidence exports; nil without
	// Config.Exports.
	Exports *export.Service
	// Imports requests, runs and reports large roster imports; nil
	// without Config.Imports.
	Imports *roster.ImportService
	// Sealer seals the audit days that ended; nil without a Signer.
	Sealer *auditlog.Sealer
	// AuditVerifier checks the audit log against its seals;
	// AuditLogWriter writes it for an evidence bundle.
	AuditVerifier  *auditlog.Verifier
	AuditLogWriter *auditlog.Writer
	Handler        *httpapi.Server
}

// New wires the application. It loads the embedded content catalog, which
// fails only if the shipped content is invalid.
func New(cfg Config) (*App, error) {
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	store := dynamo.New(cfg.DynamoDB, cfg.TableName, cfg.Now)
	runner := &assign.Runner{Store: store, Catalog: cat, Now: cfg.Now}
	rost := &roster.Service{Store: store, Catalog: cat, Assigner: runner, Imports: store, Now: cfg.Now}
	cadence := reminder.DefaultConfig()
	if cfg.Cadence != nil {
		cadence = *cfg.Cadence
	}
	sender := ses.NewSender(cfg.SES, cfg.SenderEmail, cfg.ConfigurationSet)
	links := &signin.Service{Store: store, People: store, Mailer: sender, BaseURL: cfg.BaseURL, Logger: cfg.Logger, Now: cfg.Now}
	rem := &outbox.Service{
		Store: store, Mailer: sender, Links: links, Config: cadence, BaseURL: cfg.BaseURL,
		Titles:     email.CatalogTitles(cat),
		Dispatcher: cfg.Dispatcher, Logger: cfg.Logger, Now: cfg.Now,
	}
	a := &App{
		Store: store, Catalog: cat, Assigner: runner, Roster: rost, Reminders: rem, SignIn: links,
		Quiz:       &quiz.Service{Store: store, Catalog: cat, AttemptsPerDay: cfg.QuizAttemptsPerDay, Now: cfg.Now},
		Acks:       &ack.Service{Store: store, Catalog: cat, Now: cfg.Now},
		OrgConfig:  &orgconfig.Service{SettingsStore: store, VendorStore: store, People: store},
		Keys:       &apikey.Service{Store: store, Agreements: store, Now: cfg.Now},
		Waivers:    &waiver.Service{Store: store, Catalog: cat, Now: cfg.Now},
		Teams:      &team.Service{Directory: store, Records: store, Reach: store, Audit: store, Catalog: cat, Now: cfg.Now},
		Agreements: &agreement.Service{Store: store, Catalog: cat, Assigner: runner},
		Metrics:    &metrics.Service{Histories: store, Snapshots: store, Agreements: store, Catalog: cat, Now: cfg.Now},
		// The verifier needs the key's public half only.
		AuditVerifier:  &auditlog.Verifier{Store: store, Key: cfg.Signer, Now: cfg.Now},
		AuditLogWriter: &auditlog.Writer{Store: store},
	}
	if cfg.Signer != nil {
		a.Sealer = &auditlog.Sealer{Store: store, Signer: cfg.Signer, Now: cfg.Now}
	}
	deps := httpapi.Deps{
		Keys: store, People: store, Sessions: store, SignIn: links, Quiz: a.Quiz, Acks: a.Acks,
		Catalog: cat, Roster: rost, Assigner: runner, Reminders: rem, Notifications: store,
		Suppressions: store, OrgConfig: a.OrgConfig, APIKeys: a.Keys, Waivers: a.Waivers, Teams: a.Teams, Agreements: a.Agreements, Metrics: a.Metrics, Audit: store, AuditVerifier: a.AuditVerifier, InsecureCookies: cfg.InsecureCookies,
		Logger: cfg.Logger, Now: cfg.Now,
	}
	if x := cfg.Exports; x != nil {
		if cfg.Signer == nil {
			return nil, errors.New("evidence exports need the signing key (Config.Signer)")
		}
		if x.Queue == nil && (x.Build == nil || x.Objects == nil) {
			return nil, errors.New("evidence exports that run in-process need a bundle builder and the bucket to write to (ExportsConfig.Build, Objects: see package app/inprocess)")
		}
		a.Exports = &export.Service{Store: store, Snapshots: store, Agreements: store, Objects: x.Objects, Links: x.Links, Build: x.Build,
			Queue: x.Queue, Signer: cfg.Signer, Logger: cfg.Logger, Now: cfg.Now}
		deps.Exports = a.Exports
	}
	if x := cfg.Imports; x != nil {
		a.Imports = &roster.ImportService{Store: store, Links: x.Links, Uploads: x.Uploads, Catalog: cat, Assigner: runner, Queue: x.Queue,
			Logger: cfg.Logger, Now: cfg.Now}
		deps.Imports = a.Imports
	}
	a.Handler, err = httpapi.New(deps)
	if err != nil {
		return nil, err
	}
	return a, nil
}
