// Command locals3 is the local stand-in for S3, run as a child process by
// shared/devstack (for `make dev` and the integration tests) the way DynamoDB
// Local and the SES emulator are. It serves github.com/johannesboyne/gofakes3
// on 127.0.0.1 with path-style bucket addressing.
//
// With -data it keeps buckets and objects in a bolt file in that directory,
// across restarts (gofakes3's s3bolt backend, which does not keep object
// versions); without it everything is in memory (s3mem, which does). Either
// way object locks and retention headers are accepted and stored but not
// enforced, and signatures are not checked.
//
// With -notify it posts the S3 event notification of each uploaded large
// roster import file (imports/<id>/upload) to that URL, as the upload
// bucket notifies the import queue in AWS (make dev points it at the local
// API, which runs the import in-process).
//
// Usage:
//
//	locals3 -port 8010 [-data .local/s3] [-notify http://127.0.0.1:8080/local/s3-events]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3bolt"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
	bolt "go.etcd.io/bbolt"
)

// boltFile is the name of the database file in the -data directory.
const boltFile = "s3.db"

// lockTimeout bounds the wait for another process's lock on the bolt file.
const lockTimeout = 2 * time.Second

func main() {
	log.SetFlags(0) // devstack prefixes lines with "[s3]"; the time is noise
	if err := run(os.Args[1:]); err != nil {
		log.Fatal("locals3: ", err)
	}
}

func run(args []string) error {
	flags := flag.NewFlagSet("locals3", flag.ContinueOnError)
	port := flags.Int("port", 8010, "TCP port on 127.0.0.1 (0 picks a free one)")
	data := flags.String("data", "", "directory for a persistent store (created if missing); empty keeps everything in memory")
	notify := flags.String("notify", "", "URL to post the S3 event of each uploaded imports/<id>/upload to; empty posts none")
	if err := flags.Parse(args); err != nil {
		return err
	}

	backend, where, closeBackend, err := openBackend(*data)
	if err != nil {
		return err
	}
	defer closeBackend()
	fake := gofakes3.New(backend, gofakes3.WithLogger(gofakes3.GlobalLog(gofakes3.LogErr, gofakes3.LogWarn)))

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		return err
	}
	var handler http.Handler = fake.Server()
	if *notify != "" {
		handler = newNotifier(handler, *notify)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Printf("serving S3 on http://%s, %s", ln.Addr(), where)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// openBackend returns the in-memory backend when dir is empty, else the bolt
// backend in dir; it says which for the start-up line, and returns the
// function that closes the store. A bolt file is locked while open: a second
// locals3 on the same directory fails after lockTimeout instead of waiting.
func openBackend(dir string) (gofakes3.Backend, string, func(), error) {
	if dir == "" {
		return s3mem.New(), "in memory", func() {}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, "", nil, fmt.Errorf("create data dir: %w", err)
	}
	file := filepath.Join(dir, boltFile)
	db, err := bolt.Open(file, 0o600, &bolt.Options{Timeout: lockTimeout})
	if err != nil {
		return nil, "", nil, fmt.Errorf("open %s (is another locals3 using it?): %w", file, err)
	}
	return s3bolt.New(db), "data in " + file, func() { _ = db.Close() }, nil
}
