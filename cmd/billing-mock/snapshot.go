package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
	"github.com/cloudplans/billing-mock/mock/snapshot"
	"github.com/cloudplans/billing-mock/mock/state"
)

// snapshotUsage is billing-mock snapshot -h, above the flags.
const snapshotUsage = `Usage: billing-mock snapshot -base-url URL -token-file FILE -org ORG [-org ORG2 ...] [-clock TIME] > state.yaml
       BILLING_MOCK_TOKEN=T billing-mock snapshot -base-url URL -org ORG ... > state.yaml
       billing-mock snapshot -base-url URL -token T [-token T2 ...] -org ORG ... > state.yaml

Reads describe and history of each organization through the public billing API (GET only, never a
change, never /_mock/) and writes a seed that -fixtures FILE and PUT /_mock/state load: describe and
history on the mock then answer what the service answered, field for field.

Tokens: a -token T on the command line shows in ps and in the shell's history; for a real
customer's tokens give -token-file FILE (one token a line, in order; surrounding whitespace trimmed,
blank lines and lines starting with # skipped; - reads standard input; given once) or, for one
token, the environment variable ` + tokenEnv + ` (used only when neither -token nor -token-file is
given). With both flags, the -token flags come first, then the file's lines: token #1 is the first
of them all. No message shows a token, only its number or its file and line.

Roles (tokens never appear in the output, only these names):
  tok_owner        the organizations' owner, with the user id describe shows (a second owner: tok_owner_2, ...)
  tok_member       token #1; it must read every -org, and becomes a member (reads, cannot change)
  tok_member_N     each further token that reads some of the -org: a member of those it reads
  tok_outsider_N   each further token that reads none of them
  tok_outsider     a user with no access, always present
-org may be repeated: the organizations, in that order; none twice.

A plan the API shows no price for gets unit_price ` + snapshot.PlaceholderPrice + ` (pro and enterprise keep the mock's
prices); renews_at is the next monthly anniversary of the newest invoice.

It refuses (exit 1, the reason on stderr, nothing on stdout) when the seed would not be faithful: an
answer that breaks the contract (the validator's message), an organization with more invoices than
-max-invoices, a token that cannot read an organization, or a seed whose describe or history would
answer differently (a status that depends on the day: give the service's today with -clock).
Exit 2: a usage error. A seed over 1 MiB loads with -fixtures only (PUT /_mock/state takes 1 MiB).

Flags:
`

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// refusedError is a snapshot refused as unfaithful, or a service that could not be read: exit 1.
type refusedError struct{ err error }

func (e *refusedError) Error() string {
	if msg := e.err.Error(); strings.HasPrefix(msg, "snapshot: ") {
		return msg
	}
	return "snapshot: " + e.err.Error()
}
func (e *refusedError) Unwrap() error { return e.err }

// runSnapshot is billing-mock snapshot: it writes the seed to stdout only when the whole snapshot
// succeeded.
// getenv is the environment (BILLING_MOCK_TOKEN) and stdin is read for -token-file -.
func runSnapshot(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("billing-mock snapshot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts    snapshot.Options
		tokens  stringList
		file    onceString
		orgs    stringList
		clock   string
		timeout time.Duration
	)
	fs.StringVar(&opts.BaseURL, "base-url", "", "the billing API's base URL (required)")
	fs.Var(&tokens, "token", "a bearer token, shown in ps and shell history (prefer -token-file); repeat for more roles (see Roles)")
	fs.Var(&file, "token-file", "a file of bearer tokens, one a line, after any -token (- is standard input; see Tokens)")
	fs.Var(&orgs, "org", "an organization id; repeat for more (at least one)")
	fs.StringVar(&clock, "clock", "", "the seed's billing clock, RFC 3339 or YYYY-MM-DD (default: now)")
	fs.IntVar(&opts.MaxInvoices, "max-invoices", state.DefaultMaxMadeInvoices, "refuse an organization with more invoices than this (the mock's -max-invoices)")
	fs.DurationVar(&timeout, "timeout", 30*time.Second, "time for each request")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), snapshotUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("snapshot: unexpected argument %q", fs.Arg(0))
	}
	all, err := tokenSources{flags: tokens, file: file, stdin: stdin, getenv: getenv}.tokens()
	if err != nil {
		return err
	}
	if opts.BaseURL == "" || len(all) == 0 || len(orgs) == 0 {
		fs.Usage()
		return errors.New("snapshot: -base-url, a token (-token, -token-file or " + tokenEnv + ") and -org are required")
	}
	if clock != "" {
		t, err := time.Parse(time.RFC3339, clock)
		if err != nil {
			if t, err = time.Parse(time.DateOnly, clock); err != nil {
				return fmt.Errorf("snapshot: -clock must be RFC 3339 (2026-11-01T09:00:00Z) or YYYY-MM-DD, got %q", clock)
			}
		}
		opts.Clock = t
	}
	if opts.MaxInvoices < 1 || timeout <= 0 {
		return errors.New("snapshot: -max-invoices and -timeout must be over zero")
	}
	opts.Tokens, opts.Orgs = all, orgs
	opts.Client = &http.Client{Timeout: timeout}
	seed, err := snapshot.Take(ctx, opts)
	err = redactTokens(err, all)
	var usage *snapshot.OptionsError
	switch {
	case errors.As(err, &usage):
		return err
	case err != nil:
		return &refusedError{err}
	}
	out, err := fixture.Marshal(seed)
	if err != nil {
		return &refusedError{err}
	}
	if len(out) > mock.MaxBodyBytes {
		fmt.Fprintf(stderr, "billing-mock snapshot: the seed is %d bytes: load it with -fixtures (PUT /_mock/state takes at most %d)\n", len(out), mock.MaxBodyBytes)
	}
	_, err = stdout.Write(out)
	return err
}
