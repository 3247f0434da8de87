// Package dashboard is the mock's dashboard: a server-rendered page at /_mock/ that shows one
// session (organizations, subscriptions, invoices, open links, the billing clock, fault rules, the
// recent requests) and changes it with plain HTML forms that POST and redirect back (303), so that
// it works without JavaScript. What it shows of the state is state.Overview, the billing rules
// applied by the state; what its forms do is what the control API does.
package dashboard

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/internal/plural"
	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/cors"
	"github.com/cloudplans/billing-mock/mock/internal/link"
	"github.com/cloudplans/billing-mock/mock/internal/scenario"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/internal/writer"
	"github.com/cloudplans/billing-mock/mock/state"
)

//go:embed dashboard.html
var dashboardHTML string

//go:embed violations.html
var violationsHTML string

// Handler answers the dashboard. Make one with New.
type Handler struct {
	// Sessions holds the sessions it shows and changes.
	Sessions *session.Store
	// Scenarios are the named scenarios it offers.
	Scenarios *scenario.Book
	// CORS says which origins' forms may change the mock (besides the mock's own pages).
	CORS *cors.Policy
	// Links is where the links it shows point, and the mock's own origin.
	Links link.Base
	// Violations, when set (billing-mock -proxy), is what the validating proxy found: the
	// dashboard shows it in a section of its own.
	Violations Violations
	tmpl       *template.Template
}

// Violations is what the dashboard shows of the validating proxy's findings: one summary line per
// action and the most recent exchanges that broke the contract, each as one line.
type Violations interface {
	Lines(recent int) (summary, exchanges []string)
}

// violationsShown is how many recent exchanges with violations the dashboard shows.
const violationsShown = 20

// New returns the dashboard's handler, its template parsed.
func New(sessions *session.Store, scenarios *scenario.Book, policy *cors.Policy, links link.Base) (*Handler, error) {
	t, err := template.New("dashboard").Funcs(template.FuncMap{
		"count":            plural.Count,
		"problem":          problemFor,
		"entered":          entered,
		"invoiceForm":      invoiceForm,
		"subscriptionForm": subscriptionForm,
		"addInvoiceForm":   addInvoiceForm,
	}).Parse(dashboardHTML)
	if err == nil {
		t, err = t.Parse(violationsHTML)
	}
	if err != nil {
		return nil, fmt.Errorf("parse the dashboard's template: %w", err)
	}
	return &Handler{Sessions: sessions, Scenarios: scenarios, CORS: policy, Links: links, tmpl: t}, nil
}

const (
	// Path is where the dashboard is; its forms post to ActionPath plus advance, scenario, reset,
	// faults/delete, the edits (invoice, subscription, cancel, invoices/add, state), and get
	// ActionPath plus scenario-file.
	Path       = "/_mock/"
	ActionPath = "/_mock/dashboard/"
	// journalShown is how many recent requests the dashboard shows.
	journalShown = 20
)

// dashboardPeriods are the clock advances the dashboard offers; a billing period is one month.
var dashboardPeriods = []dashChoice{
	{Value: "month", Label: "1 billing period (1 month)"},
	{Value: "week", Label: "1 week"},
	{Value: "day", Label: "1 day"},
}

type dashChoice struct {
	Value, Label string
	Selected     bool
}

type dashView struct {
	Session     string
	SessionName string
	Sessions    int
	Clock       string
	NextPeriod  string
	Notice      string
	Error       string
	// The forms' targets, carrying the session.
	AdvanceURL, ScenarioURL, ResetURL, FaultsURL, RefreshURL string
	InvoiceURL, SubscriptionURL, CancelURL, AddInvoiceURL    string
	UploadURL, ExportURL, ExportName, ScenarioFileURL        string
	// Problem is a refused edit, shown next to its field.
	Problem *problem
	// Share are the commands that reproduce the session elsewhere.
	Share []string
	// Plans are the plans a subscription may have; Today is the clock's date (a new invoice's).
	Plans     []string
	Today     string
	Periods   []dashChoice
	Scenarios []dashChoice
	Orgs      []dashOrg
	Links     []dashLink
	Faults    []dashFault
	Requests  []dashRequest
	// Proxy: the validating proxy's section shows, with its lines.
	Proxy                        bool
	ViolationSummary, Violations []string
}

type dashOrg struct {
	ID, Name, Owner, Members string
	Resources                int
	Sub                      *dashSub
	Invoices                 []dashInvoice
	Unpaid                   int
}

type dashSub struct {
	Plan, PaymentExp, RenewsAt, Status string
	Quantity                           int
	CardExpired, PastDue               bool
}

