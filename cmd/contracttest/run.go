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

// runEnv runs the command with getenv as its environment and returns its exit code.
func runEnv(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
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
	rep, err := contracttest.Execute(ctx, s.opts)
	if err != nil {
		fmt.Fprintln(stderr, "contracttest:", err)
		return exitUsage
	}
	if s.format == "json" {
		err = contracttest.WriteJSON(stdout, rep)
	} else {
		err = contracttest.WriteText(stdout, rep, s.verbose)
	}
	if err != nil {
		fmt.Fprintln(stderr, "contracttest: write the report:", err)
		return exitUsage
	}
	if s.junit != "" {
		var b bytes.Buffer
		if err := contracttest.WriteJUnit(&b, rep); err != nil || os.WriteFile(s.junit, b.Bytes(), 0o644) != nil {
			fmt.Fprintf(stderr, "contracttest: cannot write -junit %s\n", s.junit)
			return exitUsage
		}
	}
	if !rep.OK() {
		return exitFailed
	}
	return exitPassed
}
