package proxy

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
)

// ViolationsPath is where the proxy reports what it found (controlapi.yaml, listViolations).
const ViolationsPath = "/_mock/violations"

type violationsJSON struct {
	Status   int    `json:"status"`
	Mode     Mode   `json:"mode"`
	Upstream string `json:"upstream"`
	// Summary is one line per action seen.
	Summary    []string       `json:"summary"`
	Actions    []ActionCounts `json:"actions"`
	Violations []Entry        `json:"violations"`
}

// ListViolations handles GET /_mock/violations: the counts per action, one summary line per
// action and the recent exchanges with violations, newest first (?action= and ?limit= filter
// them).
func (h *Handler) ListViolations(w http.ResponseWriter, r *http.Request, _ *session.Record) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writer.Error(w, errcode.New(errcode.InvalidParameter, fmt.Sprintf("limit must be a whole number, got %q", v)))
			return
		}
		limit = n
	}
	counts := h.Log.Counts()
	out := violationsJSON{Status: http.StatusOK, Mode: h.mode(), Upstream: h.Upstream.Redacted(), Summary: make([]string, len(counts)),
		Actions: counts, Violations: h.Log.Recent(q.Get("action"), limit)}
	for i, c := range counts {
		out.Summary[i] = c.Summary()
	}
	data, err := json.Marshal(out)
	if err != nil {
		writer.Error(w, errcode.From(err))
		return
	}
	writer.JSON(w, http.StatusOK, data)
}

// ClearViolations handles DELETE /_mock/violations: the counts and the list start again.
func (h *Handler) ClearViolations(w http.ResponseWriter, _ *http.Request, _ *session.Record) {
	h.Log.Clear()
	writer.JSON(w, http.StatusOK, []byte(`{"status":200}`))
}

func (h *Handler) mode() Mode {
	if h.Mode == "" {
		return ModeReport
	}
	return h.Mode
}
