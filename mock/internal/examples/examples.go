// Package examples holds the contract's examples as the mock answers them: per action and
// status, the examples that are valid answers of that action, for Prefer headers and fault rules.
package examples

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
)

// Example is one of the contract's examples, as an answer body.
type Example struct {
	Name string
	Body []byte
}

// Book holds, per action and status, the contract's examples that are valid answers of that
// action, the one named after the action first. Build makes it once, by validating every example of
// every operation against each of its actions; it is immutable.
type Book struct {
	byAction map[string]map[int][]Example
	statuses map[string][]int
}

// Build collects the examples of c.
func Build(c *contract.Contract) (*Book, error) {
	b := &Book{byAction: map[string]map[int][]Example{}, statuses: map[string][]int{}}
	for _, op := range c.Operations() {
		item := c.Document().Paths.Find(op.Path)
		if item == nil {
			continue
		}
		raw := item.GetOperation(op.Method)
		for _, action := range op.Actions() {
			b.statuses[action] = op.Statuses(action)
			b.byAction[action] = map[int][]Example{}
			for _, status := range op.Statuses(action) {
				resp := raw.Responses.Status(status)
				if resp == nil || resp.Value == nil {
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil {
					continue
				}
				// The example named after the action comes first, then the others by name.
				names := slices.Sorted(maps.Keys(mt.Examples))
				if i := slices.Index(names, action); i > 0 {
					names = slices.Insert(slices.Delete(names, i, i+1), 0, action)
				}
				for _, name := range names {
					ex := mt.Examples[name]
					if ex == nil || ex.Value == nil {
						continue
					}
					body, err := json.Marshal(ex.Value.Value)
					if err != nil {
						return nil, fmt.Errorf("example %s of %s %s: %w", name, op.Method, op.Path, err)
					}
					err = c.ValidateResponse(context.Background(), contract.Response{
						Method: op.Method, Path: op.Path, Action: action, Status: status,
						Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
					})
					if err == nil {
						b.byAction[action][status] = append(b.byAction[action][status], Example{Name: name, Body: body})
					}
				}
			}
		}
	}
	return b, nil
}

// pick returns the example of action for status, named name or, with name "", the first one.
func (b *Book) pick(action string, status int, name string) (Example, *errcode.Error) {
	list := b.byAction[action][status]
	if len(list) == 0 {
		return Example{}, errcode.New(errcode.InvalidParameter,
			fmt.Sprintf("Prefer: %s documents no example for status %d; its statuses are %s", action, status, joinStatuses(b.statuses[action])))
	}
	if name == "" {
		return list[0], nil
	}
	names := make([]string, len(list))
	for i, ex := range list {
		if ex.Name == name {
			return ex, nil
		}
		names[i] = ex.Name
	}
	return Example{}, errcode.New(errcode.InvalidParameter,
		fmt.Sprintf("Prefer: %s has no example %q for status %d; it has %s", action, name, status, strings.Join(names, ", ")))
}

// Preference is what a Prefer header or a fault rule asks for: a status (Code, 0 for any) and an
// example's name (Example, "" for the first).
type Preference struct {
	Code    int
	Example string
}

// ParsePrefer reads the Prefer header's code and example preferences; other preferences (such as
// dynamic=true, which Prism knows) are ignored. ok is false when it asks for neither.
func ParsePrefer(header string) (p Preference, ok bool, err *errcode.Error) {
	if header == "" {
		return p, false, nil
	}
	for _, part := range strings.FieldsFunc(header, func(r rune) bool { return r == ',' || r == ';' }) {
		key, value, _ := strings.Cut(strings.TrimSpace(part), "=")
		value = strings.Trim(strings.TrimSpace(value), `"`)
		switch strings.ToLower(strings.TrimSpace(key)) {
		case "code":
			n, convErr := strconv.Atoi(value)
			if convErr != nil || n < 100 || n > 599 {
				return p, false, errcode.New(errcode.InvalidParameter, fmt.Sprintf("Prefer: code must be an HTTP status, got %q", value))
			}
			p.Code, ok = n, true
		case "example":
			if value == "" {
				return p, false, errcode.New(errcode.InvalidParameter, "Prefer: example needs a name")
			}
			p.Example, ok = value, true
		}
	}
	return p, ok, nil
}

// Statuses maps every action to its documented statuses. The map must not be changed.
func (b *Book) Statuses() map[string][]int { return b.statuses }

// Answer returns the example that answers action with preference p: the preferred status's (with
// no status preferred, the first status that has an example of the preferred name, else 200), and
// of it the preferred example (else the first). A status the action does not document, or a name
// it has no example of, is an InvalidParameter error that lists what there is.
func (b *Book) Answer(action string, p Preference) (status int, ex Example, err *errcode.Error) {
	status = p.Code
	if status == 0 {
		status = http.StatusOK
		for _, st := range b.statuses[action] {
			if _, err := b.pick(action, st, p.Example); err == nil && p.Example != "" {
				status = st
				break
			}
		}
	}
	if !slices.Contains(b.statuses[action], status) {
		return 0, Example{}, errcode.New(errcode.InvalidParameter,
			fmt.Sprintf("Prefer: code=%d is not documented for %s; its codes are %s", status, action, joinStatuses(b.statuses[action])))
	}
	ex, err = b.pick(action, status, p.Example)
	return status, ex, err
}

// joinStatuses writes statuses as "200, 400, 404".
func joinStatuses(statuses []int) string {
	return strings.ReplaceAll(strings.Trim(fmt.Sprint(statuses), "[]"), " ", ", ")
}
