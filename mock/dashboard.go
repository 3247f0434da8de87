package mock

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/state"
)

// The dashboard: a server-rendered page at /_mock/ that shows one session (organizations,
// subscriptions, invoices, open links, the billing clock, fault rules, the recent requests) and
// changes it with plain HTML forms that POST and redirect back (303), so it works without
// JavaScript. It uses the same state and controls as the control API.

// dashboardTmpl is parsed once, at start-up. Its templates are all named "dashboard*" and use no
// functions, since newPages parses every file of templates/ too.
var dashboardTmpl = template.Must(template.ParseFS(templateFS, "templates/dashboard.html"))

const (
	dashboardPath   = controlPrefix + "/"
	dashboardAction = controlPrefix + "/dashboard/"
	// dashboardJournal is how many recent requests the dashboard shows.
	dashboardJournal = 20
)

// dashboardPeriods are the clock advances the dashboard offers; a billing period is one month.
var dashboardPeriods = []dashChoice{
	{Value: "month", Label: "1 billing period (1 month)"},
	{Value: "week", Label: "1 week"},
	{Value: "day", Label: "1 day"},
}

// dashboardRoutes mounts the dashboard: GET /_mock/ (and /_mock) renders it; its forms post to
// /_mock/dashboard/{advance,scenario,reset,faults/delete} and are sent back to it with a 303.
func (s *Server) dashboardRoutes(r *mux.Router) {
	r.HandleFunc(controlPrefix, s.dashboard).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(dashboardPath, s.dashboard).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(dashboardAction+"advance", s.dashboardAdvance).Methods(http.MethodPost)
	r.HandleFunc(dashboardAction+"scenario", s.dashboardScenario).Methods(http.MethodPost)
	r.HandleFunc(dashboardAction+"reset", s.dashboardReset).Methods(http.MethodPost)
	r.HandleFunc(dashboardAction+"faults/delete", s.dashboardDeleteFaults).Methods(http.MethodPost)
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
	Periods                                                  []dashChoice
	Scenarios                                                []dashChoice
	Orgs                                                     []dashOrg
	Links                                                    []dashLink
	Faults                                                   []dashFault
	Requests                                                 []dashRequest
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

// dashboardSession reads the session of a dashboard request (?session=, or X-Mock-Session).
func (s *Server) dashboardSession(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, aerr := sessionID(r)
	if aerr != nil {
		s.renderDashboard(w, r, "", false, aerr.Status(), "", "session: "+aerr.Message)
		return "", false
	}
	recordOf(w).session = id
	return id, true
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	id, ok := s.dashboardSession(w, r)
	if !ok {
		return
	}
	s.renderDashboard(w, r, id, true, http.StatusOK, s.dashboardNotice(r), "")
}

// dashboardNotice says what the last form did; it is made from known values only, never from
// text in the URL.
func (s *Server) dashboardNotice(r *http.Request) string {
	q := r.URL.Query()
	switch q.Get("done") {
	case "advance":
		n, _ := strconv.Atoi(q.Get("renewals"))
		return fmt.Sprintf("The clock moved forward: %d renewal invoice%s.", n, plural(n))
	case "scenario":
		if name := q.Get("scenario"); s.knownScenario(name) {
			return "Loaded the scenario " + name + "."
		}
		return "Loaded the scenario."
	case "reset":
		return "The session is back to the seed; its fault rules and journal are cleared."
	case "faults":
		return "Fault rules deleted."
	}
	return ""
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (s *Server) knownScenario(name string) bool {
	_, err := s.scenarioSeed(name)
	return err == nil
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

// renderDashboard writes the dashboard of session id with a notice or an error; fill is false when
// the session itself is invalid, and then only the error and the session selector show.
func (s *Server) renderDashboard(w http.ResponseWriter, r *http.Request, id string, fill bool, status int, notice, errMsg string) {
	v := dashView{Session: id, SessionName: id, Sessions: s.sessions.count(), Notice: notice, Error: errMsg}
	if id == "" {
		v.SessionName = "default"
	}
	v.AdvanceURL = dashboardURL(dashboardAction+"advance", id, nil)
	v.ScenarioURL = dashboardURL(dashboardAction+"scenario", id, nil)
	v.ResetURL = dashboardURL(dashboardAction+"reset", id, nil)
	v.FaultsURL = dashboardURL(dashboardAction+"faults/delete", id, nil)
	v.RefreshURL = dashboardURL(dashboardPath, id, nil)
	if fill {
		s.fillDashboard(&v, r, id)
	}
	var buf bytes.Buffer
	if err := dashboardTmpl.ExecuteTemplate(&buf, "dashboard", v); err != nil {
		writeError(w, errcode.New(errcode.Internal, "render dashboard: "+err.Error()))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}

// fillDashboard reads the session: its state (as state.Overview presents it, billing rules
// applied), fault rules and journal.
func (s *Server) fillDashboard(v *dashView, r *http.Request, id string) {
	ov := s.sessions.get(id).Overview()
	now := ov.Now.UTC()
	v.Clock = now.Format("2006-01-02 15:04 UTC")
	v.NextPeriod = ov.NextPeriod.UTC().Format("2006-01-02")
	for _, p := range dashboardPeriods {
		v.Periods = append(v.Periods, p)
	}
	v.Periods[0].Selected = true
	list, _ := s.scenarioList() // an error shows no scenarios; loading one then reports it
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
				RenewsAt: sub.RenewsAt.UTC().Format("2006-01-02"), CardExpired: sub.CardExpired,
				PastDue: sub.Status == state.PastDue, Status: string(sub.Status)}
		}
		v.Orgs = append(v.Orgs, d)
	}
	base := s.baseURL(r)
	for _, l := range ov.Checkouts {
		c := l.Link
		v.Links = append(v.Links, dashLink{Kind: "checkout", ID: c.ID, Org: c.Org, What: fmt.Sprintf("subscribe: %s × %d", c.Plan, c.Quantity),
			Expires: c.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), Expired: l.Expired, URL: pageLink(base, checkoutPath, c.ID, id)})
	}
	for _, l := range ov.CardUpdates {
		c := l.Link
		v.Links = append(v.Links, dashLink{Kind: "update card", ID: c.ID, Org: c.Org, What: "change the card",
			Expires: c.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"), Expired: l.Expired, URL: pageLink(base, updateCardPath, c.ID, id)})
	}
	for _, f := range s.sessions.session(id).faults.list() {
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
	for _, e := range s.sessions.session(id).journal.list(journalFilter{limit: dashboardJournal}) {
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

// dashboardForm checks a dashboard POST: the session, the form, and that it comes from the
// dashboard itself or an allowed origin (a page elsewhere may not drive the mock through forms).
func (s *Server) dashboardForm(w http.ResponseWriter, r *http.Request) (string, bool) {
	id, ok := s.dashboardSession(w, r)
	if !ok {
		return "", false
	}
	if origin := r.Header.Get("Origin"); origin != "" && origin != "null" && origin != s.baseURL(r) && !s.cors.allows(origin) {
		s.renderDashboard(w, r, id, true, http.StatusForbidden, "", fmt.Sprintf("a form from %s may not change this mock", origin))
		return "", false
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	if err := r.ParseForm(); err != nil {
		s.renderDashboard(w, r, id, true, http.StatusBadRequest, "", "invalid form: "+err.Error())
		return "", false
	}
	return id, true
}

// dashboardBack sends the browser back to the dashboard of the session (303).
func dashboardBack(w http.ResponseWriter, r *http.Request, id string, extra url.Values) {
	http.Redirect(w, r, dashboardURL(dashboardPath, id, extra), http.StatusSeeOther)
}

// dashboardAdvance moves the session's billing clock forward by one period (a month), a week or a
// day, with the state's own AdvanceTo: renewals fall due on the way.
func (s *Server) dashboardAdvance(w http.ResponseWriter, r *http.Request) {
	id, ok := s.dashboardForm(w, r)
	if !ok {
		return
	}
	st := s.sessions.get(id)
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
		s.renderDashboard(w, r, id, true, http.StatusBadRequest, "", `period must be "month", "week" or "day"`)
		return
	}
	renewals, err := st.AdvanceTo(to)
	if err != nil {
		s.renderDashboard(w, r, id, true, http.StatusBadRequest, "", "the clock did not move: "+errcode.From(err).Message)
		return
	}
	dashboardBack(w, r, id, url.Values{"done": {"advance"}, "renewals": {strconv.Itoa(len(renewals))}})
}

// dashboardScenario replaces the session's state with an embedded scenario, as
// POST /_mock/scenarios/{name} does.
func (s *Server) dashboardScenario(w http.ResponseWriter, r *http.Request) {
	id, ok := s.dashboardForm(w, r)
	if !ok {
		return
	}
	name := r.PostForm.Get("scenario")
	seed, err := s.scenarioSeed(name)
	if err != nil {
		e := errcode.From(err)
		s.renderDashboard(w, r, id, true, e.Status(), "", e.Message)
		return
	}
	s.sessions.replace(id, s.sessions.newState(seed))
	dashboardBack(w, r, id, url.Values{"done": {"scenario"}, "scenario": {name}})
}

// dashboardReset puts the session back to the seed and clears its fault rules and journal, as
// POST /_mock/reset does.
func (s *Server) dashboardReset(w http.ResponseWriter, r *http.Request) {
	id, ok := s.dashboardForm(w, r)
	if !ok {
		return
	}
	s.sessions.reset(id)
	dashboardBack(w, r, id, url.Values{"done": {"reset"}})
}

// dashboardDeleteFaults deletes one fault rule (form field id) or all of them.
func (s *Server) dashboardDeleteFaults(w http.ResponseWriter, r *http.Request) {
	id, ok := s.dashboardForm(w, r)
	if !ok {
		return
	}
	rule := r.PostForm.Get("id")
	if e := s.sessions.session(id).faults.delete(rule); e != nil {
		s.renderDashboard(w, r, id, true, e.Status(), "", e.Message)
		return
	}
	dashboardBack(w, r, id, url.Values{"done": {"faults"}})
}
