// Package contracttest holds HTTP traffic of tests to the OpenAPI document
// the API serves (docs/openapi.yaml, embedded in package httpapi as
// openapi.json): every response must be one the document lists for its
// route and status, with a body of the documented schema; a request the
// document considers invalid (no such route, a missing credential, a body
// or parameter off the schema) must have been answered with a 4xx.
//
// It wraps what a test talks to: a handler (Handler), the transport of a
// client that calls a running server over the network (Transport), or the
// API function's Lambda proxy (Proxy). A mismatch is an error of the test.
//
// Only tests import it (package architecture checks that no other package
// does), so the validator never reaches a binary.
package contracttest

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/attest-oss/attest/shared/httpapi"
)

// Contract is the OpenAPI document, ready to check exchanges against.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
}

var load = sync.OnceValues(func() (*Contract, error) {
	// The roster's CSV and the pages are checked as text: whether a CSV
	// parses is the server's to say, with the row.
	openapi3filter.RegisterBodyDecoder("text/csv", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/x-pem-file", openapi3filter.PlainBodyDecoder)
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPIDocument())
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, err
	}
	return &Contract{doc: doc, router: router}, nil
})

// Load returns the document the API embeds and serves, loaded once per test
// binary; it fails t when the document does not load.
func Load(t testing.TB) *Contract {
	t.Helper()
	c, err := load()
	if err != nil {
		t.Fatalf("load the OpenAPI document: %v", err)
	}
	return c
}

// Doc is the parsed document.
func (c *Contract) Doc() *openapi3.T { return c.doc }

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

// Check holds one exchange to the document: the request (its body is
// reqBody) and the response's status, header and body.
//
// A request the document considers invalid is fine when the server refused
// it with a 4xx: the tests send bad requests on purpose, to see them
// refused. Answering one with anything else is drift.
func (c *Contract) Check(r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) error {
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

// report checks the exchange and makes a mismatch an error of t.
func (c *Contract) report(t testing.TB, r *http.Request, reqBody []byte, status int, header http.Header, respBody []byte) {
	if err := c.Check(r, reqBody, status, header, respBody); err != nil {
		t.Errorf("OpenAPI document: %s %s: %v", r.Method, r.URL.RequestURI(), err)
	}
}

// Handler returns h with every exchange checked against the document. The
// response is sent after the check, so the error belongs to the test that
// made the request.
func (c *Contract) Handler(t testing.TB, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("read the request body: %v", err)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		c.report(t, r, body, rec.Code, rec.Header(), rec.Body.Bytes())
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// Transport returns a RoundTripper that sends through base
// (http.DefaultTransport when nil) and checks every exchange against the
// document, for tests that call a running server over the network. Each
// hop of a redirect a client follows is an exchange of its own.
func (c *Contract) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(r *http.Request) (*http.Response, error) {
		var body []byte
		if r.Body != nil {
			var err error
			if body, err = io.ReadAll(r.Body); err != nil {
				return nil, err
			}
			r.Body.Close()
		}
		sent := r.Clone(r.Context())
		sent.Body = io.NopCloser(bytes.NewReader(body))
		sent.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		resp, err := base.RoundTrip(sent)
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(got))
		c.report(t, r, body, resp.StatusCode, resp.Header, got)
		return resp, nil
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// Client returns an HTTP client whose every exchange is checked against the
// document, with a cookie jar of its own (for signing in) and without
// following redirects, so that a test sees each 303 a page answers.
func (c *Contract) Client(t testing.TB, jar http.CookieJar) *http.Client {
	return &http.Client{
		Transport:     c.Transport(t, nil),
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Proxy is the API function's handler: API Gateway HTTP API events (payload
// 2.0) in, responses out.
type Proxy func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Proxy returns p with every event and its response checked against the
// document.
func (c *Contract) Proxy(t testing.TB, p Proxy) Proxy {
	return func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		resp, err := p(ctx, e)
		if err != nil {
			return resp, err
		}
		r, body, err := requestOf(ctx, e)
		if err != nil {
			t.Errorf("OpenAPI document: the event %s %s: %v", e.RequestContext.HTTP.Method, e.RawPath, err)
			return resp, nil
		}
		respBody := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if respBody, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				t.Errorf("OpenAPI document: %s %s: the response body is not base64: %v", r.Method, r.URL.RequestURI(), err)
				return resp, nil
			}
		}
		header := http.Header{}
		for k, v := range resp.Headers {
			header.Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			for _, v := range vs {
				header.Add(k, v)
			}
		}
		for _, cookie := range resp.Cookies {
			header.Add("Set-Cookie", cookie)
		}
		c.report(t, r, body, resp.StatusCode, header, respBody)
		return resp, nil
	}
}

// requestOf is the HTTP request an event describes, and its body.
func requestOf(ctx context.Context, e events.APIGatewayV2HTTPRequest) (*http.Request, []byte, error) {
	body := []byte(e.Body)
	if e.IsBase64Encoded {
		var err error
		if body, err = base64.StdEncoding.DecodeString(e.Body); err != nil {
			return nil, nil, fmt.Errorf("the body is not base64: %w", err)
		}
	}
	url := "https://" + e.RequestContext.DomainName + e.RawPath
	if e.RawQueryString != "" {
		url += "?" + e.RawQueryString
	}
	r, err := http.NewRequestWithContext(ctx, e.RequestContext.HTTP.Method, url, bytes.NewReader(body))
	if err != nil {
		return nil, nil, err
	}
	for k, v := range e.Headers {
		r.Header.Set(k, v)
	}
	if len(e.Cookies) > 0 {
		r.Header.Set("Cookie", strings.Join(e.Cookies, "; "))
	}
	return r, body, nil
}
