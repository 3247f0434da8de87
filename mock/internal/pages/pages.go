// Package pages is the hosted checkout and update-card pages the billing API's links open: each
// shows the link's order or card, and its form's two buttons complete or decline the link, then
// send the browser back to the app's return_url (or show the outcome).
package pages

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/cors"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
	"github.com/cloudplans/billing-mock/mock/state"
)

//go:embed pages.html
var pagesHTML string

// Handler answers the hosted pages. Make one with New.
type Handler struct {
	// CORS says which origins a return_url may point at (besides the mock itself).
	CORS *cors.Policy
	// Links is the mock's own base, which a return_url may point at too.
	Links link.Base
	tmpl  *template.Template
}

// New returns the pages' handler, its templates parsed.
func New(policy *cors.Policy, links link.Base) (*Handler, error) {
	t, err := template.New("pages").Parse(pagesHTML)
	if err != nil {
		return nil, fmt.Errorf("parse page templates: %w", err)
	}
	return &Handler{CORS: policy, Links: links, tmpl: t}, nil
}

// words are what a kind of link's page says: its form's decision values, one per button, and the
// page shown after each when there is no return_url.
type words struct {
	completeButton, declineButton                                    string
	completedTitle, completedMessage, declinedTitle, declinedMessage string
}

var wordsOf = map[string]words{
	link.Payment.Path: {
		completeButton: "pay", declineButton: "decline",
		completedTitle: "Payment complete", completedMessage: "The subscription is active.",
		declinedTitle: "Payment declined", declinedMessage: "Nothing was charged.",
	},
	link.CardUpdate.Path: {
		completeButton: "save", declineButton: "cancel",
		completedTitle: "Card saved", completedMessage: "The new card will be charged from now on.",
		declinedTitle: "Card not changed", declinedMessage: "The card on file stays as it was.",
	},
}

type pageData struct {
	Title    string
	View     any
	Error    string
	Message  string
	Return   string
	Expires  string
	Months   []string
	Years    []string
	ExpMonth string
	ExpYear  string
}

func (h *Handler) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		writer.Error(w, errcode.New(errcode.Internal, "render page: "+err.Error()))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// stateOf returns the state of the page's session (the link carries it), or renders the error.
func (h *Handler) stateOf(w http.ResponseWriter, rec *session.Record) (*state.State, bool) {
	sess, e := rec.Session()
	if e != nil {
		h.render(w, e.Status(), "message", pageData{Title: "Invalid link", Error: e.Message})
		return nil, false
	}
	return sess.State(), true
}

// linkError renders a page for a link that cannot be used.
func (h *Handler) linkError(w http.ResponseWriter, r *http.Request, err error) {
	e := errcode.From(err)
	title := "This link cannot be used"
	if e.Status() == http.StatusBadRequest {
		title = "Check the card"
	}
	h.render(w, e.Status(), "message", pageData{Title: title, Error: e.Message, Return: h.returnURL(r, nil)})
}

func expiryChoices(now time.Time, exp string) pageData {
	d := pageData{}
	for m := 1; m <= 12; m++ {
		d.Months = append(d.Months, fmt.Sprintf("%02d", m))
	}
	for y := now.Year(); y <= now.Year()+10; y++ {
		d.Years = append(d.Years, strconv.Itoa(y))
	}
	if t, err := time.Parse("2006-01", exp); err == nil {
		d.ExpMonth, d.ExpYear = t.Format("01"), t.Format("2006")
	}
	return d
}

// Checkout renders the checkout page of GET /checkout/{id}.
func (h *Handler) Checkout(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	st, ok := h.stateOf(w, rec)
	if !ok {
		return
	}
	v, err := st.Checkout(r.PathValue("id"))
	if err != nil {
		h.linkError(w, r, err)
		return
	}
	rec.Org = v.Org
	d := expiryChoices(st.Now(), st.DefaultCardExpiry())
	d.Title, d.View, d.Expires = "Checkout", v, v.ExpiresAt.Format(time.RFC1123)
	h.render(w, http.StatusOK, "checkout", d)
}

// CardUpdate renders the update-card page of GET /update-card/{id}.
func (h *Handler) CardUpdate(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	st, ok := h.stateOf(w, rec)
	if !ok {
		return
	}
	v, err := st.CardUpdate(r.PathValue("id"))
	if err != nil {
		h.linkError(w, r, err)
		return
	}
	rec.Org = v.Org
	d := expiryChoices(st.Now(), st.DefaultCardExpiry())
	d.Title, d.View, d.Expires = "Update card", v, v.ExpiresAt.Format(time.RFC1123)
	h.render(w, http.StatusOK, "update-card", d)
}

// Submit handles the form of a page of kind k (POST to the page): its complete or decline button.
func (h *Handler) Submit(k link.Kind) func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	say := wordsOf[k.Path]
	return func(w http.ResponseWriter, r *http.Request, rec *session.Record) {
		st, ok := h.stateOf(w, rec)
		if !ok {
			return
		}
		id := r.PathValue("id")
		r.Body = http.MaxBytesReader(w, r.Body, body.Limit)
		if err := r.ParseForm(); err != nil {
			h.render(w, http.StatusBadRequest, "message", pageData{Title: "Invalid form", Error: err.Error()})
			return
		}
		switch r.PostForm.Get("decision") {
		case say.completeButton:
			if _, err := k.Complete(st, id, formExpiry(r)); err != nil {
				h.linkError(w, r, err)
				return
			}
			h.finish(w, r, url.Values{k.Key: {k.Completed}}, say.completedTitle, say.completedMessage)
		case say.declineButton:
			if err := k.Decline(st, id); err != nil {
				h.linkError(w, r, err)
				return
			}
			h.finish(w, r, url.Values{k.Key: {k.Declined}}, say.declinedTitle, say.declinedMessage)
		default:
			h.render(w, http.StatusBadRequest, "message", pageData{Title: "Invalid form",
				Error: fmt.Sprintf("decision must be %q or %q", say.completeButton, say.declineButton)})
		}
	}
}

// formExpiry reads exp_year and exp_month as "YYYY-MM" ("" when absent).
func formExpiry(r *http.Request) string {
	y, m := r.PostForm.Get("exp_year"), r.PostForm.Get("exp_month")
	if y == "" && m == "" {
		return ""
	}
	return y + "-" + m
}

// finish sends the browser back to the app's return_url (303, with the outcome added to its query)
// or, without one, shows the outcome.
func (h *Handler) finish(w http.ResponseWriter, r *http.Request, outcome url.Values, title, message string) {
	if back := h.returnURL(r, outcome); back != "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	h.render(w, http.StatusOK, "message", pageData{Title: title, Message: message})
}

// returnURL is the link's return_url with outcome added, or "" when it is absent or not allowed: it
// must be an absolute http(s) URL on an origin the CORS policy allows, or on the mock itself.
func (h *Handler) returnURL(r *http.Request, outcome url.Values) string {
	raw := r.URL.Query().Get("return_url")
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if !h.CORS.Allows(origin) && origin != h.Links.Of(r) {
		return ""
	}
	q := u.Query()
	for k, v := range outcome {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}