type dashInvoice struct {
	ID, Status, Date, DueDate, Amount string
	Overdue                           bool
}

type dashLink struct {
	Kind, ID, Org, What, Expires, URL string
	Expired                           bool
}

type dashFault struct {
	ID, Action, Effect, Remaining string
	Matched                       int
}

type dashRequest struct {
	Time, Method, Target, Action, Org string
	Status, StatusClass, Duration     string
}

// sessionOf returns the session of a dashboard request (?session=, or X-Mock-Session), or renders
// the error.
func (h *Handler) sessionOf(w http.ResponseWriter, r *http.Request, rec *session.Record) (*session.Session, bool) {
	sess, e := rec.Session()
	if e != nil {
		h.render(w, r, nil, false, e.Status(), "", "session: "+e.Message)
		return nil, false
	}
	return sess, true
}

// Page renders the dashboard of GET /_mock/ (and /_mock).
func (h *Handler) Page(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.sessionOf(w, r, rec)
	if !ok {
		return
	}
	h.render(w, r, sess, true, http.StatusOK, h.notice(r), "")
}

// renderProblem renders the dashboard of sess with a refused edit: its message on top and next to
// its field.
func (h *Handler) renderProblem(w http.ResponseWriter, r *http.Request, sess *session.Session, status int, p *problem) {
	h.renderView(w, r, sess, true, status, "", "Not changed: "+p.Message, p)
}

// notice says what the last form did; it is made from known values only, never from
// text in the URL.
func (h *Handler) notice(r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("done") {
	case "advance":
		n, _ := strconv.Atoi(q.Get("renewals"))
		return "The clock moved forward: " + plural.Count(n, "renewal invoice") + "."
	case "scenario":
		if name := q.Get("scenario"); h.Scenarios.Known(name) {
			return "Loaded the scenario " + name + "."
		}
		return "Loaded the scenario."
	case "reset":
		return "The session is back to the seed; its fault rules and journal are cleared."
	case "faults":
		return "Fault rules deleted."
	case "edit":
		return editNotices[q.Get("what")]
	}
	return ""
}

// editNotices say what an edit did, by the what of its redirect.
var editNotices = map[string]string{
	"invoice":       "Saved the invoice.",
	"subscription":  "Saved the subscription.",
	"cancel":        "Canceled the subscription.",
	"invoice-added": "Added the invoice.",
	"upload":        "Loaded the uploaded state.",
}

