// Package localgw stands in for API Gateway (HTTP API, payload format 2.0) on
// a developer's machine: it turns each net/http request into the same
// events.APIGatewayV2HTTPRequest that API Gateway would send the API Lambda,
// calls the Lambda's handler function with it, and writes the event response
// back. Locally the API is thus served through the very adapter and handler
// the Lambda runs, including API Gateway's payload limit and base64 rules.
package localgw

import (
	"context"
	"encoding/base64"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
)

// MaxEventBytes is the largest request body passed on, like Lambda's 6 MB
// limit on a synchronous invocation payload (the body is only part of it).
const MaxEventBytes = 6 << 20

// LambdaHandler is the signature of an API Gateway v2 Lambda handler.
type LambdaHandler func(ctx context.Context, e events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// Gateway is an http.Handler that invokes a LambdaHandler per request.
type Gateway struct {
	handler LambdaHandler
	now     func() time.Time
}

// New returns a gateway in front of h.
func New(h LambdaHandler) *Gateway { return &Gateway{handler: h, now: time.Now} }

// ServeHTTP implements http.Handler.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxEventBytes))
	if err != nil {
		// API Gateway answers this itself, before any Lambda runs.
		http.Error(w, `{"message":"Request Entity Too Large"}`, http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := g.handler(r.Context(), g.event(r, body))
	if err != nil {
		http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	for _, c := range resp.Cookies {
		w.Header().Add("Set-Cookie", c)
	}
	out := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
			http.Error(w, `{"message":"Internal Server Error"}`, http.StatusInternalServerError)
			return
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(out)
}

// event builds the payload-2.0 event API Gateway would send for r: headers
// lower-cased and joined with commas, cookies apart, the body base64-encoded
// unless it is text.
func (g *Gateway) event(r *http.Request, body []byte) events.APIGatewayV2HTTPRequest {
	headers := map[string]string{}
	var cookies []string
	for k, vs := range r.Header {
		if strings.EqualFold(k, "Cookie") {
			for _, v := range vs {
				for c := range strings.SplitSeq(v, ";") {
					if c = strings.TrimSpace(c); c != "" {
						cookies = append(cookies, c)
					}
				}
			}
			continue
		}
		headers[strings.ToLower(k)] = strings.Join(vs, ",")
	}
	headers["host"] = r.Host
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	now := g.now()
	e := events.APIGatewayV2HTTPRequest{
		Version:        "2.0",
		RouteKey:       "$default",
		RawPath:        r.URL.EscapedPath(),
		RawQueryString: r.URL.RawQuery,
		Cookies:        cookies,
		Headers:        headers,
		RequestContext: events.APIGatewayV2HTTPRequestContext{
			RouteKey:     "$default",
			Stage:        "$default",
			DomainName:   r.Host,
			DomainPrefix: strings.Split(r.Host, ".")[0],
			RequestID:    now.Format("20060102T150405.000000000"),
			Time:         now.UTC().Format("02/Jan/2006:15:04:05 -0700"),
			TimeEpoch:    now.UnixMilli(),
			HTTP: events.APIGatewayV2HTTPRequestContextHTTPDescription{
				Method:    r.Method,
				Path:      r.URL.Path,
				Protocol:  r.Proto,
				SourceIP:  ip,
				UserAgent: r.UserAgent(),
			},
		},
	}
	if len(body) > 0 {
		if isText(r.Header.Get("Content-Type")) && utf8.Valid(body) {
			e.Body = string(body)
		} else {
			e.Body, e.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
	}
	return e
}

// isText reports whether API Gateway passes a body of this type as text.
func isText(contentType string) bool {
	ct := strings.ToLower(contentType)
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "xml") || strings.HasPrefix(ct, "application/x-www-form-urlencoded")
}
