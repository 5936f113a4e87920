package load

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/catalog"
	"gopkg.in/yaml.v3"
)

// moduleFields are the front-matter fields of a module.
var moduleFields = []string{"id", "title", "version", "summary", "estimated_minutes", "recurrence", "due_days", "pass_mark", "questions"}

// loadModules loads every module file. It returns the valid modules by id
// and the names (without ".md") of all module files, valid or not, so that
// curricula referring to a broken module are not also reported.
func (l *loader) loadModules() (map[string]*catalog.Module, map[string]bool) {
	modules := make(map[string]*catalog.Module)
	names := make(map[string]bool)
	first := make(map[string]string)
	for _, name := range l.markdownFiles("modules") {
		names[fileStem(name)] = true
		fp := l.file(name, 1)
		m := l.parseModule(fp, first)
		if fp.count == 0 {
			modules[m.ID] = m
		}
	}
	return modules, names
}

// parseModule reads one module file; the module is complete only if no
// problem was reported.
func (l *loader) parseModule(fp *fileProblems, first map[string]string) *catalog.Module {
	root, body, ok := l.readFrontMatterFile(fp)
	if !ok {
		return nil
	}
	f := fp.fields(root, "", "a mapping of field: value", moduleFields...)
	m := &catalog.Module{Body: body}
	var idNode *yaml.Node
	m.ID, idNode = fp.id(f, "", "id")
	fp.checkFileID("module", m.ID, idNode, first)
	m.Title, _ = fp.text(f, "", "title")
	m.Version = fp.version(f)
	m.Summary, _ = fp.text(f, "", "summary")
	m.EstimatedMinutes = fp.atLeastOne(f, "estimated_minutes")
	m.Recurrence = fp.recurrence(f)
	m.DueDays = fp.atLeastOne(f, "due_days")
	m.PassMark = fp.passMark(f)
	m.Questions = fp.questions(f)
	if body == "" {
		fp.add("body", nil, `missing training text: write it in Markdown after the closing "---"`)
	}
	if fp.count == 0 {
		m.SHA256 = moduleHash(m)
	}
	return m
}

// atLeastOne returns a required whole-number field that must be 1 or more.
func (fp *fileProblems) atLeastOne(f map[string]entry, name string) int {
	n, node := fp.integer(f, "", name, true)
	if node != nil && n < 1 {
		fp.add(name, node, "must be at least 1, got %d", n)
	}
	return n
}

// recurrence returns the required recurrence field.
func (fp *fileProblems) recurrence(f map[string]entry) catalog.Recurrence {
	s, n := fp.text(f, "", "recurrence")
	r := catalog.Recurrence(s)
	if n != nil && r != catalog.RecurrenceAnnual && r != catalog.RecurrenceOnce {
		fp.add("recurrence", n, "must be %q or %q, got %q", catalog.RecurrenceAnnual, catalog.RecurrenceOnce, s)
	}
	return r
}

// passMark returns the required pass_mark field, a percentage from 1 to 100.
func (fp *fileProblems) passMark(f map[string]entry) int {
	n, node := fp.integer(f, "", "pass_mark", true)
	if node != nil && (n < 1 || n > 100) {
		fp.add("pass_mark", node, "must be a percentage from 1 to 100, got %d", n)
	}
	return n
}

// questions returns the required questions field.
func (fp *fileProblems) questions(f map[string]entry) []catalog.Question {
	items, listNode, ok := fp.list(f, "", "questions", "questions")
	if !ok {
		return nil
	}
	if listNode == nil {
		fp.add("questions", nil, "missing required field")
		return nil
	}
	if len(items) == 0 {
		fp.add("questions", listNode, "must contain at least one question")
		return nil
	}
	seen := make(map[string]*yaml.Node)
	qs := make([]catalog.Question, len(items))
	for i, item := range items {
		path := fmt.Sprintf("questions[%d]", i)
		qf := fp.fields(item, path, "a mapping with id, text, options and correct", "id", "text", "options", "correct")
		q := &qs[i]
		var idNode *yaml.Node
		q.ID, idNode = fp.id(qf, path, "id")
		if idNode != nil {
			if prev, dup := seen[q.ID]; dup {
				fp.add(path+".id", idNode, "duplicate question id %q (first used at line %d)", q.ID, fp.line(prev))
			} else {
				seen[q.ID] = idNode
			}
		}
		q.Text, _ = fp.text(qf, path, "text")
		var optionsOK bool
		q.Options, optionsOK = fp.options(qf, path)
		var correctNode *yaml.Node
		q.Correct, correctNode = fp.text(qf, path, "correct")
		if correctNode != nil && optionsOK && !slices.ContainsFunc(q.Options, func(o catalog.Option) bool { return o.ID == q.Correct }) {
			ids := make([]string, len(q.Options))
			for j, o := range q.Options {
				ids[j] = o.ID
			}
			fp.add(path+".correct", correctNode, "%q is not the id of one of the question's options (%s)", q.Correct, strings.Join(ids, ", "))
		}
	}
	return qs
}

// options returns the required options of the question at path. ok reports
// whether every option has a valid id, so that correct can be checked.
func (fp *fileProblems) options(qf map[string]entry, path string) (opts []catalog.Option, ok bool) {
	field := join(path, "options")
	items, listNode, ok := fp.list(qf, path, "options", "options")
	if !ok {
		return nil, false
	}
	if listNode == nil {
		fp.add(field, nil, "missing required field")
		return nil, false
	}
	if len(items) < 2 {
		fp.add(field, listNode, "must have at least 2 options, got %d", len(items))
	}
	seen := make(map[string]*yaml.Node)
	opts = make([]catalog.Option, len(items))
	for j, item := range items {
		opath := fmt.Sprintf("%s[%d]", field, j)
		of := fp.fields(item, opath, "a mapping with id and text", "id", "text")
		var idNode *yaml.Node
		opts[j].ID, idNode = fp.id(of, opath, "id")
		if idNode == nil {
			ok = false
		} else if prev, dup := seen[opts[j].ID]; dup {
			fp.add(opath+".id", idNode, "duplicate option id %q (first used at line %d)", opts[j].ID, fp.line(prev))
		} else {
			seen[opts[j].ID] = idNode
		}
		opts[j].Text, _ = fp.text(of, opath, "text")
	}
	return opts, ok
}
