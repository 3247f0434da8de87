package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/internal/version"
)

// run runs the command with the process's environment and returns its exit code.
func run(args []string, stdout, stderr io.Writer) int {
	return runEnv(context.Background(), args, os.Getenv, stdout, stderr)
}

// runEnv runs the command with getenv as its environment and returns its exit code. The -junit
// file is opened before the run, so that a path that cannot be written is reported at once; the
// JSON and JUnit reports are written whatever happens once the flags are read, with the error
// that stopped the run as their one error.
//
// `contracttest diff ...` is the breaking-change gate (runDiff); it reads "-" from os.Stdin.
func runEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "diff" {
		return runDiff(args[1:], os.Stdin, stdout, stderr)
	}
	s, err := parseArgs(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitPassed
	}
	if err != nil {
		fmt.Fprintln(stderr, "contracttest:", err)
		return exitUsage
	}
	if s.version {
		fmt.Fprintln(stdout, version.Line("contracttest"))
		return exitPassed
	}
	var junit *os.File
	if s.junit != "" {
		if junit, err = os.Create(s.junit); err != nil {
			fmt.Fprintf(stderr, "contracttest: -junit: %v\n", err)
			return exitUsage
		}
		defer junit.Close()
	}
	var rep *contracttest.Report
	var runErr error
	if s.explore {
		rep, runErr = contracttest.Explore(ctx, s.exploreOpts)
	} else {
		rep, runErr = contracttest.Execute(ctx, s.opts)
	}
	code := exitPassed
	switch {
	case runErr != nil:
		fmt.Fprintln(stderr, "contracttest:", runErr)
		code = exitUsage
	case !rep.OK():
		code = exitFailed
	}
	switch {
	case s.format == "json":
		err = contracttest.WriteJSON(stdout, rep)
	case runErr == nil:
		err = contracttest.WriteText(stdout, rep, s.verbose)
	}
	if err != nil {
		fmt.Fprintln(stderr, "contracttest: write the report:", err)
		code = exitUsage
	}
	if junit != nil {
		var b bytes.Buffer
		if err := contracttest.WriteJUnit(&b, rep); err != nil {
			fmt.Fprintln(stderr, "contracttest: -junit:", err)
			return exitUsage
		}
		if _, err := junit.Write(b.Bytes()); err != nil {
			fmt.Fprintf(stderr, "contracttest: -junit %s: %v\n", s.junit, err)
			return exitUsage
		}
		if err := junit.Close(); err != nil {
			fmt.Fprintf(stderr, "contracttest: -junit %s: %v\n", s.junit, err)
			return exitUsage
		}
	}
	return code
}
