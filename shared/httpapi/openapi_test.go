package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"gopkg.in/yaml.v3"
)

// The OpenAPI document: docs/openapi.yaml is its source, openapi.json the
// generated copy the server embeds and serves.
const (
	openAPISource    = "../../docs/openapi.yaml"
	openAPIGenerated = "openapi.json"
)

var updateOpenAPI = flag.Bool("update-openapi", false, "regenerate openapi.json from docs/openapi.yaml")

// TestOpenAPIDocumentIsCurrent fails while openapi.json is not the JSON of
// docs/openapi.yaml (go generate ./shared/httpapi rewrites it), and while the
// document is not a valid OpenAPI 3.1 document.
func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	src, err := os.ReadFile(openAPISource)
	if err != nil {
		t.Fatal(err)
	}
	want, err := yamlToJSON(src)
	if err != nil {
		t.Fatal(err)
	}
	if *updateOpenAPI {
		if err := os.WriteFile(openAPIGenerated, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(openAPIGenerated)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is not the JSON of %s: run go generate ./shared/httpapi", openAPIGenerated, openAPISource)
	}
	doc := loadContract(t).doc
	if !doc.IsOpenAPI31OrLater() {
		t.Errorf("the document is OpenAPI %s, want 3.1", doc.OpenAPI)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Errorf("not a valid OpenAPI document: %v", err)
	}
}

// TestOpenAPIServed checks that GET /api/openapi.json serves the document.
func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	resp, body := e.send(http.DefaultClient, http.MethodGet, "/api/openapi.json", nil, "")
	want, err := os.ReadFile(openAPIGenerated)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || body != string(want) {
		t.Errorf("got %d and %d bytes, want 200 and the %d bytes of %s", resp.StatusCode, len(body), len(want), openAPIGenerated)
	}
}

// yamlToJSON converts a YAML document to indented JSON, keeping the order of
// its keys (so that the JSON reads like the YAML).
func yamlToJSON(src []byte) ([]byte, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := writeJSONNode(&buf, &doc); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, buf.Bytes(), "", "  "); err != nil {
		return nil, err
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

func writeJSONNode(buf *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		return writeJSONNode(buf, n.Content[0])
	case yaml.MappingNode:
		buf.WriteByte('{')
		for i := 0; i < len(n.Content); i += 2 {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSONValue(buf, n.Content[i].Value); err != nil {
				return err
			}
			buf.WriteByte(':')
			if err := writeJSONNode(buf, n.Content[i+1]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case yaml.SequenceNode:
		buf.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := writeJSONNode(buf, c); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case yaml.ScalarNode:
		var v any = n.Value
		if n.Tag != "!!str" {
			if err := n.Decode(&v); err != nil {
				return err
			}
		}
		if err := writeJSONValue(buf, v); err != nil {
			return fmt.Errorf("line %d: %w", n.Line, err)
		}
	default:
		return fmt.Errorf("line %d: anchors and aliases are not supported", n.Line)
	}
	return nil
}

// writeJSONValue writes v as JSON, leaving <, > and & as they are.
func writeJSONValue(buf *bytes.Buffer, v any) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	buf.Truncate(buf.Len() - 1) // Encode's newline
	return nil
}

// contract checks HTTP traffic against the OpenAPI document: every response
// must be one the document lists for its route and status, with a body of
// the documented schema; a request the document considers invalid (no such
// route, a missing credential, a body or parameter off the schema) must
// have been answered with a 4xx.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

var (
	contractOnce sync.Once
	theContract  *contract
	contractErr  error
)

// loadContract loads the generated document once per test binary.
func loadContract(t testing.TB) *contract {
	t.Helper()
	contractOnce.Do(func() {
		// The roster's CSV and the pages are checked as text: whether a CSV
		// parses is the server's to say, with the row.
		openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/x-pem-file", openapi3filter.PlainBodyDecoder)
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(openAPIGenerated)
		if err != nil {
			contractErr = err
			return
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			contractErr = err
			return
		}
		theContract = &contract{doc: doc, router: router}
	})
	if contractErr != nil {
		t.Fatalf("load the OpenAPI document: %v", contractErr)
	}
	return theContract
}

// sessionCookies are the session cookie's names: production's, and plain-HTTP
// local development's (the tests').
var sessionCookies = []string{"__Host-attest_session", "attest_session"}

// credentialPresent is the contract's authentication: a request meets a
// security scheme when it carries the credential; whether the credential is
// valid is the server's to say (401).
func credentialPresent(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	r := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case "apiKey":
		scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(key) != "" {
			return nil
		}
	case "session":
		for _, name := range sessionCookies {
			if _, err := r.Cookie(name); err == nil {
				return nil
			}
		}
	case "csrfToken":
		if r.Header.Get("X-CSRF-Token") != "" {
			return nil
		}
	default:
		return in.NewError(fmt.Errorf("unknown security scheme %q", in.SecuritySchemeName))
	}
	return in.NewError(nil)
}

