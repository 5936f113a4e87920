package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/catalog"
	"gopkg.in/yaml.v3"
)

// fileProblems collects the problems of one file. offset is added to YAML
// line numbers to turn them into line numbers of the file (1 for front
// matter, which starts on the file's second line).
type fileProblems struct {
	file     string
	offset   int
	problems *[]Problem
	count    int
}

// add records a problem. When n is a node with a known position, the message
// is prefixed with its line number in the file.
func (fp *fileProblems) add(field string, n *yaml.Node, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if n != nil && n.Line > 0 {
		msg = "line " + strconv.Itoa(n.Line+fp.offset) + ": " + msg
	}
	*fp.problems = append(*fp.problems, Problem{File: fp.file, Field: field, Message: msg})
	fp.count++
}

// line returns the file line number of n.
func (fp *fileProblems) line(n *yaml.Node) int {
	return n.Line + fp.offset
}

// normaliseText applies the normalisation documented in the package comment:
// BOM removal, UTF-8 check, line endings to LF and trailing spaces and tabs
// removed from every line.
func (fp *fileProblems) normaliseText(data []byte) (string, bool) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		fp.add("", nil, "line %d: not valid UTF-8 text", invalidUTF8Line(data))
		return "", false
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t")
	}
	return strings.Join(lines, "\n"), true
}

// invalidUTF8Line returns the line number, counting from 1, of the first
// byte of data that is not valid UTF-8.
func invalidUTF8Line(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return 1 + bytes.Count(data[:i], []byte("\n"))
		}
		i += size
	}
	return 0
}

// splitFrontMatter splits normalised text into its front matter and its body
// with leading and trailing empty lines removed.
func (fp *fileProblems) splitFrontMatter(text string) (frontMatter, body string, ok bool) {
	lines := strings.Split(text, "\n")
	if lines[0] != "---" {
		fp.add("", nil, `malformed front matter: the first line must be "---" to open the front matter`)
		return "", "", false
	}
	for i := 1; i < len(lines); i++ {
		if lines[i] == "---" {
			rest := lines[i+1:]
			for len(rest) > 0 && rest[0] == "" {
				rest = rest[1:]
			}
			for len(rest) > 0 && rest[len(rest)-1] == "" {
				rest = rest[:len(rest)-1]
			}
			return strings.Join(lines[1:i], "\n"), strings.Join(rest, "\n"), true
		}
	}
	fp.add("", nil, `malformed front matter: no closing "---" line after the front matter`)
	return "", "", false
}

// readFrontMatterFile reads, normalises and splits a Markdown file with
// front matter. It returns the root node of the front matter (nil if empty)
// and the normalised body.
func (l *loader) readFrontMatterFile(fp *fileProblems) (*yaml.Node, string, bool) {
	data, err := fs.ReadFile(l.fsys, fp.file)
	if err != nil {
		fp.add("", nil, "cannot read file: %v", err)
		return nil, "", false
	}
	text, ok := fp.normaliseText(data)
	if !ok {
		return nil, "", false
	}
	frontMatter, body, ok := fp.splitFrontMatter(text)
	if !ok {
		return nil, "", false
	}
	root, ok := fp.parseYAML(frontMatter)
	return root, body, ok
}

// checkFileID checks that the id of a file matches its name and has not been
// used by an earlier file; first maps ids to the file that used them first.
func (fp *fileProblems) checkFileID(kind, id string, n *yaml.Node, first map[string]string) {
	if n == nil {
		return
	}
	if id != fileStem(fp.file) {
		fp.add("id", n, "id %q does not match the file name %q: the file must be named %s.md", id, path.Base(fp.file), id)
	}
	if prev, dup := first[id]; dup {
		fp.add("id", n, "duplicate %s id %q: already used by %s", kind, id, prev)
		return
	}
	first[id] = fp.file
}

// fileStem returns a file's name without directory and ".md".
func fileStem(name string) string {
	return strings.TrimSuffix(path.Base(name), ".md")
}

// yamlLine matches the position that yaml.v3 puts in its syntax errors.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^yaml: line (\d+): `) })

// parseYAML parses one YAML document. It returns the root node, or nil when
// the document is empty.
func (fp *fileProblems) parseYAML(src string) (*yaml.Node, bool) {
	dec := yaml.NewDecoder(strings.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		msg := err.Error()
		if m := yamlLine().FindStringSubmatch(msg); m != nil {
			n, _ := strconv.Atoi(m[1])
			msg = "line " + strconv.Itoa(n+fp.offset) + ": invalid YAML: " + msg[len(m[0]):]
		} else {
			msg = "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")
		}
		fp.add("", nil, "%s", msg)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		fp.add("", nil, "invalid YAML: more than one YAML document")
		return nil, false
	}
	if len(doc.Content) == 0 {
		return nil, true
	}
	return doc.Content[0], true
}

// entry is one key and value of a YAML mapping.
type entry struct {
	key, value *yaml.Node
}

// deref follows YAML aliases to the node they refer to.
func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// kindName describes a node's kind for messages.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	default:
		return "a single value"
	}
}

