package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/metrics"
)

// Store keeps the exports (item EXPORTS / <id> of package table).
type Store interface {
	// PutExport stores a new export with its audit event in one
	// transaction, only if no export has its id: Conflict otherwise.
	PutExport(ctx context.Context, e Export, event audit.Event) error
	// UpdateExportState replaces the export from (as read) by to, with
	// its audit event in one transaction, only if the stored export is
	// still in from's state and version: Conflict otherwise. It returns
	// to as stored (its version one more than from's).
	UpdateExportState(ctx context.Context, from, to Export, event audit.Event) (Export, error)
	// GetExport returns the export with the given id, or found=false.
	GetExport(ctx context.Context, id string) (Export, bool, error)
	// ListExports returns every export, newest request first.
	ListExports(ctx context.Context) ([]Export, error)
	// RecordDownload writes the audit event of a download, which changes
	// no export.
	RecordDownload(ctx context.Context, event audit.Event) error
}

// Snapshots tells whether a closed quarter's metrics are frozen (the
// bundle of a closed quarter is built from its snapshot).
type Snapshots interface {
	// Snapshot returns a quarter's manifest, or found=false when the
	// quarter is not frozen.
	Snapshot(ctx context.Context, quarter string) (metrics.Snapshot, bool, error)
}

// Agreements reads the customer agreements.
type Agreements interface {
	// Agreement returns the agreement with the given key, or found=false.
	Agreement(ctx context.Context, key string) (agreement.Agreement, bool, error)
	// Agreements returns every agreement, ordered by key.
	Agreements(ctx context.Context) ([]agreement.Agreement, error)
}

// Sink creates the files of one bundle; several may be open at once. It
// has the method set of evidence.Sink, so one is the other.
type Sink interface {
	// Create starts the file name; Close of the writer finishes it and
	// reports whether it was stored.
	Create(ctx context.Context, name, contentType string) (io.WriteCloser, error)
}

// Objects is the evidence bucket as bundles are written into it (package
// s3store in AWS and locally).
type Objects interface {
	// Sink returns a sink that stores each file name under prefix+name.
	Sink(prefix string) Sink
}

// Links is the evidence bucket as bundles are downloaded from it (package
// s3presign in AWS and locally).
type Links interface {
	// PresignGet returns a URL that downloads the object key for ttl,
	// saved as filename.
	PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error)
}

// Job is what a Builder builds: the bundle of Quarter for Agreement ("" for
// the whole organisation), as requested at RequestedAt (the end of a
// preview of the current quarter).
type Job struct {
	ID          string
	Quarter     string
	Agreement   string
	RequestedAt time.Time
}

// Builder writes a job's bundle into sink and returns its files as the
// signed manifest lists them (package evidence's Write over the quarter's
// rows, the audit log and the signing key). An *apperr.Error it returns is
// shown to readers of the export; any other error is logged only.
type Builder func(ctx context.Context, job Job, sink Sink) ([]File, error)

// Queue hands an export to the export function (SQS in AWS).
type Queue interface {
	// Enqueue asks for export id to be run.
	Enqueue(ctx context.Context, id string) error
}

// PublicKey is the evidence signing key as far as readers need it
// (a signing.Signer is one).
type PublicKey interface {
	// PublicKeyPEM returns the PEM of the key that signs manifests.
	PublicKeyPEM(ctx context.Context) ([]byte, error)
}

// Timing of exports.
const (
	// DownloadTTL is how long a download link works.
	DownloadTTL = 5 * time.Minute
	// StaleAfter is how long after its start a running export is taken
	// for dead (a Lambda function runs at most 15 minutes), so that a
	// redelivered message runs it again.
	StaleAfter = 20 * time.Minute
	// recordTimeout bounds the write of a run's outcome, which gets its
	// own context so that a run out of time still records its failure.
	recordTimeout = 10 * time.Second
)

// Actors of what no person or key does.
const (
	// RunActor is the actor of a run's state changes.
	RunActor = "export"
	// ScheduleActor requests the automatic exports of a closed quarter.
	ScheduleActor = "schedule"
)

// Service requests, runs, lists and serves evidence exports.
type Service struct {
	Store      Store
	Snapshots  Snapshots
	Agreements Agreements
	// Objects is where Run writes bundles: needed where exports run (the
	// export function; in-process without a Queue).
	Objects Objects
	// Links presigns the downloads of built bundles (Download).
	Links Links
	// Build writes a bundle.
	Build Builder
	// Queue runs exports in the export function; nil runs them in-process
	// in a goroutine with a detached context (make dev, tests: see Wait).
	Queue Queue
	// Signer is the key that signs manifests; only its public key is
	// read here.
	Signer PublicKey
	Logger *slog.Logger
	Now    func() time.Time

	running sync.WaitGroup
}

