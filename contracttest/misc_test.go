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
	cases := []struct{ in, want string }{
		{"name: x\nsteps: []\n", "bad.yaml:2: steps: a non-empty list is required"},
		{"name: x\nstepz: []\n", `bad.yaml:2: scenario: unknown key "stepz" (known: name, description, requires, level, decision, steps)`},
		{"name: x\nsteps:\n  - control: reset\n", `bad.yaml:3: step 1: control reset needs reset in the scenario's requires (requires: [reset])`},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n    expect: {status: 99}\n", "bad.yaml:5: step 1: status: an HTTP status from 100 to 599"},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n    expect: {status: ok}\n", `bad.yaml:5: step 1: status: expected an integer, got a string "ok"`},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: a}\n", "bad.yaml:4: step 1: path must start with /"},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a, bodi: {}}\n", `bad.yaml:4: step 1: request: unknown key "bodi" (known: method, path, query, auth, headers, body, raw_body, body_bytes)`},
		{"name: x\nlevel: docs\nsteps:\n  - name: a\n    request: {path: /a}\n  - request: {path: /b}\n    expect: {lenn: {}}\n", `bad.yaml:7: step 2: expect: unknown key "lenn"`},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n    expect:\n      status: 200\n      status: 201\n", `bad.yaml:7: step 1: key "status" appears twice (first at line 6)`},
		{"name: x\nsteps:\n  - request: {path: /a}\n", `bad.yaml:3: step 1: tag the step with level: docs`},
		{"name: x\nlevel: doc\nsteps:\n  - request: {path: /a}\n", `bad.yaml:2: level "doc": docs, or decision: D<n>`},
		{"name: x\ndecision: 4\nsteps:\n  - request: {path: /a}\n", `bad.yaml:2: decision "4": the id of a row`},
		{"name: x\nsteps:\n  - request: {path: /a}\n    level: docs\n    decision: D4\n", `step 1: give level: docs or decision: D<n>, not both`},
		{"name: x\nrequires: [reset]\nsteps:\n  - control: reset\n    level: docs\n", "bad.yaml:5: step 1: a control step checks nothing of the contract"},
		{"{{{", "bad.yaml: not YAML"},
		{"- a\n", "bad.yaml:1: scenario must be a mapping"},
		{"name: x\nrequires: control\nsteps:\n  - control: fault\n", "bad.yaml:4: step 1: control fault needs body"},
		{"name: x\nrequires: control\nsteps:\n  - control: advance_clock\n", "bad.yaml:4: step 1: control advance_clock needs body (e.g. {by: 744h})"},
		{"name: x\nrequires: control\nsteps:\n  - control: advance_clock\n    body: {to: x}\n", "bad.yaml:5: step 1: control advance_clock: body is {by: <a Go duration"},
		{"name: x\nrequires: control\nsteps:\n  - control: clear_faults\n    link: a\n", "bad.yaml:5: step 1: control clear_faults takes no link"},
		{"name: x\nrequires: control\nsteps:\n  - control: clear_faults\n    body: {a: 1}\n", "bad.yaml:5: step 1: control clear_faults takes no body"},
		{"name: x\nrequires: control\nsteps:\n  - control: faults\n    body: {a: 1}\n", `bad.yaml:4: step 1: unknown control "faults"`},
		{"name: x\nrequires: [complete_checkout, pay]\nsteps:\n  - request: {path: /a}\n", `bad.yaml:2: requires: unknown capability "pay" (known: complete_checkout, decline_checkout, complete_card_update, decline_card_update, reset, advance_clock, fault, prefer)`},
		{"name: x\nrequires: all\nsteps:\n  - request: {path: /a}\n", `bad.yaml:2: requires: "control" (every capability) or a list`},
		{"name: x\nrequires: [fault]\nsteps:\n  - control: complete_checkout\n    link: l\n", "step 1: control complete_checkout needs complete_checkout in the scenario's requires"},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a, headers: {prefer: code=404}}\n", "bad.yaml:4: step 1: the Prefer header is the mock's own: add prefer to the scenario's requires"},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a, query: {a: {b: c}}}\n", "bad.yaml:4: step 1: a query parameter is a string or a list of strings"},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n    expect: {at: {x: 1}}\n", `bad.yaml:5: step 1: at: "x" is not a JSON pointer`},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n    expect: {capture: {a-b: /x}}\n", `step 1: capture: "a-b" is not a variable name`},
		{"name: x\nlevel: docs\nsteps:\n  - request: {path: /a, body: {1: a}}\n", "bad.yaml:4: step 1: mapping keys must be strings"},
	}
	for _, c := range cases {
		_, err := ParseScenario("bad.yaml", []byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: err = %v, want %q", c.in, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "contracttest.") {
			t.Errorf("%q: the error names a Go type: %v", c.in, err)
		}
	}
	_, err := LoadScenarios(fstest.MapFS{
		"a.yaml": {Data: []byte("name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n")},
		"b.yaml": {Data: []byte("name: x\nlevel: docs\nsteps:\n  - request: {path: /a}\n")},
	})
	if err == nil || !strings.Contains(err.Error(), "already used in a.yaml") {
		t.Errorf("duplicate names: %v", err)
	}
}

