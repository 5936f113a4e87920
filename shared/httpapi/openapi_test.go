package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/attest-oss/attest/shared/httpapi/contracttest"
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
	doc := contracttest.Load(t).Doc()
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

// TestContractCatchesDrift checks that the validation of test traffic
// (package contracttest) would notice a handler drifting from the document.
func TestContractCatchesDrift(t *testing.T) {
	c := contracttest.Load(t)
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
			err := c.Check(tt.req, []byte(tt.reqBody), tt.status, tt.header, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Errorf("check: %v, want an error: %v", err, tt.wantErr)
			}
		})
	}
}
