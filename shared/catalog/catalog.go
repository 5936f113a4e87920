package catalog

import (
	"maps"
	"slices"
	"sync"
)

// Catalog is a validated set of modules, policies and roles. A Catalog is
// never modified after loading, so it is safe for concurrent use; callers
// must not modify it or anything it points to.
type Catalog struct {
	// Modules holds every module by id.
	Modules map[string]*Module
	// Policies holds every policy by id.
	Policies map[string]*Policy
	// Roles holds every role of curricula.yaml by key.
	Roles map[string]*Role
}

// Recurrence says how often a person is assigned a module.
type Recurrence string

// The recurrences a module can have.
const (
	// RecurrenceAnnual assigns the module again every year.
	RecurrenceAnnual Recurrence = "annual"
	// RecurrenceOnce assigns the module once.
	RecurrenceOnce Recurrence = "once"
)

// Module is a training module: Markdown text followed by a quiz.
type Module struct {
	// ID is the module's id, equal to its file name without ".md".
	ID string
	// Title is the module's title.
	Title string
	// Version is the module's version; a new major version requires
	// retraining.
	Version Version
	// Summary is a sentence or two describing the module.
	Summary string
	// EstimatedMinutes is the expected time to complete the module, at least 1.
	EstimatedMinutes int
	// Recurrence says how often the module is assigned.
	Recurrence Recurrence
	// DueDays is the number of days after assignment by which the module is
	// due, at least 1.
	DueDays int
	// PassMark is the lowest passing quiz score in percent, 1 to 100.
	PassMark int
	// Questions is the quiz, in file order; it has at least one question.
	Questions []Question
	// Body is the training text as normalised Markdown (see the package
	// documentation).
	Body string
	// SHA256 is the lowercase hex SHA-256 of the module's title, version,
	// body and quiz, computed as the package documentation describes.
	SHA256 string
}

// Question is one multiple-choice quiz question with exactly one correct
// option.
type Question struct {
	// ID identifies the question within its module.
	ID string
	// Text is the question as shown to the learner.
	Text string
	// Options are the possible answers, in file order; there are at least
	// two, with distinct ids.
	Options []Option
	// Correct is the ID of the correct option.
	Correct string
}

// Option is one possible answer to a question.
type Option struct {
	// ID identifies the option within its question, for example "a".
	ID string
	// Text is the answer as shown to the learner.
	Text string
}

// Policy is a policy that people acknowledge having read.
type Policy struct {
	// ID is the policy's id, equal to its file name without ".md".
	ID string
	// Title is the policy's title.
	Title string
	// Version is the policy's version.
	Version Version
	// Summary is a sentence or two describing the policy.
	Summary string
	// MinReadSeconds is the minimum time the policy must be open before it
	// can be acknowledged; 0 means no minimum. It defaults to 30.
	MinReadSeconds int
	// Body is the policy text as normalised Markdown (see the package
	// documentation).
	Body string
	// SHA256 is the lowercase hex SHA-256 of the policy's title, version
	// and body, computed as the package documentation describes.
	SHA256 string
}

// Role is a key of curricula.yaml: the modules and policies assigned to the
// people who hold it.
type Role struct {
	// Key is the role key used in the roster, for example "engineer".
	Key string
	// Description says who the role is for.
	Description string
	// Includes lists roles whose modules and policies this role also gets.
	Includes []string
	// Modules lists the ids of the modules the role gets directly.
	Modules []string
	// Policies lists the ids of the policies the role gets directly.
	Policies []string
}

// Module returns the module with the given id.
func (c *Catalog) Module(id string) (*Module, bool) {
	m, ok := c.Modules[id]
	return m, ok
}

// Policy returns the policy with the given id.
func (c *Catalog) Policy(id string) (*Policy, bool) {
	p, ok := c.Policies[id]
	return p, ok
}

// HasRole reports whether key is a role of the curricula.
func (c *Catalog) HasRole(key string) bool {
	_, ok := c.Roles[key]
	return ok
}

// ItemsForRoles returns the modules and policies assigned to someone holding
// all of roles, following includes transitively. Both lists are free of
// duplicates and sorted by id. Unknown role keys are ignored.
func (c *Catalog) ItemsForRoles(roles []string) (modules []*Module, policies []*Policy) {
	mods := make(map[string]*Module)
	pols := make(map[string]*Policy)
	visited := make(map[string]bool)
	var visit func(key string)
	visit = func(key string) {
		r, ok := c.Roles[key]
		if !ok || visited[key] {
			return
		}
		visited[key] = true
		for _, inc := range r.Includes {
			visit(inc)
		}
		for _, id := range r.Modules {
			mods[id] = c.Modules[id]
		}
		for _, id := range r.Policies {
			pols[id] = c.Policies[id]
		}
	}
	for _, key := range roles {
		visit(key)
	}
	for _, id := range slices.Sorted(maps.Keys(mods)) {
		modules = append(modules, mods[id])
	}
	for _, id := range slices.Sorted(maps.Keys(pols)) {
		policies = append(policies, pols[id])
	}
	return modules, policies
}

// builtin.go holds the shipped content as Go values, loaded and validated by
// load.Load (package catalog/load) at build time, so that no function parses Markdown or YAML when it
// starts; TestBuiltinIsCurrent fails while it differs from package content.
//
//go:generate go test ./load -run ^TestBuiltinIsCurrent$ -update-builtin

// defaultCatalog builds the catalog of builtin.go once.
var defaultCatalog = sync.OnceValue(builtin)

// Default returns the catalog of the content shipped with this repository
// (package content), as load.Load read it when builtin.go was generated
// (go generate). It is built on first use and shared afterwards; the error is
// always nil.
func Default() (*Catalog, error) {
	return defaultCatalog(), nil
}
