package mock

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// The billing API's answers are encoded by hand: they are a handful of fixed shapes, and
// encoding/json's reflection was a tenth of the handler's time on describe and history. Each
// appender writes exactly the bytes json.Marshal writes for its type (field order, null for a nil
// pointer or slice, the same string escaping); TestAppendersMatchEncodingJSON and
// FuzzAppendJSONString hold them to it.

// encodeAnswer encodes an action's answer: by hand for the answer types, with json.Marshal for
// anything else.
func encodeAnswer(v any) ([]byte, error) {
	switch a := v.(type) {
	case describeJSON:
		return a.appendJSON(make([]byte, 0, 256)), nil
	case historyJSON:
		return a.appendJSON(make([]byte, 0, 48+160*len(a.BillingHistory))), nil
	case linkJSON:
		return a.appendJSON(make([]byte, 0, 32+len(a.Response)+len(a.Response)/8)), nil
	case statusJSON:
		return a.appendJSON(make([]byte, 0, 16)), nil
	}
	return json.Marshal(v)
}

func (d describeJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(d.Status), 10)
	o := d.Response.Organization
	b = append(b, `,"response":{"organization":{"resources":`...)
	b = strconv.AppendInt(b, int64(o.Resources), 10)
	b = appendMember(b, `,"name":`, o.Name)
	b = appendMember(b, `,"id":`, o.ID)
	b = appendMember(b, `,"owner":`, o.Owner)
	b = append(b, `},"subscription":`...)
	if s := d.Response.Subscription; s != nil {
		b = appendMember(b, `{"payment_exp":`, s.PaymentExp)
		b = appendMember(b, `,"plan":`, s.Plan)
		b = appendMember(b, `,"quantity":`, s.Quantity)
		b = appendMember(b, `,"status":`, s.Status)
		b = append(b, '}')
	} else {
		b = append(b, "null"...)
	}
	return append(b, "}}"...)
}

func (h historyJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(h.Status), 10)
	b = append(b, `,"billing_history":`...)
	if h.BillingHistory == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, inv := range h.BillingHistory {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendMember(b, `{"status":`, inv.Status)
			b = appendMember(b, `,"id":`, inv.ID)
			b = appendMember(b, `,"organization":`, inv.Organization)
			b = appendMember(b, `,"date":`, inv.Date)
			b = appendMember(b, `,"due_date":`, inv.DueDate)
			b = appendMember(b, `,"amount":`, inv.Amount)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func (l linkJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(l.Status), 10)
	b = appendMember(b, `,"response":`, l.Response)
	return append(b, '}')
}

func (s statusJSON) appendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(s.Status), 10)
	return append(b, '}')
}

// appendMember appends prefix (the member's name, colon included) and s as a JSON string.
func appendMember(b []byte, prefix, s string) []byte {
	return appendJSONString(append(b, prefix...), s)
}

// appendJSONString appends s as json.Marshal writes a string: quoted; ", \ and the control
// characters escaped (\b \f \n \r \t by name, the others as \u00XX); <, > and & as \u003c, \u003e
// and \u0026, so the answer is safe to embed in HTML; invalid UTF-8 as \ufffd; and U+2028 and
// U+2029 escaped, for JavaScript.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
