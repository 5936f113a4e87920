package httpapi

import (
	"bytes"
	_ "embed"
	"net/http"
)

// The OpenAPI document's source is docs/openapi.yaml, which people edit;
// openapi.json beside this file is generated from it (an embed cannot reach
// outside the package directory, and JSON is served as it is, with no
// conversion at start-up or per request). TestOpenAPIDocumentIsCurrent fails
// while the two differ.
//
//go:generate go test -run ^TestOpenAPIDocumentIsCurrent$ -update-openapi .

//go:embed openapi.json
var openAPIDocument []byte

// OpenAPIDocument returns (a copy of) the OpenAPI document the server
// serves, for tests that hold traffic to it (package contracttest).
func OpenAPIDocument() []byte { return bytes.Clone(openAPIDocument) }

// openAPI answers GET /api/openapi.json with the OpenAPI 3.1 document of
// every route.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(openAPIDocument)
}

// routeMux is the server's ServeMux; it also keeps the patterns registered,
// in order, so that tests can hold every route to the OpenAPI document and
// the authorisation matrix.
type routeMux struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern.
func (m *routeMux) Handle(pattern string, h http.Handler) {
	m.patterns = append(m.patterns, pattern)
	m.ServeMux.Handle(pattern, h)
}

// HandleFunc registers f for pattern.
func (m *routeMux) HandleFunc(pattern string, f func(http.ResponseWriter, *http.Request)) {
	m.Handle(pattern, http.HandlerFunc(f))
}
