package load_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/catalog/load"
)

// Paths and messages shared by the problem cases.
const (
	basics   = "modules/basics.md"
	advanced = "modules/advanced.md"
	aup      = "policies/aup.md"
	privacy  = "policies/privacy.md"
	curr     = "curricula.yaml"
	idRule   = "use up to 64 lowercase letters, digits and hyphens, starting with a letter or digit"
)

// problemCase is a broken fixture (a directory of testdata) and the complete
// list of problems Load must report for it.
type problemCase struct {
	name string
	want []load.Problem
}

// problemCases has one case per broken fixture.
var problemCases = []problemCase{
	{"missing-opening-delimiter", []load.Problem{
		{basics, "", `malformed front matter: the first line must be "---" to open the front matter`},
	}},
	{"missing-closing-delimiter", []load.Problem{
		{basics, "", `malformed front matter: no closing "---" line after the front matter`},
	}},
	{"invalid-yaml", []load.Problem{
		{basics, "", "line 5: invalid YAML: mapping values are not allowed in this context"},
	}},
	{"not-utf8", []load.Problem{
		{basics, "", "line 23: not valid UTF-8 text"},
	}},
	{"unknown-field", []load.Problem{
		{basics, "pass_marks", "line 9: unknown field (known fields: id, title, version, summary, estimated_minutes, recurrence, due_days, pass_mark, questions)"},
		{basics, "pass_mark", "missing required field"},
		{basics, "questions[0].hint", "line 19: unknown field (known fields: id, text, options, correct)"},
	}},
	{"duplicate-key", []load.Problem{
		{basics, "title", "line 4: duplicate key (first at line 3)"},
	}},
	{"missing-required-fields", []load.Problem{
		{basics, "title", "missing required field"},
		{basics, "version", "missing required field"},
		{basics, "summary", "missing required field"},
		{basics, "estimated_minutes", "missing required field"},
		{basics, "recurrence", "missing required field"},
		{basics, "due_days", "missing required field"},
		{basics, "pass_mark", "missing required field"},
		{basics, "questions", "missing required field"},
		{aup, "title", "missing required field"},
		{aup, "version", "missing required field"},
		{aup, "summary", "missing required field"},
		{aup, "body", `missing policy text: write it in Markdown after the closing "---"`},
	}},
	{"empty-body", []load.Problem{
		{basics, "body", `missing training text: write it in Markdown after the closing "---"`},
	}},
	{"wrong-type", []load.Problem{
		{basics, "title", "line 3: must be text, not a list"},
		{basics, "estimated_minutes", `line 6: must be a whole number, got "1.5"`},
		{basics, "due_days", `line 8: must be a whole number without quotes, got the text "30"`},
		{basics, "pass_mark", `line 9: must be a whole number, got "eighty"`},
	}},
	{"id-mismatch", []load.Problem{
		{basics, "id", `line 2: id "basic" does not match the file name "basics.md": the file must be named basic.md`},
	}},
	{"invalid-ids", []load.Problem{
		{basics, "questions[0].id", `line 11: invalid id "Q 1": ` + idRule},
		{basics, "questions[0].options[0].id", `line 14: invalid id "-a": ` + idRule},
	}},
	{"duplicate-module-id", []load.Problem{
		{"modules/copy.md", "id", `line 2: id "basics" does not match the file name "copy.md": the file must be named basics.md`},
		{"modules/copy.md", "id", `line 2: duplicate module id "basics": already used by modules/basics.md`},
	}},
	{"duplicate-question-id", []load.Problem{
		{advanced, "questions[1].id", `line 21: duplicate question id "q1" (first used at line 11)`},
	}},
	{"duplicate-option-id", []load.Problem{
		{advanced, "questions[0].options[2].id", `line 18: duplicate option id "a" (first used at line 14)`},
	}},
	{"missing-correct", []load.Problem{
		{basics, "questions[0].correct", "missing required field"},
	}},
	{"correct-unknown-option", []load.Problem{
		{basics, "questions[0].correct", `line 18: "c" is not the id of one of the question's options (a, b)`},
	}},
	{"too-few-options", []load.Problem{
		{basics, "questions[0].options", "line 14: must have at least 2 options, got 1"},
	}},
	{"pass-mark-out-of-range", []load.Problem{
		{advanced, "pass_mark", "line 9: must be a percentage from 1 to 100, got 101"},
		{basics, "pass_mark", "line 9: must be a percentage from 1 to 100, got 0"},
	}},
	{"bad-semver", []load.Problem{
		{advanced, "version", `line 4: invalid version "02.0.0": "02" has a leading zero`},
		{basics, "version", `line 4: invalid version "1.0": want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{aup, "version", `line 4: invalid version "v1.0.0": "v1" is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{privacy, "version", `line 4: invalid version "3.1.0-rc.1": want MAJOR.MINOR.PATCH, for example 1.0.0`},
	}},
	{"bad-recurrence", []load.Problem{
		{basics, "recurrence", `line 7: must be "annual" or "once", got "yearly"`},
	}},
	{"due-days-too-small", []load.Problem{
		{basics, "due_days", "line 8: must be at least 1, got 0"},
	}},
	{"estimated-minutes-too-small", []load.Problem{
		{basics, "estimated_minutes", "line 6: must be at least 1, got 0"},
	}},
	{"min-read-seconds-negative", []load.Problem{
		{aup, "min_read_seconds", "line 6: must be 0 or more, got -1"},
	}},
	{"curricula-missing", []load.Problem{
		{curr, "", "file not found: the content needs a curricula.yaml mapping role keys to modules and policies"},
	}},
	{"curricula-empty-roles", []load.Problem{
		{curr, "roles", "line 1: no roles defined: add at least one role key with its modules and policies"},
	}},
	{"curricula-unknown-field", []load.Problem{
		{curr, "role", "line 1: unknown field (known fields: roles)"},
		{curr, "roles", "missing required field"},
	}},
	{"curricula-invalid-role", []load.Problem{
		{curr, "roles.Dev Team", `line 6: invalid id "Dev Team": ` + idRule},
		{curr, "roles.Dev Team.description", "missing required field"},
		{curr, "roles.lead.modules", `line 12: "basics" is listed twice (first at line 12)`},
		{curr, "roles.lead.policies", "line 13: must be a list of policy ids, not a single value"},
	}},
	{"curricula-unknown-include", []load.Problem{
		{curr, "roles.lead.includes", `line 12: unknown role "admins"`},
	}},
	{"curricula-cyclic-includes", []load.Problem{
		{curr, "roles.base.includes", "line 4: includes form a cycle: base -> base"},
		{curr, "roles.dev.includes", "line 9: includes form a cycle: dev -> lead -> dev"},
	}},
	{"curricula-unknown-module", []load.Problem{
		{curr, "roles.dev.modules", `line 9: unknown module "expert": there is no modules/expert.md`},
	}},
	{"curricula-unknown-policy", []load.Problem{
		{curr, "roles.lead.policies", `line 14: unknown policy "ethics": there is no policies/ethics.md`},
	}},
	{"many-problems", []load.Problem{
		{basics, "pass_mark", "line 9: must be a percentage from 1 to 100, got 0"},
		{aup, "min_read_seconds", "line 6: must be 0 or more, got -1"},
		{curr, "roles.dev.modules", `line 9: unknown module "expert": there is no modules/expert.md`},
	}},
}

// TestLoadProblems loads every broken fixture in testdata and checks the
// complete list of problems reported.
func TestLoadProblems(t *testing.T) {
	for _, tt := range problemCases {
		t.Run(tt.name, func(t *testing.T) {
			c, err := load.Load(os.DirFS("testdata/" + tt.name))
			if c != nil {
				t.Errorf("Load returned a catalog despite problems")
			}
			var le *load.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("Load error = %v, want a *LoadError", err)
			}
			if !slices.Equal(le.Problems, tt.want) {
				t.Errorf("problems:\ngot  %s\nwant %s", formatProblems(le.Problems), formatProblems(tt.want))
			}
		})
	}
}

