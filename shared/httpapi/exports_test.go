package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/devstack"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/signing"
)

// s3Objects is the evidence bucket of the tests on the S3 stand-in: each
// file is buffered and put on Close, and links are real presigned URLs of
// the stand-in. (The deployment's adapter, package s3store, streams.)
type s3Objects struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

func (o s3Objects) Sink(prefix string) export.Sink { return s3Sink{o: o, prefix: prefix} }

func (o s3Objects) PresignGet(ctx context.Context, key string, ttl time.Duration, filename string) (string, error) {
	req, err := o.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(o.bucket), Key: aws.String(key),
		ResponseContentDisposition: aws.String(`attachment; filename="` + filename + `"`)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return "", err
	}
	return req.URL, nil
}

type s3Sink struct {
	o      s3Objects
	prefix string
}

func (s s3Sink) Create(ctx context.Context, name, contentType string) (io.WriteCloser, error) {
	return &s3File{ctx: ctx, sink: s, key: s.prefix + name, contentType: contentType}, nil
}

type s3File struct {
	bytes.Buffer
	ctx              context.Context
	sink             s3Sink
	key, contentType string
}

func (f *s3File) Close() error {
	_, err := f.sink.o.client.PutObject(f.ctx, &s3.PutObjectInput{Bucket: aws.String(f.sink.o.bucket), Key: aws.String(f.key),
		ContentType: aws.String(f.contentType), Body: bytes.NewReader(f.Bytes())})
	return err
}

// testBundle is what the tests' builder writes: a people.csv naming the
// job, and a manifest.json (package evidence writes the real bundle).
func testBundle(job export.Job) map[string]string {
	scope := job.Agreement
	if scope == "" {
		scope = "organisation"
	}
	return map[string]string{
		"people.csv":    "employee_id,in_scope\n# " + job.Quarter + " " + scope + "\n",
		"manifest.json": fmt.Sprintf(`{"quarter":%q,"scope":%q,"id":%q}`, job.Quarter, scope, job.ID),
	}
}

func testBuild(ctx context.Context, job export.Job, sink export.Sink) ([]export.File, error) {
	var files []export.File
	bundle := testBundle(job)
	for _, name := range slices.Sorted(maps.Keys(bundle)) {
		w, err := sink.Create(ctx, name, "text/plain")
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(w, bundle[name]); err != nil {
			return nil, err
		}
		if err := w.Close(); err != nil {
			return nil, err
		}
		sum := sha256.Sum256([]byte(bundle[name]))
		files = append(files, export.File{Name: name, Bytes: int64(len(bundle[name])), SHA256: hex.EncodeToString(sum[:])})
	}
	return files, nil
}

// testExports configures exports for a test's app: a bucket of its own on
// the S3 stand-in, the tests' builder, no queue (the app's signer signs).
func testExports(t testing.TB, stack *devstack.Stack) *app.ExportsConfig {
	t.Helper()
	client := stack.S3Client()
	objects := s3Objects{client: client, presign: s3.NewPresignClient(client), bucket: devtest.Bucket(t, client, "exports")}
	return &app.ExportsConfig{Objects: objects, Links: objects, Build: testBuild}
}

// requestExport asks for an export with the key, expects 202 and returns
// its id after it has run.
func (e *env) requestExport(key, body string) string {
	e.t.Helper()
	status, resp := e.do(http.MethodPost, "/api/exports", key, "application/json", []byte(body))
	id, _ := resp["id"].(string)
	if status != http.StatusAccepted || id == "" {
		e.t.Fatalf("POST /api/exports %s: %d %v", body, status, resp)
	}
	e.app.Exports.Wait()
	return id
}

// download asks for a file of an export with the key (no redirect
// followed) and returns the status and Location.
func (e *env) download(key, id, name string) (int, string) {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+"/api/exports/"+id+"/files/"+name, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusFound && resp.Header.Get("Cache-Control") != "no-store" {
		e.t.Errorf("download of %s: Cache-Control %q", name, resp.Header.Get("Cache-Control"))
	}
	return resp.StatusCode, resp.Header.Get("Location")
}

