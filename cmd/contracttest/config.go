package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
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
	opts contracttest.Options
	// explore runs contracttest.Explore with exploreOpts (whose Options are opts) instead of the
	// scenarios.
	explore     bool
	exploreOpts contracttest.ExploreOptions
	format      string
	junit       string
	verbose     bool
	version     bool
}

// setting is one value settable by flag, environment variable and config file (key).
type setting struct {
	flag, env, key string
	dest           *string
	usage          string
}

// parseArgs merges flags > environment > config file > defaults.
func parseArgs(args []string, getenv func(string) string, stderr io.Writer) (*settings, error) {
	s := &settings{}
	fs := flag.NewFlagSet("contracttest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var baseURL, level string
	r := &s.opts.Roles
	values := []setting{
		{"base-url", "CONTRACTTEST_BASE_URL", "base_url", &baseURL, "the target's base URL, with an optional path prefix (default http://127.0.0.1:8080)"},
		{"token", "CONTRACTTEST_TOKEN", "token", &r.Token, "token of the owner of -org and -fresh-org (default tok_owner)"},
		{"member-token", "CONTRACTTEST_MEMBER_TOKEN", "member_token", &r.MemberToken, "token of a member, not owner, of -org (default tok_member)"},
		{"outsider-token", "CONTRACTTEST_OUTSIDER_TOKEN", "outsider_token", &r.OutsiderToken, "token of the owner of -outsider-org, not a member of -org (default tok_outsider)"},
		{"org", "CONTRACTTEST_ORG", "org", &r.Org, "an organization WITH an active subscription (default org_acme)"},
		{"fresh-org", "CONTRACTTEST_FRESH_ORG", "fresh_org", &r.FreshOrg, "an organization WITHOUT a subscription, owned by -token (default org_new)"},
		{"outsider-org", "CONTRACTTEST_OUTSIDER_ORG", "outsider_org", &r.OutsiderOrg, "an organization of the outsider (default org_outsider)"},
		{"hook", "CONTRACTTEST_HOOK", "hook", &s.opts.HookCommand, "a command (run with sh -c) that performs state steps: one JSON event on its stdin, exit 0 when done (FORMAT.md, \"Provider states\")"},
		{"level", "CONTRACTTEST_LEVEL", "level", &level, "report the findings against the docs only (docs), or against the docs and this contract's decisions (all; the default)"},
	}
	for _, v := range values {
		fs.StringVar(v.dest, v.flag, "", v.usage+"; env "+v.env)
	}
	keys := make([]string, len(values))
	for i, v := range values {
		keys[i] = v.key
	}
	var configFile, run string
	fs.StringVar(&configFile, "config", "", "YAML file with the keys "+strings.Join(keys, ", "))
	fs.StringVar(&run, "run", "", "run only the scenarios whose name matches this regular expression")
	fs.StringVar(&s.format, "format", "text", "output format: text or json")
	fs.StringVar(&s.junit, "junit", "", "also write a JUnit XML report to this file")
	fs.DurationVar(&s.opts.Timeout, "timeout", contracttest.DefaultTimeout, "timeout of each request and of each call of the -hook command")
	fs.BoolVar(&s.verbose, "v", false, "verbose: descriptions and the full coverage table")
	fs.IntVar(&s.opts.Parallel, "parallel", contracttest.DefaultParallel, "scenarios run at once (when the target isolates them); with -explore, sequences (default 8)")
	fs.BoolVar(&s.opts.RequireControl, "require-control", false, "fail, not skip, the scenarios that need a capability the run lacks")
	fs.Float64Var(&s.opts.MinCoverage, "min-coverage", 0, "fail when fewer than PERCENT of the action × status pairs were exercised")
	var scenarios string
	fs.StringVar(&scenarios, "scenarios", "", "load the scenarios from this directory instead of the embedded fixtures/contract")
	fs.BoolVar(&s.version, "version", false, "print the version and exit")
	fs.BoolVar(&s.explore, "explore", false, "explore instead of running the scenarios: random sequences of steps, each compared with the reference model (the mock's rules); the first divergence is shrunk and printed as a scenario")
	fs.IntVar(&s.exploreOpts.Steps, "explore-steps", contracttest.DefaultExploreSteps, "with -explore: the steps to run, over all sequences")
	fs.DurationVar(&s.exploreOpts.Time, "explore-time", 0, "with -explore: stop starting sequences after this long (0: no limit)")
	fs.Uint64Var(&s.exploreOpts.Seed, "seed", 0, "with -explore: the seed of the sequences; the same seed against the same target runs the same sequences (0: a random one, which the report prints)")
	fs.BoolVar(&s.exploreOpts.ModelStrict, "model-strict", false, "with -explore: also compare what is the mock's own: exact amounts, invoice dates and ids, the default card's expiry")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: contracttest -base-url URL [flags]\n       contracttest -explore -base-url URL [-explore-steps N] [-explore-time D] [-seed S] [-model-strict] [flags]\n       contracttest diff OLD.yaml NEW.yaml   (compare two versions of the contract per action; contracttest diff -h)\n\nRuns the contract suite of the Cloud Plans billing API against a target; with -explore, random\nsequences compared step by step with the reference model instead.\nExit status: 0 all passed, 1 a contract failure (a divergence), 2 a usage error or an unreachable target.\n\nFlags:\n")
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
	if err := checkExploreFlags(s.explore, set); err != nil {
		return nil, err
	}

	file := map[string]string{}
	if configFile != "" {
		var err error
		if file, err = readConfig(configFile, keys); err != nil {
			return nil, err
		}
	}
	for _, v := range values {
		switch {
		case set[v.flag]:
		case getenv(v.env) != "":
			*v.dest = getenv(v.env)
		default:
			*v.dest = file[v.key]
		}
	}
	if baseURL == "" {
		baseURL = "http://127.0.0.1:8080"
	}
	s.opts.BaseURL = baseURL
	switch level {
	case "", "all":
	case "docs":
		s.opts.Level = contracttest.LevelDocs
	default:
		return nil, fmt.Errorf("-level must be docs or all, not %q", level)
	}
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
	if scenarios != "" {
		if st, err := os.Stat(scenarios); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("-scenarios %s: not a directory", scenarios)
		}
		s.opts.Scenarios = os.DirFS(scenarios)
	}
	switch {
	case s.exploreOpts.Steps < 1:
		return nil, errors.New("-explore-steps must be at least 1")
	case s.exploreOpts.Time < 0:
		return nil, errors.New("-explore-time must not be negative")
	}
	if s.explore && !set["parallel"] {
		s.opts.Parallel = contracttest.DefaultExploreParallel
	}
	s.exploreOpts.Options = s.opts
	return s, nil
}