// TestFixturesCovered checks that every fixture directory has a case in
// problemCases, so that no fixture is silently left untested (testdata/fuzz
// holds the fuzz targets' seed corpus).
func TestFixturesCovered(t *testing.T) {
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "valid" && e.Name() != "fuzz" && !slices.ContainsFunc(problemCases, func(c problemCase) bool { return c.name == e.Name() }) {
			t.Errorf("testdata/%s has no case in problemCases", e.Name())
		}
	}
}

// formatProblems lists problems one per line for failure messages.
func formatProblems(ps []load.Problem) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString("\n\t" + strconv.Quote(p.File) + " " + strconv.Quote(p.Field) + " " + strconv.Quote(p.Message))
	}
	return b.String()
}

func TestLoadErrorMessage(t *testing.T) {
	one := &load.LoadError{Problems: []load.Problem{{File: "curricula.yaml", Message: "file not found"}}}
	if got, want := one.Error(), "catalog: curricula.yaml: file not found"; got != want {
		t.Errorf("one problem: got %q, want %q", got, want)
	}
	two := &load.LoadError{Problems: []load.Problem{
		{File: "modules/a.md", Field: "pass_mark", Message: "line 9: must be a percentage from 1 to 100, got 0"},
		{File: "curricula.yaml", Field: "roles", Message: "missing required field"},
	}}
	want := "catalog: 2 problems:\n" +
		"\tmodules/a.md: pass_mark: line 9: must be a percentage from 1 to 100, got 0\n" +
		"\tcurricula.yaml: roles: missing required field"
	if got := two.Error(); got != want {
		t.Errorf("two problems: got %q, want %q", got, want)
	}
}

