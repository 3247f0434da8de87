package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/cloudplans/billing-mock/internal/plural"
)

// The scopes of an x-unrouted-responses entry ("applies-to"): when its answer may come.
const (
	// scopeUnknownPath: a path the document does not have.
	scopeUnknownPath = "unknown-path"
	// scopeUndocumentedMethod: a documented path with a method it does not have.
	scopeUndocumentedMethod = "undocumented-method"
	// scopeAnyRequest: any path and method; the answer comes before the path is looked at.
	scopeAnyRequest = "any-request"
	// scopeMalformedRequest: a request the HTTP server cannot parse. An answer alone does not say
	// whether its request was one, so ValidateResponse accepts this scope nowhere.
	scopeMalformedRequest = "malformed-request"
)

// unroutedResponse is one answer of x-unrouted-responses.
type unroutedResponse struct {
	status   int
	scope    string
	response *openapi3.Response
}

// unroutedEntry is an x-unrouted-responses member as the document writes it.
type unroutedEntry struct {
	AppliesTo  string `json:"applies-to"`
	AnsweredBy string `json:"answered-by"`
	Response   struct {
		Ref string `json:"$ref"`
	} `json:"response"`
}

// unroutedResponses reads the document's x-unrouted-responses: a "description" and, per status, an
// entry naming a response of components.responses and its scope.
func (c *Contract) unroutedResponses() (map[int]*unroutedResponse, error) {
	out := map[int]*unroutedResponse{}
	raw, ok := c.doc.Extensions["x-unrouted-responses"]
	if !ok {
		return out, nil
	}
	var members map[string]json.RawMessage
	if err := remarshal(raw, &members); err != nil {
		return nil, fmt.Errorf("contract: x-unrouted-responses: %w", err)
	}
	for key, msg := range members {
		if key == "description" {
			continue
		}
		where := func(err error) error { return fmt.Errorf("contract: x-unrouted-responses %s: %w", key, err) }
		status, err := strconv.Atoi(key)
		if err != nil || status < 100 || status > 599 {
			return nil, where(fmt.Errorf("%q is neither an HTTP status nor description", key))
		}
		var e unroutedEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil {
			return nil, where(fmt.Errorf("want {applies-to, answered-by, response: {$ref}}: %w", err))
		}
		switch e.AppliesTo {
		case scopeUnknownPath, scopeUndocumentedMethod, scopeAnyRequest, scopeMalformedRequest:
		default:
			return nil, where(fmt.Errorf("applies-to is %q; want %s, %s, %s or %s", e.AppliesTo,
				scopeUnknownPath, scopeUndocumentedMethod, scopeAnyRequest, scopeMalformedRequest))
		}
		if (e.AppliesTo == scopeUnknownPath) != (status == http.StatusNotFound) || (e.AppliesTo == scopeUndocumentedMethod) != (status == http.StatusMethodNotAllowed) {
			return nil, where(fmt.Errorf("%s is for 404 only, %s for 405 only", scopeUnknownPath, scopeUndocumentedMethod))
		}
		if e.AnsweredBy != "" && e.AnsweredBy != "server" {
			return nil, where(fmt.Errorf("answered-by is %q; want server or nothing", e.AnsweredBy))
		}
		resp, err := c.response(e.Response.Ref)
		if err != nil {
			return nil, where(err)
		}
		out[status] = &unroutedResponse{status: status, scope: e.AppliesTo, response: resp}
	}
	return out, nil
}

// response resolves "#/components/responses/Name".
func (c *Contract) response(ref string) (*openapi3.Response, error) {
	const prefix = "#/components/responses/"
	name, ok := strings.CutPrefix(ref, prefix)
	if !ok {
		return nil, fmt.Errorf("response $ref %q must start with %s", ref, prefix)
	}
	r := c.doc.Components.Responses[name]
	if r == nil || r.Value == nil {
		return nil, fmt.Errorf("$ref %q names no response", ref)
	}
	return r.Value, nil
}

// anyRequest returns the answer the document declares for status on any request, or nil.
func (c *Contract) anyRequest(status int) *unroutedResponse {
	if u := c.unrouted[status]; u != nil && u.scope == scopeAnyRequest {
		return u
	}
	return nil
}

// validateUnrouted checks an answer against a declared unrouted response: a media type it declares
// (or no body, when it declares none), the headers it requires, and, for JSON, what every JSON
// answer must be (one document, each member once, `status` equal to the HTTP status) and its schema.
func validateUnrouted(in Response, header http.Header, u *unroutedResponse, verr *ValidationError) {
	add := func(p Problem) { verr.Problems = append(verr.Problems, p) }
	for _, name := range sortedNames(u.response.Headers) {
		h := u.response.Headers[name]
		checked := slices.ContainsFunc(verr.Problems, func(p Problem) bool { return p.Location == InHeader && p.Field == name })
		if h.Value != nil && h.Value.Required && header.Get(name) == "" && !checked {
			add(Problem{Kind: Missing, Location: InHeader, Field: name, Expected: "the header " + name, Got: "none"})
		}
	}
	if len(u.response.Content) == 0 {
		if len(in.Body) > 0 {
			add(Problem{Kind: Invalid, Location: InBody, Expected: "no body", Got: plural.Count(len(in.Body), "byte")})
		}
		return
	}
	ct := header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	media := u.response.Content.Get(mt)
	if err != nil || media == nil {
		add(Problem{Kind: MediaType, Location: InHeader, Field: "Content-Type", Expected: strings.Join(sortedNames(u.response.Content), " or "), Got: describeHeader(ct)})
		return
	}
	if mt != "application/json" {
		if media.Schema != nil && media.Schema.Value != nil {
			if err := media.Schema.Value.VisitJSON(string(in.Body), openapi3.MultiErrors()); err != nil {
				verr.Problems = append(verr.Problems, kinProblems(err, InBody)...)
			}
		}
		return
	}
	if !jsonAnswer(in, verr) {
		return
	}
	if media.Schema != nil && media.Schema.Value != nil {
		if err := media.Schema.Value.VisitJSON(jsonValue(in.Body), openapi3.MultiErrors()); err != nil {
			verr.Problems = append(verr.Problems, kinProblems(err, InBody)...)
		}
	}
}
