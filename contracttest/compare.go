package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// decodeJSON decodes a body with numbers kept exact (json.Number).
func decodeJSON(body []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("more data after the JSON value")
	}
	return v, nil
}

// pointerUnescaper undoes the escapes of a JSON pointer's token.
var pointerUnescaper = strings.NewReplacer("~1", "/", "~0", "~")

// lookup resolves a JSON pointer ("" is the whole document).
func lookup(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	cur := doc
	for _, tok := range strings.Split(pointer[1:], "/") {
		if strings.Contains(tok, "~") {
			tok = pointerUnescaper.Replace(tok)
		}
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// compareJSON compares an expected value (from YAML) with an actual one (from JSON) with go-cmp.
// Numbers compare by value (200 equals 200.0) and never equal strings ("3" is not 3); null only
// equals null; arrays must have the same length. With subset, members the expectation does not
// name are ignored, at every depth. The members (or array elements) at the ignore pointers are left
// out, on both sides.
func compareJSON(want, got any, subset bool, ignore []string) bodyDiff {
	ignored := make(map[string]bool, len(ignore))
	for _, p := range ignore {
		ignored[p] = true
	}
	opts := cmp.Options{
		cmp.Comparer(numbersEqual),
		cmp.FilterPath(func(p cmp.Path) bool { return len(ignored) > 0 && ignored[pointerOf(p)] }, cmp.Ignore()),
	}
	if subset {
		opts = append(opts, cmp.FilterPath(absentFromExpectation, cmp.Ignore()))
	}
	rep := &pointerReporter{}
	text := cmp.Diff(canonical(want), canonical(got), opts, cmp.Reporter(rep))
	// go-cmp randomly indents with U+00A0 to keep callers from parsing its output; the report shows
	// it to people, and two runs must give the same report.
	text = strings.TrimRight(strings.ReplaceAll(text, "\u00a0", " "), "\n")
	return bodyDiff{Pointers: rep.pointers(), Text: text}
}

// bodyDiff is a difference found by compareJSON.
type bodyDiff struct {
	// Pointers are the JSON pointers where the values differ, sorted ("/" for the whole document).
	Pointers []string
	// Text is go-cmp's report: "-" lines expected, "+" lines got.
	Text string
}

func (d bodyDiff) empty() bool { return d.Text == "" }

// where names the pointers where the values differ, at most five.
func (d bodyDiff) where() string {
	const most = 5
	if len(d.Pointers) <= most {
		return strings.Join(d.Pointers, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(d.Pointers[:most], ", "), len(d.Pointers)-most)
}

// canonical returns v with every number (int, float64 from YAML; json.Number from JSON) as a
// float64 when a float64 holds it exactly, else as a json.Number: numbers then compare by value,
// and go-cmp shows them as float64(3).
func canonical(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = canonical(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = canonical(e)
		}
		return out
	case int:
		return canonicalNumber(json.Number(strconv.Itoa(x)))
	case int64:
		return canonicalNumber(json.Number(strconv.FormatInt(x, 10)))
	case uint64:
		return canonicalNumber(json.Number(strconv.FormatUint(x, 10)))
	case float64:
		return canonicalNumber(json.Number(strconv.FormatFloat(x, 'g', -1, 64)))
	case json.Number:
		return canonicalNumber(x)
	default:
		return v
	}
}

// canonicalNumber depends only on the number's value, so equal numbers get equal forms.
func canonicalNumber(n json.Number) any {
	exact, ok := number(n)
	if !ok {
		return n
	}
	f, err := strconv.ParseFloat(n.String(), 64)
	if err != nil {
		return n
	}
	if back, ok := new(big.Rat).SetString(strconv.FormatFloat(f, 'g', -1, 64)); ok && back.Cmp(exact) == 0 {
		return f
	}
	return n
}

// numbersEqual compares two JSON numbers by value.
func numbersEqual(a, b json.Number) bool {
	ra, okA := number(a)
	rb, okB := number(b)
	if okA && okB {
		return ra.Cmp(rb) == 0
	}
	return a == b
}

func number(n json.Number) (*big.Rat, bool) {
	s := n.String()
	if len(s) > 400 { // refuse pathological exponents
		return nil, false
	}
	return new(big.Rat).SetString(s)
}

// absentFromExpectation selects the members of the answer that the expectation does not name.
func absentFromExpectation(p cmp.Path) bool {
	if _, ok := p.Last().(cmp.MapIndex); !ok {
		return false
	}
	want, _ := p.Last().Values()
	return !want.IsValid()
}

// pointerOf renders a go-cmp path as a JSON pointer ("" for the whole document). Array indexes
// are the answer's, or the expectation's for an element the answer lacks.
func pointerOf(p cmp.Path) string {
	var b strings.Builder
	for _, step := range p {
		switch s := step.(type) {
		case cmp.MapIndex:
			b.WriteByte('/')
			b.WriteString(pointerEscaper.Replace(s.Key().String()))
		case cmp.SliceIndex:
			want, got := s.SplitKeys()
			i := got
			if i < 0 {
				i = want
			}
			b.WriteByte('/')
			b.WriteString(strconv.Itoa(i))
		}
	}
	return b.String()
}

var pointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// pointerReporter collects the JSON pointers of the values go-cmp finds unequal.
type pointerReporter struct {
	path cmp.Path
	seen map[string]bool
}

func (r *pointerReporter) PushStep(ps cmp.PathStep) { r.path = append(r.path, ps) }
func (r *pointerReporter) PopStep()                 { r.path = r.path[:len(r.path)-1] }

func (r *pointerReporter) Report(rs cmp.Result) {
	if rs.Equal() {
		return
	}
	if r.seen == nil {
		r.seen = map[string]bool{}
	}
	p := pointerOf(r.path)
	if p == "" {
		p = "/"
	}
	r.seen[p] = true
}

func (r *pointerReporter) pointers() []string { return sortedKeys(r.seen) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// show renders a value as compact JSON, truncated.
func show(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return truncate(string(data), 200)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// captureValue renders a captured value: strings as they are, anything else as JSON text.
func captureValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	data, _ := json.Marshal(v)
	return string(data)
}
