package testsupport

import (
	"crypto/rand"
	"encoding/hex"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/cloudplans/billing-mock/examples/provider/api"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
)

// Pages are the hosted pages the payment and update-card links open, as a payment provider's
// test mode shows them: a form to pay or decline a checkout, to save or cancel a card update.
// Submitting it applies the same event the provider's webhook would; then the browser goes back
// to the link's return_url (an http(s) URL on a loopback host or on this service's own host;
// any other is ignored) with checkout=paid|declined or card=saved|canceled added to its query.
// In production the links open the payment provider's own pages instead; serve these only in a
// test build, like the rest of this package.
type Pages struct {
	store *billing.Store
}

// NewPages returns the hosted pages over store.
func NewPages(store *billing.Store) *Pages { return &Pages{store: store} }

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} (test mode)</title></head>
<body><main>
<h1>{{.Title}}</h1>
<p>Test mode: no card is charged.</p>
{{if .Done}}<p role="status">{{.Done}}</p>{{else}}
<form method="post">
<input type="hidden" name="return_url" value="{{.ReturnURL}}">
<p><label>Card expiry (YYYY-MM) <input name="payment_exp" pattern="[0-9]{4}-[0-9]{2}" placeholder="2031-06"></label></p>
<p><button name="outcome" value="{{.Yes}}">{{.YesLabel}}</button> <button name="outcome" value="{{.No}}">{{.NoLabel}}</button></p>
</form>{{end}}
</main></body></html>
`))

type pageData struct {
	Title, Done, ReturnURL, Yes, YesLabel, No, NoLabel string
}

func (p *Pages) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	checkout := strings.HasPrefix(r.URL.Path, api.CheckoutPath)
	id := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, api.CheckoutPath), api.CardUpdatePath)
	data := pageData{Title: "Pay your Cloud Plans subscription", Yes: "paid", YesLabel: "Pay", No: "declined", NoLabel: "Decline"}
	param, completed, declined := "checkout", billing.CheckoutCompleted, billing.CheckoutDeclined
	if !checkout {
		data = pageData{Title: "Change the card of your Cloud Plans subscription", Yes: "saved", YesLabel: "Save card", No: "canceled", NoLabel: "Cancel"}
		param, completed, declined = "card", billing.CardUpdateCompleted, billing.CardUpdateDeclined
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	switch r.Method {
	case http.MethodGet:
		data.ReturnURL = r.URL.Query().Get("return_url")
		_ = page.Execute(w, data)
	case http.MethodPost:
		outcome := r.PostFormValue("outcome")
		typ := declined
		if outcome == data.Yes {
			typ = completed
		} else {
			outcome = data.No
		}
		var b [8]byte
		_, _ = rand.Read(b[:])
		ev := billing.PaymentEvent{ID: "evt_page_" + hex.EncodeToString(b[:]), Type: typ, LinkID: id, PaymentExp: r.PostFormValue("payment_exp")}
		if _, err := p.store.ApplyPaymentEvent(r.Context(), ev); err != nil {
			status, _ := payments.RefusalStatus(err)
			w.WriteHeader(status)
			data.Done = err.Error()
			_ = page.Execute(w, data)
			return
		}
		if back, ok := returnURL(r, r.PostFormValue("return_url")); ok {
			q := back.Query()
			q.Set(param, outcome)
			back.RawQuery = q.Encode()
			http.Redirect(w, r, back.String(), http.StatusSeeOther)
			return
		}
		data.Done = "Done: " + outcome + "."
		_ = page.Execute(w, data)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// returnURL accepts an absolute http(s) URL on a loopback host or on the request's own host.
func returnURL(r *http.Request, raw string) (*url.URL, bool) {
	u, err := url.Parse(raw)
	if raw == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return nil, false
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); (ip != nil && ip.IsLoopback()) || host == "localhost" || u.Host == r.Host {
		return u, true
	}
	return nil, false
}
