package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/env"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/handler"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// fakeExporter records what the handler asks of it.
type fakeExporter struct {
	ran    []string
	closed int
}

func (f *fakeExporter) Run(ctx context.Context, id string) error {
	f.ran = append(f.ran, id)
	return nil
}

func (f *fakeExporter) QuarterClosed(ctx context.Context) ([]export.Export, error) {
	f.closed++
	return nil, nil
}

// setEnv sets the variables the stack gives the function, on fresh local
// resources: a table, a bucket with Object Lock, a signing key.
func setEnv(t *testing.T) {
	t.Helper()
	stack := devtest.Shared(t)
	t.Setenv(env.TableName, devtest.Table(t, stack.DynamoClient(), "export"))
	t.Setenv(env.EvidenceBucket, devtest.Bucket(t, stack.S3Client(), "export"))
	t.Setenv(env.EvidenceBucketKeyID, "arn:aws:kms:us-east-1:111122223333:key/bucket-key")
	t.Setenv(env.EvidenceRetentionDays, "2557")
	t.Setenv(env.ExportQueueURL, "https://sqs.us-east-1.amazonaws.com/111122223333/exports")
	key, err := kmssign.EnsureLocalKey(t.Context(), stack.KMSClient(), fmt.Sprintf("alias/export-test-%08x", rand.Uint32()))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(env.SigningKeyID, key)
}

// TestWireBuildsTheExporterOnTheNamedResources wires the function as Lambda
// starts it, on the local stand-ins: the exporter gets a store on the
// table (whose calls stay within the function's declared access), the
// bucket with its key and retention, and the signing key; then the real
// SQS and EventBridge events reach it.
func TestWireBuildsTheExporterOnTheNamedResources(t *testing.T) {
	setEnv(t)
	ctx := t.Context()
	stack := devtest.Shared(t)
	var calls devtest.AccessLog
	now := func() time.Time { return time.Date(2026, 10, 1, 3, 30, 0, 0, time.UTC) }
	x := &fakeExporter{}
	var got deps
	h, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(calls.Option), stack.S3Client(), stack.KMSClient(), nil, now,
		func(d deps) (handler.Exporter, error) { got = d; return x, nil })
	if err != nil {
		t.Fatal(err)
	}

	// The table, through the store.
	if _, err := got.Store.ListPeople(ctx); err != nil {
		t.Fatal(err)
	}
	calls.CheckWithin(t, table.FunctionAccess()["export"])
	if got.Catalog == nil || got.Now == nil || got.Logger == nil || got.Queue == nil || got.Queue.QueueURL != os.Getenv(env.ExportQueueURL) {
		t.Errorf("deps %+v, want a catalog, a clock, a logger and the export queue", got)
	}

	// The bucket: encrypted with the bucket's key, locked 2557 days.
	o := got.Objects
	if o.Bucket != os.Getenv(env.EvidenceBucket) || o.KMSKeyID != os.Getenv(env.EvidenceBucketKeyID) || o.Retention != 2557*24*time.Hour {
		t.Errorf("objects %+v, want the bucket, its key and 2557 days", o)
	}
	w, err := o.Create(ctx, "exports/2026-Q3/org/exp_1/SHA256SUMS", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "ab  people.csv\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, _, err := o.Open(ctx, "exports/2026-Q3/org/exp_1/SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	r.Close()

	// The signing key.
	if got.Signer.KeyID() != os.Getenv(env.SigningKeyID) {
		t.Errorf("signer key %s, want %s", got.Signer.KeyID(), os.Getenv(env.SigningKeyID))
	}
	sig, err := signing.SignMessage(ctx, got.Signer, []byte("manifest"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := got.Signer.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := signing.Verify(pub, []byte("manifest"), sig); err != nil {
		t.Error(err)
	}

	// The events.
	sqsEvent := devtest.Fixture[events.SQSEvent](t, "../../shared/handler/testdata/sqs-event.json")
	sqsEvent.Records[0].Body, sqsEvent.Records[1].Body = "exp_0123456789abcdef", "exp_2026-Q3_org_5f1e"
	raw, err := json.Marshal(sqsEvent)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := h(ctx, raw); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Errorf("SQS event: %+v, %v", resp, err)
	}
	scheduled, err := os.ReadFile("../../shared/handler/testdata/scheduled-event.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h(ctx, scheduled); err != nil {
		t.Errorf("scheduled event: %v", err)
	}
	if want := []string{"exp_0123456789abcdef", "exp_2026-Q3_org_5f1e"}; !slices.Equal(x.ran, want) || x.closed != 1 {
		t.Errorf("ran %v, quarter closes %d; want %v and one", x.ran, x.closed, want)
	}
}

// TestWireFailsWithoutItsVariables: a function that cannot be wired says
// which variable is missing or wrong, or why the exporter could not be
// built.
func TestWireFailsWithoutItsVariables(t *testing.T) {
	build := func(deps) (handler.Exporter, error) { return &fakeExporter{}, nil }
	required := []string{env.TableName, env.EvidenceBucket, env.EvidenceBucketKeyID, env.SigningKeyID, env.ExportQueueURL}
	for _, name := range append(required, env.EvidenceRetentionDays) {
		t.Run(name, func(t *testing.T) {
			for _, n := range required {
				t.Setenv(n, "set")
			}
			t.Setenv(env.EvidenceRetentionDays, "2557")
			bad := ""
			if name == env.EvidenceRetentionDays {
				bad = "7y"
			}
			t.Setenv(name, bad)
			if _, err := wire(slog.New(slog.DiscardHandler), nil, nil, nil, nil, time.Now, build); err == nil || !strings.Contains(err.Error(), name) {
				t.Errorf("wire: %v, want an error naming %s", err, name)
			}
		})
	}
	t.Run("Exporter", func(t *testing.T) {
		setEnv(t)
		stack := devtest.Shared(t)
		cause := errors.New("catalog has no version")
		_, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(), stack.S3Client(), stack.KMSClient(), nil, time.Now,
			func(deps) (handler.Exporter, error) { return nil, cause })
		if !errors.Is(err, cause) {
			t.Errorf("wire: %v, want %v", err, cause)
		}
	})
}

