// Package scenariofile is the runner's scenario file format (contracttest/FORMAT.md) as Go types
// whose fields are in the file's key order, for the programs that write scenarios: exploration's
// shrunk sequences and the validating proxy's recordings. Encoded with gopkg.in/yaml.v3, a File is
// a scenario the runner's parser reads; the parser itself keeps its own, line-numbered decoding.
package scenariofile

// File is one scenario file.
type File struct {
	Name        string   `yaml:"name"`
	Description string   `yaml:"description"`
	Requires    []string `yaml:"requires,omitempty"`
	Level       string   `yaml:"level,omitempty"`
	Decision    string   `yaml:"decision,omitempty"`
	Steps       []Step   `yaml:"steps"`
}

// Step is one step: a request, or a state step (Control, with the variable of its Link).
type Step struct {
	Name    string   `yaml:"name"`
	Request *Request `yaml:"request,omitempty"`
	Control string   `yaml:"control,omitempty"`
	Link    string   `yaml:"link,omitempty"`
	Body    any      `yaml:"body,omitempty"`
	Expect  *Expect  `yaml:"expect,omitempty"`
}

// Request is a step's request. RawBody is sent as written; BodyBytes, a body of that many bytes.
type Request struct {
	Method    string            `yaml:"method,omitempty"`
	Path      string            `yaml:"path"`
	Query     map[string]any    `yaml:"query,omitempty"`
	Auth      string            `yaml:"auth,omitempty"`
	Headers   map[string]string `yaml:"headers,omitempty"`
	Body      any               `yaml:"body,omitempty"`
	RawBody   *string           `yaml:"raw_body,omitempty"`
	BodyBytes int               `yaml:"body_bytes,omitempty"`
}

// Expect is what a step expects of the answer, and what it captures from it.
type Expect struct {
	Status  int               `yaml:"status,omitempty"`
	Body    any               `yaml:"body,omitempty"`
	Capture map[string]string `yaml:"capture,omitempty"`
}
