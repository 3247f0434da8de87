package dashboard

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/internal/body"
	"github.com/cloudplans/billing-mock/mock/internal/session"
	"github.com/cloudplans/billing-mock/mock/state"
)

// The dashboard's edits: an invoice's status and due date, a subscription's plan, quantity and
// card, a cancel, a new invoice, and a whole state uploaded. Each builds the edited state as a seed
// (package state's Edit methods, where the rules live) and loads it through session.Store.Import,
// the path PUT /_mock/state takes, so that an edit is validated exactly as an import is; a refused
// edit leaves the state as it was and shows the validator's message next to the field. Each edit
// is recorded in the session's journal as a control action (JournalAction).

// JournalActionPrefix starts the journal's action of a dashboard edit: "dashboard.edit_invoice".
const JournalActionPrefix = "dashboard."

// problem is a refused edit: the form it came from, the field the message is about ("" for the
// form as a whole), the message, and the values the form sent (shown again, to be corrected).
type problem struct {
	Form, Field, Message string
	Values               url.Values
}

// problemFor is the message of p when it is about field of form (field "" matches a problem of the
// form as a whole only); the template shows it next to that field.
func problemFor(p *problem, form, field string) string {
	if p == nil || p.Form != form || p.Field != field {
		return ""
	}
	return p.Message
}

// entered is the value a refused form sent for field, so that the page shows what was typed; the
// current value otherwise.
func entered(p *problem, form, field string, current any) string {
	if p != nil && p.Form == form {
		if v, ok := p.Values[field]; ok && len(v) > 0 {
			return v[0]
		}
	}
	return fmt.Sprint(current)
}

// The forms' keys, as problem.Form.
func invoiceForm(org, id string) string  { return "invoice " + org + " " + id }
func subscriptionForm(org string) string { return "subscription " + org }
func addInvoiceForm(org string) string   { return "add-invoice " + org }

const (
	uploadForm   = "upload"
	scenarioForm = "scenario-file"
)

// edit is one dashboard edit being answered.
type edit struct {
	h      *Handler
	w      http.ResponseWriter
	r      *http.Request
	sess   *session.Session
	start  time.Time
	action string // journal action, without JournalActionPrefix
	org    string
	form   string
	fields []string // the form's fields, to place a validator's message
}

// begin checks the form and names the edit; ok is false when the form was refused (answered).
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, rec *session.Record, action string) (*edit, bool) {
	start := time.Now()
	sess, ok := h.form(w, r, rec)
	if !ok {
		return nil, false
	}
	return &edit{h: h, w: w, r: r, sess: sess, start: start, action: action, org: r.PostForm.Get("org")}, true
}

// load validates and loads the edited state made by change; on success it goes back to the
// dashboard with what=done.
func (e *edit) load(done string, change func(st *state.State) (*fixture.Seed, error)) {
	seed, err := change(e.sess.State())
	if err != nil {
		ec := errcode.From(err)
		e.refuse(ec.Status(), "", ec.Message)
		return
	}
	raw, err := fixture.Marshal(seed)
	if err == nil {
		_, err = e.h.Sessions.Import(e.sess.ID(), raw)
	}
	if err != nil {
		e.refuseFixture(err, false)
		return
	}
	e.done(done)
}

// refuseFixture refuses an edit whose state the validation refused: the field's message next to
// the field when the form has it, else on the form. withLine keeps the line (of an uploaded file).
func (e *edit) refuseFixture(err error, withLine bool) {
	var fe *fixture.Error
	if !errors.As(err, &fe) {
		e.refuse(http.StatusBadRequest, "", err.Error())
		return
	}
	msg := fe.Msg
	if fe.Field != "" {
		msg = fe.Field + ": " + msg
	}
	if withLine {
		msg = strings.TrimPrefix(session.InvalidFixture(err).Message, "the state was not loaded: ")
	}
	field := fe.Field[strings.LastIndexAny(fe.Field, ".]")+1:]
	if !slices.Contains(e.fields, field) {
		field = ""
	}
	e.refuse(http.StatusBadRequest, field, msg)
}

