// Command local is the local stand-in for the AWS stack, run by `make dev`.
// It starts DynamoDB Local, the SES emulator, the S3 server and Local KMS
// (package devstack), creates the table from the
// same schema the CDK stack deploys, the evidence bucket (Object Lock on)
// and the signing key (alias/attest-evidence) unless they exist, seeds the demo organisation with a year
// of simulated history into an empty table (package demo), and serves the
// API through the same Lambda adapter and handler the API function runs.
// Ctrl-C, or the death of any child, stops everything.
package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/demo"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/localgw"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "make dev:", err)
		os.Exit(1)
	}
}

// settings are read from the environment (see the README).
type settings struct {
	apiPort, dynamoPort, sesPort, s3Port, kmsPort int
	apiKey, table                                 string
	// dataDir holds each stand-in's data in a directory of its own (see
	// dynamoDir, s3Dir, kmsDir).
	dataDir string
	// demoDays is how many days of history the demo organisation gets.
	demoDays int
}

func readSettings(root string) (settings, error) {
	s := settings{
		apiKey:  os.Getenv("DEV_API_KEY"),
		table:   envOr("DEV_TABLE", "attest-local"),
		dataDir: envOr("DEV_DATA_DIR", filepath.Join(root, ".local")),
	}
	for _, p := range []struct {
		env  string
		def  int
		into *int
	}{
		{"DEV_PORT", 8080, &s.apiPort}, {"DEV_DYNAMODB_PORT", 8000, &s.dynamoPort}, {"DEV_SES_PORT", 8005, &s.sesPort},
		{"DEV_S3_PORT", 8010, &s.s3Port}, {"DEV_KMS_PORT", 8011, &s.kmsPort},
	} {
		v, err := strconv.Atoi(envOr(p.env, strconv.Itoa(p.def)))
		if err != nil || v < 1 || v > 65535 {
			return s, fmt.Errorf("%s must be a port number", p.env)
		}
		*p.into = v
	}
	days, err := strconv.Atoi(envOr("DEV_DEMO_DAYS", "365"))
	if err != nil || days < 1 || days > 3660 {
		return s, fmt.Errorf("DEV_DEMO_DAYS must be a number of days from 1 to 3660")
	}
	s.demoDays = days
	return s, nil
}

func (s settings) dynamoDir() string { return filepath.Join(s.dataDir, "dynamodb") }
func (s settings) s3Dir() string     { return filepath.Join(s.dataDir, "s3") }
func (s settings) kmsDir() string    { return filepath.Join(s.dataDir, "kms") }

