package contracttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
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

// lookup resolves a JSON pointer ("" is the whole document).
func lookup(doc any, pointer string) (any, bool) {
	if pointer == "" {
		return doc, true
	}
	cur := doc
	for _, tok := range strings.Split(pointer[1:], "/") {
		tok = strings.NewReplacer("~1", "/", "~0", "~").Replace(tok)
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

// without returns a copy of doc with the members at the pointers removed.
func without(doc any, pointers []string) any {
	out := deepCopy(doc)
	for _, p := range pointers {
		if p == "" {
			return nil
		}
		i := strings.LastIndex(p, "/")
		parent, ok := lookup(out, p[:i])
		if !ok {
			continue
		}
		key := strings.NewReplacer("~1", "/", "~0", "~").Replace(p[i+1:])
		if m, ok := parent.(map[string]any); ok {
			delete(m, key)
		}
	}
	return out
}

func deepCopy(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = deepCopy(e)
		}
		return out
	default:
		return v
	}
}

// diffJSON compares an expected value (from YAML) with an actual one (from JSON) and returns one line
// per difference, "-" for what was expected and "+" for what came, sorted by path. With subset,
// members the expectation does not name are ignored.
func diffJSON(want, got any, subset bool) []string {
	var out []string
	var walk func(path string, w, g any)
	walk = func(path string, w, g any) {
		name := path
		if name == "" {
			name = "/"
		}
		switch wv := w.(type) {
		case map[string]any:
			gv, ok := g.(map[string]any)
			if !ok {
				out = append(out, fmt.Sprintf("%s:\n  - %s\n  + %s", name, show(w), show(g)))
				return
			}
			for _, k := range sortedKeys(wv) {
				p := path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
				ge, ok := gv[k]
				if !ok {
					out = append(out, fmt.Sprintf("%s:\n  - %s\n  + (absent)", p, show(wv[k])))
					continue
				}
				walk(p, wv[k], ge)
			}
			if !subset {
				for _, k := range sortedKeys(gv) {
					if _, ok := wv[k]; !ok {
						p := path + "/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(k)
						out = append(out, fmt.Sprintf("%s:\n  - (absent)\n  + %s", p, show(gv[k])))
					}
				}
			}
		case []any:
			gv, ok := g.([]any)
			if !ok || len(gv) != len(wv) {
				out = append(out, fmt.Sprintf("%s:\n  - %s\n  + %s", name, show(w), show(g)))
				return
			}
			for i := range wv {
				walk(path+"/"+strconv.Itoa(i), wv[i], gv[i])
			}
		default:
			if !scalarEqual(w, g) {
				out = append(out, fmt.Sprintf("%s:\n  - %s\n  + %s", name, show(w), show(g)))
			}
		}
	}
	walk("", want, got)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// scalarEqual compares two scalars: numbers by value (so 200 equals 200.0), never a number with a
// string.
func scalarEqual(w, g any) bool {
	wn, wIsNum := number(w)
	gn, gIsNum := number(g)
	if wIsNum || gIsNum {
		return wIsNum && gIsNum && wn.Cmp(gn) == 0
	}
	switch wv := w.(type) {
	case nil:
		return g == nil
	case string:
		gs, ok := g.(string)
		return ok && gs == wv
	case bool:
		gb, ok := g.(bool)
		return ok && gb == wv
	}
	return false
}

func number(v any) (*big.Rat, bool) {
	var s string
	switch x := v.(type) {
	case json.Number:
		s = x.String()
	case int:
		s = strconv.Itoa(x)
	case int64:
		s = strconv.FormatInt(x, 10)
	case uint64:
		s = strconv.FormatUint(x, 10)
	case float64:
		s = strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return nil, false
	}
	if len(s) > 400 { // refuse pathological exponents
		return nil, false
	}
	r, ok := new(big.Rat).SetString(s)
	return r, ok
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
