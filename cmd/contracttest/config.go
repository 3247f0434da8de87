package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/contracttest"
)

// Exit codes.
const (
	exitPassed = 0
	exitFailed = 1
	exitUsage  = 2
)

// settings is the command line after flags, environment and config file are merged.
type settings struct {
	opts      contracttest.Options
	format    string
	junit     string
	verbose   bool
	scenarios string
	version   bool
}

// fileConfig is the -config YAML file.
type fileConfig struct {
	BaseURL       string `yaml:"base_url"`
	Token         string `yaml:"token"`
	MemberToken   string `yaml:"member_token"`
	OutsiderToken string `yaml:"outsider_token"`
	Org           string `yaml:"org"`
	FreshOrg      string `yaml:"fresh_org"`
	OutsiderOrg   string `yaml:"outsider_org"`
}

// setting is one value settable by flag, environment variable and config file.
type setting struct {
	flag, env string
	dest      *string
	fromFile  func(fileConfig) string
	usage     string
}

// parseArgs merges flags > environment > config file > defaults.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (*settings, error) {
	s := &settings{}
	fs := flag.NewFlagSet("contracttest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var baseURL string
	r := &s.opts.Roles
	values := []setting{
		{"base-url", "CONTRACTTEST_BASE_URL", &baseURL, func(c fileConfig) string { return c.BaseURL }, "the target's base URL, with an optional path prefix (default http://127.0.0.1:8080)"},
		{"token", "CONTRACTTEST_TOKEN", &r.Token, func(c fileConfig) string { return c.Token }, "token of the owner of -org and -fresh-org (default tok_owner)"},
		{"member-token", "CONTRACTTEST_MEMBER_TOKEN", &r.MemberToken, func(c fileConfig) string { return c.MemberToken }, "token of a member, not owner, of -org (default tok_member)"},
		{"outsider-token", "CONTRACTTEST_OUTSIDER_TOKEN", &r.OutsiderToken, func(c fileConfig) string { return c.OutsiderToken }, "token of the owner of -outsider-org, not a member of -org (default tok_outsider)"},
		{"org", "CONTRACTTEST_ORG", &r.Org, func(c fileConfig) string { return c.Org }, "an organization WITH an active subscription (default org_acme)"},
		{"fresh-org", "CONTRACTTEST_FRESH_ORG", &r.FreshOrg, func(c fileConfig) string { return c.FreshOrg }, "an organization WITHOUT a subscription, owned by -token (default org_new)"},
		{"outsider-org", "CONTRACTTEST_OUTSIDER_ORG", &r.OutsiderOrg, func(c fileConfig) string { return c.OutsiderOrg }, "an organization of the outsider (default org_outsider)"},
	}
	for _, v := range values {
		fs.StringVar(v.dest, v.flag, "", v.usage+"; env "+v.env)
	}
	var configFile, run string
	fs.StringVar(&configFile, "config", "", "YAML file with base_url, token, member_token, outsider_token, org, fresh_org, outsider_org")
	fs.StringVar(&run, "run", "", "run only the scenarios whose name matches this regular expression")
	fs.StringVar(&s.format, "format", "text", "output format: text or json")
	fs.StringVar(&s.junit, "junit", "", "also write a JUnit XML report to this file")
	fs.DurationVar(&s.opts.Timeout, "timeout", contracttest.DefaultTimeout, "timeout of each request")
	fs.BoolVar(&s.verbose, "v", false, "verbose: descriptions and the full coverage table")
	fs.IntVar(&s.opts.Parallel, "parallel", contracttest.DefaultParallel, "scenarios run at once")
	fs.BoolVar(&s.opts.RequireControl, "require-control", false, "fail, not skip, the scenarios that need the control API when the target has none")
	fs.Float64Var(&s.opts.MinCoverage, "min-coverage", 0, "fail when fewer than PERCENT of the action × status pairs were exercised")
	fs.StringVar(&s.scenarios, "scenarios", "", "load the scenarios from this directory instead of the embedded fixtures/contract")
	fs.BoolVar(&s.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: contracttest -base-url URL [flags]\n\nRuns the contract suite of the Cloud Plans billing API against a target.\nExit status: 0 all passed, 1 a contract failure, 2 a usage error or an unreachable target.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if s.version {
		return s, nil
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	var fc fileConfig
	if configFile != "" {
		data, err := os.ReadFile(configFile)
		if err != nil {
			return nil, fmt.Errorf("-config: %w", err)
		}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&fc); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("-config %s: %w", configFile, err)
		}
	}
	for _, v := range values {
		switch {
		case set[v.flag]:
		case getenv(v.env) != "":
			*v.dest = getenv(v.env)
		default:
			*v.dest = v.fromFile(fc)
		}
	}
	if baseURL == "" {
		baseURL = "http://127.0.0.1:8080"
	}
	s.opts.BaseURL = baseURL
	if run != "" {
		re, err := regexp.Compile(run)
		if err != nil {
			return nil, fmt.Errorf("-run: %w", err)
		}
		s.opts.Run = re
	}
	if s.format != "text" && s.format != "json" {
		return nil, fmt.Errorf("-format must be text or json, not %q", s.format)
	}
	if s.opts.Timeout <= 0 {
		return nil, errors.New("-timeout must be positive")
	}
	if s.opts.Parallel < 1 {
		return nil, errors.New("-parallel must be at least 1")
	}
	if s.opts.MinCoverage < 0 || s.opts.MinCoverage > 100 {
		return nil, errors.New("-min-coverage must be from 0 to 100")
	}
	if s.scenarios != "" {
		if st, err := os.Stat(s.scenarios); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("-scenarios %s: not a directory", s.scenarios)
		}
		s.opts.Scenarios = os.DirFS(s.scenarios)
	}
	return s, nil
}
