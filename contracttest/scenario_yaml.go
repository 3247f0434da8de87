package contracttest

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// A scenario file is decoded twice: into the structs below, with yaml.v3's KnownFields (so an
// unknown key or a value of the wrong type is refused), and into a yaml.Node tree that only gives
// positions for the messages (positions).

type scenarioDoc struct {
	Name        string      `yaml:"name"`
	Description string      `yaml:"description"`
	Requires    requirement `yaml:"requires"`
	Level       string      `yaml:"level"`
	Decision    string      `yaml:"decision"`
	Steps       []stepDoc   `yaml:"steps"`
}

type stepDoc struct {
	Name     string      `yaml:"name"`
	Level    string      `yaml:"level"`
	Decision string      `yaml:"decision"`
	Request  *requestDoc `yaml:"request"`
	Control  string      `yaml:"control"`
	Link     string      `yaml:"link"`
	Body     yamlValue   `yaml:"body"`
	Expect   expectDoc   `yaml:"expect"`
}

type requestDoc struct {
	Method    string                `yaml:"method"`
	Path      string                `yaml:"path"`
	Query     map[string]stringList `yaml:"query"`
	Auth      string                `yaml:"auth"`
	Headers   map[string]string     `yaml:"headers"`
	Body      yamlValue             `yaml:"body"`
	RawBody   *string               `yaml:"raw_body"`
	BodyBytes *int                  `yaml:"body_bytes"`
}

type expectDoc struct {
	Status  int                  `yaml:"status"`
	Body    yamlValue            `yaml:"body"`
	Match   string               `yaml:"match"`
	Ignore  []string             `yaml:"ignore"`
	Len     map[string]string    `yaml:"len"`
	Each    map[string]yamlValue `yaml:"each"`
	At      map[string]yamlValue `yaml:"at"`
	Capture map[string]string    `yaml:"capture"`
}

// docKinds name the structs in messages, for the unknown-key errors of KnownFields.
var docKinds = map[string]reflect.Type{
	"scenario": reflect.TypeFor[scenarioDoc](),
	"step":     reflect.TypeFor[stepDoc](),
	"request":  reflect.TypeFor[requestDoc](),
	"expect":   reflect.TypeFor[expectDoc](),
}

// stringList is a query parameter: a string, or a list of strings that repeats the parameter.
type stringList []string

func (l *stringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		*l = stringList{n.Value}
		return nil
	case yaml.SequenceNode:
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				return &posError{e.Line, errors.New("a query parameter is a string or a list of strings")}
			}
			*l = append(*l, e.Value)
		}
		return nil
	}
	return &posError{n.Line, errors.New("a query parameter is a string or a list of strings")}
}

// requirement is the requires key: "control" (every capability) or a list of capabilities.
type requirement struct {
	names []string
	all   bool
}

func (r *requirement) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && n.Value == "control" {
		r.all = true
		return nil
	}
	if err := n.Decode(&r.names); err != nil {
		return &posError{n.Line, errors.New(`requires: "control" (every capability) or a list of capabilities, as [complete_checkout]`)}
	}
	return nil
}

func (r requirement) capabilities(pos positions) ([]Capability, *posError) {
	if r.all {
		return AllCapabilities(), nil
	}
	var out []Capability
	for i, name := range r.names {
		c := Capability(name)
		if !slices.Contains(AllCapabilities(), c) {
			return nil, pos.errorf([]any{i}, "unknown capability %q (known: %s)", name, capabilityList(AllCapabilities()))
		}
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out, nil
}

func capabilityList(cs []Capability) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// yamlValue is a YAML value sent or compared as JSON; its presence is read from the positions
// (a null value is present too).
type yamlValue struct{ v any }

func (y *yamlValue) UnmarshalYAML(n *yaml.Node) error {
	var v any
	if err := n.Decode(&v); err != nil {
		return &posError{n.Line, err}
	}
	y.v = v
	return nil
}

// json returns the value with JSON's types, or what JSON cannot hold.
func (y yamlValue) json(pos positions) (any, *posError) {
	v, err := normalizeYAML(y.v)
	if err != nil {
		return nil, &posError{pos.line(), err}
	}
	return v, nil
}

// normalizeYAML turns YAML-decoded maps into map[string]any and refuses what JSON cannot hold.
func normalizeYAML(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			ne, err := normalizeYAML(e)
			if err != nil {
				return nil, err
			}
			v[k] = ne
		}
		return v, nil
	case map[any]any:
		return nil, errors.New("mapping keys must be strings")
	case []any:
		for i, e := range v {
			ne, err := normalizeYAML(e)
			if err != nil {
				return nil, err
			}
			v[i] = ne
		}
		return v, nil
	case nil, string, bool, int, int64, uint64, float64:
		return v, nil
	default:
		return nil, fmt.Errorf("a %T cannot be sent as JSON; quote it", v)
	}
}

// posError is an error at a line of the file.
type posError struct {
	line int
	err  error
}

func (e *posError) Error() string { return e.err.Error() }

// asPosError returns err with its own line, or at line when it has none.
func asPosError(err *posError, line int) *posError {
	if err != nil && err.line == 0 {
		err.line = line
	}
	return err
}

// positions finds the lines of the values of a decoded document: the node at a path of mapping
// keys (strings) and list indexes (ints) from the document's root.
type positions struct{ node *yaml.Node }

