package strictjson

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
)

// The candidate measured against Parse and Object: the same functions on
// github.com/go-json-experiment/json/jsontext, which rejects duplicate names itself.

var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewBuffer(nil)) }}

func jtParse(data []byte, useNumber bool) (any, bool) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	dec.Reset(bytes.NewBuffer(data), jsontext.AllowInvalidUTF8(true))
	v, err := jtValue(dec, useNumber)
	if err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); err == nil {
		return nil, false
	}
	return v, true
}

func jtValue(dec *jsontext.Decoder, useNumber bool) (any, error) {
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, err
	}
	switch tok.Kind() {
	case '{':
		m := make(map[string]any, 4)
		for dec.PeekKind() != '}' {
			k, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			name := k.String()
			v, err := jtValue(dec, useNumber)
			if err != nil {
				return nil, err
			}
			m[name] = v
		}
		_, err := dec.ReadToken()
		return m, err
	case '[':
		a := []any{}
		for dec.PeekKind() != ']' {
			v, err := jtValue(dec, useNumber)
			if err != nil {
				return nil, err
			}
			a = append(a, v)
		}
		_, err := dec.ReadToken()
		return a, err
	case '"':
		return tok.String(), nil
	case '0':
		if useNumber {
			return json.Number(tok.String()), nil
		}
		return tok.Float()
	case 't', 'f':
		return tok.Bool(), nil
	case 'n':
		return nil, nil
	}
	return nil, fmt.Errorf("unexpected %v", tok)
}

func jtObject(body []byte) (map[string]json.RawMessage, bool) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	dec.Reset(bytes.NewBuffer(body), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil, false
	}
	members := make(map[string]json.RawMessage, 4)
	for dec.PeekKind() != '}' {
		k, err := dec.ReadToken()
		if err != nil {
			return nil, false
		}
		name := k.String()
		v, err := dec.ReadValue()
		if err != nil {
			return nil, false
		}
		end := int(dec.InputOffset())
		members[name] = json.RawMessage(body[end-len(v) : end : end])
	}
	if _, err := dec.ReadToken(); err != nil {
		return nil, false
	}
	if _, err := dec.ReadToken(); err == nil {
		return nil, false
	}
	return members, true
}

var (
	benchDescribe = []byte(`{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`)
	benchInvoice  = `{"status":"paid","id":"inv_acme_0001","organization":"org_acme","date":"2026-07-15","due_date":"2026-07-29","amount":"36.00"}`
	benchHistory  = []byte(`{"status":200,"billing_history":[` + strings.TrimSuffix(strings.Repeat(benchInvoice+",", 4), ",") + `]}`)
	benchLong     = []byte(`{"status":200,"billing_history":[` + strings.TrimSuffix(strings.Repeat(benchInvoice+",", 545), ",") + `]}`)
	benchBody     = []byte(`{"org_id":"org_acme","quantity":3}`)
)

func TestJSONTextAgrees(t *testing.T) {
	for _, doc := range [][]byte{benchDescribe, benchHistory, benchLong} {
		a, ok1 := Parse(doc, true)
		b, ok2 := jtParse(doc, true)
		if !ok1 || !ok2 || fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("disagree on %s", doc)
		}
	}
	a, _ := Object(benchBody)
	b, _ := jtObject(benchBody)
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatal("objects disagree")
	}
}

func BenchmarkParse(b *testing.B) {
	for _, doc := range []struct {
		name string
		data []byte
	}{{"describe", benchDescribe}, {"history4", benchHistory}, {"history545", benchLong}} {
		b.Run("hand/"+doc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Parse(doc.data, true)
			}
		})
		b.Run("jsontext/"+doc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				jtParse(doc.data, true)
			}
		})
	}
}

func BenchmarkObject(b *testing.B) {
	b.Run("hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			Object(benchBody)
		}
	})
	b.Run("jsontext", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			jtObject(benchBody)
		}
	})
}