func run() error {
	root, err := devstack.FindRepoRoot()
	if err != nil {
		return err
	}
	cfg, err := readSettings(root)
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Fail early, before the children start, if the API port is taken.
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", cfg.apiPort))
	if err != nil {
		return fmt.Errorf("port %d is taken (set DEV_PORT): %w", cfg.apiPort, err)
	}

	base := fmt.Sprintf("http://127.0.0.1:%d", cfg.apiPort)
	// A fresh data directory's table is seeded with DynamoDB Local's
	// database in a scratch directory (memory on Linux), then moved into
	// the data directory: SQLite flushes every write to disk, which more
	// than doubled the seeding time on a busy disk. The same DynamoDB
	// Local, services and jobs write the same items. An interrupted seeding
	// leaves the data directory without a database.
	dynamoDir, scratch := cfg.dynamoDir(), ""
	if fresh, err := emptyDir(dynamoDir); err != nil {
		ln.Close()
		return err
	} else if fresh {
		if scratch, err = os.MkdirTemp(devstack.ScratchDir(), "attest-seed-dynamodb-"); err != nil {
			ln.Close()
			return fmt.Errorf("scratch directory for seeding: %w", err)
		}
		defer os.RemoveAll(scratch)
		dynamoDir = scratch
	}
	fmt.Println("starting DynamoDB Local, the SES emulator, the S3 server and Local KMS ...")
	stack, err := devstack.Start(ctx, devstack.Options{
		RepoRoot: root, DynamoPort: cfg.dynamoPort, SESPort: cfg.sesPort, S3Port: cfg.s3Port, KMSPort: cfg.kmsPort,
		DynamoDataDir: dynamoDir, S3DataDir: cfg.s3Dir(), KMSDataDir: cfg.kmsDir(), S3Notify: base + s3EventsPath,
		Log: os.Stderr, PrefixLog: true,
	})
	if err != nil {
		ln.Close()
		return err
	}
	defer func() {
		fmt.Println("stopping the local AWS stand-ins ...")
		if err := stack.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stop:", err)
		}
	}()

	client := stack.DynamoClient()
	if err := dynamo.CreateTable(ctx, client, cfg.table); err != nil {
		ln.Close()
		return err
	}
	// The evidence bucket and signing key, for app.Config's Objects and
	// Signer.
	evidence, err := setUpEvidence(ctx, stack)
	if err != nil {
		ln.Close()
		return err
	}
	uploads, err := setUpUploads(ctx, stack)
	if err != nil {
		ln.Close()
		return err
	}
	cadence, err := reminder.ParseConfig(env.Optional(env.ReminderCadence))
	if err != nil {
		ln.Close()
		return err
	}
	attemptsPerDay, err := env.PositiveInt(env.QuizAttemptsPerDay, quiz.DefaultAttemptsPerDay)
	if err != nil {
		ln.Close()
		return err
	}
	appCfg := app.Config{
		Cadence: &cadence, QuizAttemptsPerDay: attemptsPerDay,
		DynamoDB: client, TableName: cfg.table, SES: stack.SESClient(), SenderEmail: "training@attest.local",
		BaseURL: base, InsecureCookies: true, Logger: logger,
		Signer: evidence.Signer, Exports: &app.ExportsConfig{Objects: evidence.Objects, Links: evidence.Links},
		Imports: uploads,
	}
	a, err := inprocess.New(appCfg)
	if err != nil {
		ln.Close()
		return err
	}
	if err := seed(ctx, a, appCfg, cfg.demoDays); err != nil {
		ln.Close()
		return err
	}
	if scratch != "" {
		fmt.Printf("moving the seeded database to %s ...\n", cfg.dynamoDir())
		if err := stack.MoveDynamoData(ctx, cfg.dynamoDir()); err != nil {
			ln.Close()
			return fmt.Errorf("keep the seeded table: %w (make dev-reset wipes the partial data)", err)
		}
	}
	key, err := ensureAPIKey(ctx, a, cfg.apiKey)
	if err != nil {
		ln.Close()
		return err
	}
	links, err := demoLinks(ctx, a)
	if err != nil {
		ln.Close()
		return err
	}

	gw := localgw.New(httpadapter.NewV2(a.Handler).ProxyWithContext)
	imports := &localImports{handle: handler.Import(a.Imports, logger)}
	defer imports.wait()
	srv := &http.Server{Handler: withS3Events(gw, imports), ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	printBanner(base, stack, cfg, key, links, evidence)

	select {
	case <-ctx.Done():
		fmt.Println("\ninterrupted")
	case <-stack.Done():
		err = fmt.Errorf("a local service died, stopping everything: %w", stack.Err())
	case err = <-served:
		err = fmt.Errorf("API server: %w", err)
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	return err
}

// demoSeed is the seed of the demo organisation's simulated history.
const demoSeed = 1

// seed fills an empty table with the demo organisation and its history: the
// last days (a year by default) replayed through the real services and jobs
// on a simulated clock (package demo), ending now.
func seed(ctx context.Context, a *app.App, cfg app.Config, days int) error {
	existing, err := a.Store.ListPeople(ctx)
	if err != nil || len(existing) > 0 {
		return err
	}
	fmt.Printf("simulating the demo organisation's last %d days (once, into the empty table) ...\n", days)
	started := time.Now()
	sum, err := demo.Run(ctx, demo.Options{Config: cfg, Days: days, Seed: demoSeed})
	if err != nil {
		return fmt.Errorf("seed demo organisation: %w (make dev-reset wipes the partial data)", err)
	}
	fmt.Printf("seeded the demo organisation: %d people, %s in %s\n", sum.People, sum, time.Since(started).Round(100*time.Millisecond))
	return nil
}

// emptyDir reports whether dir is missing or holds nothing.
func emptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	return err == nil && len(entries) == 0, err
}