// TestWiredExporterBuildsABundle runs the exporter main builds, as the
// queue invokes it: a pending request of the current quarter becomes a
// signed bundle in the bucket, every table call within the function's
// declared access.
func TestWiredExporterBuildsABundle(t *testing.T) {
	setEnv(t)
	ctx := t.Context()
	stack := devtest.Shared(t)
	var calls devtest.AccessLog
	now := func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }
	h, err := wire(slog.New(slog.DiscardHandler), stack.DynamoClient(calls.Option), stack.S3Client(), stack.KMSClient(), nil, now, newExporter)
	if err != nil {
		t.Fatal(err)
	}
	// The request, as the API stores it.
	store := dynamo.New(stack.DynamoClient(), os.Getenv(env.TableName), now)
	e := export.Export{ID: "exp_00112233aabbccdd", Quarter: "2026-Q4", Scope: export.OrganisationScope, State: export.Pending,
		RequestedBy: "key:admin", RequestedAt: now(), Prefix: "exports/2026-Q4/organisation/exp_00112233aabbccdd/", Version: 1}
	if err := store.PutExport(ctx, e, audit.Event{ID: audit.NewBatchID(), At: now(), Actor: "key:admin", Action: audit.ActionExportRequested, Subject: "export#" + e.ID}); err != nil {
		t.Fatal(err)
	}
	sqsEvent := devtest.Fixture[events.SQSEvent](t, "../../shared/handler/testdata/sqs-event.json")
	sqsEvent.Records = sqsEvent.Records[:1]
	sqsEvent.Records[0].Body = e.ID
	raw, err := json.Marshal(sqsEvent)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := h(ctx, raw); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("SQS event: %+v, %v", resp, err)
	}
	calls.CheckWithin(t, table.FunctionAccess()["export"])
	done, found, err := store.GetExport(ctx, e.ID)
	if err != nil || !found || done.State != export.Done || len(done.Files) != 10 {
		t.Fatalf("the export after its run: %+v, %v", done, err)
	}
	objects := &s3store.Store{Client: stack.S3Client(), Bucket: os.Getenv(env.EvidenceBucket)}
	for _, f := range done.Files {
		r, size, err := objects.Open(ctx, e.Prefix+f.Name)
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		r.Close()
		if size != f.Bytes {
			t.Errorf("%s: %d bytes stored, %d recorded", f.Name, size, f.Bytes)
		}
	}
}
