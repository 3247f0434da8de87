package contracttest

import (
	"fmt"
	"strings"
	"sync"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/internal/plural"
)

// hints collects what is wrong with many answers at once, to say it once: a target that answers
// HTML or other non-JSON (a wrong -base-url, a login page, a proxy's error page).
type hints struct {
	mu      sync.Mutex
	nonJSON int
	first   string
}

// answer returns what a failure shows of an answer: the beginning of a JSON body; for anything
// else, only its type and size (the hint at the end shows the first such answer once).
func (h *hints) answer(o *outgoing, ans *answer) string {
	ct := ans.Header.Get("Content-Type")
	if contract.IsJSON(ct) {
		if _, err := decodeJSON(ans.Body); err == nil || len(ans.Body) == 0 {
			return truncate(string(ans.Body), 600)
		}
	}
	if len(ans.Body) == 0 {
		return ""
	}
	if ct == "" {
		ct = "no Content-Type"
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.nonJSON++
	if h.first == "" {
		h.first = fmt.Sprintf("%s %s answered %d, %s, %d bytes: %q", o.Method, o.Path, ans.Status, ct, len(ans.Body), truncate(strings.TrimSpace(string(ans.Body)), 160))
	}
	return fmt.Sprintf("(%s, %d bytes, not JSON: see the hint at the end)", ct, len(ans.Body))
}

// list returns the hints to print.
func (h *hints) list() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.nonJSON == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%s not JSON; the first: %s. Is -base-url the billing API's base URL (the one under which /v1/organizations/billing/... answers JSON)?", wereAnswers(h.nonJSON), h.first)}
}

// wereAnswers is "1 answer was" or "3 answers were".
func wereAnswers(n int) string {
	if n == 1 {
		return "1 answer was"
	}
	return plural.Count(n, "answer") + " were"
}
