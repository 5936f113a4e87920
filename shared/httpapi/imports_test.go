package httpapi_test

import (
	"bytes"
	"net/http"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
)

// testImports configures large imports for a test's app: a bucket of its
// own on the S3 stand-in, no queue.
func testImports(t testing.TB, stack *devstack.Stack) *app.ImportsConfig {
	t.Helper()
	client := stack.S3Client()
	bucket := devtest.Bucket(t, client, "imports")
	return &app.ImportsConfig{
		Uploads: &s3store.Uploads{Store: &s3store.Store{Client: client, Bucket: bucket, Now: time.Now}},
		Links:   stack.S3Presigner(bucket),
	}
}

// requestImport starts an import with the key and query, expects 201 and
// returns its id.
func (e *env) requestImport(key, query string) string {
	e.t.Helper()
	id, _ := e.startImport(key, query)
	return id
}

func (e *env) startImport(key, query string) (id, uploadURL string) {
	e.t.Helper()
	status, resp := e.do(http.MethodPost, "/api/roster/imports?"+query, key, "", nil)
	id, _ = resp["id"].(string)
	uploadURL, _ = resp["uploadUrl"].(string)
	if status != http.StatusCreated || id == "" || uploadURL == "" {
		e.t.Fatalf("POST /api/roster/imports?%s: %d %v", query, status, resp)
	}
	return id, uploadURL
}

// TestLargeImportOverHTTP follows the contract: POST, PUT the file to the
// upload URL as curl -T does, the import runs (as the bucket's
// notification makes the import function run it, here on a client of its
// own: the import function's access is not the API's), GET shows it done
// with the result PUT /api/roster's dry run announced.
func TestLargeImportOverHTTP(t *testing.T) {
	e := newEnv(t)
	file := header + "E1,e1@example.com,Person E1,all-staff,,Ops,employee,,,2026-01-05,,UTC\n" +
		"E2,e2@example.com,Person E2,all-staff,E1,Ops,employee,,,2026-01-05,,UTC\n"
	status, dry := e.do(http.MethodPut, "/api/roster?mode=upsert&dryRun=true", e.hris, "text/csv", []byte(file))
	if status != http.StatusOK {
		t.Fatalf("dry run: %d %v", status, dry)
	}
	id, url := e.startImport(e.hris, "mode=upsert")
	if status, got := e.do(http.MethodGet, "/api/roster/imports/"+id, e.auditor, "", nil); status != http.StatusOK || got["state"] != "pending" {
		t.Fatalf("GET before the upload: %d %v", status, got)
	}
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader([]byte(file)))
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("upload: %s", resp.Status)
	}
	run := *e.app.Imports
	run.Store = dynamo.New(e.stack.DynamoClient(), e.table, func() time.Time { return e.now })
	if err := run.Run(t.Context(), id, time.Time{}); err != nil {
		t.Fatal(err)
	}
	status, got := e.do(http.MethodGet, "/api/roster/imports/"+id, e.admin, "", nil)
	if status != http.StatusOK || got["state"] != string(roster.ImportDone) || got["rows"] != 2.0 || got["rowsWritten"] != 2.0 {
		t.Fatalf("GET after the run: %d %v", status, got)
	}
	res, _ := got["result"].(map[string]any)
	if res["created"] != dry["created"] || res["assignmentsCreated"] != dry["assignmentsCreated"] || res["dryRun"] != false {
		t.Errorf("result %v, want the dry run's counts %v", res, dry)
	}
	if status, list := e.do(http.MethodGet, "/api/roster/imports", e.hris, "", nil); status != http.StatusOK || len(list["imports"].([]any)) != 1 {
		t.Errorf("GET /api/roster/imports: %d %v", status, list)
	}
	if status, _ := e.do(http.MethodGet, "/api/roster/imports/imp_0000000000000000", e.admin, "", nil); status != http.StatusNotFound {
		t.Errorf("unknown import: %d, want 404", status)
	}
}
