// Command provider is an independent implementation of the Cloud Plans billing API on SQLite:
// the example a backend team copies. It serves the contract's six actions, the payment
// provider's webhook, and bills monthly renewals as they fall due.
//
//	provider -db billing.db -addr 127.0.0.1:8081 [-demo] [-test-support] [-public-url URL] [-renew-every 1m]
//	provider hook [-db billing.db] < event.json
//
// The second form is the contract runner's -hook command for a running provider (hook.go). The
// first prints "billing provider listening on URL" once it accepts connections, and stops on SIGINT
// or SIGTERM after the requests in flight are answered.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cloudplans/billing-mock/examples/provider/api"
	"github.com/cloudplans/billing-mock/examples/provider/billing"
	"github.com/cloudplans/billing-mock/examples/provider/payments"
	"github.com/cloudplans/billing-mock/examples/provider/testsupport"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) > 1 && os.Args[1] == "hook" {
		err := runHook(ctx, os.Args[2:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "provider hook:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:], os.Stderr, os.Getenv)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		os.Exit(2)
	}
	if err := run(ctx, cfg, os.Stdout, slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
		fmt.Fprintln(os.Stderr, "provider:", err)
		os.Exit(1)
	}
}

// WebhookSecretEnv names the environment variable with the secret shared with the payment
// provider; a flag would show it in the process list.
const WebhookSecretEnv = "BILLING_WEBHOOK_SECRET"

// config is what the flags and the environment say.
type config struct {
	db            string
	addr          string
	publicURL     string
	demo          bool
	renewEvery    time.Duration
	testSupport   bool
	webhookSecret string
}

func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	var c config
	fs := flag.NewFlagSet("provider", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.db, "db", "billing.db", "the SQLite database `FILE`, created and migrated at start")
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8081", "listen on this `host:port` (port 0 picks a free one)")
	fs.StringVar(&c.publicURL, "public-url", "", "base `URL` of the payment and update-card links (default: from each request's Host)")
	fs.BoolVar(&c.demo, "demo", false, "replace the database's contents with the demo data before serving:\nthe tokens tok_owner, tok_member, tok_outsider, the organizations org_acme, org_new,\norg_outsider, and a test clock at 2026-11-01T09:00:00Z")
	fs.DurationVar(&c.renewEvery, "renew-every", time.Minute, "bill the renewals that fell due this often")
	fs.BoolVar(&c.testSupport, "test-support", false, "serve the contract kit's test-support protocol under /_mock/ (pay links, reset to\nthe demo data, move the test clock) and test-mode hosted pages at the links: for a\ntest build only, never in production")
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: provider [flags]\n       provider hook [-db FILE] < event.json   (the contract runner's -hook command)\n\nThe Cloud Plans billing API on SQLite.\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprintf(stderr, "\nEnvironment:\n  %s  the secret shared with the payment provider (at least %d bytes);\n    without it, %s is not served\n",
			WebhookSecretEnv, payments.MinSecretBytes, payments.Path)
	}
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	if c.renewEvery <= 0 {
		return config{}, fmt.Errorf("-renew-every %v: must be more than zero", c.renewEvery)
	}
	c.webhookSecret = getenv(WebhookSecretEnv)
	return c, nil
}

// run serves until ctx is done, then shuts down gracefully.
func run(ctx context.Context, cfg config, stdout io.Writer, log *slog.Logger) error {
	store, err := billing.Open(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer func() { _ = store.Close() }()
	if cfg.demo {
		if err := store.Load(ctx, billing.Demo()); err != nil {
			return err
		}
	}
	handler, err := newHandler(store, cfg, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "billing provider listening on http://%s\n", ln.Addr())

	renewCtx, stopRenewals := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() { defer close(renewed); renewEvery(renewCtx, store, cfg.renewEvery, log) }()
	defer func() { stopRenewals(); <-renewed }()

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// maxHeaderBytes bounds the request line and headers; past it Go's server answers a plain-text
// 431 itself. It is well over api.MaxURLBytes, so that the API answers a long URL with its 414.
const maxHeaderBytes = 256 << 10

// newHandler routes the webhook (when there is a secret), the test-support protocol and the
// hosted pages of the links (with -test-support), and everything else to the billing API, whose
// 404 answers unknown paths.
func newHandler(store *billing.Store, cfg config, log *slog.Logger) (http.Handler, error) {
	billingAPI, err := api.New(store, api.Options{PublicURL: cfg.publicURL, Log: log})
	if err != nil {
		return nil, err
	}
	var webhook, support, pages http.Handler
	if cfg.webhookSecret == "" {
		log.Warn("no webhook: set " + WebhookSecretEnv + " to the secret shared with the payment provider")
	} else if webhook, err = payments.NewWebhook(store, []byte(cfg.webhookSecret), payments.WebhookOptions{Log: log}); err != nil {
		return nil, fmt.Errorf("%s: %w", WebhookSecretEnv, err)
	}
	if cfg.testSupport {
		log.Warn("serving the test-support protocol under " + testsupport.Prefix + ": anyone who reaches it can pay links, reset the database and move the clock")
		support, pages = testsupport.New(store, billing.Demo()), testsupport.NewPages(store)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case webhook != nil && r.URL.Path == payments.Path:
			webhook.ServeHTTP(w, r)
		case support != nil && strings.HasPrefix(r.URL.Path, testsupport.Prefix):
			support.ServeHTTP(w, r)
		case pages != nil && (strings.HasPrefix(r.URL.Path, api.CheckoutPath) || strings.HasPrefix(r.URL.Path, api.CardUpdatePath)):
			pages.ServeHTTP(w, r)
		default:
			billingAPI.ServeHTTP(w, r)
		}
	}), nil
}

// renewEvery bills due renewals at once and then every interval until ctx is done.
func renewEvery(ctx context.Context, store *billing.Store, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		renewals, err := store.RenewDue(ctx)
		if err != nil && ctx.Err() == nil {
			log.Error("renewals failed", "err", err)
		}
		if len(renewals) > 0 {
			log.Info("renewals billed", "invoices", len(renewals))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
