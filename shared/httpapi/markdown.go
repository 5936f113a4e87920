package httpapi

import (
	"bytes"
	"html/template"
	"strings"
	"sync"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

// markdown renders content Markdown to HTML. Goldmark's default renderer
// drops raw HTML from the source (it is not in unsafe mode), so content can
// never inject markup or scripts into a page. It is built on first use, not
// when the API function starts.
var markdown = sync.OnceValue(func() goldmark.Markdown {
	return goldmark.New(goldmark.WithExtensions(extension.Table))
})

// rendered caches the HTML of content by its SHA-256: content is immutable
// for the life of a process.
var rendered sync.Map

// renderMarkdown returns the HTML of source, whose content hash is sha. A
// leading level-one heading is left out: pages show the title themselves.
// (The content hash covers the text as written, heading included.)
func renderMarkdown(sha, source string) (template.HTML, error) {
	if h, ok := rendered.Load(sha); ok {
		return h.(template.HTML), nil
	}
	if rest, ok := strings.CutPrefix(source, "# "); ok {
		_, source, _ = strings.Cut(rest, "\n")
	}
	var buf bytes.Buffer
	if err := markdown().Convert([]byte(source), &buf); err != nil {
		return "", err
	}
	h := template.HTML(buf.String()) // #nosec G203 -- goldmark output without raw HTML
	rendered.Store(sha, h)
	return h, nil
}