// dashboardURL is path with the session (when there is one) and extra in its query.
func dashboardURL(path, session string, extra url.Values) string {
	q := url.Values{}
	if session != "" {
		q.Set("session", session)
	}
	for k, v := range extra {
		q[k] = v
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// render writes the dashboard of sess with a notice or an error; fill is false when the session
// itself is invalid (sess is nil), and then only the error and the session selector show.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, sess *session.Session, fill bool, status int, notice, errMsg string) {
	h.renderView(w, r, sess, fill, status, notice, errMsg, nil)
}

// renderView is render with a refused edit's problem (nil for none).
func (h *Handler) renderView(w http.ResponseWriter, r *http.Request, sess *session.Session, fill bool, status int, notice, errMsg string, p *problem) {
	id := ""
	if sess != nil {
		id = sess.ID()
	}
	v := dashView{Session: id, SessionName: id, Sessions: h.Sessions.Count(), Notice: notice, Error: errMsg, Problem: p}
	if id == "" {
		v.SessionName = "default"
	}
	v.AdvanceURL = dashboardURL(ActionPath+"advance", id, nil)
	v.ScenarioURL = dashboardURL(ActionPath+"scenario", id, nil)
	v.ResetURL = dashboardURL(ActionPath+"reset", id, nil)
	v.FaultsURL = dashboardURL(ActionPath+"faults/delete", id, nil)
	v.RefreshURL = dashboardURL(Path, id, nil)
	v.InvoiceURL = dashboardURL(ActionPath+"invoice", id, nil)
	v.SubscriptionURL = dashboardURL(ActionPath+"subscription", id, nil)
	v.CancelURL = dashboardURL(ActionPath+"cancel", id, nil)
	v.AddInvoiceURL = dashboardURL(ActionPath+"invoices/add", id, nil)
	v.UploadURL = dashboardURL(ActionPath+"state", id, nil)
	v.ScenarioFileURL = ActionPath + "scenario-file"
	v.ExportURL = dashboardURL("/_mock/state", id, nil)
	v.ExportName = "state.yaml"
	if id != "" {
		v.ExportName = "state-" + fileSafe(id) + ".yaml"
	}
	if fill {
		h.fill(&v, r, sess)
	}
	if h.Violations != nil {
		v.Proxy = true
		v.ViolationSummary, v.Violations = h.Violations.Lines(violationsShown)
	}
	var buf bytes.Buffer
	if err := h.tmpl.ExecuteTemplate(&buf, "dashboard", v); err != nil {
		writer.Error(w, errcode.New(errcode.Internal, "render dashboard: "+err.Error()))
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fill reads the session: its state (as state.Overview presents it, billing rules applied), fault
// rules and journal.
func (h *Handler) fill(v *dashView, r *http.Request, sess *session.Session) {
	id := sess.ID()
	ov := sess.State().Overview()
	now := ov.Now.UTC()
	v.Clock = now.Format("2006-01-02 15:04 UTC")
	v.NextPeriod = ov.NextPeriod.UTC().Format("2006-01-02")
	v.Today = now.Format(time.DateOnly)
	for _, p := range ov.Plans {
		v.Plans = append(v.Plans, p.ID)
	}
	v.Share = h.share(r, sess, ov)
	for _, p := range dashboardPeriods {
		v.Periods = append(v.Periods, p)
	}
	v.Periods[0].Selected = true
	list, _ := h.Scenarios.List() // an error shows no scenarios; loading one then reports it
	for _, sc := range list {
		label := sc.Name
		if sc.Description != "" {
			label += " — " + sc.Description
		}
		v.Scenarios = append(v.Scenarios, dashChoice{Value: sc.Name, Label: label, Selected: sc.Name == "past-due"})
	}
	for _, o := range ov.Orgs {
		d := dashOrg{ID: o.Org.ID, Name: o.Org.Name, Owner: o.Org.Owner, Members: strings.Join(o.Org.Members, ", "), Resources: o.Org.Resources, Unpaid: o.Unpaid}
		for _, inv := range o.Invoices {
			d.Invoices = append(d.Invoices, dashInvoice{ID: inv.ID, Status: inv.Status, Date: inv.Date, DueDate: inv.DueDate, Amount: inv.Amount, Overdue: inv.Overdue})
		}
		if sub := o.Subscription; sub != nil {
			d.Sub = &dashSub{Plan: sub.Plan, Quantity: sub.Quantity, PaymentExp: sub.PaymentExp,
				RenewsAt: sub.RenewsAt.UTC().Format("2006-01-02"), CardExpired: o.CardExpired,
				PastDue: sub.Status == state.PastDue, Status: string(sub.Status)}
		}
		v.Orgs = append(v.Orgs, d)
	}
	base := h.Links.Of(r)
	for _, l := range ov.Checkouts {
		c := l.Link
		v.Links = append(v.Links, dashLink{Kind: "checkout", ID: c.ID, Org: c.Org, What: fmt.Sprintf("subscribe: %s × %d", c.Plan, c.Quantity),
			Expires: c.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), Expired: l.Expired, URL: link.Payment.URL(base, c.ID, id)})
	}
	for _, l := range ov.CardUpdates {
		c := l.Link
		v.Links = append(v.Links, dashLink{Kind: "update card", ID: c.ID, Org: c.Org, What: "change the card",
			Expires: c.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), Expired: l.Expired, URL: link.CardUpdate.URL(base, c.ID, id)})
	}
	for _, f := range sess.Faults.List() {
		var effect []string
		if f.Status != 0 {
			effect = append(effect, "answer "+strconv.Itoa(f.Status))
		}
		if f.Delay != "" {
			effect = append(effect, "delay "+f.Delay)
		}
		if f.Drop {
			effect = append(effect, "drop the connection")
		}
		if f.Probability > 0 {
			effect = append(effect, fmt.Sprintf("with probability %g", f.Probability))
		}
		remaining := "until deleted"
		if f.Count > 0 {
			remaining = fmt.Sprintf("%d more", f.Count)
		}
		v.Faults = append(v.Faults, dashFault{ID: f.ID, Action: f.Action, Effect: strings.Join(effect, ", "), Remaining: remaining, Matched: f.Matched})
	}
	for _, e := range sess.Journal.List(session.Filter{Limit: journalShown}) {
		target := e.Path
		if e.Query != "" {
			target += "?" + e.Query
		}
		if len(target) > 120 {
			target = target[:117] + "..."
		}
		class, status := "ok", strconv.Itoa(e.Status)
		switch {
		case e.Status == 0:
			class, status = "bad", "dropped"
		case e.Status >= 500:
			class = "bad"
		case e.Status >= 400:
			class = "warn"
		}
		v.Requests = append(v.Requests, dashRequest{Time: e.Time.Format("15:04:05"), Method: e.Method, Target: target, Action: e.Action, Org: e.Org,
			Status: status, StatusClass: class, Duration: strconv.FormatFloat(e.DurationMS, 'f', 1, 64) + " ms"})
	}
}

// crossOrigin says why a form POST may not change the mock, or "" when it may. A browser names the
// page a form comes from: Origin, on every POST; Sec-Fetch-Site, on every request of a current
// browser. A form from the mock itself or an allowed CORS origin may; one whose Origin is another
// page, or, without a usable Origin ("null", none), whose Sec-Fetch-Site says cross-site or
// same-site, may not. A request with neither header is not a browser's (curl, a test) and may.
func (h *Handler) crossOrigin(r *http.Request) string {
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" {
		if origin == h.Links.Of(r) || h.CORS.Allows(origin) {
			return ""
		}
		return fmt.Sprintf("a form from %s may not change this mock", origin)
	}
	switch site := r.Header.Get("Sec-Fetch-Site"); site {
	case "", "same-origin", "none":
		return ""
	default:
		return fmt.Sprintf("a form from another site (Sec-Fetch-Site: %s) may not change this mock", site)
	}
}

