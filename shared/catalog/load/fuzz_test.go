package load_test

import (
	"bytes"
	"encoding/hex"
	"io/fs"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/catalog/load"
)

// The content's front matter is written by people, in any editor. The fuzz
// targets load one arbitrary module or policy file next to a valid
// curricula.yaml and check: problems are about that file, name a field of
// its format and give lines inside it; a file that loads satisfies every
// rule of the format (the package documentation); a byte order mark and
// CRLF line ends change nothing. `make fuzz` runs each for a minute.

// fuzzCurricula is a valid curricula.yaml that refers to no file.
const fuzzCurricula = "roles:\n  all-staff:\n    description: Everyone.\n"

// addContentSeeds adds each file of the shipped content's dir, extra files
// and the valid test fixtures of dir to f's seed corpus as (file name stem,
// data).
func addContentSeeds(f *testing.F, dir string, extra ...string) {
	names, err := fs.Glob(content.FS, dir+"/*.md")
	if err != nil || len(names) == 0 {
		f.Fatalf("no seeds in content/%s: %v", dir, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(content.FS, name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(path.Base(name), ".md"), b)
	}
	for _, s := range extra {
		f.Add("basics", []byte(s))
	}
	valid, _ := fs.Glob(os.DirFS("testdata/valid"), dir+"/*.md")
	for _, name := range valid {
		b, err := os.ReadFile("testdata/valid/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(strings.TrimSuffix(path.Base(name), ".md"), b)
	}
}

// load loads dir/stem.md holding data, with fuzzCurricula; ok is false for
// a stem that names no file of dir.
func loadOne(t *testing.T, dir, stem string, data []byte) (c *catalog.Catalog, problems []load.Problem, ok bool) {
	name := dir + "/" + stem + ".md"
	if stem == "" || strings.Contains(stem, "/") || !fs.ValidPath(name) {
		return nil, nil, false
	}
	c, err := load.Load(fstest.MapFS{name: {Data: data}, "curricula.yaml": {Data: []byte(fuzzCurricula)}})
	if err == nil {
		if c == nil {
			t.Fatal("got a nil catalog and no error")
		}
		return c, nil, true
	}
	le, isLoadErr := err.(*load.LoadError)
	if c != nil || !isLoadErr || len(le.Problems) == 0 {
		t.Fatalf("got catalog %v and error %v, want nil and a *LoadError with problems", c, err)
	}
	lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1
	for _, p := range le.Problems {
		if p.File != name || p.Message == "" {
			t.Fatalf("got problem %+v, want one about %s", p, name)
		}
		if m := lineRef.FindStringSubmatch(p.Message); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < 1 || n > lines {
				t.Fatalf("got problem %+v, want its line from 1 to %d", p, lines)
			}
		}
	}
	return nil, le.Problems, true
}

// lineRef matches the line number that starts a problem's message.
var lineRef = regexp.MustCompile(`^line (\d+): `)

// checkFields checks that each problem names no field, one of fields
// (possibly followed by a path inside it: questions[0].options[1].id), or
// a key written in data (an unknown or duplicate one).
func checkFields(t *testing.T, data []byte, problems []load.Problem, fields ...string) {
	t.Helper()
	for _, p := range problems {
		top, _, _ := strings.Cut(p.Field, ".")
		top, _, _ = strings.Cut(top, "[")
		if p.Field != "" && p.Field != "body" && !slices.Contains(fields, top) && !bytes.Contains(data, []byte(top)) {
			t.Fatalf("got problem %+v, want it on one of the fields %v", p, fields)
		}
	}
}

// checkSame checks that a byte order mark and CRLF line ends change nothing
// in what data loads into.
func checkSame(t *testing.T, dir, stem string, data []byte, c *catalog.Catalog, problems []load.Problem) {
	t.Helper()
	if bytes.ContainsRune(data, '\r') || bytes.HasPrefix(data, []byte("\ufeff")) {
		return
	}
	crlf := append([]byte("\ufeff"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
	c2, problems2, _ := loadOne(t, dir, stem, crlf)
	if !reflect.DeepEqual(c, c2) || !reflect.DeepEqual(problems, problems2) {
		t.Fatalf("with a BOM and CRLF: got %+v %v, want %+v %v", c2, problems2, c, problems)
	}
}

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	hexSHA256 = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// checkText checks the rules shared by modules and policies: id, title,
// summary, version and normalised body.
func checkText(t *testing.T, stem, id, title, summary string, v catalog.Version, body, sha string) {
	t.Helper()
	if id != stem || !idPattern.MatchString(id) {
		t.Fatalf("got id %q for file %s.md", id, stem)
	}
	for _, s := range []string{title, summary} {
		if s == "" || s != strings.TrimSpace(s) {
			t.Fatalf("got title or summary %q, want it non-empty and trimmed", s)
		}
	}
	if back, err := catalog.ParseVersion(v.String()); err != nil || back != v {
		t.Fatalf("version %v does not round-trip: %v %v", v, back, err)
	}
	if body == "" || strings.ContainsRune(body, '\r') || strings.HasPrefix(body, "\n") || strings.HasSuffix(body, "\n") {
		t.Fatalf("got body %q, want it normalised", body)
	}
	for line := range strings.SplitSeq(body, "\n") {
		if line != strings.TrimRight(line, " \t") {
			t.Fatalf("got body line %q, want trailing white space removed", line)
		}
	}
	if !hexSHA256.MatchString(sha) || sha == hex.EncodeToString(make([]byte, 32)) {
		t.Fatalf("got SHA-256 %q", sha)
	}
}

// FuzzModuleFile loads an arbitrary module file. Run it with
// go test -run '^$' -fuzz '^FuzzModuleFile$' ./shared/catalog.
func FuzzModuleFile(f *testing.F) {
	addContentSeeds(f, "modules",
		"",
		"---\n---\n",
		"---\nid: basics\n---\nText.",
		"---\n[unclosed\n---\nText.",
		"---\nid: basics\nid: basics\n---\n",
		"---\nid: &a basics\ntitle: *a\nversion: 01.0.0\nquestions: {}\n---\n",
		"---\nid: basics\ntitle: T\nversion: 1.0.0\nsummary: S\nestimated_minutes: 1\nrecurrence: once\ndue_days: 1\npass_mark: 100\n"+
			"questions:\n  - id: q1\n    text: Q?\n    options:\n      - {id: a, text: A}\n      - {id: b, text: B}\n    correct: b\n---\n\nBody \n\n",
		"---\nid: basics\npass_mark: 1e3\nestimated_minutes: \"5\"\ndue_days: 0x10\n---\nx\n---\ny",
		"---\n--- \n",
		"---\nquestions: [{options: [*a]}]\n---\n",
		"\xef\xbb\xbf---\r\nid: basics\r---\r\n",
	)
	f.Fuzz(func(t *testing.T, stem string, data []byte) {
		c, problems, ok := loadOne(t, "modules", stem, data)
		if !ok {
			return
		}
		checkFields(t, data, problems, "id", "title", "version", "summary", "estimated_minutes", "recurrence", "due_days", "pass_mark", "questions")
		checkSame(t, "modules", stem, data, c, problems)
		if c == nil {
			return
		}
		m, found := c.Module(stem)
		if !found || len(c.Modules) != 1 || len(c.Policies) != 0 {
			t.Fatalf("got modules %v and policies %v, want only %s", c.Modules, c.Policies, stem)
		}
		checkText(t, stem, m.ID, m.Title, m.Summary, m.Version, m.Body, m.SHA256)
		if m.EstimatedMinutes < 1 || m.DueDays < 1 || m.PassMark < 1 || m.PassMark > 100 ||
			m.Recurrence != catalog.RecurrenceAnnual && m.Recurrence != catalog.RecurrenceOnce {
			t.Fatalf("got module %+v, want minutes and due days from 1, a pass mark from 1 to 100 and a known recurrence", m)
		}
		if len(m.Questions) == 0 {
			t.Fatal("got a module without questions")
		}
		questions := map[string]bool{}
		for _, q := range m.Questions {
			options := map[string]bool{}
			for _, o := range q.Options {
				if !idPattern.MatchString(o.ID) || options[o.ID] || o.Text == "" {
					t.Fatalf("got question %+v, want options with valid, distinct ids and text", q)
				}
				options[o.ID] = true
			}
			if !idPattern.MatchString(q.ID) || questions[q.ID] || q.Text == "" || len(q.Options) < 2 || !options[q.Correct] {
				t.Fatalf("got question %+v, want a valid, distinct id, text, at least 2 options and a correct one among them", q)
			}
			questions[q.ID] = true
		}
	})
}

// FuzzPolicyFile loads an arbitrary policy file. Run it with
// go test -run '^$' -fuzz '^FuzzPolicyFile$' ./shared/catalog.
func FuzzPolicyFile(f *testing.F) {
	addContentSeeds(f, "policies",
		"",
		"---\nid: basics\ntitle: T\nversion: 0.0.0\nsummary: S\n---\nBody",
		"---\nid: basics\ntitle: T\nversion: 1.2.3\nsummary: S\nmin_read_seconds: -1\n---\nBody",
		"---\nid: basics\ntitle: [T]\nversion: 1.2\nsummary: ~\nmin_read_seconds: 99999999999999999999\n---\n",
		"---\n- a\n- b\n---\nBody",
		"---\nid: basics\n...\n---\nBody",
	)
	f.Fuzz(func(t *testing.T, stem string, data []byte) {
		c, problems, ok := loadOne(t, "policies", stem, data)
		if !ok {
			return
		}
		checkFields(t, data, problems, "id", "title", "version", "summary", "min_read_seconds")
		checkSame(t, "policies", stem, data, c, problems)
		if c == nil {
			return
		}
		p, found := c.Policy(stem)
		if !found || len(c.Policies) != 1 || len(c.Modules) != 0 {
			t.Fatalf("got policies %v and modules %v, want only %s", c.Policies, c.Modules, stem)
		}
		checkText(t, stem, p.ID, p.Title, p.Summary, p.Version, p.Body, p.SHA256)
		if p.MinReadSeconds < 0 {
			t.Fatalf("got min_read_seconds %d, want 0 or more", p.MinReadSeconds)
		}
	})
}

// FuzzParseVersion checks that ParseVersion accepts exactly what
// Version.String writes. Run it with
// go test -run '^$' -fuzz '^FuzzParseVersion$' ./shared/catalog.
func FuzzParseVersion(f *testing.F) {
	for _, s := range []string{"1.0.0", "0.0.0", "10.20.30", "01.0.0", "1.0", "1.0.0-rc.1", "v1.0.0", "+1.0.0", " 1.0.0", "1..0", "99999999999999999999.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := catalog.ParseVersion(s)
		if err != nil {
			if v != (catalog.Version{}) || !strings.Contains(err.Error(), strconv.Quote(s)) {
				t.Fatalf("ParseVersion(%q) = %v, %v; want the zero version and an error quoting the input", s, v, err)
			}
			return
		}
		if v.Major < 0 || v.Minor < 0 || v.Patch < 0 || v.String() != s {
			t.Fatalf("ParseVersion(%q) = %v, which does not write back as the input", s, v)
		}
	})
}