// Request records an export of quarter (YYYY-Qn, started) for agreementKey
// ("" for the whole organisation), asked by actor from source, and hands it
// to the queue (or runs it in-process). Errors: Invalid naming the field
// for a malformed or future quarter, an unknown agreement or one not in
// force during the quarter; Conflict for a closed quarter whose metrics are
// not frozen yet.
func (s *Service) Request(ctx context.Context, quarter, agreementKey, actor, source string) (Export, error) {
	p, err := metrics.QuarterPeriod(quarter)
	if err != nil {
		return Export{}, err
	}
	now := s.Now().UTC()
	if !p.Started(now) {
		return Export{}, invalid("quarter", "has not started yet")
	}
	if p.Closed(now) {
		if _, frozen, err := s.Snapshots.Snapshot(ctx, quarter); err != nil {
			return Export{}, err
		} else if !frozen {
			return Export{}, &apperr.Error{Code: apperr.Conflict, Message: "the metrics of " + quarter + " are not frozen yet; its bundle can be built once the daily freeze has run",
				Problems: []apperr.Problem{{Field: "quarter", Message: "is not frozen yet"}}}
		}
	}
	if agreementKey != "" {
		a, found, err := s.Agreements.Agreement(ctx, agreementKey)
		if err != nil {
			return Export{}, err
		}
		if !found {
			return Export{}, invalid("agreement", "names no agreement")
		}
		if !inForceDuring(a, p) {
			return Export{}, invalid("agreement", fmt.Sprintf("was not in force during %s", quarter))
		}
	}
	e := newExport(newID(), quarter, agreementKey, actor, now)
	if err := s.Store.PutExport(ctx, e, requestedEvent(e, source)); err != nil {
		return Export{}, fmt.Errorf("request export: %w", err)
	}
	return e, s.dispatch(ctx, e)
}

// newExport returns a pending export, at its first version.
func newExport(id, quarter, agreementKey, actor string, now time.Time) Export {
	return Export{ID: id, Quarter: quarter, Agreement: agreementKey, Scope: ScopeOf(agreementKey), State: Pending,
		RequestedBy: actor, RequestedAt: now, Prefix: prefixOf(quarter, agreementKey, id), Version: 1}
}

func requestedEvent(e Export, source string) audit.Event {
	return audit.Event{ID: audit.NewBatchID(), At: e.RequestedAt, Actor: e.RequestedBy, Action: audit.ActionExportRequested,
		Subject: identity.ExportRef(e.ID), Source: source, Details: map[string]any{"quarter": e.Quarter, "scope": e.Scope}}
}

// inForceDuring reports whether the agreement was in force on some day of
// the period's quarter.
func inForceDuring(a agreement.Agreement, p metrics.Period) bool {
	last := p.QuarterEnd().AddDate(0, 0, -1).Format(time.DateOnly)
	return a.StartDate <= last && (a.EndDate == "" || a.EndDate >= p.FirstDay())
}

// dispatch queues export e, or runs it in-process without a queue. An
// export that cannot be queued is marked failed and the error returned.
func (s *Service) dispatch(ctx context.Context, e Export) error {
	if s.Queue == nil {
		s.running.Go(func() {
			if err := s.Run(context.WithoutCancel(ctx), e.ID); err != nil {
				s.logger().ErrorContext(ctx, "export run", "id", e.ID, "err", err)
			}
		})
		return nil
	}
	err := s.Queue.Enqueue(ctx, e.ID)
	if err == nil {
		return nil
	}
	s.logger().ErrorContext(ctx, "queue export", "id", e.ID, "err", err)
	failed := e
	failed.State, failed.FinishedAt, failed.Error = Failed, s.Now().UTC(), "the export could not be queued; request it again"
	if _, uerr := s.Store.UpdateExportState(ctx, e, failed, s.stateEvent(failed, audit.ActionExportFailed)); uerr != nil {
		s.logger().ErrorContext(ctx, "mark export failed", "id", e.ID, "err", uerr)
	}
	return fmt.Errorf("queue export %s: %w", e.ID, err)
}

// Wait waits for the exports run in-process (without a Queue) to end.
func (s *Service) Wait() { s.running.Wait() }