// check holds one exchange to the document: the request (its body is
// reqBody) and the response's status, header and body.
func (c *contract) check(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
	req := r.Clone(context.Background())
	req.Body = io.NopCloser(bytes.NewReader(reqBody))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(reqBody)), nil }
	client4xx := status >= 400 && status < 500
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		if client4xx {
			return nil
		}
		return fmt.Errorf("the document has no such route (%v), yet it was answered %d", err, status)
	}
	ctx := context.Background()
	in := &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                credentialPresent,
			RejectWhenRequestBodyNotSpecified: true,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil && !client4xx {
		return fmt.Errorf("the document says the request is invalid (%v), yet it was answered %d", err, status)
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	out.SetBodyBytes(respBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		var re *openapi3filter.ResponseError
		if errors.As(err, &re) && re.Err != nil {
			return fmt.Errorf("response %d: %s: %v", status, re.Reason, re.Err)
		}
		return fmt.Errorf("response %d: %v", status, err)
	}
	return nil
}

// wrap returns h with every exchange checked against the document; a
// mismatch is an error of t. The response is sent after the check, so the
// error belongs to the test that made the request.
func (c *contract) wrap(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read the request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if err := c.check(r, body, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Errorf("OpenAPI document: %s %s: %v", r.Method, r.URL.RequestURI(), err)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestContractCatchesDrift checks that the validation of test traffic would
// notice a handler drifting from the document.
func TestContractCatchesDrift(t *testing.T) {
	c := loadContract(t)
	jsonHeader := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	htmlHeader := http.Header{"Content-Type": {"text/html; charset=utf-8"}}
	request := func(method, path string, header http.Header) *http.Request {
		r := httptest.NewRequest(method, path, nil)
		for k, v := range header {
			r.Header[k] = v
		}
		return r
	}
	admin := http.Header{"Authorization": {"Bearer k"}, "Content-Type": {"application/json"}}
	tests := []struct {
		name    string
		req     *http.Request
		reqBody string
		status  int
		header  http.Header
		body    string
		wantErr bool
	}{
		{"Documented", request("GET", "/healthz", nil), "", 200, jsonHeader, `{"status":"ok"}`, false},
		{"UndocumentedField", request("GET", "/healthz", nil), "", 200, jsonHeader, `{"status":"ok","version":"1"}`, true},
		{"UndocumentedStatus", request("GET", "/healthz", nil), "", 418, jsonHeader, `{"error":"teapot"}`, true},
		{"UndocumentedContentType", request("GET", "/healthz", nil), "", 200, htmlHeader, `<p>ok`, true},
		{"ErrorOffShape", request("GET", "/api/settings", admin), "", 403, jsonHeader, `{"message":"no"}`, true},
		{"ErrorShape", request("GET", "/api/settings", admin), "", 403, jsonHeader, `{"error":"no","problems":[{"field":"x","message":"y"}]}`, false},
		{"UnknownRouteAnswered2xx", request("GET", "/api/nope", nil), "", 200, jsonHeader, `{}`, true},
		{"UnknownRouteAnswered404", request("GET", "/api/nope", nil), "", 404, jsonHeader, `{"error":"no such endpoint"}`, false},
		{"InvalidBodyAccepted", request("PUT", "/api/settings", admin), `{"paused":true}`, 200, jsonHeader, `{"sendingPaused":true,"version":1}`, true},
		{"InvalidBodyRefused", request("PUT", "/api/settings", admin), `{"paused":true}`, 422, jsonHeader, `{"error":"paused is not a field"}`, false},
		{"MissingCredentialAccepted", request("GET", "/api/settings", nil), "", 200, jsonHeader, `{"sendingPaused":false,"version":0}`, true},
		{"MissingCredentialRefused", request("GET", "/api/settings", nil), "", 401, jsonHeader, `{"error":"an API key is required"}`, false},
		{"PageRedirectsAnonymous", request("GET", "/me", nil), "", 303, http.Header{"Location": {"/signin"}}, "", false},
		{"SessionCallWithoutCSRFAccepted", request("POST", "/api/people/E1/nudge", http.Header{"Cookie": {"attest_session=x"}}), "", 201, jsonHeader, `{}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.check(tt.req, []byte(tt.reqBody), tt.status, tt.header, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Errorf("check: %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}
