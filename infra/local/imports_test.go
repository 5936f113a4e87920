package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/httpapi/contracttest"
)

// TestS3EventsReachTheImportHandler: what locals3 -notify posts reaches
// the import function's handler as the one message of an SQS batch; every
// other request goes to the API. The notification path is make dev's own,
// not the API's; the request that reaches the API (here a stand-in
// answering as it does without a key) is held to the OpenAPI document.
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
	const refused = `{"error":"an API key is required"}`
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, refused)
	})
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
	resp, err = contracttest.Load(t).Client(t, nil).Get(srv.URL + "/api/roster/imports")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || string(body) != refused {
		t.Errorf("GET /api/roster/imports: %s %s, want the API's answer", resp.Status, body)
	}
}
