// Command contracttest runs the contract suite of the Cloud Plans billing API against a target.
//
//	contracttest -base-url http://127.0.0.1:8080 [-token T -member-token T -outsider-token T
//	             -org ID -fresh-org ID -outsider-org ID] [-hook CMD] [-level docs|all]
//	             [-config FILE] [-run REGEX] [-format text|json] [-junit FILE] [-timeout 10s]
//	             [-parallel N] [-v] [-require-control] [-min-coverage PERCENT] [-scenarios DIR]
//	contracttest -explore [-explore-steps N] [-explore-time D] [-seed S] [-model-strict]
//	             [the roles, -hook, -level, -format, -junit, -timeout, -parallel, -v]
//	contracttest -version
//	contracttest diff [-format text|json] [-skip-unloadable-old] OLD.yaml NEW.yaml
//
// Each of the roles, -base-url, -hook and -level comes from its flag, else from its
// CONTRACTTEST_* environment variable, else from the -config YAML file, else from the mock's
// default fixtures. -hook CMD performs the state steps a test cannot do over the billing API
// (completing a payment): contracttest/FORMAT.md, "Provider states". Exit codes: 0 all passed, 1
// at least one contract failure, 2 a usage error or an unreachable target (the JSON and JUnit
// reports are written then too, with the error).
//
// contracttest -explore runs random sequences of steps instead of the scenarios, each step
// compared with a reference model (the billing mock's rules, in process), and prints the first
// divergence shrunk to a minimal scenario; it exits 1 on a divergence, 2 on a usage error.
//
// contracttest diff compares two versions of the contract action by action (package
// contractdiff) and exits 0 when nothing breaks, 1 when something breaks, 2 on a usage error or a
// document that does not load.
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := runEnv(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
