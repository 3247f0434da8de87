// Command billing-mock serves the stateful mock of the Cloud Plans billing API.
//
//	billing-mock [-addr 127.0.0.1:8080] [-fixtures FILE | -scenario NAME] [-spec FILE] [-cors-origins LIST]
//	             [-public-url URL] [-log-format text|json] [-quiet] [-strict=true] [-version]
//	billing-mock snapshot -base-url URL -token-file FILE [-token T ...] -org ORG [-org ORG2 ...] [-clock TIME] > state.yaml
//	billing-mock -proxy URL [-proxy-mode report|enforce] [-proxy-roles FILE] [-record DIR [-record-idle 30s]]
//
// With -proxy it is a validating proxy of the billing API at URL instead of the mock (package
// mock, Options.Proxy): answers pass through, each request and answer validated per action.
//
// The listen address comes from -addr, else from the BILLING_MOCK_ADDR environment variable, else
// it is 127.0.0.1:8080 (the container image sets BILLING_MOCK_ADDR=0.0.0.0:8080). It starts from the
// seed every time (no state on disk) and stops cleanly on SIGINT or SIGTERM.
//
// billing-mock snapshot reads organizations through the public billing API of a running service
// and writes them as a seed (package mock/snapshot); it exits 1 when it refuses, 2 on a usage error.
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
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/internal/plural"
	"github.com/cloudplans/billing-mock/internal/version"
	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/state"
)

// defaultGCPercent is the garbage collector's target when GOGC is not set. The mock's live heap is
// a few MB, so the default 100 makes the collector run every few thousand requests and take the
// only core from requests in flight; 400 trades some MB of RSS under load for a shorter tail
// (docs/PERFORMANCE.md). GOGC in the environment still wins.
const defaultGCPercent = 400

// defaultMemoryLimit is the soft heap limit when GOMEMLIMIT is not set: past it the collector runs
// as often as it must, so GOGC=400 cannot let a large live heap (a session with hundreds of thousands
// of invoices) grow RSS to five times its size. GOMEMLIMIT in the environment still wins.
const defaultMemoryLimit = 128 << 20

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemoryLimit)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := runEnv(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "billing-mock:", err)
		if refused := (*refusedError)(nil); errors.As(err, &refused) {
			os.Exit(1)
		}
		os.Exit(2)
	}
}

// config is the parsed command line.
type config struct {
	addr        string
	fixtures    string
	scenario    string
	spec        string
	corsOrigins string
	publicURL   string
	logFormat   string
	quiet       bool
	strict      bool
	maxSessions int
	journalSize int
	maxFaults   int
	latency     string
	version     bool
	// Hardening and performance.
	maxPendingLinks int
	maxInvoices     int
	maxHeaderBytes  int
	validationCache int
	headerTimeout   time.Duration
	// The validating proxy and recording.
	proxy, proxyMode, proxyRoles, record string
	recordIdle                           time.Duration
}

// addrEnv names the environment variable that sets the listen address when -addr is not given.
const addrEnv = "BILLING_MOCK_ADDR"

// defaultAddr is the listen address when neither -addr nor BILLING_MOCK_ADDR is set: loopback only,
// so that a mock on a laptop is never reachable from the network by accident.
const defaultAddr = "127.0.0.1:8080"

