package load

import (
	"errors"
	"io/fs"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/catalog"
	"gopkg.in/yaml.v3"
)

// curriculaFile is the name of the curricula file at the top of the content.
const curriculaFile = "curricula.yaml"

// roleFields are the fields of one role in curricula.yaml.
var roleFields = []string{"description", "includes", "modules", "policies"}

// ref is an id listed in curricula.yaml, with its node for positions.
type ref struct {
	id   string
	node *yaml.Node
}

// parsedRole is a role with the positions of the ids it lists.
type parsedRole struct {
	key                         string
	node                        *yaml.Node
	description                 string
	includes, modules, policies []ref
}

// loadCurricula loads curricula.yaml and checks that everything it refers to
// exists: roles among its own keys, modules and policies among the given
// file names.
func (l *loader) loadCurricula(moduleNames, policyNames map[string]bool) map[string]*catalog.Role {
	fp := l.file(curriculaFile, 0)
	data, err := fs.ReadFile(l.fsys, curriculaFile)
	if errors.Is(err, fs.ErrNotExist) {
		fp.add("", nil, "file not found: the content needs a curricula.yaml mapping role keys to modules and policies")
		return nil
	}
	if err != nil {
		fp.add("", nil, "cannot read file: %v", err)
		return nil
	}
	text, ok := fp.normaliseText(data)
	if !ok {
		return nil
	}
	root, ok := fp.parseYAML(text)
	if !ok {
		return nil
	}
	top := fp.fields(root, "", "a mapping with the field roles", "roles")
	rolesEntry, ok := top["roles"]
	if !ok {
		fp.add("roles", nil, "missing required field")
		return nil
	}
	entries, ok := fp.pairs(rolesEntry.value, "roles", "a mapping of role keys to roles")
	if !ok {
		return nil
	}
	if len(entries) == 0 {
		fp.add("roles", deref(rolesEntry.value), "no roles defined: add at least one role key with its modules and policies")
		return nil
	}

	var parsed []*parsedRole
	known := make(map[string]bool, len(entries))
	for _, e := range entries {
		r := fp.parseRole(e)
		parsed = append(parsed, r)
		known[r.key] = true
	}
	for _, r := range parsed {
		path := "roles." + r.key
		for _, inc := range r.includes {
			if !known[inc.id] {
				fp.add(path+".includes", inc.node, "unknown role %q", inc.id)
			}
		}
		for _, m := range r.modules {
			if !moduleNames[m.id] {
				fp.add(path+".modules", m.node, "unknown module %q: there is no modules/%s.md", m.id, m.id)
			}
		}
		for _, p := range r.policies {
			if !policyNames[p.id] {
				fp.add(path+".policies", p.node, "unknown policy %q: there is no policies/%s.md", p.id, p.id)
			}
		}
	}
	fp.checkCycles(parsed, known)

	roles := make(map[string]*catalog.Role, len(parsed))
	for _, r := range parsed {
		roles[r.key] = &catalog.Role{
			Key:         r.key,
			Description: r.description,
			Includes:    ids(r.includes),
			Modules:     ids(r.modules),
			Policies:    ids(r.policies),
		}
	}
	return roles
}

// parseRole reads one role of curricula.yaml.
func (fp *fileProblems) parseRole(e entry) *parsedRole {
	r := &parsedRole{key: e.key.Value, node: e.key}
	path := "roles." + r.key
	fp.checkID(path, e.key, r.key)
	f := fp.fields(e.value, path, "a mapping with description, includes, modules and policies", roleFields...)
	r.description, _ = fp.text(f, path, "description")
	r.includes = fp.refs(f, path, "includes", "role keys")
	r.modules = fp.refs(f, path, "modules", "module ids")
	r.policies = fp.refs(f, path, "policies", "policy ids")
	return r
}

// refs returns the ids of an optional list field, reporting items that are
// not single values and ids listed twice.
func (fp *fileProblems) refs(f map[string]entry, path, name, what string) []ref {
	field := join(path, name)
	items, _, _ := fp.list(f, path, name, what)
	var out []ref
	for _, it := range items {
		if it.Kind != yaml.ScalarNode || it.Tag == "!!null" || strings.TrimSpace(it.Value) == "" {
			fp.add(field, it, "must be a list of %s; found an empty or nested item", what)
			continue
		}
		id := strings.TrimSpace(it.Value)
		if i := slices.IndexFunc(out, func(r ref) bool { return r.id == id }); i >= 0 {
			fp.add(field, it, "%q is listed twice (first at line %d)", id, fp.line(out[i].node))
			continue
		}
		out = append(out, ref{id: id, node: it})
	}
	return out
}

// checkCycles reports includes that lead back to the role they start from,
// once per cycle.
func (fp *fileProblems) checkCycles(roles []*parsedRole, known map[string]bool) {
	byKey := make(map[string]*parsedRole, len(roles))
	for _, r := range roles {
		byKey[r.key] = r
	}
	const (
		unvisited = iota
		inProgress
		done
	)
	state := make(map[string]int, len(roles))
	reported := make(map[string]bool)
	var stack []string
	var visit func(r *parsedRole)
	visit = func(r *parsedRole) {
		state[r.key] = inProgress
		stack = append(stack, r.key)
		for _, inc := range r.includes {
			if !known[inc.id] {
				continue
			}
			switch state[inc.id] {
			case unvisited:
				visit(byKey[inc.id])
			case inProgress:
				cycle := rotateToSmallest(stack[slices.Index(stack, inc.id):])
				key := strings.Join(cycle, " ")
				if reported[key] {
					continue
				}
				reported[key] = true
				from, to := cycle[0], cycle[1%len(cycle)]
				node := byKey[from].includeNode(to)
				fp.add("roles."+from+".includes", node, "includes form a cycle: %s -> %s", strings.Join(cycle, " -> "), from)
			}
		}
		stack = stack[:len(stack)-1]
		state[r.key] = done
	}
	for _, r := range roles {
		if state[r.key] == unvisited {
			visit(r)
		}
	}
}

// includeNode returns the node of the include of role key in r.
func (r *parsedRole) includeNode(key string) *yaml.Node {
	for _, inc := range r.includes {
		if inc.id == key {
			return inc.node
		}
	}
	return r.node
}

// rotateToSmallest returns a copy of cycle rotated to start at its smallest
// key, so that every DFS finds the same cycle in the same form.
func rotateToSmallest(cycle []string) []string {
	i := slices.Index(cycle, slices.Min(cycle))
	return append(slices.Clone(cycle[i:]), cycle[:i]...)
}

// ids returns the ids of refs.
func ids(refs []ref) []string {
	out := make([]string, len(refs))
	for i, r := range refs {
		out[i] = r.id
	}
	return out
}
