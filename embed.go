// Package billingmock holds the files both binaries embed: the contract (openapi.yaml), the control
// API's contract (controlapi.yaml) and the default fixtures. Everything else lives in the packages
// below it: contract (load and validate against the spec), mock (the stateful mock) and
// contracttest (the contract-test runner).
package billingmock

import (
	"embed"
	"io/fs"
)

//go:embed openapi.yaml
var openAPI []byte

//go:embed controlapi.yaml
var controlAPI []byte

//go:embed fixtures
var fixtures embed.FS

// OpenAPI returns the embedded contract, openapi.yaml. The slice is shared: do not modify it.
func OpenAPI() []byte { return openAPI }

// ControlAPI returns the embedded contract of the mock's control API, controlapi.yaml.
func ControlAPI() []byte { return controlAPI }

// Fixtures returns the embedded fixtures directory (seed.yaml, contract/ and scenarios/), rooted so
// that "seed.yaml" names fixtures/seed.yaml.
func Fixtures() fs.FS {
	sub, err := fs.Sub(fixtures, "fixtures")
	if err != nil {
		panic(err) // unreachable: "fixtures" is a valid, embedded directory name
	}
	return sub
}