// refuse renders the dashboard with the message next to field, and journals the refusal.
func (e *edit) refuse(status int, field, msg string) {
	e.journal(status, msg)
	e.h.renderProblem(e.w, e.r, e.sess, status, &problem{Form: e.form, Field: field, Message: msg, Values: e.r.PostForm})
}

// done journals the edit and sends the browser back to the dashboard (303).
func (e *edit) done(what string) {
	e.journal(http.StatusSeeOther, "")
	back(e.w, e.r, e.sess.ID(), url.Values{"done": {"edit"}, "what": {what}})
}

// journal records the edit as a control action in the session's journal.
func (e *edit) journal(status int, answer string) {
	reqBody := e.r.PostForm.Encode()
	if e.r.MultipartForm != nil {
		reqBody = "(a state file)"
	}
	e.sess.Journal.Add(session.Entry{Time: e.start.UTC(), Method: e.r.Method, Path: e.r.URL.Path, Action: JournalActionPrefix + e.action,
		Org: e.org, Status: status, DurationMS: float64(time.Since(e.start).Microseconds()) / 1000,
		RequestBody: []byte(reqBody), ResponseBody: []byte(answer)})
}

// EditInvoice sets an invoice's status and due date (form: org, invoice, status, due_date).
func (h *Handler) EditInvoice(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	e, ok := h.begin(w, r, rec, "edit_invoice")
	if !ok {
		return
	}
	f := r.PostForm
	e.form, e.fields = invoiceForm(e.org, f.Get("invoice")), []string{"status", "due_date"}
	e.load("invoice", func(st *state.State) (*fixture.Seed, error) {
		return st.EditInvoice(e.org, f.Get("invoice"), f.Get("status"), f.Get("due_date"))
	})
}

// EditSubscription sets a subscription's plan, quantity and card expiry (form: org, plan,
// quantity, payment_exp).
func (h *Handler) EditSubscription(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	e, ok := h.begin(w, r, rec, "edit_subscription")
	if !ok {
		return
	}
	f := r.PostForm
	e.form, e.fields = subscriptionForm(e.org), []string{"plan", "quantity", "payment_exp"}
	quantity, err := strconv.Atoi(strings.TrimSpace(f.Get("quantity")))
	if err != nil {
		e.refuse(http.StatusBadRequest, "quantity", fmt.Sprintf("quantity must be an integer from 1 to %d, got %q", fixture.MaxQuantity, f.Get("quantity")))
		return
	}
	e.load("subscription", func(st *state.State) (*fixture.Seed, error) {
		return st.EditSubscription(e.org, f.Get("plan"), quantity, f.Get("payment_exp"))
	})
}

// CancelSubscription ends a subscription (form: org), as cancelsubscription does.
func (h *Handler) CancelSubscription(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	e, ok := h.begin(w, r, rec, "cancel_subscription")
	if !ok {
		return
	}
	e.form = subscriptionForm(e.org)
	e.load("cancel", func(st *state.State) (*fixture.Seed, error) { return st.EditCancel(e.org) })
}

// AddInvoice adds an invoice (form: org, status, date, due_date, amount; the id is the next one the
// state would make).
func (h *Handler) AddInvoice(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	e, ok := h.begin(w, r, rec, "add_invoice")
	if !ok {
		return
	}
	f := r.PostForm
	e.form, e.fields = addInvoiceForm(e.org), []string{"status", "date", "due_date", "amount"}
	inv := fixture.Invoice{Status: f.Get("status"), Date: f.Get("date"), DueDate: f.Get("due_date"), Amount: strings.TrimSpace(f.Get("amount"))}
	e.load("invoice-added", func(st *state.State) (*fixture.Seed, error) { return st.EditAddInvoice(e.org, inv) })
}