// TestParseScenario: what a scenario file holds reaches the Scenario: requires, rules, steps.
func TestParseScenario(t *testing.T) {
	t.Parallel()
	sc, err := ParseScenario("s.yaml", []byte(`name: s
requires: [complete_checkout, complete_checkout, advance_clock]
decision: D20
steps:
  - name: pay link
    level: docs
    request: {method: post, path: /p, query: {a: b, c: [d, e]}, body: {n: null}}
    expect: {status: 201, at: {/x: {y: 1}}, capture: {l: /response}}
  - control: complete_checkout
    link: "{{l}}"
  - request: {path: /q}
    expect: {body: null}
  - control: advance_clock
    body: {by: 744h}
`))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(sc.Requires, []Capability{CompleteCheckout, AdvanceClock}) || len(sc.Steps) != 4 {
		t.Fatalf("%+v", sc)
	}
	s0, s1, s2 := sc.Steps[0], sc.Steps[1], sc.Steps[2]
	if s0.Rule != docsRule || s0.Request.Method != "POST" || !slices.Equal(s0.Request.Query["c"], []string{"d", "e"}) ||
		!s0.Request.HasBody || s0.Expect.Status != 201 || s0.Expect.At["/x"] == nil || s0.Line != 5 {
		t.Errorf("step 1: %+v %+v", s0, s0.Request)
	}
	if s1.Control == nil || s1.Control.Op != ControlCompleteCheckout || s1.Name != "step 2" {
		t.Errorf("step 2: %+v", s1)
	}
	if s2.Rule != decision("D20") || !s2.Expect.HasBody || s2.Expect.Body != nil {
		t.Errorf("step 3: %+v", s2)
	}
	all, err := ParseScenario("a.yaml", []byte("name: a\nrequires: control\nsteps:\n  - control: reset\n"))
	if err != nil || !slices.Equal(all.Requires, AllCapabilities()) {
		t.Errorf("requires: control: %v %v", all, err)
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
	if got, err := v.expand("<{{pad:3}}>"); err != nil || got != "<xxx>" {
		t.Errorf("pad: %q %v", got, err)
	}
	for _, bad := range []string{"{{pad:0}}", "{{pad:-1}}", "{{pad:x}}", "{{pad:1048577}}"} {
		if _, err := v.expand(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// FuzzParseScenario: the loader never panics, and its errors name the file.
func FuzzParseScenario(f *testing.F) {
	f.Add([]byte("name: x\nlevel: docs\nsteps:\n  - request: {path: /a, query: {a: [b]}, body: {q: 1}}\n    expect: {status: 200, capture: {n: len(/x)}, at: {/a: 1}}\n"))
	f.Add([]byte("name: y\nrequires: [complete_checkout]\nsteps:\n  - control: complete_checkout\n    link: '{{l}}'\n  - decision: D4\n    request: {path: /b}\n"))
	f.Add([]byte("name: w\nrequires: control\nsteps:\n  - control: advance_clock\n    body: [by]\n"))
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