// fetch gets a presigned URL and returns its body.
func fetch(t *testing.T, u string) string {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", u, resp.StatusCode, b)
	}
	return string(b)
}

// TestExportOverHTTP: an admin requests the current quarter's bundle; it
// runs and is done with its files; a download is a 302 to a presigned URL
// of the bucket that serves the file's exact bytes, and is an audit event
// naming the caller and source. Bad requests are refused and write nothing.
func TestExportOverHTTP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"quarter": "2026-4"}`, http.StatusUnprocessableEntity},
		{`{"quarter": "2027-Q1"}`, http.StatusUnprocessableEntity},
		{`{"quarter": "2026-Q3"}`, http.StatusConflict}, // closed, not frozen
		{`{"quarter": "2026-Q4", "agreement": "nope"}`, http.StatusUnprocessableEntity},
		{`{"quarter": "2026-Q4", "extra": 1}`, http.StatusUnprocessableEntity},
	} {
		if status, body := e.do(http.MethodPost, "/api/exports", e.admin, "application/json", []byte(tt.body)); status != tt.status {
			t.Errorf("%s: %d %v, want %d", tt.body, status, body, tt.status)
		}
	}
	if n := len(e.eventsOf(audit.ActionExportRequested)); n != 0 {
		t.Fatalf("refused requests wrote %d events", n)
	}

	id := e.requestExport(e.admin, `{"quarter": "2026-Q4"}`)
	status, got := e.do(http.MethodGet, "/api/exports/"+id, e.auditor, "", nil)
	if status != http.StatusOK || got["state"] != "done" || got["scope"] != "organisation" || got["quarter"] != "2026-Q4" {
		t.Fatalf("GET the export: %d %v", status, got)
	}
	files, _ := got["files"].([]any)
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	bundle := testBundle(export.Job{ID: id, Quarter: "2026-Q4"})
	for _, f := range files {
		f := f.(map[string]any)
		name := f["name"].(string)
		status, location := e.download(e.auditor, id, name)
		if status != http.StatusFound || !strings.Contains(location, id+"/"+name) || !strings.Contains(location, "X-Amz-Expires=300") {
			t.Fatalf("download %s: %d %q", name, status, location)
		}
		body := fetch(t, location)
		sum := sha256.Sum256([]byte(body))
		if body != bundle[name] || hex.EncodeToString(sum[:]) != f["sha256"] {
			t.Errorf("%s: got %q, want %q with the listed sha256", name, body, bundle[name])
		}
	}
	downloads := e.eventsOf(audit.ActionExportDownloaded)
	if len(downloads) != 2 {
		t.Fatalf("%d download events, want 2", len(downloads))
	}
	for _, ev := range downloads {
		if !strings.HasPrefix(ev.Actor, "apikey:auditor-test:") || ev.Source == "" || ev.Subject != "export#"+id {
			t.Errorf("download event %+v", ev)
		}
	}
	if status, _ := e.download(e.auditor, id, "nothing.csv"); status != http.StatusNotFound {
		t.Errorf("unknown file: %d", status)
	}
	if status, list := e.do(http.MethodGet, "/api/exports", e.admin, "", nil); status != http.StatusOK || len(list["exports"].([]any)) != 1 {
		t.Errorf("list: %d %v", status, list)
	}
	var actions []string
	for _, a := range []string{audit.ActionExportRequested, audit.ActionExportStarted, audit.ActionExportCompleted} {
		if evs := e.eventsOf(a); len(evs) == 1 && evs[0].Subject == "export#"+id {
			actions = append(actions, a)
		}
	}
	if len(actions) != 3 {
		t.Errorf("state events %v, want requested, started and completed once each", actions)
	}
}

// acmeBody is a second agreement, beside globexBody.
const acmeBody = `{"customer": "Acme Bank", "engagement": "acme-bank", "startDate": "2026-01-01",
	"obligations": [{"id": "4.3", "text": "AUP.", "kind": "acknowledgment", "items": ["policy:acceptable-use"], "withinDays": 30, "target": 0.9}]}`

// TestScopedAuditorExports: an auditor key scoped to one agreement lists,
// reads and downloads that agreement's exports only; another agreement's
// export and the organisation's are 404 as an unknown id is, and are not
// audited as downloads; every download it makes is an audit event; once
// revoked, the key is refused at once.
func TestScopedAuditorExports(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for key, body := range map[string]string{"globex-2026": globexBody, "acme-2026": acmeBody} {
		if status, resp := e.do(http.MethodPut, "/api/agreements/"+key, e.admin, "application/json", []byte(body)); status != http.StatusCreated {
			t.Fatalf("agreement %s: %d %v", key, status, resp)
		}
	}
	own := e.requestExport(e.admin, `{"quarter": "2026-Q4", "agreement": "globex-2026"}`)
	other := e.requestExport(e.admin, `{"quarter": "2026-Q4", "agreement": "acme-2026"}`)
	org := e.requestExport(e.admin, `{"quarter": "2026-Q4"}`)
	scoped, created, err := e.app.Keys.Create(context.Background(),
		apikey.Request{Role: "auditor", Label: "Globex auditor", Agreement: "globex-2026"}, "test", "test")
	if err != nil {
		t.Fatal(err)
	}

	status, list := e.do(http.MethodGet, "/api/exports", scoped, "", nil)
	if exports, _ := list["exports"].([]any); status != http.StatusOK || len(exports) != 1 || exports[0].(map[string]any)["id"] != own {
		t.Errorf("scoped list: %d %v, want %s alone", status, list, own)
	}
	if status, _ := e.do(http.MethodGet, "/api/exports", e.auditor, "", nil); status != http.StatusOK {
		t.Errorf("unscoped auditor list: %d", status)
	}
	if status, got := e.do(http.MethodGet, "/api/exports/"+own, scoped, "", nil); status != http.StatusOK || got["agreement"] != "globex-2026" {
		t.Errorf("own export: %d %v", status, got)
	}
	for _, id := range []string{other, org, "exp_ffffffffffffffff"} {
		if status, _ := e.do(http.MethodGet, "/api/exports/"+id, scoped, "", nil); status != http.StatusNotFound {
			t.Errorf("GET export %s with the scoped key: %d, want 404", id, status)
		}
		if status, _ := e.download(scoped, id, "manifest.json"); status != http.StatusNotFound {
			t.Errorf("download from export %s with the scoped key: %d, want 404", id, status)
		}
	}
	if n := len(e.eventsOf(audit.ActionExportDownloaded)); n != 0 {
		t.Errorf("refused downloads wrote %d events", n)
	}
	for range 2 {
		status, location := e.download(scoped, own, "people.csv")
		if status != http.StatusFound {
			t.Fatalf("own download: %d", status)
		}
		if body := fetch(t, location); !strings.Contains(body, "globex-2026") {
			t.Errorf("own download's body %q", body)
		}
	}
	downloads := e.eventsOf(audit.ActionExportDownloaded)
	if len(downloads) != 2 {
		t.Fatalf("%d download events, want one per download (2)", len(downloads))
	}
	for _, ev := range downloads {
		if !strings.HasPrefix(ev.Actor, "apikey:Globex auditor:") || ev.Details["file"] != "people.csv" || ev.Details["scope"] != "agreement:globex-2026" {
			t.Errorf("download event %+v", ev)
		}
	}
	// The scoped key still may not request one.
	if status, _ := e.do(http.MethodPost, "/api/exports", scoped, "application/json", []byte(`{"quarter": "2026-Q4", "agreement": "globex-2026"}`)); status != http.StatusForbidden {
		t.Errorf("scoped request: %d", status)
	}

	if status, body := e.do(http.MethodDelete, "/api/keys/"+created.ID, e.admin, "", nil); status != http.StatusOK {
		t.Fatalf("revoke: %d %v", status, body)
	}
	if status, _ := e.download(scoped, own, "people.csv"); status != http.StatusUnauthorized {
		t.Errorf("download with the revoked key: %d, want 401", status)
	}
	if status, _ := e.do(http.MethodGet, "/api/exports", scoped, "", nil); status != http.StatusUnauthorized {
		t.Errorf("list with the revoked key: %d, want 401", status)
	}
}

// TestExportPublicKey: anyone gets the PEM of the signing key.
func TestExportPublicKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, err := http.Get(e.url + "/api/exports/public-key")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	pem, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-pem-file" {
		t.Fatalf("%d %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, err := signing.ParsePublicKey(pem); err != nil {
		t.Errorf("not a public key: %v\n%s", err, pem)
	}
}

// TestExportsNotConfigured: without the evidence bucket and key, the
// exports routes answer 503 and the console says so.
func TestExportsNotConfigured(t *testing.T) {
	t.Parallel()
	stack := devtest.Shared(t)
	a, err := app.New(app.Config{DynamoDB: stack.DynamoClient(), TableName: devtest.Table(t, stack.DynamoClient(), "noexports"),
		SES: stack.SESClient(), SenderEmail: "training@attest.test", BaseURL: "http://127.0.0.1", InsecureCookies: true})
	if err != nil {
		t.Fatal(err)
	}
	if a.Exports != nil {
		t.Fatal("exports wired without their adapters")
	}
	rec := httptest.NewRecorder()
	a.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/exports/public-key", nil))
	if rec.Code != http.StatusServiceUnavailable || !strings.Contains(rec.Body.String(), "not configured") {
		t.Errorf("public key: %d %s", rec.Code, rec.Body)
	}
}

// TestAdminExportsPage: admins request a bundle from the console and see
// it done with its download links (which work with their session) and the
// verify commands; auditors read the section without the form; a closed
// quarter not frozen yet is shown at its field.
func TestAdminExportsPage(t *testing.T) {
	t.Parallel()
	c := newConsoleEnv(t)
	e := c.env
	c.signInAll()
	c.checkConsoleAccess(t, "/admin/exports", "/admin/exports", url.Values{"quarter": {"2026-Q4"}})
	if n := len(e.eventsOf(audit.ActionExportRequested)); n != 0 {
		t.Fatalf("refused forms wrote %d events", n)
	}

	resp, page := e.form(c.admin, "/admin/exports", url.Values{"csrf": {c.adminCSRF}, "quarter": {"2026-Q3"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(page, `id="quarter-error"`) || !strings.Contains(page, "not frozen yet") {
		t.Errorf("a quarter not frozen: %d %s", resp.StatusCode, page)
	}
	resp, _ = e.form(c.admin, "/admin/exports", url.Values{"csrf": {c.adminCSRF}, "quarter": {"2026-Q4"}, "agreement": {""}})
	location := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(location, "/admin/exports?requested=exp_") {
		t.Fatalf("request: %d to %q", resp.StatusCode, location)
	}
	e.app.Exports.Wait()
	id := strings.TrimPrefix(location, "/admin/exports?requested=")
	if ev := e.eventsOf(audit.ActionExportRequested); len(ev) != 1 || ev[0].Actor != "person:ADM" {
		t.Errorf("requested events %+v", ev)
	}

	page = mustGet(t, e, c.auditor, "/admin/exports")
	for _, want := range []string{id, "2026-Q4", ">done<", "sha256sum -c SHA256SUMS",
		"openssl dgst -sha256 -verify public.pem -signature manifest.json.sig manifest.json", `href="/api/audit/verify?from=2026-07-01&amp;to=2026-11-02"`} {
		if !strings.Contains(page, want) {
			t.Errorf("the auditor's page lacks %q", want)
		}
	}
	links := regexp.MustCompile(`href="(/api/exports/`+id+`/files/[^"]+)"`).FindAllStringSubmatch(page, -1)
	if len(links) != 2 {
		t.Fatalf("download links %v", links)
	}
	for _, l := range links {
		resp, _ := e.send(c.auditor, http.MethodGet, l[1], nil, "")
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") == "" {
			t.Errorf("auditor session download %s: %d", l[1], resp.StatusCode)
		}
	}
	if resp, _ := e.send(c.employee, http.MethodGet, links[0][1], nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("employee download: %d", resp.StatusCode)
	}
	if ev := e.eventsOf(audit.ActionExportDownloaded); len(ev) != 2 || ev[0].Actor != "person:AUD" {
		t.Errorf("download events %+v", ev)
	}
}
