// Command export is the export Lambda. The export queue invokes it with
// export requests (POST /api/exports, and the quarter-close automation): it
// builds each bundle, streams its files into the evidence bucket under
// Object Lock, and signs its manifest with the KMS signing key. A daily
// EventBridge schedule invokes it too: once the quarter that closed last is
// frozen, it requests that quarter's bundles, the organisation's and every
// agreement's.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/export/bundle"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/sqs"
	"github.com/attest-oss/attest/shared/startup"
)

func main() {
	logger, cfg := startup.Start()
	h, err := wire(logger, dynamodb.NewFromConfig(cfg), s3.NewFromConfig(cfg), kms.NewFromConfig(cfg), awssqs.NewFromConfig(cfg), time.Now, newExporter)
	if err != nil {
		startup.Exit(logger, err)
	}
	lambda.Start(h)
}

// deps are what the export service is built from: the table, the content
// catalog, the evidence bucket, the signing key and the export queue (where
// the quarter-close automation requests its bundles), as the environment
// names them.
type deps struct {
	Logger  *slog.Logger
	Store   *dynamo.Store
	Catalog *catalog.Catalog
	Objects *s3store.Store
	Signer  *kmssign.Signer
	Queue   *sqs.ExportQueue
	Now     func() time.Time
}

// newExporter builds the export service (package export) on d: bundles of
// the quarter's rows (package metrics), the audit log (package auditlog)
// and the signing key, written by package evidence into the bucket.
func newExporter(d deps) (handler.Exporter, error) {
	m := &metrics.Service{Histories: d.Store, Snapshots: d.Store, Agreements: d.Store, Catalog: d.Catalog, Now: d.Now}
	b := &bundle.Bundles{Metrics: m, AuditLog: &auditlog.Writer{Store: d.Store}, Signer: d.Signer, Now: d.Now}
	return &export.Service{
		Store: d.Store, Snapshots: d.Store, Agreements: d.Store, Objects: d.Objects, Build: b.Build,
		Queue: d.Queue, Signer: d.Signer, Logger: d.Logger, Now: d.Now,
	}, nil
}

// wire builds the adapters the environment names (the table, the evidence
// bucket with its key and retention, the signing key, the export queue), the
// exporter on them (build), and returns the handler of both events the
// function receives.
func wire(logger *slog.Logger, db dynamo.API, objects *s3.Client, keys kmssign.API, queue sqs.SendAPI, now func() time.Time,
	build func(deps) (handler.Exporter, error)) (func(context.Context, json.RawMessage) (events.SQSEventResponse, error), error) {
	names := map[string]string{}
	for _, name := range []string{env.TableName, env.EvidenceBucket, env.EvidenceBucketKeyID, env.SigningKeyID, env.ExportQueueURL} {
		v, err := env.Required(name)
		if err != nil {
			return nil, err
		}
		names[name] = v
	}
	days, err := env.PositiveInt(env.EvidenceRetentionDays, 0)
	if err != nil {
		return nil, err
	}
	cat, err := catalog.Default()
	if err != nil {
		return nil, fmt.Errorf("load content: %w", err)
	}
	x, err := build(deps{
		Logger:  logger,
		Store:   dynamo.New(db, names[env.TableName], now),
		Catalog: cat,
		Objects: &s3store.Store{
			Client: objects, Bucket: names[env.EvidenceBucket], KMSKeyID: names[env.EvidenceBucketKeyID],
			Retention: time.Duration(days) * 24 * time.Hour, Now: now,
		},
		Signer: kmssign.New(keys, names[env.SigningKeyID]),
		Queue:  &sqs.ExportQueue{API: queue, QueueURL: names[env.ExportQueueURL]},
		Now:    now,
	})
	if err != nil {
		return nil, fmt.Errorf("build the export service: %w", err)
	}
	return handler.Export(x, logger), nil
}
