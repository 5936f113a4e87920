// Package load reads and validates the content directory (modules/*.md,
// policies/*.md, curricula.yaml: see package catalog for the format) into a
// catalog.Catalog. It is used where content is parsed: the generator of
// catalog.Default (go generate ./shared/catalog) and tests that load content
// of their own. It is a package of its own so that the functions, which
// read catalog.Default, do not link the YAML parser.
package load

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/catalog"
)

// Load reads and validates modules/*.md, policies/*.md and curricula.yaml
// from fsys (see the package documentation for the format). If anything is
// wrong it returns a nil Catalog and a *LoadError listing every problem.
func Load(fsys fs.FS) (*catalog.Catalog, error) {
	l := &loader{fsys: fsys}
	modules, moduleNames := l.loadModules()
	policies, policyNames := l.loadPolicies()
	roles := l.loadCurricula(moduleNames, policyNames)
	if len(l.problems) > 0 {
		return nil, &LoadError{Problems: l.problems}
	}
	return &catalog.Catalog{Modules: modules, Policies: policies, Roles: roles}, nil
}

// loader holds the state of one Load call.
type loader struct {
	fsys     fs.FS
	problems []Problem
}

// file starts collecting the problems of one file.
func (l *loader) file(name string, offset int) *fileProblems {
	return &fileProblems{file: name, offset: offset, problems: &l.problems}
}

// markdownFiles lists the *.md files directly inside dir, sorted by name. A
// missing directory has no files.
func (l *loader) markdownFiles(dir string) []string {
	entries, err := fs.ReadDir(l.fsys, dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		l.file(dir, 0).add("", nil, "cannot read directory: %v", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".md") {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	slices.Sort(names)
	return names
}
