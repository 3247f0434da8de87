package contractdiff

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Names are how the output names the two versions (their file names).
type Names struct{ Old, New string }

// WriteText writes a report for people: the changes grouped by action, breaking first, each with
// its part of the action and the pointer into that part's schema ("request #/properties/quantity/
// maximum"), its rule, its message and where the document states it ("NEW.yaml#/components/…"),
// then a summary line.
func WriteText(w io.Writer, r *Report, names Names) error {
	var b strings.Builder
	action := ""
	for _, c := range r.Changes {
		if c.Action != action {
			if action != "" {
				b.WriteString("\n")
			}
			action = c.Action
			fmt.Fprintf(&b, "%s  (%s)\n", c.Action, c.Operation)
		}
		kind := "compatible"
		if c.Breaking {
			kind = "BREAKING  "
		}
		fmt.Fprintf(&b, "  %s  %s  [%s]\n", kind, c.where(), c.Rule)
		fmt.Fprintf(&b, "              %s\n", c.Message)
		if c.Document != "" {
			fmt.Fprintf(&b, "              at %s#%s\n", map[string]string{Old: names.Old, New: names.New}[c.Document], c.DocumentPointer)
		}
	}
	if len(r.Changes) > 0 {
		b.WriteString("\n")
	}
	breaking := r.Breaking()
	compatible := len(r.Changes) - breaking
	if len(r.Changes) == 0 {
		fmt.Fprintf(&b, "no changes in %d actions (%s -> %s)\n", r.Actions, names.Old, names.New)
	} else {
		fmt.Fprintf(&b, "%s and %s, in %d of %d actions (%s -> %s)\n", plural(breaking, "breaking change"),
			plural(compatible, "compatible change"), len(r.ChangedActions()), r.Actions, names.Old, names.New)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// where is the part of the action a change is in, with the pointer into its schema.
func (c Change) where() string {
	s := c.In
	if c.In == InResponse {
		s += " " + strconv.Itoa(c.Status)
	}
	if c.InSchema {
		s += " #" + c.Pointer
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

// jsonReport is the JSON form of a Report (FORMAT.md, "contracttest diff").
type jsonReport struct {
	Old        string       `json:"old"`
	New        string       `json:"new"`
	Actions    int          `json:"actions"`
	Breaking   int          `json:"breaking"`
	Compatible int          `json:"compatible"`
	Changes    []jsonChange `json:"changes"`
}

type jsonChange struct {
	Action          string  `json:"action"`
	Operation       string  `json:"operation"`
	Breaking        bool    `json:"breaking"`
	Rule            string  `json:"rule"`
	Source          string  `json:"source"`
	In              string  `json:"in"`
	Status          int     `json:"status,omitempty"`
	Pointer         *string `json:"pointer,omitempty"`
	Document        string  `json:"document,omitempty"`
	DocumentPointer *string `json:"document_pointer,omitempty"`
	Message         string  `json:"message"`
}

// WriteJSON writes a report as one JSON object, indented.
func WriteJSON(w io.Writer, r *Report, names Names) error {
	out := jsonReport{Old: names.Old, New: names.New, Actions: r.Actions, Breaking: r.Breaking(),
		Compatible: len(r.Changes) - r.Breaking(), Changes: []jsonChange{}}
	for _, c := range r.Changes {
		jc := jsonChange{Action: c.Action, Operation: c.Operation, Breaking: c.Breaking, Rule: c.Rule, Source: "contractdiff",
			In: c.In, Status: c.Status, Message: c.Message}
		if c.Oasdiff {
			jc.Source = "oasdiff"
		}
		if c.InSchema {
			jc.Pointer = &c.Pointer
		}
		if c.Document != "" {
			jc.Document, jc.DocumentPointer = c.Document, &c.DocumentPointer
		}
		out.Changes = append(out.Changes, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
