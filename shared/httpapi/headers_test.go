package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/attest-oss/attest/shared/httpapi"
)

// TestStrictTransportSecurity: every response tells browsers to use HTTPS
// only (HSTS), except in plain-HTTP local development, where the header
// would make the browser refuse the site.
func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		insecure bool
		want     string
	}{
		{"Deployed", false, "max-age=31536000; includeSubDomains"},
		{"PlainHTTPLocal", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := httpapi.New(httpapi.Deps{InsecureCookies: tt.insecure})
			if err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/healthz", "/signin", "/no-such-route"} {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
				if got := rec.Header().Get("Strict-Transport-Security"); got != tt.want {
					t.Errorf("GET %s: Strict-Transport-Security %q, want %q", path, got, tt.want)
				}
			}
		})
	}
}
