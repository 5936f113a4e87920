package httpapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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

// TestLargeImportLinksEveryProblem: an upload of 2,500 bad rows ends
// invalid with 1,000 problems in its status and a problemsUrl that
// downloads all 2,500, each with its row and field; nothing is written.
// PUT /api/roster still answers 422 with its 1,000.
func TestLargeImportLinksEveryProblem(t *testing.T) {
	const bad = 2500
	e := newEnv(t)
	var b strings.Builder
	b.WriteString(header)
	for i := range bad + 50 {
		start := "2026-01-05"
		if i < bad {
			start = "2026-13-05"
		}
		fmt.Fprintf(&b, "E%d,e%d@example.com,Person E%d,all-staff,,Ops,employee,,,%s,,UTC\n", i, i, i, start)
	}
	file := []byte(b.String())
	before := e.items()

	status, syncResp := e.do(http.MethodPut, "/api/roster?mode=upsert", e.admin, "text/csv", file)
	syncProblems, _ := syncResp["problems"].([]any)
	if status != http.StatusUnprocessableEntity || len(syncProblems) != 1000 ||
		syncProblems[999].(map[string]any)["message"] != fmt.Sprintf("%d more problems were not listed", bad-999) {
		t.Fatalf("PUT /api/roster: %d with %d problems, want 422 with 1,000, the last counting the rest", status, len(syncProblems))
	}

	id, url := e.startImport(e.admin, "mode=upsert")
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(file))
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
	status, got := e.do(http.MethodGet, "/api/roster/imports/"+id, e.hris, "", nil)
	problems, _ := got["problems"].([]any)
	problemsURL, _ := got["problemsUrl"].(string)
	if status != http.StatusOK || got["state"] != string(roster.ImportInvalid) || len(problems) != 1000 || problemsURL == "" {
		t.Fatalf("GET: %d, state %v, %d problems, problemsUrl %q; want invalid with 1,000 and a link", status, got["state"], len(problems), problemsURL)
	}
	resp, err = http.Get(problemsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var full struct {
		Problems []struct {
			Row     int    `json:"row"`
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"problems"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&full); resp.StatusCode != http.StatusOK || err != nil {
		t.Fatalf("GET problemsUrl: %s, %v", resp.Status, err)
	}
	if len(full.Problems) != bad {
		t.Fatalf("problems.json: %d problems, want %d", len(full.Problems), bad)
	}
	for i, p := range full.Problems {
		if p.Row != i+2 || p.Field != "start_date" || p.Message == "" {
			t.Fatalf("problem %d: %+v, want row %d's start_date", i, p, i+2)
		}
	}
	for k, n := range e.items() {
		if !strings.HasPrefix(k, "AUDIT import.") && k != "IMPORTS" && before[k] != n {
			t.Errorf("%s: %d items before, %d after", k, before[k], n)
		}
	}
}

// items counts the table's items by partition kind (the key before "#"),
// and audit events by action.
func (e *env) items() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	p := dynamodb.NewScanPaginator(e.stack.DynamoClient(), &dynamodb.ScanInput{TableName: aws.String(e.table), ProjectionExpression: aws.String("PK, #a"), ExpressionAttributeNames: map[string]string{"#a": "action"}})
	for p.HasMorePages() {
		page, err := p.NextPage(e.t.Context())
		if err != nil {
			e.t.Fatal(err)
		}
		for _, it := range page.Items {
			pk, _ := it["PK"].(*types.AttributeValueMemberS)
			if pk == nil {
				e.t.Fatalf("item without a string PK: %v", it)
			}
			kind, _, _ := strings.Cut(pk.Value, "#")
			if action, ok := it["action"].(*types.AttributeValueMemberS); ok && kind == "AUDIT" {
				kind += " " + action.Value
			}
			out[kind]++
		}
	}
	return out
}
