package load

import (
	"github.com/attest-oss/attest/shared/catalog"
	"gopkg.in/yaml.v3"
)

// policyFields are the front-matter fields of a policy.
var policyFields = []string{"id", "title", "version", "summary", "min_read_seconds"}

// defaultMinReadSeconds is a policy's minimum reading time when its front
// matter does not set min_read_seconds.
const defaultMinReadSeconds = 30

// loadPolicies loads every policy file. It returns the valid policies by id
// and the names (without ".md") of all policy files, valid or not.
func (l *loader) loadPolicies() (map[string]*catalog.Policy, map[string]bool) {
	policies := make(map[string]*catalog.Policy)
	names := make(map[string]bool)
	first := make(map[string]string)
	for _, name := range l.markdownFiles("policies") {
		names[fileStem(name)] = true
		fp := l.file(name, 1)
		p := l.parsePolicy(fp, first)
		if fp.count == 0 {
			policies[p.ID] = p
		}
	}
	return policies, names
}

// parsePolicy reads one policy file; the policy is complete only if no
// problem was reported.
func (l *loader) parsePolicy(fp *fileProblems, first map[string]string) *catalog.Policy {
	root, body, ok := l.readFrontMatterFile(fp)
	if !ok {
		return nil
	}
	f := fp.fields(root, "", "a mapping of field: value", policyFields...)
	p := &catalog.Policy{Body: body, MinReadSeconds: defaultMinReadSeconds}
	var idNode *yaml.Node
	p.ID, idNode = fp.id(f, "", "id")
	fp.checkFileID("policy", p.ID, idNode, first)
	p.Title, _ = fp.text(f, "", "title")
	p.Version = fp.version(f)
	p.Summary, _ = fp.text(f, "", "summary")
	if n, node := fp.integer(f, "", "min_read_seconds", false); node != nil {
		if n < 0 {
			fp.add("min_read_seconds", node, "must be 0 or more, got %d", n)
		}
		p.MinReadSeconds = n
	}
	if body == "" {
		fp.add("body", nil, `missing policy text: write it in Markdown after the closing "---"`)
	}
	if fp.count == 0 {
		p.SHA256 = policyHash(p)
	}
	return p
}
