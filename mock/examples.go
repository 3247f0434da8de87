package mock

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/errcode"
)

// namedExample is one of the contract's examples, as an answer body.
type namedExample struct {
	name string
	body []byte
}

// exampleBook holds, per action and status, the contract's examples that are valid answers of that
// action, the one named after the action first. It is built once, in New, by validating every
// example of every operation against each of its actions.
type exampleBook struct {
	byAction map[string]map[int][]namedExample
	statuses map[string][]int
}

func buildExamples(c *contract.Contract) (*exampleBook, error) {
	b := &exampleBook{byAction: map[string]map[int][]namedExample{}, statuses: map[string][]int{}}
	for _, op := range c.Operations() {
		item := c.Document().Paths.Find(op.Path)
		if item == nil {
			continue
		}
		raw := item.GetOperation(op.Method)
		for _, action := range op.Actions() {
			b.statuses[action] = op.Statuses(action)
			b.byAction[action] = map[int][]namedExample{}
			for _, status := range op.Statuses(action) {
				resp := raw.Responses.Status(status)
				if resp == nil || resp.Value == nil {
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil {
					continue
				}
				names := make([]string, 0, len(mt.Examples))
				for name := range mt.Examples {
					names = append(names, name)
				}
				slices.SortFunc(names, func(x, y string) int {
					// The example named after the action comes first, then by name.
					if (x == action) != (y == action) {
						if x == action {
							return -1
						}
						return 1
					}
					return strings.Compare(x, y)
				})
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
						b.byAction[action][status] = append(b.byAction[action][status], namedExample{name: name, body: body})
					}
				}
			}
		}
	}
	return b, nil
}

// pick returns the example of action for status, named name or, with name "", the first one.
func (b *exampleBook) pick(action string, status int, name string) (namedExample, *errcode.Error) {
	list := b.byAction[action][status]
	if len(list) == 0 {
		return namedExample{}, errcode.New(errcode.InvalidParameter,
			fmt.Sprintf("Prefer: %s documents no example for status %d; its statuses are %s", action, status, joinStatuses(b.statuses[action])))
	}
	if name == "" {
		return list[0], nil
	}
	names := make([]string, len(list))
	for i, ex := range list {
		if ex.name == name {
			return ex, nil
		}
		names[i] = ex.name
	}
	return namedExample{}, errcode.New(errcode.InvalidParameter,
		fmt.Sprintf("Prefer: %s has no example %q for status %d; it has %s", action, name, status, strings.Join(names, ", ")))
}

// preference is what a Prefer header asks for: code=NNN and/or example=NAME.
type preference struct {
	code    int
	example string
}

// parsePrefer reads the Prefer header's code and example preferences; other preferences (such as
// dynamic=true, which Prism knows) are ignored. ok is false when it asks for neither.
func parsePrefer(header string) (p preference, ok bool, err *errcode.Error) {
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
			p.code, ok = n, true
		case "example":
			if value == "" {
				return p, false, errcode.New(errcode.InvalidParameter, "Prefer: example needs a name")
			}
			p.example, ok = value, true
		}
	}
	return p, ok, nil
}

// allActions maps every action to its documented statuses.
func (s *Server) allActions() map[string][]int { return s.examples.statuses }
