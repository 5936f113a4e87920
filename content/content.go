// Package content holds the training content shipped with attest: the
// modules, the policies and the curricula that assign them to roles. Package
// catalog loads and validates it.
package content

import "embed"

// FS holds the shipped content: modules/*.md (training modules),
// policies/*.md (policies for annual acknowledgment) and curricula.yaml
// (role keys mapped to modules and policies), plus demo/roster.csv, the demo
// organisation that `make dev` seeds. Load it with catalog.Default
// or catalog/load.Load rather than reading it directly.
//
//go:embed modules policies curricula.yaml demo
var FS embed.FS