// The flags of an exploration, and those of a run of the scenarios, which an exploration does not
// read.
var (
	exploreFlags  = []string{"explore-steps", "explore-time", "seed", "model-strict"}
	scenarioFlags = []string{"run", "scenarios", "min-coverage", "require-control"}
)

// checkExploreFlags refuses the flags of the other kind of run: an exploration flag without
// -explore, or a scenario flag with it.
func checkExploreFlags(explore bool, set map[string]bool) error {
	names, need := exploreFlags, "needs -explore"
	if explore {
		names, need = scenarioFlags, "selects scenarios; -explore runs none"
	}
	for _, n := range names {
		if set[n] {
			return fmt.Errorf("-%s %s", n, need)
		}
	}
	return nil
}

// readConfig reads a -config file: a YAML mapping of known keys to strings. An unknown key or a
// value that is not a string is reported with its line and the known keys.
func readConfig(path string, known []string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("-config: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("-config %s: not YAML: %w", path, err)
	}
	out := map[string]string{}
	if len(doc.Content) == 0 {
		return out, nil // an empty file sets nothing
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("-config %s:%d: expected a mapping of keys (%s) to strings", path, root.Line, strings.Join(known, ", "))
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch {
		case !slices.Contains(known, k.Value):
			return nil, fmt.Errorf("-config %s:%d: unknown key %q (known: %s)", path, k.Line, k.Value, strings.Join(known, ", "))
		case v.Kind != yaml.ScalarNode || v.Tag == "!!null":
			return nil, fmt.Errorf("-config %s:%d: %s: expected a string", path, v.Line, k.Value)
		}
		if _, dup := out[k.Value]; dup {
			return nil, fmt.Errorf("-config %s:%d: key %q appears twice", path, k.Line, k.Value)
		}
		out[k.Value] = v.Value
	}
	return out, nil
}
