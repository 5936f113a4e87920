package contracttest_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/attest-oss/attest/shared/httpapi/contracttest"
)

// recorder is a test whose errors are kept, not reported.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// healthz answers GET /healthz with body: the documented one, or one with a
// field the document does not list.
func healthz(body string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_, _ = io.WriteString(w, body)
	})
}

const (
	documented = `{"status":"ok"}`
	drifted    = `{"status":"ok","version":"1"}`
)

// TestWrappersReportDrift checks that each wrapper (handler, client
// transport, Lambda proxy) fails its test when the server's answer drifts
// from the document, passes the answer on unchanged, and stays quiet when
// it does not drift.
func TestWrappersReportDrift(t *testing.T) {
	c := contracttest.Load(t)
	through := map[string]func(tb testing.TB, body string) (int, string){
		"Handler": func(tb testing.TB, body string) (int, string) {
			srv := httptest.NewServer(c.Handler(tb, healthz(body)))
			defer srv.Close()
			return get(t, http.DefaultClient, srv.URL+"/healthz")
		},
		"Transport": func(tb testing.TB, body string) (int, string) {
			srv := httptest.NewServer(healthz(body))
			defer srv.Close()
			return get(t, c.Client(tb, nil), srv.URL+"/healthz")
		},
		"Proxy": func(tb testing.TB, body string) (int, string) {
			p := c.Proxy(tb, func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
				return events.APIGatewayV2HTTPResponse{StatusCode: 200, Headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}, Body: body}, nil
			})
			e := events.APIGatewayV2HTTPRequest{RawPath: "/healthz"}
			e.RequestContext.HTTP.Method, e.RequestContext.DomainName = http.MethodGet, "tracker.test"
			resp, err := p(context.Background(), e)
			if err != nil {
				t.Fatal(err)
			}
			return resp.StatusCode, resp.Body
		},
	}
	for name, send := range through {
		for _, body := range []string{documented, drifted} {
			t.Run(name+"/"+map[string]string{documented: "Documented", drifted: "Drifted"}[body], func(t *testing.T) {
				rec := &recorder{TB: t}
				status, got := send(rec, body)
				if status != 200 || got != body {
					t.Errorf("the client got %d %q, want the server's 200 %q", status, got, body)
				}
				if wantErr := body == drifted; (len(rec.errors) > 0) != wantErr {
					t.Errorf("errors %q; want an error: %v", rec.errors, wantErr)
				}
				if len(rec.errors) > 0 && !strings.Contains(rec.errors[0], "GET /healthz") {
					t.Errorf("the error %q does not name the request", rec.errors[0])
				}
			})
		}
	}
}

func get(t *testing.T, client *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}
