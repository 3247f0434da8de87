package contracttest

import (
	"context"
	"io/fs"
	"net/http"
	"regexp"
	"time"
)

// Roles are the tokens and organizations the scenarios act with. The zero value of a field means
// the mock's default fixture (see DefaultRoles).
type Roles struct {
	// Token is the owner of Org (which has an active subscription) and of FreshOrg (which has none).
	Token string `yaml:"token" json:"token"`
	// MemberToken is a member, not the owner, of Org.
	MemberToken string `yaml:"member_token" json:"member_token"`
	// OutsiderToken is the owner of OutsiderOrg and not a member of Org.
	OutsiderToken string `yaml:"outsider_token" json:"outsider_token"`
	// Org is an organization with an active subscription.
	Org string `yaml:"org" json:"org"`
	// FreshOrg is an organization without a subscription, owned by Token.
	FreshOrg string `yaml:"fresh_org" json:"fresh_org"`
	// OutsiderOrg is an organization owned by OutsiderToken.
	OutsiderOrg string `yaml:"outsider_org" json:"outsider_org"`
}

// DefaultRoles are the mock's default fixtures (fixtures/seed.yaml).
func DefaultRoles() Roles {
	return Roles{
		Token: "tok_owner", MemberToken: "tok_member", OutsiderToken: "tok_outsider",
		Org: "org_acme", FreshOrg: "org_new", OutsiderOrg: "org_outsider",
	}
}

// WithDefaults fills every empty role from DefaultRoles.
func (r Roles) WithDefaults() Roles {
	d := DefaultRoles()
	for _, p := range []struct{ v, def *string }{
		{&r.Token, &d.Token}, {&r.MemberToken, &d.MemberToken}, {&r.OutsiderToken, &d.OutsiderToken},
		{&r.Org, &d.Org}, {&r.FreshOrg, &d.FreshOrg}, {&r.OutsiderOrg, &d.OutsiderOrg},
	} {
		if *p.v == "" {
			*p.v = *p.def
		}
	}
	return r
}

// DefaultTimeout bounds each request when Options.Timeout is 0.
const DefaultTimeout = 10 * time.Second

// DefaultParallel is the number of scenarios run at once when Options.Parallel is 0.
const DefaultParallel = 4

// Options configure Execute and Run. The zero value runs the embedded scenarios with the mock's
// default roles.
type Options struct {
	// BaseURL is where every request goes, control calls included; it may have a path prefix.
	BaseURL string
	// Roles are the tokens and organizations; empty fields take the mock's defaults.
	Roles Roles
	// Run keeps only the scenarios whose name it matches; nil keeps all.
	Run *regexp.Regexp
	// Scenarios is the directory of *.yaml scenarios; nil means the embedded fixtures/contract.
	Scenarios fs.FS
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// Parallel is the number of scenarios run at once; 0 means DefaultParallel.
	Parallel int
	// RequireControl reports the scenarios skipped for a capability the run lacks as failures.
	RequireControl bool
	// MinCoverage, in percent, fails the run when fewer action × status pairs were exercised.
	MinCoverage float64
	// RunID makes the X-Mock-Session ids unique to this run; empty means a random one.
	RunID string
	// Client sends the requests; nil means a new client (no overall timeout: Timeout applies).
	Client *http.Client
	// Hooks perform state steps from Go; each non-nil func supplies its capability and wins over
	// HookCommand and the test-support protocol (GET /_mock/health) for it.
	Hooks Hooks
	// HookCommand is a shell command (run with sh -c) that performs state steps: the -hook
	// protocol of FORMAT.md, "Provider states". It wins over the test-support protocol for each
	// capability it lists.
	HookCommand string
	// Level is the conformance level reported: LevelDocs reports only the findings against the
	// docs; "" reports the docs and the decisions of this contract.
	Level Level

	// replay, in tests, sends each step's request by running its reproduce command instead.
	replay func(ctx context.Context, command string) (*answer, error)
}
