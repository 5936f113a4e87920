package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/attest-oss/attest/shared/handler"
)

// TestNotifierPostsTheUploadsOfImports: a successful PUT of an import's
// file is notified as AWS notifies it (the import function's handler reads
// the import id from it); other objects, failed PUTs and reads are not.
func TestNotifierPostsTheUploadsOfImports(t *testing.T) {
	backend := s3mem.New()
	if err := backend.CreateBucket("uploads"); err != nil {
		t.Fatal(err)
	}
	n := newNotifier(gofakes3.New(backend).Server(), "http://127.0.0.1:1/unused")
	var posted [][]byte
	n.post = func(body []byte) { posted = append(posted, body) }
	srv := httptest.NewServer(n)
	defer srv.Close()
	do := func(method, path string) int {
		req, _ := http.NewRequest(method, srv.URL+path, bytes.NewReader([]byte("employee_id\n")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{http.MethodPut, "/uploads/imports/imp_0123456789abcdef/upload", 200},
		{http.MethodPut, "/uploads/imports/imp_0123456789abcdef/plan.jsonl.gz", 200},
		{http.MethodPut, "/uploads/other/upload", 200},
		{http.MethodGet, "/uploads/imports/imp_0123456789abcdef/upload", 200},
		{http.MethodPut, "/missing-bucket/imports/imp_00000000000000ff/upload", 404},
	} {
		if got := do(c.method, c.path); got != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, got, c.status)
		}
	}
	if len(posted) != 1 {
		t.Fatalf("%d notifications, want 1", len(posted))
	}
	ids, err := handler.ImportIDs(posted[0])
	if err != nil || !slices.Equal(ids, []string{"imp_0123456789abcdef"}) {
		t.Errorf("notification names %v (%v), want the import", ids, err)
	}
}
