// Package strictjson reads JSON in one pass, strictly: exactly one document, no object with the
// same member twice, nesting at most MaxDepth deep. It is a fast path for the standard library's
// encoding/json, not a replacement: each function reports ok=false for anything it does not accept
// with certainty (a syntax error, data after the document, a duplicate member, a number out of
// float64's range, deeper nesting), and its caller then takes the complete path through
// encoding/json, which names the problem. Whatever it accepts, encoding/json accepts and decodes
// to the same value; the tests and fuzz targets of this package hold it to that.
package strictjson

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDepth bounds the nesting the parser follows; a deeper document is refused (ok=false).
const MaxDepth = 256

// Parse decodes exactly one JSON document the way encoding/json decodes it into an any: objects
// as map[string]any, arrays as []any, numbers as json.Number when useNumber, else float64. It
// refuses (ok=false) an object with the same member twice, a number out of float64's range and
// nesting deeper than MaxDepth, which encoding/json would accept.
func Parse(data []byte, useNumber bool) (v any, ok bool) {
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

// Object reads exactly one JSON object (whitespace around it allowed) with no member twice and
// nesting within MaxDepth, and returns its members: each RawMessage is the exact bytes of the
// member's value without the whitespace around it, a sub-slice of body (no copy) whose capacity
// ends with the value, so that appending to one copies it. Member names decode as encoding/json
// decodes them; values are checked, not decoded.
func Object(body []byte) (members map[string]json.RawMessage, ok bool) {
	p := jsonParser{data: body}
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != '{' {
		return nil, false
	}
	p.pos++
	members = make(map[string]json.RawMessage, 4)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
	} else {
		for {
			name, ok := p.memberName()
			if !ok {
				return nil, false
			}
			if _, dup := members[name]; dup {
				return nil, false
			}
			start := p.pos
			if !p.skip(1) { // the object itself is depth 1, as in value
				return nil, false
			}
			members[name] = json.RawMessage(p.data[start:p.pos:p.pos])
			more, ok := p.separator('}')
			if !ok {
				return nil, false
			}
			if !more {
				break
			}
		}
	}
	p.skipSpace()
	if p.pos != len(p.data) {
		return nil, false
	}
	return members, true
}

// String decodes raw, one JSON string literal with whitespace around it allowed, as json.Unmarshal
// decodes one into a string; ok is false when raw is anything else. A literal with nothing to
// decode is cut out of raw without encoding/json.
func String(raw []byte) (s string, ok bool) {
	p := jsonParser{data: raw}
	p.skipSpace()
	if p.pos >= len(raw) || raw[p.pos] != '"' {
		return "", false
	}
	if s, ok = p.string(); !ok {
		return "", false
	}
	if p.skipSpace(); p.pos != len(raw) {
		return "", false
	}
	return s, true
}

// PointerEscaper escapes a member name for a JSON pointer (RFC 6901).
var PointerEscaper = strings.NewReplacer("~", "~0", "/", "~1")

