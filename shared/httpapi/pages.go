package httpapi

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"sync"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the pages under templates/, each rendered inside layout.html.
var pageNames = []string{"signin", "link-sent", "confirm", "link-invalid", "error", "me", "module", "receipt", "policy", "admin-keys", "admin-key-created", "team",
	"admin-roster", "admin-roster-preview", "admin-roster-done", "admin-people", "admin-person", "admin-overview", "admin-waivers", "admin-settings",
	"admin-metrics", "admin-agreements", "admin-agreement", "admin-exports"}

// adminSection is one entry of the admin console's navigation.
type adminSection struct{ Path, Label string }

// adminSections are the admin console's sections, in the order its
// navigation lists them.
var adminSections = []adminSection{
	{"/admin", "Overview"},
	{"/admin/metrics", "Metrics"},
	{"/admin/agreements", "Agreements"},
	{"/admin/exports", "Exports"},
	{"/admin/people", "People"},
	{"/admin/roster", "Roster upload"},
	{"/admin/waivers", "Waivers"},
	{"/admin/settings", "Settings"},
	{"/admin/keys", "API keys"},
}

// pageFuncs are the functions templates may call.
var pageFuncs = template.FuncMap{
	// inc numbers from 1 what range numbers from 0.
	"inc": func(i int) int { return i + 1 },
	// adminSections lists the admin console's sections (partials.html).
	"adminSections": func() []adminSection { return adminSections },
	// pathEscape escapes a path segment (a vendor's name).
	"pathEscape": url.PathEscape,
}

// pages parses each page of pageNames with the layout when it is first
// rendered, once, so that starting the server parses no template (most
// requests are JSON). Parsing fails only if a template shipped in the
// binary is broken, which TestPagesParse catches.
var pages = func() map[string]func() (*template.Template, error) {
	m := make(map[string]func() (*template.Template, error), len(pageNames))
	for _, name := range pageNames {
		m[name] = sync.OnceValues(func() (*template.Template, error) {
			t, err := template.New("layout.html").Funcs(pageFuncs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", "templates/"+name+".html")
			if err != nil {
				return nil, fmt.Errorf("parse page %s: %w", name, err)
			}
			return t, nil
		})
	}
	return m
}()

// page returns the parsed page name (one of pageNames).
func page(name string) (*template.Template, error) {
	parse, ok := pages[name]
	if !ok {
		return nil, fmt.Errorf("no page %s", name)
	}
	return parse()
}

// pageData is what every page receives: the signed-in person (for the
// header) and the page's own data.
type pageData struct {
	SignedIn *signedInView
	Data     any
}

// signedInView is the header's view of the signed-in person.
type signedInView struct {
	Name      string
	CSRFToken string
	// Console links the header to the admin console (admins, auditors).
	Console bool
}

// errorPage is the data of the error page.
type errorPage struct {
	Title, Message string
}

// renderPage writes a page with status; rendering into a buffer first means
// a template error never sends half a page.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name string, who *signedIn, data any) {
	var view *signedInView
	if who != nil {
		view = &signedInView{Name: who.person.Name, CSRFToken: who.session.CSRFToken, Console: mayUseConsole(who.person.Person)}
	}
	var buf bytes.Buffer
	t, err := page(name)
	if err == nil {
		err = t.ExecuteTemplate(&buf, "layout", pageData{SignedIn: view, Data: data})
	}
	if err != nil {
		s.deps.Logger.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