// parseFlags parses the command line; getenv is the environment (BILLING_MOCK_ADDR).
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("billing-mock", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := defaultAddr
	if env := getenv(addrEnv); env != "" {
		addr = env
	}
	fs.StringVar(&c.addr, "addr", addr, "listen on this host:port exactly (port 0 picks a free one); env "+addrEnv)
	fs.BoolVar(&c.version, "version", false, "print the version and exit")
	fs.StringVar(&c.fixtures, "fixtures", "", "start every session from this seed YAML instead of the embedded fixtures/seed.yaml")
	fs.StringVar(&c.scenario, "scenario", "", "start every session from this named scenario (GET /_mock/scenarios lists them); not with -fixtures")
	fs.StringVar(&c.spec, "spec", "", "validate against this OpenAPI file instead of the embedded openapi.yaml")
	fs.StringVar(&c.corsOrigins, "cors-origins", strings.Join(mock.DefaultCORSOrigins, ","), "comma-separated browser origins allowed to call the mock: exact origins, scheme://host:* for any port, or *")
	fs.StringVar(&c.publicURL, "public-url", "", "base URL of the links the mock hands out (default: http:// plus the request's Host)")
	fs.StringVar(&c.logFormat, "log-format", "text", "request log format: text or json")
	fs.BoolVar(&c.quiet, "quiet", false, "no request log; the banner is one line: billing-mock listening on URL")
	fs.BoolVar(&c.strict, "strict", true, "validate every answer of the mock against the contract (a broken answer becomes a 500)")
	fs.IntVar(&c.maxSessions, "max-sessions", mock.DefaultMaxSessions, "X-Mock-Session sessions kept; beyond it the least recently used is dropped")
	fs.IntVar(&c.journalSize, "journal-size", mock.DefaultJournalSize, "requests kept in each session's journal (GET /_mock/requests)")
	fs.IntVar(&c.maxFaults, "max-faults", mock.DefaultMaxFaults, "fault rules each session may hold (POST /_mock/faults)")
	fs.IntVar(&c.maxPendingLinks, "max-pending-links", mock.DefaultMaxPendingLinks, "payment and update-card links each session remembers; handing out one more forgets the oldest (its page then answers 404)")
	fs.IntVar(&c.maxInvoices, "max-invoices", state.DefaultMaxMadeInvoices, "invoices the mock makes that each organization of a session keeps; making one more forgets the oldest made one (seed and imported invoices are always kept)")
	fs.IntVar(&c.maxHeaderBytes, "max-header-bytes", defaultMaxHeaderBytes, "largest request line and headers net/http reads; a larger one gets its plain-text 431 (a URL over 8 KiB below it gets the mock's 414 envelope)")
	fs.DurationVar(&c.headerTimeout, "read-header-timeout", 5*time.Second, "time a client has to send the request line and headers (slow clients are cut off)")
	fs.IntVar(&c.validationCache, "validation-cache", mock.DefaultValidationCache, "valid verdicts of request and answer validation remembered, keyed by every input of the validation (0: off)")
	fs.StringVar(&c.latency, "latency", "", "delay every billing API answer and hosted page: a duration (250ms) or a range (100ms-800ms)")
	fs.StringVar(&c.proxy, "proxy", "", "be a validating proxy of the billing API at this base URL instead of the mock: every request and answer is validated per action (GET /_mock/violations, the journal, the dashboard); hosted pages and other paths pass through")
	fs.StringVar(&c.proxyMode, "proxy-mode", "report", "with -proxy: report (answers pass through unchanged, with a Contract-Violations: N header) or enforce (an answer that breaks the contract becomes a 502 contract_violation)")
	fs.StringVar(&c.proxyRoles, "proxy-roles", "", "with -proxy: a YAML file of the roles (contracttest's -config keys: token, member_token, outsider_token, org, fresh_org, outsider_org; default: the mock's seed), to name tokens by role in reports and to record them as variables")
	fs.StringVar(&c.record, "record", "", "with -proxy: write each flow (the consecutive requests of one token on one organization in one session) into this directory as a contract scenario; a flow is written when its session sends another token or organization or resets, after -record-idle without a request, and at shutdown")
	fs.DurationVar(&c.recordIdle, "record-idle", 30*time.Second, "with -record: a session quiet for this long has its flow written")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: billing-mock [flags]\n       billing-mock snapshot -base-url URL -token-file FILE -org ORG [-org ORG2 ...] > state.yaml  (billing-mock snapshot -h)\n\nServes a stateful mock of the Cloud Plans billing API, or, with -proxy URL, validates the traffic to another implementation.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.maxSessions < 1 || c.journalSize < 1 || c.maxFaults < 1 || c.maxPendingLinks < 1 || c.maxInvoices < 1 {
		return c, errors.New("-max-sessions, -journal-size, -max-faults, -max-pending-links and -max-invoices must be at least 1")
	}
	if c.maxHeaderBytes < 4<<10 || c.maxHeaderBytes > 1<<20 {
		return c, errors.New("-max-header-bytes must be from 4096 to 1048576")
	}
	if c.headerTimeout <= 0 || c.headerTimeout > time.Minute {
		return c, errors.New("-read-header-timeout must be from 1ns to 1m")
	}
	if c.validationCache < 0 {
		return c, errors.New("-validation-cache must be 0 (off) or more")
	}
	if c.proxy == "" && (c.record != "" || c.proxyRoles != "" || c.proxyMode != "report") {
		return c, errors.New("-proxy-mode, -proxy-roles and -record need -proxy URL")
	}
	if c.recordIdle <= 0 {
		return c, errors.New("-record-idle must be positive")
	}
	if c.logFormat != "text" && c.logFormat != "json" {
		return c, fmt.Errorf("-log-format must be text or json, not %q", c.logFormat)
	}
	return c, nil
}