// sub returns the positions under a path; a missing path gives a positions with no node, whose
// lines fall back to the nearest existing one through line.
func (p positions) sub(path ...any) positions {
	n := p.node
	for _, step := range path {
		n = child(n, step)
	}
	if n == nil {
		return positions{node: &yaml.Node{Line: p.line()}}
	}
	return positions{node: n}
}

// has reports whether the path exists.
func (p positions) has(path ...any) bool {
	n := p.node
	for _, step := range path {
		if n = child(n, step); n == nil {
			return false
		}
	}
	return true
}

// line is the line of the value at the path, or of its deepest existing ancestor.
func (p positions) line(path ...any) int {
	n := p.node
	if n == nil {
		return 0
	}
	for _, step := range path {
		c := child(n, step)
		if c == nil {
			break
		}
		n = c
	}
	return n.Line
}

// errorf is an error at the path's line.
func (p positions) errorf(path []any, format string, args ...any) *posError {
	return &posError{p.line(path...), fmt.Errorf(format, args...)}
}

func child(n *yaml.Node, step any) *yaml.Node {
	if n == nil {
		return nil
	}
	switch s := step.(type) {
	case string:
		if n.Kind != yaml.MappingNode {
			return nil
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == s {
				return n.Content[i+1]
			}
		}
	case int:
		if n.Kind == yaml.SequenceNode && s >= 0 && s < len(n.Content) {
			return n.Content[s]
		}
	}
	return nil
}

// decodeScenario decodes a file into the structs, strictly, and returns the positions of its
// document.
func decodeScenario(data []byte) (*scenarioDoc, positions, *posError) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, positions{}, &posError{0, fmt.Errorf("not YAML: %w", err)}
	}
	if len(root.Content) != 1 {
		return nil, positions{}, &posError{root.Line, errors.New("expected one YAML document")}
	}
	pos := positions{node: root.Content[0]}
	if pos.node.Kind != yaml.MappingNode {
		return nil, pos, &posError{pos.line(), errors.New("scenario must be a mapping")}
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var doc scenarioDoc
	err := dec.Decode(&doc)
	var pe *posError
	var te *yaml.TypeError
	switch {
	case err == nil:
		return &doc, pos, nil
	case errors.As(err, &pe):
		return nil, pos, explain(pos, pe)
	case errors.As(err, &te):
		return nil, pos, explainTypeError(pos, te.Errors[0])
	}
	return nil, pos, &posError{0, fmt.Errorf("not YAML: %w", err)}
}

// explain prefixes an error raised inside a step with the step's number.
func explain(pos positions, e *posError) *posError {
	if i := stepAt(pos, e.line); i >= 0 {
		return &posError{e.line, fmt.Errorf("step %d: %w", i+1, e.err)}
	}
	return e
}

// stepAt returns the index of the step that holds a line, or -1.
func stepAt(pos positions, line int) int {
	steps := pos.sub("steps").node
	if steps.Kind != yaml.SequenceNode {
		return -1
	}
	at := -1
	for i, s := range steps.Content {
		if s.Line <= line {
			at = i
		}
	}
	return at
}

var (
	unknownField  = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \S+\.(\w+)$`)
	cannotDecode  = regexp.MustCompile("^line (\\d+): cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
	definedTwice  = regexp.MustCompile(`^line (\d+): mapping key "(.*)" already defined at line (\d+)$`)
	leadingLineNo = regexp.MustCompile(`^line (\d+): `)
)

// explainTypeError rewrites one of yaml.v3's messages (which name Go types) in the file's terms.
func explainTypeError(pos positions, msg string) *posError {
	line := func(s string) int { n, _ := strconv.Atoi(s); return n }
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		what, known := "", []string(nil)
		for name, t := range docKinds {
			if strings.EqualFold(t.Name(), m[3]) {
				what, known = name, yamlKeys(t)
			}
		}
		return explain(pos, &posError{line(m[1]), fmt.Errorf("%s: unknown key %q (known: %s)", what, m[2], strings.Join(known, ", "))})
	}
	if m := cannotDecode.FindStringSubmatch(msg); m != nil {
		l := line(m[1])
		got := map[string]string{"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean", "seq": "a list", "map": "a mapping", "null": "null"}[m[2]]
		if m[3] != "" {
			got += " " + strconv.Quote(m[3])
		}
		return explain(pos, &posError{l, fmt.Errorf("%s: expected %s, got %s", keyAt(pos.node, l), goTypeWords(m[4]), got)})
	}
	if m := definedTwice.FindStringSubmatch(msg); m != nil {
		return explain(pos, &posError{line(m[1]), fmt.Errorf("key %q appears twice (first at line %s)", m[2], m[3])})
	}
	if m := leadingLineNo.FindStringSubmatch(msg); m != nil {
		return explain(pos, &posError{line(m[1]), errors.New(strings.TrimPrefix(msg, m[0]))})
	}
	return &posError{0, errors.New(msg)}
}

// goTypeWords says what a Go type of the structs above holds, in a file's words.
func goTypeWords(t string) string {
	switch {
	case t == "string" || t == "*string":
		return "a string"
	case t == "int" || t == "*int":
		return "an integer"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}

// keyAt names the innermost key whose value starts at a line ("status"), for a message.
func keyAt(root *yaml.Node, line int) string {
	key := "value"
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i+1].Line == line {
					key = n.Content[i].Value
				}
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
	return key
}

// yamlKeys lists the keys of a struct, in declaration order.
func yamlKeys(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" {
			out = append(out, name)
		}
	}
	return out
}
