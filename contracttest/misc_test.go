package contracttest

import (
	"errors"
	"net"
	"slices"
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
		"name: x\nrequires: control\nsteps:\n  - control: fault\n":                          "bad.yaml:4: step 1: control fault needs body",
		"name: x\nrequires: control\nsteps:\n  - control: clear_faults\n    link: a\n":      "bad.yaml:5: step 1: control clear_faults takes no link",
		"name: x\nrequires: control\nsteps:\n  - control: clear_faults\n    body: {a: 1}\n": "bad.yaml:5: step 1: control clear_faults takes no body",
		"name: x\nrequires: control\nsteps:\n  - control: faults\n    body: {a: 1}\n":       `bad.yaml:4: step 1: unknown control "faults"`,
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

func TestCompareJSON(t *testing.T) {
	t.Parallel()
	got, _ := decodeJSON([]byte(`{"a":{"b":"3","c":1,"e":2.50,"big":12345678901234567891},"d":[1,{"x":1,"y":2}],"id":"inv_9","t/~":null}`))
	type m = map[string]any
	cases := []struct {
		name     string
		want     any
		subset   bool
		ignore   []string
		pointers []string // nil: equal
		lines    []string // lines the report must hold
	}{
		{name: "subset", want: m{"a": m{"b": "3"}}, subset: true},
		{name: "nested subset in an array", want: m{"d": []any{1, m{"y": 2}}}, subset: true},
		{name: "numbers by value", want: m{"a": m{"c": 1.0, "e": 2.5, "big": uint64(12345678901234567891)}}, subset: true},
		{name: "big numbers exactly", want: m{"a": m{"big": uint64(12345678901234567890)}}, subset: true, pointers: []string{"/a/big"}},
		{name: "number vs string", want: m{"a": m{"b": 3}}, subset: true, pointers: []string{"/a/b"},
			lines: []string{`- "b": float64(3),`, `+ "b": string("3"),`}},
		{name: "string vs number", want: m{"a": m{"c": "1"}}, subset: true, pointers: []string{"/a/c"}},
		{name: "null only equals null", want: m{"t/~": ""}, subset: true, pointers: []string{"/t~1~0"}},
		{name: "missing member", want: m{"a": m{"z": true}}, subset: true, pointers: []string{"/a/z"},
			lines: []string{`- "z": bool(true),`}},
		{name: "array length", want: m{"d": []any{1}}, subset: true, pointers: []string{"/d/1"}},
		{name: "exact: an unnamed member", want: m{"a": m{"b": "3", "c": 1, "e": "2.50", "big": uint64(12345678901234567891)}, "d": []any{1, m{"x": 1, "y": 2}}, "t/~": nil},
			pointers: []string{"/a/e", "/id"}, lines: []string{`+ "id": string("inv_9"),`}},
		{name: "exact with ignore", want: m{"a": m{"b": "3", "c": 1, "e": 2.5, "big": uint64(12345678901234567891)}, "d": []any{1, m{"x": 1, "y": 2}}, "t/~": nil, "id": "inv_1"},
			ignore: []string{"/id"}},
		{name: "ignore an array element", want: m{"d": []any{1, "x"}}, subset: true, ignore: []string{"/d/1"}},
		{name: "ignore everything", want: m{"nope": 1}, ignore: []string{""}},
		{name: "root type", want: []any{}, subset: true, pointers: []string{"/"}},
	}
	for _, c := range cases {
		d := compareJSON(c.want, got, c.subset, c.ignore)
		if c.pointers == nil {
			if !d.empty() {
				t.Errorf("%s: want equal, got %v\n%s", c.name, d.Pointers, d.Text)
			}
			continue
		}
		if !slices.Equal(d.Pointers, c.pointers) || d.empty() {
			t.Errorf("%s: pointers %v, want %v\n%s", c.name, d.Pointers, c.pointers, d.Text)
		}
		var lines []string // with runs of blanks as one space: go-cmp aligns values
		for _, l := range strings.Split(d.Text, "\n") {
			lines = append(lines, strings.Join(strings.Fields(l), " "))
		}
		for _, line := range c.lines {
			if !slices.Contains(lines, line) {
				t.Errorf("%s: the report lacks the line %q:\n%s", c.name, line, d.Text)
			}
		}
		if strings.Contains(d.Text, "\u00a0") {
			t.Errorf("%s: non-breaking spaces in the report", c.name)
		}
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
	f.Add([]byte("name: z\nrequires: control\nsteps:\n  - control: fault\n    body: {action: '*', status: 500, count: 1}\n    expect: {status: 201}\n"))
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
