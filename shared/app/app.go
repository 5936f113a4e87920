// Package app wires the tracker's parts together from a DynamoDB client and a
// table name, so that each Lambda's main.go, the local stand-in stack and the
// integration tests build exactly the same object graph.
package app

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/httpapi"
	"github.com/attest-oss/attest/shared/roster"
)

// Config is what the application needs to run.
type Config struct {
	// DynamoDB is the client (production or local endpoint).
	DynamoDB dynamo.API
	// TableName is the table of package table's schema.
	TableName string
	// Logger receives JSON logs; discarded when nil.
	Logger *slog.Logger
	// Now returns the current time; time.Now when nil (tests move the clock).
	Now func() time.Time
}

// App is the wired application.
type App struct {
	Store    *dynamo.Store
	Catalog  *catalog.Catalog
	Assigner *assign.Runner
	Roster   *roster.Service
	Handler  *httpapi.Server
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
	rost := &roster.Service{Store: store, Catalog: cat, Assigner: runner, Now: cfg.Now}
	handler := httpapi.New(httpapi.Deps{
		Keys: store, People: store, Roster: rost, Assigner: runner,
		Logger: cfg.Logger, Now: cfg.Now,
	})
	return &App{Store: store, Catalog: cat, Assigner: runner, Roster: rost, Handler: handler}, nil
}