// runEnv parses flags (getenv is the environment), builds the mock, serves until ctx ends, then
// shuts down within 3 s; "snapshot" as the first argument runs that subcommand instead (the only
// reader of stdin, for -token-file -).
func runEnv(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	if len(args) > 0 && args[0] == "snapshot" {
		return runSnapshot(ctx, args[1:], getenv, stdin, stdout, stderr)
	}
	c, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	if c.version {
		fmt.Fprintln(stdout, version.Line("billing-mock"))
		return nil
	}
	opts := mock.Options{PublicURL: c.publicURL, SkipResponseValidation: !c.strict, MaxSessions: c.maxSessions, JournalSize: c.journalSize, MaxFaults: c.maxFaults, MaxPendingLinks: c.maxPendingLinks, MaxInvoices: c.maxInvoices}
	opts.ValidationCache = c.validationCache
	if opts.Latency, err = mock.ParseLatency(c.latency); err != nil {
		return fmt.Errorf("-latency: %w", err)
	}
	opts.CORSOrigins = strings.Split(c.corsOrigins, ",")
	if c.spec != "" {
		data, err := os.ReadFile(c.spec)
		if err != nil {
			return fmt.Errorf("-spec: %w", err)
		}
		if opts.Contract, err = contract.Load(data); err != nil {
			return fmt.Errorf("-spec %s: %w", c.spec, err)
		}
	}
	if c.scenario != "" {
		if c.fixtures != "" {
			return errors.New("-scenario and -fixtures both choose the seed every session starts from; give one of them")
		}
		if opts.Seed, err = fixture.EmbeddedScenario(c.scenario); err != nil {
			return fmt.Errorf("-scenario: %w", err)
		}
	}
	if c.fixtures != "" {
		data, err := os.ReadFile(c.fixtures)
		if err != nil {
			return fmt.Errorf("-fixtures: %w", err)
		}
		if opts.Seed, err = fixture.Parse(c.fixtures, data); err != nil {
			return fmt.Errorf("-fixtures: %w", err)
		}
	}
	seedName := "default fixtures (fixtures/seed.yaml)"
	switch {
	case c.scenario != "":
		seedName = "scenario " + c.scenario
	case c.fixtures != "":
		seedName = c.fixtures
	default:
		if opts.Seed, err = fixture.Default(); err != nil {
			return fmt.Errorf("default fixtures: %w", err)
		}
	}
	if !c.quiet {
		var h slog.Handler = slog.NewTextHandler(stderr, nil)
		if c.logFormat == "json" {
			h = slog.NewJSONHandler(stderr, nil)
		}
		opts.Logger = slog.New(h)
	}
	if c.proxy != "" {
		if opts.Proxy, err = proxyOptions(c); err != nil {
			return err
		}
	}
	srv, err := mock.New(opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := srv.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("-record: %w", cerr)
		}
	}()
	ln, err := net.Listen("tcp", c.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: c.headerTimeout,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    c.maxHeaderBytes,
	}
	base := "http://" + ln.Addr().String()
	if opts.Proxy != nil {
		fmt.Fprintf(stdout, "billing-mock validating proxy of %s (%s mode) listening on %s\nViolations: %s/_mock/violations   Dashboard: %s/_mock/\n",
			opts.Proxy.Upstream.Redacted(), c.proxyMode, base, base, base)
		if c.record != "" {
			fmt.Fprintf(stdout, "Recording flows into %s\n", c.record)
		}
	} else if c.quiet {
		fmt.Fprintf(stdout, "billing-mock listening on %s\n", base)
	} else {
		printBanner(stdout, base, seedName, opts.Seed)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// defaultMaxHeaderBytes bounds the request line and headers: net/http answers 431, in plain text,
// beyond it. It is far above mock.MaxURLBytes, so that the mock itself answers an over-long URL,
// with its 414 envelope, up to a 100 KB URL and more; it bounds what a client that sends its
// headers slowly can make the server hold (for -read-header-timeout) per connection.
const defaultMaxHeaderBytes = 256 << 10

// printBanner says where the mock listens and, from the seed it serves, which tokens and
// organizations there are, with a first curl command to try.
func printBanner(w io.Writer, base, seedName string, seed *fixture.Seed) {
	fmt.Fprintf(w, "Cloud Plans billing mock listening on %s\n\nSeed: %s\n\nTokens:\n", base, seedName)
	orgsOf := func(user string) (owns, member []string) {
		for _, o := range seed.Organizations {
			if o.Owner == user {
				owns = append(owns, o.ID)
			} else if slices.Contains(o.Members, user) {
				member = append(member, o.ID)
			}
		}
		return owns, member
	}
	for _, u := range seed.Users {
		owns, member := orgsOf(u.ID)
		var roles []string
		if len(owns) > 0 {
			roles = append(roles, "owner of "+strings.Join(owns, ", "))
		}
		if len(member) > 0 {
			roles = append(roles, "member of "+strings.Join(member, ", ")+" (may read, not change)")
		}
		fmt.Fprintf(w, "  %-14s %-14s %s\n", u.Token, u.ID, strings.Join(roles, "; "))
	}
	fmt.Fprintf(w, "\nOrganizations:\n")
	for _, o := range seed.Organizations {
		sub := "no subscription"
		if o.Subscription != nil {
			sub = fmt.Sprintf("plan %s, %s", o.Subscription.Plan, plural.Count(o.Subscription.Quantity, "instance"))
		}
		fmt.Fprintf(w, "  %-14s %s; %s\n", o.ID, sub, plural.Count(len(o.Invoices), "invoice"))
	}
	if len(seed.Users) > 0 && len(seed.Organizations) > 0 {
		u, o := seed.Users[0], seed.Organizations[0]
		owns, _ := orgsOf(u.ID)
		if len(owns) > 0 {
			o.ID = owns[0]
		}
		fmt.Fprintf(w, "\nTry:\n  curl -H 'Authorization: Bearer %s' '%s/v1/organizations/billing/describe?action=getorganization&org_id=%s'\n", u.Token, base, o.ID)
	}
	fmt.Fprintf(w, "\nControl API: %s/_mock/health   Dashboard: %s/_mock/   API reference: %s/_mock/docs   (README.md)\n", base, base, base)
}