func TestLoadValid(t *testing.T) {
	c, err := load.Load(os.DirFS("testdata/valid"))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := c.Module("basics")
	if !ok {
		t.Fatal(`Module("basics") not found`)
	}
	want := catalog.Module{
		ID:               "basics",
		Title:            "Basics",
		Version:          catalog.Version{Major: 1, Minor: 2, Patch: 3},
		Summary:          "A short module.",
		EstimatedMinutes: 5,
		Recurrence:       catalog.RecurrenceAnnual,
		DueDays:          30,
		PassMark:         80,
		Questions: []catalog.Question{{
			ID:      "q1",
			Text:    "Which option is right?",
			Options: []catalog.Option{{ID: "a", Text: "Not this one."}, {ID: "b", Text: "This one."}},
			Correct: "b",
		}},
		Body:   "# Basics\n\nSome training text.",
		SHA256: m.SHA256,
	}
	if !equalModules(m, &want) {
		t.Errorf("basics:\ngot  %+v\nwant %+v", *m, want)
	}
	if len(m.SHA256) != 64 {
		t.Errorf("basics SHA256 = %q, want 64 hex digits", m.SHA256)
	}
	if adv, _ := c.Module("advanced"); adv.Recurrence != catalog.RecurrenceOnce || len(adv.Questions) != 2 {
		t.Errorf("advanced: got recurrence %q and %d questions, want once and 2", adv.Recurrence, len(adv.Questions))
	}
	if _, ok := c.Module("missing"); ok {
		t.Error(`Module("missing") found`)
	}

	p, ok := c.Policy("aup")
	if !ok {
		t.Fatal(`Policy("aup") not found`)
	}
	if got, want := p.MinReadSeconds, 0; got != want {
		t.Errorf("aup MinReadSeconds = %d, want %d (explicit 0)", got, want)
	}
	if got, want := p.Body, "# Acceptable use\n\n1. Be careful."; got != want {
		t.Errorf("aup Body = %q, want %q", got, want)
	}
	if p, _ := c.Policy("privacy"); p.MinReadSeconds != 30 {
		t.Errorf("privacy MinReadSeconds = %d, want the default 30", p.MinReadSeconds)
	}
	if _, ok := c.Policy("missing"); ok {
		t.Error(`Policy("missing") found`)
	}

	lead := c.Roles["lead"]
	wantLead := catalog.Role{Key: "lead", Description: "Leads.", Includes: []string{"dev", "base"}, Modules: []string{"basics"}, Policies: []string{"privacy"}}
	if lead == nil || lead.Key != wantLead.Key || lead.Description != wantLead.Description ||
		!slices.Equal(lead.Includes, wantLead.Includes) || !slices.Equal(lead.Modules, wantLead.Modules) || !slices.Equal(lead.Policies, wantLead.Policies) {
		t.Errorf("role lead: got %+v, want %+v", lead, wantLead)
	}
	for key, want := range map[string]bool{"base": true, "dev": true, "lead": true, "admin": false, "": false} {
		if got := c.HasRole(key); got != want {
			t.Errorf("HasRole(%q) = %v, want %v", key, got, want)
		}
	}
}

// equalModules compares two modules field by field.
func equalModules(a, b *catalog.Module) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Version == b.Version && a.Summary == b.Summary &&
		a.EstimatedMinutes == b.EstimatedMinutes && a.Recurrence == b.Recurrence && a.DueDays == b.DueDays &&
		a.PassMark == b.PassMark && a.Body == b.Body && a.SHA256 == b.SHA256 &&
		slices.EqualFunc(a.Questions, b.Questions, func(x, y catalog.Question) bool {
			return x.ID == y.ID && x.Text == y.Text && x.Correct == y.Correct && slices.Equal(x.Options, y.Options)
		})
}

