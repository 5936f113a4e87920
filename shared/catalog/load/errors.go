package load

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with the content, found while loading it.
type Problem struct {
	// File is the path of the offending file inside the loaded file system,
	// for example "modules/data-privacy.md" or "curricula.yaml".
	File string
	// Field is the front-matter or curricula path of the offending value,
	// for example "pass_mark", "questions[2].correct" or
	// "roles.engineer.includes". It is empty when the problem concerns the
	// whole file.
	Field string
	// Message says what is wrong, for people. Messages about a specific value
	// start with "line N: ", N counting from 1 at the top of File.
	Message string
}

// String formats the problem as "file: field: message", leaving out an empty
// field.
func (p Problem) String() string {
	if p.Field == "" {
		return p.File + ": " + p.Message
	}
	return p.File + ": " + p.Field + ": " + p.Message
}

// LoadError is returned by [Load] when the content has problems. It lists
// every problem found, not just the first, in a stable order: modules, then
// policies (each by file name), then curricula.yaml.
type LoadError struct {
	Problems []Problem
}

// Error lists every problem, one per line after a summary line.
func (e *LoadError) Error() string {
	if len(e.Problems) == 1 {
		return "catalog: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "catalog: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n\t")
		b.WriteString(p.String())
	}
	return b.String()
}