// Run builds export id: it moves it to running (unless it is done, or
// running and not stale, or another run took it meanwhile: then it does
// nothing), builds the bundle under the export's prefix, and records done
// with its files, or failed with a safe error text (the error itself is
// logged and returned, so that a queue retries). NotFound for an unknown
// id.
func (s *Service) Run(ctx context.Context, id string) error {
	e, found, err := s.Store.GetExport(ctx, id)
	if err != nil {
		return fmt.Errorf("run export %s: %w", id, err)
	}
	if !found {
		return ErrNoSuchExport
	}
	now := s.Now().UTC()
	if e.State == Done || e.State == Running && now.Sub(e.StartedAt) < StaleAfter {
		return nil
	}
	next := e
	next.State, next.StartedAt, next.FinishedAt, next.Error, next.Files = Running, now, time.Time{}, "", nil
	running, err := s.move(ctx, e, next, audit.ActionExportStarted)
	if apperr.CodeOf(err) == apperr.Conflict {
		return nil // another run took it
	}
	if err != nil {
		return err
	}
	files, buildErr := s.Build(ctx, Job{ID: e.ID, Quarter: e.Quarter, Agreement: e.Agreement, RequestedAt: e.RequestedAt}, s.Objects.Sink(e.Prefix))
	// The outcome is recorded even when ctx ran out during the build.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	end := running
	end.FinishedAt = s.Now().UTC()
	if buildErr != nil {
		s.logger().ErrorContext(ctx, "export failed", "id", id, "quarter", e.Quarter, "scope", e.Scope, "err", buildErr)
		end.State, end.Error = Failed, safeText(buildErr)
		if _, err := s.move(rctx, running, end, audit.ActionExportFailed); err != nil {
			return errors.Join(fmt.Errorf("build export %s: %w", id, buildErr), err)
		}
		return fmt.Errorf("build export %s: %w", id, buildErr)
	}
	end.State, end.Files = Done, files
	_, err = s.move(rctx, running, end, audit.ActionExportCompleted)
	return err
}

// move stores the export's change from one state to the next with its
// audit event.
func (s *Service) move(ctx context.Context, from, to Export, action string) (Export, error) {
	if !mayMove(from.State, to.State) {
		return Export{}, fmt.Errorf("export %s: no move from %s to %s", from.ID, from.State, to.State)
	}
	stored, err := s.Store.UpdateExportState(ctx, from, to, s.stateEvent(to, action))
	if err != nil {
		return Export{}, fmt.Errorf("export %s to %s: %w", from.ID, to.State, err)
	}
	return stored, nil
}

// stateEvent is the audit event of export e reaching its state.
func (s *Service) stateEvent(e Export, action string) audit.Event {
	details := map[string]any{"quarter": e.Quarter, "scope": e.Scope}
	switch e.State {
	case Done:
		var bytes int64
		for _, f := range e.Files {
			bytes += f.Bytes
		}
		details["files"], details["bytes"] = len(e.Files), bytes
	case Failed:
		details["error"] = e.Error
	}
	return audit.Event{ID: audit.NewBatchID(), At: s.Now().UTC(), Actor: RunActor, Action: action,
		Subject: identity.ExportRef(e.ID), Source: "export", Details: details}
}

// safeText is what readers of a failed export are told: the message of an
// *apperr.Error that is not internal, else a generic sentence.
func safeText(err error) string {
	if e, ok := apperr.As(err); ok && e.Code != apperr.Internal {
		return e.Message
	}
	return "the bundle could not be built because of an internal error; it was logged"
}

// Get returns export id. scope is the agreement an auditor's key is scoped
// to ("" for none): under it, another agreement's or the organisation's
// export is NotFound, as an unknown id is.
func (s *Service) Get(ctx context.Context, id, scope string) (Export, error) {
	if !validID(id) {
		return Export{}, ErrNoSuchExport
	}
	e, found, err := s.Store.GetExport(ctx, id)
	if err != nil {
		return Export{}, fmt.Errorf("export %s: %w", id, err)
	}
	if !found || scope != "" && e.Agreement != scope {
		return Export{}, ErrNoSuchExport
	}
	return e, nil
}

// List returns every export, newest request first; under a scope (see
// Get), only that agreement's.
func (s *Service) List(ctx context.Context, scope string) ([]Export, error) {
	all, err := s.Store.ListExports(ctx)
	if err != nil {
		return nil, fmt.Errorf("list exports: %w", err)
	}
	if scope == "" {
		return all, nil
	}
	var out []Export
	for _, e := range all {
		if e.Agreement == scope {
			out = append(out, e)
		}
	}
	return out, nil
}

