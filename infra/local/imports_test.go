package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
)

// TestS3EventsReachTheImportHandler: what locals3 -notify posts reaches
// the import function's handler as the one message of an SQS batch; every
// other request goes to the API.
func TestS3EventsReachTheImportHandler(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	imports := &localImports{handle: func(ctx context.Context, e events.SQSEvent) (events.SQSEventResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		for _, m := range e.Records {
			bodies = append(bodies, m.Body)
		}
		return events.SQSEventResponse{}, nil
	}}
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) })
	srv := httptest.NewServer(withS3Events(api, imports))
	defer srv.Close()
	event := `{"Records":[{"eventSource":"aws:s3","s3":{"object":{"key":"imports/imp_0123456789abcdef/upload"}}}]}`
	resp, err := http.Post(srv.URL+s3EventsPath, "application/json", strings.NewReader(event))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Errorf("POST %s: %s, want 202", s3EventsPath, resp.Status)
	}
	imports.wait()
	if len(bodies) != 1 || bodies[0] != event {
		t.Errorf("handler got %q, want the event", bodies)
	}
	resp, err = http.Get(srv.URL + "/api/roster/imports")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot {
		t.Errorf("GET /api/roster/imports: %s, want the API's answer", resp.Status)
	}
}
