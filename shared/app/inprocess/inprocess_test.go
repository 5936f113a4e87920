package inprocess_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/evidence"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/signing"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// memObjects keeps the files written to it in memory.
type memObjects struct {
	mu    sync.Mutex
	files map[string][]byte
}

func (o *memObjects) Sink(prefix string) export.Sink { return memSink{o, prefix} }

type memSink struct {
	o      *memObjects
	prefix string
}

func (s memSink) Create(_ context.Context, name, _ string) (io.WriteCloser, error) {
	return &memFile{o: s.o, key: s.prefix + name}, nil
}

type memFile struct {
	bytes.Buffer
	o   *memObjects
	key string
}

func (f *memFile) Close() error {
	f.o.mu.Lock()
	defer f.o.mu.Unlock()
	f.o.files[f.key] = f.Bytes()
	return nil
}

// TestNewBuildsRealBundles: without a builder, app.New refuses exports that
// run in-process, and New wires the real one, which writes a signed bundle
// with its PDF summary from the application's table.
func TestNewBuildsRealBundles(t *testing.T) {
	ctx := context.Background()
	stack := devtest.Shared(t)
	client := stack.DynamoClient()
	key, err := signing.NewLocal()
	if err != nil {
		t.Fatal(err)
	}
	objects := &memObjects{files: map[string][]byte{}}
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	cfg := app.Config{DynamoDB: client, TableName: devtest.Table(t, client, "inprocess"), Signer: key,
		Exports: &app.ExportsConfig{Objects: objects}, Now: func() time.Time { return now }}

	if _, err := app.New(cfg); err == nil || !strings.Contains(err.Error(), "Build") {
		t.Errorf("app.New without a builder: %v, want an error naming ExportsConfig.Build", err)
	}
	a, err := inprocess.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Exports.Build != nil {
		t.Error("New changed the caller's ExportsConfig")
	}
	files, err := a.Exports.Build(ctx, export.Job{ID: "exp_1", Quarter: "2026-Q4", RequestedAt: now}, objects.Sink("exports/exp_1/"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	for _, want := range []string{evidence.ManifestFile, evidence.SummaryPDFFile, evidence.SumsFile} {
		if !strings.Contains(strings.Join(names, " "), want) {
			t.Errorf("files %v, want %s", names, want)
		}
	}
	if pdf := objects.files["exports/exp_1/"+evidence.SummaryPDFFile]; !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("summary.pdf starts %q, want a PDF", pdf[:min(len(pdf), 8)])
	}
}