func TestItemsForRoles(t *testing.T) {
	c, err := load.Load(os.DirFS("testdata/valid"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		roles    []string
		modules  []string
		policies []string
	}{
		{"NoRoles", nil, nil, nil},
		{"Direct", []string{"base"}, []string{"basics"}, []string{"aup"}},
		{"Includes", []string{"dev"}, []string{"advanced", "basics"}, []string{"aup"}},
		{"TransitiveAndDeduplicated", []string{"lead"}, []string{"advanced", "basics"}, []string{"aup", "privacy"}},
		{"SeveralRolesOverlapping", []string{"base", "lead", "dev", "base"}, []string{"advanced", "basics"}, []string{"aup", "privacy"}},
		{"UnknownRoleIgnored", []string{"nobody", "base"}, []string{"basics"}, []string{"aup"}},
		{"OnlyUnknownRoles", []string{"admin", "auditor"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods, pols := c.ItemsForRoles(tt.roles)
			var gotMods, gotPols []string
			for _, m := range mods {
				gotMods = append(gotMods, m.ID)
			}
			for _, p := range pols {
				gotPols = append(gotPols, p.ID)
			}
			if !slices.Equal(gotMods, tt.modules) {
				t.Errorf("modules: got %v, want %v", gotMods, tt.modules)
			}
			if !slices.Equal(gotPols, tt.policies) {
				t.Errorf("policies: got %v, want %v", gotPols, tt.policies)
			}
		})
	}
}

// fixtureFS copies a testdata fixture into memory so tests can change it.
func fixtureFS(t *testing.T, dir string) fstest.MapFS {
	t.Helper()
	fsys := fstest.MapFS{}
	err := fs.WalkDir(os.DirFS(dir), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(dir + "/" + name)
		fsys[name] = &fstest.MapFile{Data: data}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return fsys
}

// mustLoad loads fsys, failing the test on error.
func mustLoad(t *testing.T, fsys fs.FS) *catalog.Catalog {
	t.Helper()
	c, err := load.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// edit returns a copy of fsys with the first old in one file replaced by
// repl.
func edit(t *testing.T, fsys fstest.MapFS, name, old, repl string) fstest.MapFS {
	t.Helper()
	out := maps.Clone(fsys)
	text := string(fsys[name].Data)
	if !strings.Contains(text, old) {
		t.Fatalf("%s does not contain %q", name, old)
	}
	out[name] = &fstest.MapFile{Data: []byte(strings.Replace(text, old, repl, 1))}
	return out
}

// record is the hash record of the package documentation, written
// independently of the package's own code.
func record(label, value string) string {
	return label + ":" + strconv.Itoa(len(value)) + ":" + value + "\n"
}

// sha returns the lowercase hex SHA-256 of s.
func sha(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func TestHash(t *testing.T) {
	base := fixtureFS(t, "testdata/valid")
	c := mustLoad(t, base)
	basics, _ := c.Module("basics")

	t.Run("PolicyExampleFromDocs", func(t *testing.T) {
		fsys := fstest.MapFS{
			"policies/p.md":  {Data: []byte("---\nid: p\ntitle: T\nversion: 1.0.0\nsummary: S.\n---\nHi\n")},
			"curricula.yaml": {Data: []byte("roles:\n  r:\n    description: R.\n    policies: [p]\n")},
		}
		p, _ := mustLoad(t, fsys).Policy("p")
		if got, want := p.SHA256, "7bad65f8acd2148710c49c121a9775dc6f36c76ac106b65a8a9dd5b526c4c4ce"; got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	})

	t.Run("ModuleRecordsAsDocumented", func(t *testing.T) {
		want := sha(record("format", "attest-module/1") + record("id", "basics") + record("title", "Basics") +
			record("version", "1.2.3") + record("body", "# Basics\n\nSome training text.") + record("questions", "1") +
			record("question.id", "q1") + record("question.text", "Which option is right?") + record("question.options", "2") +
			record("option.id", "a") + record("option.text", "Not this one.") +
			record("option.id", "b") + record("option.text", "This one.") +
			record("question.correct", "b"))
		if basics.SHA256 != want {
			t.Errorf("got %s, want %s", basics.SHA256, want)
		}
	})

	for _, eol := range []string{"\r\n", "\r"} {
		t.Run("StableAcrossLineEndingsAndWhitespace/"+strconv.Quote(eol), func(t *testing.T) {
			// Byte order mark, other line endings, trailing spaces and
			// tabs, and extra blank lines at the end.
			changed := fstest.MapFS{}
			for name, f := range base {
				text := strings.ReplaceAll(string(f.Data), "\n", " \t"+eol)
				changed[name] = &fstest.MapFile{Data: []byte("\ufeff" + text + eol + eol)}
			}
			c2 := mustLoad(t, changed)
			for id, m := range c.Modules {
				if got := c2.Modules[id]; got.SHA256 != m.SHA256 || got.Body != m.Body {
					t.Errorf("module %s: got hash %s, want %s", id, got.SHA256, m.SHA256)
				}
			}
			for id, p := range c.Policies {
				if got := c2.Policies[id]; got.SHA256 != p.SHA256 || got.Body != p.Body {
					t.Errorf("policy %s: got hash %s, want %s", id, got.SHA256, p.SHA256)
				}
			}
		})
	}

	t.Run("StableAcrossYAMLStyle", func(t *testing.T) {
		fsys := edit(t, base, "modules/basics.md", "title: Basics\n", "title: \"Basics\"\n")
		fsys = edit(t, fsys, "modules/basics.md", "    text: Which option is right?\n", "    text: >-\n      Which option\n      is right?\n")
		fsys = edit(t, fsys, "modules/basics.md",
			"      - id: a\n        text: Not this one.\n", "      - {text: 'Not this one.', id: a}\n")
		if got := mustLoad(t, fsys).Modules["basics"].SHA256; got != basics.SHA256 {
			t.Errorf("got %s, want unchanged %s", got, basics.SHA256)
		}
	})

	changes := []struct {
		name, old, new string
		changed        bool
	}{
		{"CorrectAnswerChanged", "    correct: b", "    correct: a", true},
		{"OptionTextChanged", "text: This one.", "text: This one!", true},
		{"BodyChanged", "Some training text.", "Some other training text.", true},
		{"VersionChanged", "version: 1.2.3", "version: 1.2.4", true},
		{"SummaryNotHashed", "summary: A short module.", "summary: Another summary.", false},
		{"PassMarkNotHashed", "pass_mark: 80", "pass_mark: 90", false},
	}
	for _, tt := range changes {
		t.Run(tt.name, func(t *testing.T) {
			got := mustLoad(t, edit(t, base, "modules/basics.md", tt.old, tt.new)).Modules["basics"].SHA256
			if changed := got != basics.SHA256; changed != tt.changed {
				t.Errorf("hash changed = %v, want %v", changed, tt.changed)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	valid := []struct {
		in   string
		want catalog.Version
	}{
		{"0.0.0", catalog.Version{}},
		{"1.0.0", catalog.Version{Major: 1}},
		{"1.2.3", catalog.Version{Major: 1, Minor: 2, Patch: 3}},
		{"10.20.30", catalog.Version{Major: 10, Minor: 20, Patch: 30}},
	}
	for _, tt := range valid {
		t.Run(tt.in, func(t *testing.T) {
			got, err := catalog.ParseVersion(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v, nil", got, err, tt.want)
			}
			if s := got.String(); s != tt.in {
				t.Errorf("String() = %q, want %q", s, tt.in)
			}
		})
	}
	invalid := []struct{ in, want string }{
		{"", `invalid version "": want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0", `invalid version "1.0": want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0.0.0", `invalid version "1.0.0.0": want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1..0", `invalid version "1..0": empty number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"01.0.0", `invalid version "01.0.0": "01" has a leading zero`},
		{"1.00.0", `invalid version "1.00.0": "00" has a leading zero`},
		{"v1.0.0", `invalid version "v1.0.0": "v1" is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0.0-rc1", `invalid version "1.0.0-rc1": "0-rc1" is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0.0+build", `invalid version "1.0.0+build": "0+build" is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0.+1", `invalid version "1.0.+1": "+1" is not a number; want MAJOR.MINOR.PATCH, for example 1.0.0`},
		{"1.0.99999999999999999999", `invalid version "1.0.99999999999999999999": "99999999999999999999" is too large`},
	}
	for _, tt := range invalid {
		t.Run("Invalid"+tt.in, func(t *testing.T) {
			_, err := catalog.ParseVersion(tt.in)
			if err == nil {
				t.Fatal("got no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
