package mock

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/state"
)

//go:embed templates/*.html
var templateFS embed.FS

// pages renders the hosted checkout and update-card pages; the templates are parsed once, in New.
type pages struct {
	tmpl *template.Template
}

func newPages() (*pages, error) {
	t, err := template.ParseFS(templateFS, "templates/pages.html")
	if err != nil {
		return nil, fmt.Errorf("parse page templates: %w", err)
	}
	return &pages{tmpl: t}, nil
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

func (p *pages) render(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		writeError(w, errcode.New(errcode.Internal, "render page: "+err.Error()))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (s *Server) pageRoutes(r *mux.Router) {
	r.HandleFunc(checkoutPath+"{id}", s.checkoutPage).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(checkoutPath+"{id}", s.submitLink(paymentLinks)).Methods(http.MethodPost)
	r.HandleFunc(updateCardPath+"{id}", s.cardPage).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(updateCardPath+"{id}", s.submitLink(cardLinks)).Methods(http.MethodPost)
}

// pageState finds the session of a hosted page from its link.
func (s *Server) pageState(w http.ResponseWriter, r *http.Request) (*state.State, bool) {
	id, aerr := sessionID(r)
	if aerr != nil {
		s.pages.render(w, aerr.Status(), "message", pageData{Title: "Invalid link", Error: aerr.Message})
		return nil, false
	}
	recordOf(w).session = id
	return s.sessions.get(id), true
}

// linkError renders a page for a link that cannot be used.
func (s *Server) linkError(w http.ResponseWriter, r *http.Request, err error) {
	e := errcode.From(err)
	title := "This link cannot be used"
	if e.Status() == http.StatusBadRequest {
		title = "Check the card"
	}
	s.pages.render(w, e.Status(), "message", pageData{Title: title, Error: e.Message, Return: s.returnURL(r, nil)})
}

func (s *Server) expiryChoices(now time.Time, exp string) pageData {
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

func (s *Server) checkoutPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.pageState(w, r)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	v, err := st.Checkout(id)
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	recordOf(w).org = v.Org
	d := s.expiryChoices(st.Now(), st.Now().Add(state.CardValidity).Format("2006-01"))
	d.Title, d.View, d.Expires = "Checkout", v, v.ExpiresAt.Format(time.RFC1123)
	s.pages.render(w, http.StatusOK, "checkout", d)
}

func (s *Server) cardPage(w http.ResponseWriter, r *http.Request) {
	st, ok := s.pageState(w, r)
	if !ok {
		return
	}
	v, err := st.CardUpdate(mux.Vars(r)["id"])
	if err != nil {
		s.linkError(w, r, err)
		return
	}
	recordOf(w).org = v.Org
	d := s.expiryChoices(st.Now(), st.Now().Add(state.CardValidity).Format("2006-01"))
	d.Title, d.View, d.Expires = "Update card", v, v.ExpiresAt.Format(time.RFC1123)
	s.pages.render(w, http.StatusOK, "update-card", d)
}

// linkKind is what differs between the two kinds of hosted link, a payment link and an
// update-card link: the state change each button makes, and the words that describe the outcome.
type linkKind struct {
	complete func(st *state.State, id, paymentExp string) (state.Subscription, error)
	decline  func(st *state.State, id string) error
	// The form's decision values, one per button.
	completeButton, declineButton string
	// The outcome: the return_url gets key=completed or key=declined; the control API answers
	// the same words.
	key, completed, declined string
	// The result page shown when there is no return_url.
	completedTitle, completedMessage, declinedTitle, declinedMessage string
}

var (
	paymentLinks = linkKind{
		complete: (*state.State).CompleteCheckout, decline: (*state.State).DeclineCheckout,
		completeButton: "pay", declineButton: "decline",
		key: "checkout", completed: "paid", declined: "declined",
		completedTitle: "Payment complete", completedMessage: "The subscription is active.",
		declinedTitle: "Payment declined", declinedMessage: "Nothing was charged.",
	}
	cardLinks = linkKind{
		complete: (*state.State).CompleteCardUpdate, decline: (*state.State).DeclineCardUpdate,
		completeButton: "save", declineButton: "cancel",
		key: "card", completed: "saved", declined: "canceled",
		completedTitle: "Card saved", completedMessage: "The new card will be charged from now on.",
		declinedTitle: "Card not changed", declinedMessage: "The card on file stays as it was.",
	}
)

// submitLink handles a hosted page's form: its complete or decline button.
func (s *Server) submitLink(k linkKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st, ok := s.pageState(w, r)
		if !ok {
			return
		}
		id := mux.Vars(r)["id"]
		r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
		if err := r.ParseForm(); err != nil {
			s.pages.render(w, http.StatusBadRequest, "message", pageData{Title: "Invalid form", Error: err.Error()})
			return
		}
		switch r.PostForm.Get("decision") {
		case k.completeButton:
			if _, err := k.complete(st, id, formExpiry(r)); err != nil {
				s.linkError(w, r, err)
				return
			}
			s.finish(w, r, url.Values{k.key: {k.completed}}, k.completedTitle, k.completedMessage)
		case k.declineButton:
			if err := k.decline(st, id); err != nil {
				s.linkError(w, r, err)
				return
			}
			s.finish(w, r, url.Values{k.key: {k.declined}}, k.declinedTitle, k.declinedMessage)
		default:
			s.pages.render(w, http.StatusBadRequest, "message", pageData{Title: "Invalid form",
				Error: fmt.Sprintf("decision must be %q or %q", k.completeButton, k.declineButton)})
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
func (s *Server) finish(w http.ResponseWriter, r *http.Request, outcome url.Values, title, message string) {
	if back := s.returnURL(r, outcome); back != "" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.pages.render(w, http.StatusOK, "message", pageData{Title: title, Message: message})
}

// returnURL is the link's return_url with outcome added, or "" when it is absent or not allowed: it
// must be an absolute http(s) URL on an origin the CORS policy allows, or on the mock itself.
func (s *Server) returnURL(r *http.Request, outcome url.Values) string {
	raw := r.URL.Query().Get("return_url")
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return ""
	}
	origin := u.Scheme + "://" + u.Host
	if !s.cors.allows(origin) && origin != s.baseURL(r) {
		return ""
	}
	q := u.Query()
	for k, v := range outcome {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	return u.String()
}