// form checks a dashboard POST: the session, the form, and that it comes from the dashboard itself
// or an allowed origin (crossOrigin: a page elsewhere may not drive the mock through forms).
func (h *Handler) form(w http.ResponseWriter, r *http.Request, rec *session.Record) (*session.Session, bool) {
	sess, ok := h.sessionOf(w, r, rec)
	if !ok {
		return nil, false
	}
	if msg := h.crossOrigin(r); msg != "" {
		h.render(w, r, sess, true, http.StatusForbidden, "", msg)
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, body.Limit)
	if err := r.ParseForm(); err != nil {
		h.render(w, r, sess, true, http.StatusBadRequest, "", "invalid form: "+err.Error())
		return nil, false
	}
	return sess, true
}

// back sends the browser back to the dashboard of the session (303).
func back(w http.ResponseWriter, r *http.Request, id string, extra url.Values) {
	http.Redirect(w, r, dashboardURL(Path, id, extra), http.StatusSeeOther)
}

// Advance moves the session's billing clock forward by one period (a month), a week or a
// day, with the state's own AdvanceTo: renewals fall due on the way.
func (h *Handler) Advance(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.form(w, r, rec)
	if !ok {
		return
	}
	st := sess.State()
	now := st.Now()
	var to time.Time
	switch r.PostForm.Get("period") {
	case "month", "":
		to = state.PeriodAfter(now)
	case "week":
		to = now.AddDate(0, 0, 7)
	case "day":
		to = now.AddDate(0, 0, 1)
	default:
		h.render(w, r, sess, true, http.StatusBadRequest, "", `period must be "month", "week" or "day"`)
		return
	}
	renewals, err := st.AdvanceTo(to)
	if err != nil {
		h.render(w, r, sess, true, http.StatusBadRequest, "", "the clock did not move: "+errcode.From(err).Message)
		return
	}
	back(w, r, sess.ID(), url.Values{"done": {"advance"}, "renewals": {strconv.Itoa(len(renewals))}})
}

// Scenario replaces the session's state with an embedded scenario, as
// POST /_mock/scenarios/{name} does.
func (h *Handler) Scenario(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.form(w, r, rec)
	if !ok {
		return
	}
	name := r.PostForm.Get("scenario")
	seed, err := h.Scenarios.Seed(name)
	if err != nil {
		e := errcode.From(err)
		h.render(w, r, sess, true, e.Status(), "", e.Message)
		return
	}
	h.Sessions.Replace(sess.ID(), seed)
	back(w, r, sess.ID(), url.Values{"done": {"scenario"}, "scenario": {name}})
}

// Reset puts the session back to the seed and clears its fault rules and journal, as
// POST /_mock/reset does.
func (h *Handler) Reset(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.form(w, r, rec)
	if !ok {
		return
	}
	h.Sessions.Reset(sess.ID())
	back(w, r, sess.ID(), url.Values{"done": {"reset"}})
}

// DeleteFaults deletes one fault rule (form field id) or all of them.
func (h *Handler) DeleteFaults(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.form(w, r, rec)
	if !ok {
		return
	}
	rule := r.PostForm.Get("id")
	if e := sess.Faults.Delete(rule); e != nil {
		h.render(w, r, sess, true, e.Status(), "", e.Message)
		return
	}
	back(w, r, sess.ID(), url.Values{"done": {"faults"}})
}
