// Package answer is the billing API's answer bodies, in the contract's shapes, and their encoder.
// Each type's AppendJSON writes exactly the bytes json.Marshal writes for it (field order, null for a
// nil pointer or slice, the same string escaping), without reflection; the tests and fuzz targets of
// this package hold them to json.Marshal.
package answer

import (
	"encoding/json"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// Organization is describe's organization.
type Organization struct {
	Resources int    `json:"resources"`
	Name      string `json:"name"`
	ID        string `json:"id"`
	Owner     string `json:"owner"`
}

// Subscription is a subscription as the API shows it (describe, and the control API's link
// results).
type Subscription struct {
	PaymentExp string `json:"payment_exp"`
	Plan       string `json:"plan"`
	Quantity   string `json:"quantity"`
	Status     string `json:"status"`
}

// SubscriptionOf is sub in the answer's shape.
func SubscriptionOf(sub state.Subscription) Subscription {
	return Subscription{PaymentExp: sub.PaymentExp, Plan: sub.Plan, Quantity: strconv.Itoa(sub.Quantity), Status: string(sub.Status)}
}

// Describe is describe's 200 answer.
type Describe struct {
	Status   int `json:"status"`
	Response struct {
		Organization Organization  `json:"organization"`
		Subscription *Subscription `json:"subscription"`
	} `json:"response"`
}

// DescribeOf is describe's 200 answer for d.
func DescribeOf(d state.Description) Describe {
	out := Describe{Status: http.StatusOK}
	out.Response.Organization = Organization{Resources: d.Org.Resources, Name: d.Org.Name, ID: d.Org.ID, Owner: d.Org.Owner}
	if d.Subscription != nil {
		sub := SubscriptionOf(*d.Subscription)
		out.Response.Subscription = &sub
	}
	return out
}

// Invoice is one invoice of the billing history.
type Invoice struct {
	Status       string `json:"status"`
	ID           string `json:"id"`
	Organization string `json:"organization"`
	Date         string `json:"date"`
	DueDate      string `json:"due_date"`
	Amount       string `json:"amount"`
}

// History is history's 200 answer.
type History struct {
	Status         int       `json:"status"`
	BillingHistory []Invoice `json:"billing_history"`
}

// HistoryOf is history's 200 answer for the invoices of organization orgID, in the order given.
func HistoryOf(orgID string, invoices []fixture.Invoice) History {
	out := History{Status: http.StatusOK, BillingHistory: make([]Invoice, len(invoices))}
	for i, inv := range invoices {
		out.BillingHistory[i] = Invoice{Status: inv.Status, ID: inv.ID, Organization: orgID, Date: inv.Date, DueDate: inv.DueDate, Amount: inv.Amount}
	}
	return out
}

// Link is the 200 answer of getpaymentlink and getupdatecardlink.
type Link struct {
	Status   int    `json:"status"`
	Response string `json:"response"`
}

// Status is an answer that is only its status: updatesubscription's and cancelsubscription's 200.
type Status struct {
	Status int `json:"status"`
}

// Encode encodes an answer: the types of this package by hand, anything else with json.Marshal.
func Encode(v any) ([]byte, error) {
	switch a := v.(type) {
	case Describe:
		return a.AppendJSON(make([]byte, 0, 256)), nil
	case History:
		return a.AppendJSON(make([]byte, 0, 48+160*len(a.BillingHistory))), nil
	case Link:
		return a.AppendJSON(make([]byte, 0, 32+len(a.Response)+len(a.Response)/8)), nil
	case Status:
		return a.AppendJSON(make([]byte, 0, 16)), nil
	}
	return json.Marshal(v)
}

// AppendJSON appends d as json.Marshal writes it.
func (d Describe) AppendJSON(b []byte) []byte {
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

// AppendJSON appends h as json.Marshal writes it.
func (h History) AppendJSON(b []byte) []byte {
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

// AppendJSON appends l as json.Marshal writes it.
func (l Link) AppendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(l.Status), 10)
	b = appendMember(b, `,"response":`, l.Response)
	return append(b, '}')
}

// AppendJSON appends s as json.Marshal writes it.
func (s Status) AppendJSON(b []byte) []byte {
	b = append(b, `{"status":`...)
	b = strconv.AppendInt(b, int64(s.Status), 10)
	return append(b, '}')
}

// appendMember appends prefix (the member's name, colon included) and s as a JSON string.
func appendMember(b []byte, prefix, s string) []byte {
	return AppendString(append(b, prefix...), s)
}

// AppendString appends s as json.Marshal writes a string: quoted; ", \ and the control
// characters escaped (\b \f \n \r \t by name, the others as \u00XX); <, > and & as \u003c, \u003e
// and \u0026, so the answer is safe to embed in HTML; invalid UTF-8 as \ufffd; and U+2028 and
// U+2029 escaped, for JavaScript.
func AppendString(b []byte, s string) []byte {
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