// Download returns a link that downloads the file name of export id for
// DownloadTTL, and records the download (actor, source) as an audit event
// before handing the link out. scope as for Get. Errors: NotFound for an
// export the caller may not see or a file it does not have; Conflict while
// the export is not done.
func (s *Service) Download(ctx context.Context, id, name, actor, scope, source string) (string, error) {
	e, err := s.Get(ctx, id, scope)
	if err != nil {
		return "", err
	}
	if e.State != Done {
		return "", apperr.New(apperr.Conflict, "the export is %s: its files are not ready", e.State)
	}
	if !e.HasFile(name) {
		return "", ErrNoSuchFile
	}
	url, err := s.Links.PresignGet(ctx, e.Prefix+name, DownloadTTL, name)
	if err != nil {
		return "", fmt.Errorf("presign %s of export %s: %w", name, id, err)
	}
	event := audit.Event{ID: audit.NewBatchID(), At: s.Now().UTC(), Actor: actor, Action: audit.ActionExportDownloaded,
		Subject: identity.ExportRef(e.ID), Source: source, Details: map[string]any{"file": name, "quarter": e.Quarter, "scope": e.Scope}}
	if err := s.Store.RecordDownload(ctx, event); err != nil {
		return "", fmt.Errorf("record download of export %s: %w", id, err)
	}
	return url, nil
}

// PublicKey returns the PEM of the key that signs the manifests.
func (s *Service) PublicKey(ctx context.Context) ([]byte, error) {
	return s.Signer.PublicKeyPEM(ctx)
}

// QuarterClosed requests the automatic exports of the quarter that closed
// last: the organisation's and one per agreement in force on some day of
// it, once its metrics are frozen (before that it requests nothing: the
// schedule runs daily, after the freeze). It is idempotent: each automatic
// export has an id derived from its quarter and scope, so a rerun finds it
// (and queues it again while it is still pending). It returns the
// quarter's automatic exports.
func (s *Service) QuarterClosed(ctx context.Context) ([]Export, error) {
	now := s.Now().UTC()
	quarter, err := metrics.PreviousQuarter(metrics.QuarterOf(now))
	if err != nil {
		return nil, err
	}
	if _, frozen, err := s.Snapshots.Snapshot(ctx, quarter); err != nil || !frozen {
		return nil, err
	}
	p, err := metrics.QuarterPeriod(quarter)
	if err != nil {
		return nil, err
	}
	all, err := s.Agreements.Agreements(ctx)
	if err != nil {
		return nil, fmt.Errorf("quarter %s closed: %w", quarter, err)
	}
	keys := []string{""}
	for _, a := range all {
		if inForceDuring(a, p) {
			keys = append(keys, a.Key)
		}
	}
	out := make([]Export, 0, len(keys))
	for _, key := range keys {
		e, err := s.requestAutomatic(ctx, quarter, key, now)
		if err != nil {
			return out, fmt.Errorf("quarter %s closed, %s: %w", quarter, ScopeOf(key), err)
		}
		out = append(out, e)
	}
	return out, nil
}

// requestAutomatic records the automatic export of quarter for
// agreementKey unless it exists, and queues it if it is (still) pending.
// The schedule runs daily, so it reads first: the days after the first only
// read the export, instead of paying for a conditional write refused.
func (s *Service) requestAutomatic(ctx context.Context, quarter, agreementKey string, now time.Time) (Export, error) {
	id := automaticID(quarter, agreementKey)
	e, found, err := s.Store.GetExport(ctx, id)
	if err != nil {
		return Export{}, err
	}
	if !found {
		e = newExport(id, quarter, agreementKey, ScheduleActor, now)
		err := s.Store.PutExport(ctx, e, requestedEvent(e, "schedule"))
		if apperr.CodeOf(err) == apperr.Conflict { // another run recorded it meanwhile
			stored, found, getErr := s.Store.GetExport(ctx, id)
			if getErr != nil || !found {
				return Export{}, errors.Join(err, getErr)
			}
			e = stored
		} else if err != nil {
			return Export{}, err
		}
	}
	if e.State != Pending {
		return e, nil
	}
	return e, s.dispatch(ctx, e)
}

func (s *Service) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// invalid is an Invalid error naming the field.
func invalid(field, message string) error {
	return apperr.InvalidWith(field+" "+message, []apperr.Problem{{Field: field, Message: message}})
}
