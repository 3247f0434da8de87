package dashboard

import (
	"net/http"
	"strings"

	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/state"
)

// share returns the three commands that reproduce the session elsewhere: export its state, load it
// into a session of another mock (or start one from it), and describe its first organization as
// its owner, to check.
func (h *Handler) share(r *http.Request, sess *session.Session, ov state.Overview) []string {
	base := h.Links.Of(r)
	header := ""
	if id := sess.ID(); id != "" {
		header = " -H " + shellQuote(session.Header+": "+id)
	}
	cmds := []string{
		"curl -s" + header + " " + shellQuote(base+"/_mock/state") + " > state.yaml",
		"curl -s -X PUT" + header + " --data-binary @state.yaml " + shellQuote(base+"/_mock/state") + "   # or: billing-mock -fixtures state.yaml",
	}
	if len(ov.Orgs) > 0 {
		o := ov.Orgs[0].Org
		token := "TOKEN"
		for _, u := range ov.Users {
			if u.ID == o.Owner {
				token = u.Token
				break
			}
		}
		cmds = append(cmds, "curl -s"+header+" -H "+shellQuote("Authorization: Bearer "+token)+" "+
			shellQuote(base+"/v1/organizations/billing/describe?action=getorganization&org_id="+o.ID))
	}
	return cmds
}

// shellQuote quotes s for a POSIX shell: in single quotes, each ' written as '\”.
func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// fileSafe is s with every character but letters, digits, '-', '_' and '.' replaced by '_', for a
// file name.
func fileSafe(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' {
			return c
		}
		return '_'
	}, s)
}
