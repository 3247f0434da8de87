package contracttest

import (
	"errors"
	"net"
	"strings"
	"testing"
	"testing/fstest"
)

func errorsAs(err error, target any) bool { return errors.As(err, target) }

// serveClosed returns the URL of a port nothing listens on.
func serveClosed(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestLoadErrors(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"name: x\nsteps: []\n":                  "bad.yaml:2: steps",
		"name: x\nstepz: []\n":                  `bad.yaml:2: scenario: unknown key "stepz"`,
		"name: x\nsteps:\n  - control: reset\n": `bad.yaml:3: step 1: a control step needs "requires: control"`,
		"name: x\nsteps:\n  - request: {path: /a}\n    expect: {status: 99}\n": "bad.yaml:4: step 1: status",
		"name: x\nsteps:\n  - request: {path: a}\n":                            "path must start with /",
		"{{{": "bad.yaml: not YAML",
	}
	for in, want := range cases {
		_, err := ParseScenario("bad.yaml", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: err = %v, want %q", in, err, want)
		}
	}
	_, err := LoadScenarios(fstest.MapFS{
		"a.yaml": {Data: []byte("name: x\nsteps:\n  - request: {path: /a}\n")},
		"b.yaml": {Data: []byte("name: x\nsteps:\n  - request: {path: /a}\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "already used in a.yaml") {
		t.Errorf("duplicate names: %v", err)
	}
}

func TestDiffJSON(t *testing.T) {
	t.Parallel()
	got, _ := decodeJSON([]byte(`{"a":{"b":"3","c":1},"d":[1,2]}`))
	if d := diffJSON(map[string]any{"a": map[string]any{"b": "3"}}, got, true); len(d) != 0 {
		t.Errorf("subset: %v", d)
	}
	if d := diffJSON(map[string]any{"a": map[string]any{"b": 3}}, got, true); len(d) != 1 || !strings.Contains(d[0], "/a/b") {
		t.Errorf("number vs string: %v", d)
	}
	if d := diffJSON(map[string]any{"a": map[string]any{"b": "3"}, "d": []any{1, 2}}, got, false); len(d) != 1 || !strings.Contains(d[0], "/a/c") {
		t.Errorf("exact: %v", d)
	}
}

func TestVars(t *testing.T) {
	t.Parallel()
	v := vars{"q": "3", "s": "x"}
	if got, err := v.expand("a{{q+2}}b{{s}}"); err != nil || got != "a5bx" {
		t.Errorf("%q %v", got, err)
	}
	if got, err := v.expandValue("{{num:q-1}}"); err != nil || got != int64(2) {
		t.Errorf("%v %v", got, err)
	}
	if _, err := v.expand("{{nope}}"); err == nil {
		t.Error("unknown variable accepted")
	}
	if _, err := v.expand("{{s+1}}"); err == nil {
		t.Error("arithmetic on a string accepted")
	}
}

// FuzzParseScenario: the loader never panics, and its errors name the file.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte("name: x\nsteps:\n  - request: {path: /a, query: {a: [b]}, body: {q: 1}}\n    expect: {status: 200, capture: {n: len(/x)}}\n"))
	f.Add([]byte("name: y\nrequires: control\nsteps:\n  - control: complete_checkout\n    link: '{{l}}'\n"))
	f.Add([]byte("- [a, {b: c}]\n"))
	f.Add([]byte("name: &a x\nsteps: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if sc.Name == "" || len(sc.Steps) == 0 {
			t.Fatalf("accepted an empty scenario: %+v", sc)
		}
	})
}
