// Package sidechannel makes the billing mock look like a real service in tests: its control API
// hidden behind a proxy, and Go hooks that perform the state steps through the control API
// itself, reached directly, as a real service's test build marks a payment done in its database.
package sidechannel

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/contracttest"
)

// HideControl answers 404 under /_mock/, as a service without the test-support protocol does.
func HideControl(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/_mock/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"status":404,"error":{"code":"not_found","message":"no such path"}}`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Hooks perform every state step but reset through the mock's control API at control (its base
// URL), in the mock's default session.
func Hooks(control string) contracttest.Hooks {
	post := func(ctx context.Context, p string, body any) error {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, control+p, bytes.NewReader(data))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST %s: %d %s", p, resp.StatusCode, answer)
		}
		return nil
	}
	link := func(ctx context.Context, kind, link, verb string, body any) error {
		u, err := url.Parse(link)
		if err != nil {
			return fmt.Errorf("link %q: %w", link, err)
		}
		return post(ctx, "/_mock/"+kind+"/"+url.PathEscape(path.Base(u.Path))+"/"+verb, body)
	}
	card := func(exp string) any {
		if exp == "" {
			return map[string]any{}
		}
		return map[string]any{"payment_exp": exp}
	}
	return contracttest.Hooks{
		CompleteCheckout: func(ctx context.Context, l, exp string) error {
			return link(ctx, "checkouts", l, "complete", card(exp))
		},
		DeclineCheckout: func(ctx context.Context, l string) error {
			return link(ctx, "checkouts", l, "decline", map[string]any{})
		},
		CompleteCardUpdate: func(ctx context.Context, l, exp string) error {
			return link(ctx, "card-updates", l, "complete", card(exp))
		},
		DeclineCardUpdate: func(ctx context.Context, l string) error {
			return link(ctx, "card-updates", l, "decline", map[string]any{})
		},
		AdvanceClock: func(ctx context.Context, by time.Duration) error {
			return post(ctx, "/_mock/clock/advance", map[string]any{"by": by.String()})
		},
	}
}
