package contract

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// fastJSONMaxDepth bounds the nesting the one-pass parser follows; deeper documents take the slow
// path, which reports them exactly as before.
const fastJSONMaxDepth = 256

// parseJSONStrict decodes exactly one JSON document in one pass, the way encoding/json decodes it
// into an any (objects as map[string]any, arrays as []any, numbers as json.Number when useNumber,
// else float64). It is a fast path only: it reports ok=false for anything it does not accept with
// certainty — a syntax error, data after the document, an object with the same member twice, a
// number out of float64's range, nesting deeper than fastJSONMaxDepth — and the caller then runs
// the original, slower checks that name the problem. Whatever it accepts, encoding/json accepts and
// decodes to the same value.
func parseJSONStrict(data []byte, useNumber bool) (v any, ok bool) {
	p := jsonParser{data: data, useNumber: useNumber}
	p.skipSpace()
	v, ok = p.value(0)
	if !ok {
		return nil, false
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, false
	}
	return v, true
}

type jsonParser struct {
	data      []byte
	pos       int
	useNumber bool
}

func (p *jsonParser) skipSpace() {
	for p.pos < len(p.data) {
		switch p.data[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= fastJSONMaxDepth {
			return nil, false
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= fastJSONMaxDepth {
			return nil, false
		}
		return p.array(depth + 1)
	case c == '"':
		s, ok := p.string()
		return s, ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	}
	return nil, false
}

func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

func (p *jsonParser) object(depth int) (any, bool) {
	p.pos++ // '{'
	obj := make(map[string]any, 4)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, true
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return nil, false
		}
		key, ok := p.string()
		if !ok {
			return nil, false
		}
		if _, dup := obj[key]; dup {
			return nil, false
		}
		p.skipSpace()
		if p.pos >= len(p.data) || p.data[p.pos] != ':' {
			return nil, false
		}
		p.pos++
		p.skipSpace()
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		obj[key] = v
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case '}':
			p.pos++
			return obj, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array(depth int) (any, bool) {
	p.pos++ // '['
	arr := []any{}
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return arr, true
	}
	for {
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		arr = append(arr, v)
		p.skipSpace()
		if p.pos >= len(p.data) {
			return nil, false
		}
		switch p.data[p.pos] {
		case ',':
			p.pos++
			p.skipSpace()
		case ']':
			p.pos++
			return arr, true
		default:
			return nil, false
		}
	}
}

// string reads a string literal. Plain ASCII without escapes is copied as is; anything else (an
// escape, a non-ASCII byte) is handed to encoding/json, so that escapes and invalid UTF-8 decode
// exactly as it decodes them.
func (p *jsonParser) string() (string, bool) {
	start := p.pos
	p.pos++ // '"'
	plain := true
	for p.pos < len(p.data) {
		c := p.data[p.pos]
		switch {
		case c == '"':
			p.pos++
			if plain {
				return string(p.data[start+1 : p.pos-1]), true
			}
			lit := p.data[start:p.pos]
			if !hasEscape(lit) && utf8.Valid(lit) {
				return string(lit[1 : len(lit)-1]), true
			}
			var s string
			if err := json.Unmarshal(lit, &s); err != nil {
				return "", false
			}
			return s, true
		case c == '\\':
			plain = false
			p.pos += 2 // the escaped byte cannot end the string; encoding/json checks the escape
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			plain = false
			p.pos++
		default:
			p.pos++
		}
	}
	return "", false
}

func hasEscape(b []byte) bool {
	for _, c := range b {
		if c == '\\' {
			return true
		}
	}
	return false
}

// number reads a number literal with JSON's grammar.
func (p *jsonParser) number() (any, bool) {
	start := p.pos
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(d) {
		return nil, false
	}
	switch c := d[p.pos]; {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	default:
		return nil, false
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return nil, false
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return nil, false
		}
	}
	lit := string(d[start:p.pos])
	if p.useNumber {
		return json.Number(lit), true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}