// maxUploadBytes bounds an upload's whole multipart body: the state file's 1 MiB and the form's
// framing.
const maxUploadBytes = body.Limit + 64<<10

// UploadState replaces the session's state with an uploaded seed file (multipart field state), as
// PUT /_mock/state does.
func (h *Handler) UploadState(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	start := time.Now()
	sess, ok := h.sessionOf(w, r, rec)
	if !ok {
		return
	}
	e := &edit{h: h, w: w, r: r, sess: sess, start: start, action: "upload_state", form: uploadForm}
	if msg := h.crossOrigin(r); msg != "" {
		h.render(w, r, sess, true, http.StatusForbidden, "", msg)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	if err := r.ParseMultipartForm(maxUploadBytes); err != nil {
		e.refuse(http.StatusBadRequest, "", "choose a state file to upload (a multipart form with the field state): "+err.Error())
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	file, _, err := r.FormFile("state")
	if err != nil {
		e.refuse(http.StatusBadRequest, "", "choose a state file to upload")
		return
	}
	defer file.Close()
	raw, err := io.ReadAll(io.LimitReader(file, body.Limit+1))
	switch {
	case err != nil:
		e.refuse(http.StatusBadRequest, "", "the state file could not be read: "+err.Error())
		return
	case len(raw) > body.Limit:
		e.refuse(http.StatusRequestEntityTooLarge, "", fmt.Sprintf("the state file is over %d bytes", body.Limit))
		return
	}
	if _, err := h.Sessions.Import(sess.ID(), raw); err != nil {
		e.refuseFixture(err, true)
		return
	}
	e.done("upload")
}

// ScenarioFile answers the session's state as a scenario file to download (GET, query name and
// description): a seed with the one-line description, named NAME.yaml, for fixtures/scenarios/.
// It changes nothing. A name that is not a scenario name, or a description that is not one line,
// is refused next to its field.
func (h *Handler) ScenarioFile(w http.ResponseWriter, r *http.Request, rec *session.Record) {
	sess, ok := h.sessionOf(w, r, rec)
	if !ok {
		return
	}
	q := r.URL.Query()
	name, desc := q.Get("name"), strings.TrimSpace(q.Get("description"))
	bad := func(field, msg string) {
		h.renderProblem(w, r, sess, http.StatusBadRequest, &problem{Form: scenarioForm, Field: field, Message: msg, Values: q})
	}
	if !fixture.IsScenarioName(name) {
		bad("name", fmt.Sprintf("a scenario name is 1 to 64 lower-case letters, digits and dashes, starting with a letter or digit, got %q", name))
		return
	}
	if desc == "" {
		bad("description", "say in one line what the scenario is for")
		return
	}
	seed := sess.State().Snapshot()
	seed.Description = desc
	raw, err := fixture.Marshal(seed)
	if err == nil {
		_, err = fixture.Parse(name+".yaml", raw)
	}
	if err != nil {
		var fe *fixture.Error
		if errors.As(err, &fe) && fe.Field == "description" {
			bad("description", fe.Msg)
			return
		}
		bad("", err.Error())
		return
	}
	from := "the default session"
	if sess.ID() != "" {
		from = "session " + strconv.Quote(sess.ID())
	}
	head := fmt.Sprintf("# Scenario %s, copied from %s of the billing mock's dashboard.\n"+
		"# Put it in fixtures/scenarios/%s.yaml and rebuild: POST /_mock/scenarios/%s, or billing-mock -scenario %s.\n"+
		"# As it is: billing-mock -fixtures %s.yaml, or PUT /_mock/state.\n", name, from, name, name, name, name)
	out := append([]byte(head), raw...)
	hdr := w.Header()
	hdr.Set("Content-Type", "application/yaml")
	hdr.Set("Content-Disposition", `attachment; filename="`+name+`.yaml"`)
	hdr.Set("Content-Length", strconv.Itoa(len(out)))
	hdr.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(out)
	}
}