// DuplicateMember reports whether a valid JSON document has an object with the same member twice
// (encoding/json keeps the last silently), and the JSON pointer (RFC 6901) of the second one. For a
// document that is not valid JSON it reports false: check validity first.
func DuplicateMember(body []byte) (string, bool) {
	type frame struct {
		object    bool
		keys      map[string]struct{}
		key       string // the current member of an object
		index     int    // the current element of an array
		expectKey bool
	}
	var stack []*frame
	pointer := func(last string) string {
		var b strings.Builder
		for _, f := range stack[:len(stack)-1] {
			b.WriteByte('/')
			if f.object {
				b.WriteString(PointerEscaper.Replace(f.key))
			} else {
				b.WriteString(strconv.Itoa(f.index))
			}
		}
		return b.String() + "/" + PointerEscaper.Replace(last)
	}
	valueDone := func() {
		if len(stack) == 0 {
			return
		}
		if top := stack[len(stack)-1]; top.object {
			top.expectKey = true
		} else {
			top.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // io.EOF, or not JSON: the caller checks validity
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expectKey {
			top := stack[n-1]
			if key, ok := tok.(string); ok {
				if _, dup := top.keys[key]; dup {
					return pointer(key), true
				}
				top.keys[key] = struct{}{}
				top.key, top.expectKey = key, false
				continue
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, keys: map[string]struct{}{}, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			valueDone()
		default:
			valueDone()
		}
	}
}

// jsonParser reads JSON from data, starting at pos; its methods report ok=false on anything they
// do not accept with certainty, leaving pos anywhere.
type jsonParser struct {
	data      []byte
	pos       int
	useNumber bool // decode numbers as json.Number, not float64
}

// skipSpace moves past JSON whitespace.
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

// memberName reads an object member's name, decoded, and moves past the colon after it and the
// whitespace around that, to the member's value.
func (p *jsonParser) memberName() (string, bool) {
	if p.pos >= len(p.data) || p.data[p.pos] != '"' {
		return "", false
	}
	name, ok := p.string()
	return name, ok && p.colon()
}

// colon moves past whitespace, a colon and whitespace; it reports false when no colon is there.
func (p *jsonParser) colon() bool {
	p.skipSpace()
	if p.pos >= len(p.data) || p.data[p.pos] != ':' {
		return false
	}
	p.pos++
	p.skipSpace()
	return true
}

// separator moves past what follows a member or an element: whitespace, then a comma and the
// whitespace after it (more: another member or element follows), or close, the end of the object
// or array. ok is false for anything else.
func (p *jsonParser) separator(close byte) (more, ok bool) {
	p.skipSpace()
	if p.pos >= len(p.data) {
		return false, false
	}
	switch p.data[p.pos] {
	case ',':
		p.pos++
		p.skipSpace()
		return true, true
	case close:
		p.pos++
		return false, true
	}
	return false, false
}

// value decodes the value at pos, inside depth levels of objects and arrays.
func (p *jsonParser) value(depth int) (any, bool) {
	if p.pos >= len(p.data) {
		return nil, false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		if depth >= MaxDepth {
			return nil, false
		}
		return p.object(depth + 1)
	case c == '[':
		if depth >= MaxDepth {
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

// skip moves past the value at pos, inside depth levels of objects and arrays, checking it with
// the same grammar and depth bound as value but building nothing, so it allocates nothing. Unlike
// value it refuses neither an object with the same member twice nor a number out of float64's
// range: both are well-formed JSON, which a json.RawMessage takes as it is.
func (p *jsonParser) skip(depth int) bool {
	if p.pos >= len(p.data) {
		return false
	}
	switch c := p.data[p.pos]; {
	case c == '{':
		return depth < MaxDepth && p.skipObject(depth+1)
	case c == '[':
		return depth < MaxDepth && p.skipArray(depth+1)
	case c == '"':
		_, ok := p.scanString()
		return ok
	case c == '-' || (c >= '0' && c <= '9'):
		return p.scanNumber()
	case c == 't':
		return p.literal("true")
	case c == 'f':
		return p.literal("false")
	case c == 'n':
		return p.literal("null")
	}
	return false
}

// skipObject moves past the object at pos, as object reads it, without building it.
func (p *jsonParser) skipObject(depth int) bool {
	p.pos++ // '{'
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return true
	}
	for {
		if p.pos >= len(p.data) || p.data[p.pos] != '"' {
			return false
		}
		if _, ok := p.scanString(); !ok || !p.colon() {
			return false
		}
		if !p.skip(depth) {
			return false
		}
		more, ok := p.separator('}')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// skipArray moves past the array at pos, as array reads it, without building it.
func (p *jsonParser) skipArray(depth int) bool {
	p.pos++ // '['
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == ']' {
		p.pos++
		return true
	}
	for {
		if !p.skip(depth) {
			return false
		}
		more, ok := p.separator(']')
		if !ok {
			return false
		}
		if !more {
			return true
		}
	}
}

// literal moves past word (true, false or null) if it is at pos.
func (p *jsonParser) literal(word string) bool {
	if len(p.data)-p.pos < len(word) || string(p.data[p.pos:p.pos+len(word)]) != word {
		return false
	}
	p.pos += len(word)
	return true
}

// object decodes the object at pos into a map[string]any, refusing a member that appears twice.
func (p *jsonParser) object(depth int) (any, bool) {
	p.pos++ // '{'
	obj := make(map[string]any, 4)
	p.skipSpace()
	if p.pos < len(p.data) && p.data[p.pos] == '}' {
		p.pos++
		return obj, true
	}
	for {
		key, ok := p.memberName()
		if !ok {
			return nil, false
		}
		if _, dup := obj[key]; dup {
			return nil, false
		}
		v, ok := p.value(depth)
		if !ok {
			return nil, false
		}
		obj[key] = v
		more, ok := p.separator('}')
		if !ok {
			return nil, false
		}
		if !more {
			return obj, true
		}
	}
}

// array decodes the array at pos into a []any.
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
		more, ok := p.separator(']')
		if !ok {
			return nil, false
		}
		if !more {
			return arr, true
		}
	}
}

// string reads a string literal. Plain ASCII without escapes is copied as is; anything else (an
// escape, a non-ASCII byte) is handed to encoding/json, so that escapes and invalid UTF-8 decode
// exactly as it decodes them.
func (p *jsonParser) string() (string, bool) {
	start := p.pos
	plain, ok := p.scanString()
	if !ok {
		return "", false
	}
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
}

// scanString moves past the string literal at pos, checking it as encoding/json's scanner does:
// no control character, only the escapes \" \\ \/ \b \f \n \r \t and \u with four hex digits,
// any other byte as is (invalid UTF-8 too: decoding replaces it). It reports whether the literal
// is plain, ASCII without escapes.
func (p *jsonParser) scanString() (plain, ok bool) {
	d := p.data
	p.pos++ // '"'
	plain = true
	for p.pos < len(d) {
		c := d[p.pos]
		switch {
		case c == '"':
			p.pos++
			return plain, true
		case c == '\\':
			plain = false
			if p.pos+1 >= len(d) {
				return false, false
			}
			switch d[p.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p.pos += 2
			case 'u':
				if len(d)-p.pos < 6 || !isHex(d[p.pos+2]) || !isHex(d[p.pos+3]) || !isHex(d[p.pos+4]) || !isHex(d[p.pos+5]) {
					return false, false
				}
				p.pos += 6
			default:
				return false, false
			}
		case c < 0x20:
			return false, false
		case c >= utf8.RuneSelf:
			plain = false
			p.pos++
		default:
			p.pos++
		}
	}
	return false, false
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// hasEscape reports whether b has a backslash.
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
	if !p.scanNumber() {
		return nil, false
	}
	lit := string(p.data[start:p.pos])
	if p.useNumber {
		return json.Number(lit), true
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil {
		return nil, false
	}
	return f, true
}

// scanNumber moves past the number literal at pos, checking it with JSON's grammar.
func (p *jsonParser) scanNumber() bool {
	d := p.data
	if d[p.pos] == '-' {
		p.pos++
	}
	if p.pos >= len(d) {
		return false
	}
	switch c := d[p.pos]; {
	case c == '0':
		p.pos++
	case c >= '1' && c <= '9':
		for p.pos < len(d) && d[p.pos] >= '0' && d[p.pos] <= '9' {
			p.pos++
		}
	default:
		return false
	}
	if p.pos < len(d) && d[p.pos] == '.' {
		p.pos++
		if !p.digits() {
			return false
		}
	}
	if p.pos < len(d) && (d[p.pos] == 'e' || d[p.pos] == 'E') {
		p.pos++
		if p.pos < len(d) && (d[p.pos] == '+' || d[p.pos] == '-') {
			p.pos++
		}
		if !p.digits() {
			return false
		}
	}
	return true
}

// digits moves past one or more decimal digits, reporting whether there was one.
func (p *jsonParser) digits() bool {
	start := p.pos
	for p.pos < len(p.data) && p.data[p.pos] >= '0' && p.data[p.pos] <= '9' {
		p.pos++
	}
	return p.pos > start
}