// ensureAPIKey stores the admin key given in DEV_API_KEY (once), or a new
// random one, through the same use case as /api/keys, so it is listed there.
func ensureAPIKey(ctx context.Context, a *app.App, given string) (string, error) {
	req := apikey.Request{Role: string(identity.Admin), Label: "dev-admin"}
	if given != "" {
		_, err := a.Keys.Adopt(ctx, given, req, "seed:make-dev", "local")
		return given, err
	}
	key, _, err := a.Keys.Create(ctx, req, "seed:make-dev", "local")
	return key, err
}

// demoPeople are the demo employee, manager and admin who get a printed
// sign-in link. The manager is the head of Engineering, whose team spans
// three levels (the managers under him and their reports) and, on the demo
// year, has people behind; Hiroshi Tanaka (E010), one level down, has a
// team that finished everything.
var demoPeople = []struct{ id, what string }{{"E020", "employee"}, {"E002", "manager"}, {"E050", "admin"}}

// demoLinks issues a sign-in link (of the 7-day reminder kind, so it
// outlives a coffee break) for each demo person still active.
func demoLinks(ctx context.Context, a *app.App) ([]string, error) {
	var out []string
	now := time.Now()
	for _, d := range demoPeople {
		rec, found, err := a.Store.GetPerson(ctx, d.id)
		if err != nil {
			return nil, err
		}
		if !found || !rec.ActiveOn(now.UTC().Format(roster.DateLayout)) {
			continue
		}
		link, _, err := a.SignIn.IssueLink(ctx, rec.EmployeeID, auth.LinkReminder, "seed:make-dev", "local")
		if err != nil {
			return nil, err
		}
		out = append(out, fmt.Sprintf("  Sign in as %-8s %s   (%s, %s)", d.what, link, rec.Name, rec.EmployeeID))
	}
	return out, nil
}

func printBanner(base string, stack *devstack.Stack, cfg settings, key string, links []string, evidence localEvidence) {
	fmt.Printf(`
Attest is running locally.

  API and pages   %[1]s   (health: %[1]s/healthz)
  DynamoDB Local  %[2]s   (table %[3]s, data in %[7]s)
  SES emulator    %[4]s   (sent mail: %[4]s/store)
  S3 server       %[8]s   (path-style, data in %[9]s)
  Local KMS       %[10]s   (keys in %[11]s)
  Evidence        bucket %[12]s, signing key %[14]s
                  (%[13]s)

  Admin API key   %[5]s
                  curl -H "Authorization: Bearer %[5]s" %[1]s/api/people/E001
  Reminders       curl -X POST -H "Authorization: Bearer %[5]s" -d '{"dryRun": true}' %[1]s/api/reminders/run
  Metrics         curl -H "Authorization: Bearer %[5]s" '%[1]s/api/metrics?by=department'
  Agreements      curl -H "Authorization: Bearer %[5]s" %[1]s/api/agreements/globex-health-dpa/report
  Evidence        curl -H "Authorization: Bearer %[5]s" %[1]s/api/exports
  Audit log       curl -H "Authorization: Bearer %[5]s" '%[1]s/api/audit/verify?from=%[15]s&to=%[16]s'

%[6]s
  Each link works once, for 7 days; more at %[1]s/signin (the email lands in the SES emulator).
  After signing in, the manager's team is at %[1]s/team and the admin console at %[1]s/admin
  (metrics at %[1]s/admin/metrics, customer agreements at %[1]s/admin/agreements,
  evidence bundles at %[1]s/admin/exports).

Press Ctrl-C to stop; data survives a restart (make dev-reset wipes it).
`, base, stack.DynamoEndpoint(), cfg.table, stack.SESEndpoint(), key, strings.Join(links, "\n"), cfg.dynamoDir(),
		stack.S3Endpoint(), cfg.s3Dir(), stack.KMSEndpoint(), cfg.kmsDir(), evidence.Objects.Bucket, evidence.Signer.KeyID(), signingKeyAlias,
		time.Now().UTC().AddDate(0, 0, -90).Format(time.DateOnly), time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly))
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
