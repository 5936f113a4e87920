package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/catalog/load"
	"github.com/attest-oss/attest/shared/roster"
)

// noAcks is an ack.Store holding nothing, for rendering tests.
type noAcks struct{}

func (noAcks) RecordPolicyView(context.Context, ack.View) error { return nil }
func (noAcks) PolicyView(context.Context, string, string, string, string) (ack.View, bool, error) {
	return ack.View{}, false, nil
}
func (noAcks) Acknowledgment(context.Context, string, string, string) (ack.Acknowledgment, bool, error) {
	return ack.Acknowledgment{}, false, nil
}
func (noAcks) Acknowledgments(context.Context, string) ([]ack.Acknowledgment, error) { return nil, nil }
func (noAcks) PutAcknowledgment(context.Context, ack.Acknowledgment, audit.Event) (ack.Acknowledgment, bool, error) {
	return ack.Acknowledgment{}, false, nil
}

// TestPolicyMarkupIsEscaped renders a policy whose text and title carry
// markup: the page and the JSON view show it as text, never as markup.
func TestPolicyMarkupIsEscaped(t *testing.T) {
	t.Parallel()
	cat, err := load.Load(fstest.MapFS{
		"curricula.yaml": {Data: []byte("roles:\n  base:\n    description: Everyone.\n    policies: [hostile]\n")},
		"policies/hostile.md": {Data: []byte("---\nid: hostile\ntitle: Use <b>care</b>\nversion: 1.0.0\nsummary: Markup everywhere.\n---\n\n" +
			"# Hostile policy\n\n## First section\n\n" +
			"<script>alert(1)</script>\n\n" +
			"Inline <img src=x onerror=alert(2)> markup and `<script>alert(3)</script>` in code.\n\n" +
			"[A link](javascript:alert(4)) and the last line.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) }
	s, err := New(Deps{Catalog: cat, Acks: &ack.Service{Store: noAcks{}, Catalog: cat, Now: now}, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	who := &signedIn{
		session: auth.Session{EmployeeID: "P1", CSRFToken: "token"},
		person:  roster.Record{Person: roster.Person{EmployeeID: "P1", Name: "Pat", Roles: []string{"base"}, TimeZone: "UTC"}},
	}
	request := func() *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/me/policies/hostile", nil)
		r.SetPathValue("policyId", "hostile")
		return r
	}
	check := func(where, html string) {
		t.Helper()
		for _, bad := range []string{"<script", "<img", "onerror", "javascript:", "<b>care"} {
			if strings.Contains(html, bad) {
				t.Errorf("%s carries %q:\n%s", where, bad, html)
			}
		}
		for _, want := range []string{"First section", "&lt;script&gt;alert(3)&lt;/script&gt;", "the last line"} {
			if !strings.Contains(html, want) {
				t.Errorf("%s lacks %q:\n%s", where, want, html)
			}
		}
	}

	page := httptest.NewRecorder()
	if err := s.policyPageHandler(page, request(), who); err != nil {
		t.Fatal(err)
	}
	if page.Code != http.StatusOK {
		t.Fatalf("page: %d %s", page.Code, page.Body)
	}
	check("page", page.Body.String())
	if !strings.Contains(page.Body.String(), "Use &lt;b&gt;care&lt;/b&gt;") {
		t.Errorf("the title is not shown as text")
	}

	api := httptest.NewRecorder()
	if err := s.apiPolicy(api, request(), who); err != nil {
		t.Fatal(err)
	}
	var v policyView
	if err := json.Unmarshal(api.Body.Bytes(), &v); err != nil || api.Code != http.StatusOK {
		t.Fatalf("JSON: %d %v %s", api.Code, err, api.Body)
	}
	check("bodyHtml", v.BodyHTML)
	if v.Acknowledgment != nil || v.Cycle != "2026" || v.MinReadSeconds != 30 {
		t.Errorf("view %+v, want no acknowledgment, cycle 2026 and the default 30 s", v)
	}
}