// join appends a field name to a path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// pairs returns the entries of a mapping in file order, reporting a node that
// is not a mapping and keys that appear twice. A nil node is an empty
// mapping.
func (fp *fileProblems) pairs(n *yaml.Node, path, what string) ([]entry, bool) {
	n = deref(n)
	if n == nil || (n.Kind == yaml.ScalarNode && n.Tag == "!!null") {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		fp.add(path, n, "must be %s, not %s", what, kindName(n))
		return nil, false
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := deref(n.Content[i]), n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			fp.add(path, k, "keys must be single values, not %s", kindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			fp.add(join(path, k.Value), k, "duplicate key (first at line %d)", fp.line(first))
			continue
		}
		seen[k.Value] = k
		out = append(out, entry{key: k, value: v})
	}
	return out, true
}

// fields returns the values of a mapping by key, reporting keys that are not
// among known.
func (fp *fileProblems) fields(n *yaml.Node, path, what string, known ...string) map[string]entry {
	es, _ := fp.pairs(n, path, what)
	out := make(map[string]entry, len(es))
	for _, e := range es {
		if !slices.Contains(known, e.key.Value) {
			fp.add(join(path, e.key.Value), e.key, "unknown field (known fields: %s)", strings.Join(known, ", "))
			continue
		}
		out[e.key.Value] = e
	}
	return out
}

// text returns a required text field with surrounding white space removed.
// It returns "" after reporting a missing, empty or non-text value. The
// returned node is the value's, for positions in later messages.
func (fp *fileProblems) text(m map[string]entry, path, name string) (string, *yaml.Node) {
	field := join(path, name)
	e, ok := m[name]
	if !ok {
		fp.add(field, nil, "missing required field")
		return "", nil
	}
	v := deref(e.value)
	if v.Kind != yaml.ScalarNode {
		fp.add(field, v, "must be text, not %s", kindName(v))
		return "", nil
	}
	s := strings.TrimSpace(v.Value)
	if v.Tag == "!!null" || s == "" {
		fp.add(field, v, "must not be empty")
		return "", nil
	}
	return s, v
}

// integer returns a whole-number field. It returns a nil node when the field
// is absent (reported if required) or invalid (always reported).
func (fp *fileProblems) integer(m map[string]entry, path, name string, required bool) (int, *yaml.Node) {
	field := join(path, name)
	e, ok := m[name]
	if !ok {
		if required {
			fp.add(field, nil, "missing required field")
		}
		return 0, nil
	}
	v := deref(e.value)
	if v.Kind != yaml.ScalarNode {
		fp.add(field, v, "must be a whole number, not %s", kindName(v))
		return 0, nil
	}
	if v.Tag == "!!null" {
		fp.add(field, v, "must not be empty")
		return 0, nil
	}
	var n int
	if v.Tag != "!!int" || v.Decode(&n) != nil {
		if v.Tag == "!!str" && v.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
			fp.add(field, v, "must be a whole number without quotes, got the text %q", v.Value)
		} else {
			fp.add(field, v, "must be a whole number, got %q", v.Value)
		}
		return 0, nil
	}
	return n, v
}

// idPattern is the syntax of every id and role key: lowercase letters,
// digits and hyphens, starting with a letter or digit, at most 64 bytes. It
// is compiled on first use: only Load needs it.
var idPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`) })

// checkID reports an id that does not follow idPattern.
func (fp *fileProblems) checkID(field string, n *yaml.Node, id string) bool {
	if idPattern().MatchString(id) {
		return true
	}
	fp.add(field, n, "invalid id %q: use up to 64 lowercase letters, digits and hyphens, starting with a letter or digit", id)
	return false
}

// id returns a required id field, checking its syntax.
func (fp *fileProblems) id(m map[string]entry, path, name string) (string, *yaml.Node) {
	s, n := fp.text(m, path, name)
	if n == nil || !fp.checkID(join(path, name), n, s) {
		return "", nil
	}
	return s, n
}

// version returns a required version field.
func (fp *fileProblems) version(m map[string]entry) catalog.Version {
	s, n := fp.text(m, "", "version")
	if n == nil {
		return catalog.Version{}
	}
	v, err := catalog.ParseVersion(s)
	if err != nil {
		fp.add("version", n, "%s", err)
	}
	return v
}

// list returns the items of a list field and the list's own node, which is
// nil when the field is absent. A null value is an empty list. ok is false
// after reporting a value that is not a list.
func (fp *fileProblems) list(m map[string]entry, path, name, what string) (items []*yaml.Node, n *yaml.Node, ok bool) {
	e, present := m[name]
	if !present {
		return nil, nil, true
	}
	v := deref(e.value)
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, v, true
	}
	if v.Kind != yaml.SequenceNode {
		fp.add(join(path, name), v, "must be a list of %s, not %s", what, kindName(v))
		return nil, nil, false
	}
	items = make([]*yaml.Node, len(v.Content))
	for i, it := range v.Content {
		items[i] = deref(it)
	}
	return items, v, true
}
