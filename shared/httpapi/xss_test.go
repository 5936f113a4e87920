package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestHostileTextIsEscapedEverywhere puts markup in a person's name and in
// query strings and paths, and checks that no page reflects it as markup.
func TestHostileTextIsEscapedEverywhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const evil = `<script>alert("x")</script>`
	email := fmt.Sprintf("xss-%d@example.com", e.now.UnixNano())
	csv := header + fmt.Sprintf("XS1,%s,%q,all-staff,,Ops,employee,,,2026-01-05,,UTC\n", email, evil)
	csv = strings.ReplaceAll(csv, `\"`, `""`)
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		t.Fatalf("seed: %d %v", status, body)
	}
	c, _ := e.signedIn(person{id: "XS1", email: email, name: evil})
	paths := []string{
		"/me",
		"/me?tab=" + url.QueryEscape(evil),
		"/me/modules/" + url.PathEscape(evil),
		"/me/policies/" + url.PathEscape(evil),
		"/signin?email=" + url.QueryEscape(evil),
		"/l/" + url.PathEscape(evil),
		"/nope/" + url.PathEscape(evil),
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			_, body := e.send(c, http.MethodGet, path, nil, "")
			if strings.Contains(body, "<script>") {
				t.Errorf("%s reflects markup:\n%s", path, body)
			}
		})
	}
	if _, body := e.send(c, http.MethodGet, "/me", nil, ""); !strings.Contains(body, "&lt;script&gt;") {
		t.Error("the name is not shown, escaped, on /me")
	}
}

// TestOversizedFormIsTooLarge sends a form over the 64 KB limit with a
// session cookie: 413, not a misleading CSRF error.
func TestOversizedFormIsTooLarge(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.seedPeople("bigform", "BF1")["BF1"]
	c, csrf := e.signedIn(p)
	body := url.Values{"csrf": {csrf}, "filler": {strings.Repeat("x", 70<<10)}}.Encode()
	resp, _ := e.send(c, http.MethodPost, "/me/modules/access-control/attempts", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("got %d, want 413", resp.StatusCode)
	}
}
