package architecture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/attest-oss/attest/"

// class is what a package is, for the rules: the role of one of our
// packages, or what kind of other package it is.
type class string

// The roles of our packages under shared/.
const (
	domain  class = "domain or service package"
	web     class = "HTTP layer"
	adapter class = "adapter"
	events  class = "event handler package"
	wiring  class = "wiring"
	tooling class = "development tooling"
)

// The classes of the other packages.
const (
	awsSDK    class = "AWS SDK or CDK package"
	awsLambda class = "AWS Lambda package"
	other     class = "standard library or other third-party package"
)

// roles lists every package under shared/ that is not a domain or service
// package, by its path in the module.
var roles = map[string]class{
	"shared/dynamo":           adapter,
	"shared/ses":              adapter,
	"shared/sqs":              adapter,
	"shared/kmssign":          adapter,
	"shared/s3store":          adapter,
	"shared/httpapi":          web,
	"shared/handler":          events,
	"shared/app":              wiring,
	"shared/demo":             tooling,
	"shared/startup":          wiring,
	"shared/devstack":         tooling,
	"shared/devstack/devtest": tooling,
	"shared/localgw":          tooling,
}

// may lists what a package of each role may import.
var may = map[class][]class{
	domain:  {other, domain},
	web:     {other, domain},
	adapter: {other, domain, awsSDK},
	events:  {other, domain, awsLambda},
	wiring:  {other, domain, web, awsSDK, awsLambda, adapter, events, wiring},
	tooling: {other, domain, web, awsSDK, awsLambda, adapter, events, wiring, tooling},
}

// classOf classifies the package path.
func classOf(path string) class {
	switch {
	case strings.HasPrefix(path, "github.com/aws/aws-lambda-go/"), strings.HasPrefix(path, "github.com/awslabs/aws-lambda-go-api-proxy/"):
		return awsLambda
	case strings.HasPrefix(path, "github.com/aws/"), strings.HasPrefix(path, "github.com/awslabs/"):
		return awsSDK
	case strings.HasPrefix(path, module+"shared/"):
		if r, ok := roles[strings.TrimPrefix(path, module)]; ok {
			return r
		}
		return domain
	}
	return other
}

// unlinked lists, by function, packages the function must not link at all.
var unlinked = map[string][]string{
	"functions/assign": {"html/template", "github.com/aws/aws-sdk-go-v2/service/sesv2", "github.com/aws/aws-sdk-go-v2/service/sqs"},
	"functions/bounce": {"html/template", "github.com/aws/aws-sdk-go-v2/service/sesv2", "github.com/aws/aws-sdk-go-v2/service/sqs"},
	"functions/remind": {"github.com/aws/aws-sdk-go-v2/service/sesv2"},
	"functions/send":   {"github.com/aws/aws-sdk-go-v2/service/sqs"},
	"functions/export": {"github.com/aws/aws-sdk-go-v2/service/sesv2", "github.com/attest-oss/attest/shared/httpapi"},
	"functions/import": {"html/template", "github.com/aws/aws-sdk-go-v2/service/sesv2", "github.com/attest-oss/attest/shared/httpapi"},
}

// importGraph is each package's direct (non-test) imports, for our shared
// packages and functions and everything they link, as make build compiles
// them (tag lambda.norpc). One go list run reads it for every test.
var importGraph = sync.OnceValues(func() (map[string][]string, error) {
	cmd := exec.Command("go", "list", "-deps", "-tags", "lambda.norpc", "-json=ImportPath,Imports",
		module+"shared/...", module+"functions/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	for dec := json.NewDecoder(bytes.NewReader(out)); ; {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return graph, nil
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		graph[p.ImportPath] = p.Imports
	}
})

// graph returns importGraph, or fails the test.
func graph(t *testing.T) map[string][]string {
	t.Helper()
	g, err := importGraph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// TestLayering checks the direct imports of every package under shared/
// against the rules of its role (see the package documentation), and that
// every package roles names exists.
func TestLayering(t *testing.T) {
	t.Parallel()
	g := graph(t)
	for path := range roles {
		if _, ok := g[module+path]; !ok {
			t.Errorf("roles names %s, which does not exist: update the list", path)
		}
	}
	for pkg, imports := range g {
		if !strings.HasPrefix(pkg, module+"shared/") {
			continue
		}
		r := classOf(pkg)
		for _, imp := range imports {
			if c := classOf(imp); !slices.Contains(may[r], c) {
				t.Errorf("%s (%s) imports %s (%s), which the layering forbids: see package architecture", strings.TrimPrefix(pkg, module), r, imp, c)
			}
		}
	}
}

// TestFunctionsLinkOnlyWhatTheyUse checks that functions do not link what
// they do not use (unlinked), naming the chain of imports that does.
func TestFunctionsLinkOnlyWhatTheyUse(t *testing.T) {
	t.Parallel()
	g := graph(t)
	for fn, banned := range unlinked {
		root := module + fn
		if _, ok := g[root]; !ok {
			t.Errorf("unlinked names %s, which does not exist: update the list", fn)
			continue
		}
		parent := importers(g, root)
		for _, b := range banned {
			if _, ok := parent[b]; !ok {
				continue
			}
			chain := []string{b}
			for p := b; p != root; p = parent[p] {
				chain = append(chain, strings.TrimPrefix(parent[p], module))
			}
			slices.Reverse(chain)
			t.Errorf("%s links %s: %s", fn, b, strings.Join(chain, " → "))
		}
	}
}

// importers returns every package root links, each with the package that
// first imports it on a shortest chain from root.
func importers(g map[string][]string, root string) map[string]string {
	parent := map[string]string{}
	queue := []string{root}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, imp := range g[p] {
			if _, seen := parent[imp]; !seen && imp != root {
				parent[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return parent
}
