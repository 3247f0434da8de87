package contracttest

import (
	"fmt"
	"strings"
)

// writeExplorationText writes an exploration's report for people: what ran, what was left out,
// and the divergence with its shrunk scenario; the last line counts the divergences.
func writeExplorationText(b *strings.Builder, rep *Report) {
	x := rep.Exploration
	fmt.Fprintf(b, "exploration of %s (seed %d; model from the %s; model-strict: %s; test-support protocol: %s; sequences isolated: %s)\n",
		rep.BaseURL, x.Seed, x.ModelStart, yesNo(x.ModelStrict), yesNo(rep.Control), yesNo(rep.Isolated))
	fmt.Fprintf(b, "capabilities: %s\n", capabilityText(rep.Capabilities))
	for _, l := range x.LeftOut {
		fmt.Fprintf(b, "left out: %s: %s\n", l.Step, l.Reason)
	}
	fmt.Fprintf(b, "%d steps in %d sequences, %d requests, %s\n", x.Steps, x.Sequences, x.Requests, rep.Duration.Round(1e6))
	for _, sc := range rep.Scenarios {
		for _, f := range sc.Failures {
			switch d := x.Divergence; {
			case d != nil && d.Steps > 0:
				fmt.Fprintf(b, "DIVERGED in sequence %d after %d steps; shrunk to %d steps:\n", d.Sequence, d.Steps, d.ShrunkSteps)
			case d != nil:
				fmt.Fprintf(b, "DIVERGED in sequence %d before its first step:\n", d.Sequence)
			}
			writeFailure(b, f)
		}
	}
	if d := x.Divergence; d != nil && d.Scenario != "" {
		b.WriteString("\nthe shrunk sequence as a scenario (save it in fixtures/contract/):\n\n")
		b.WriteString(d.Scenario)
		b.WriteString("\n")
	}
	for _, h := range rep.Hints {
		fmt.Fprintf(b, "HINT  %s\n", h)
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(b, "ERROR %s\n", e)
	}
	fmt.Fprintf(b, "%d divergences (-seed %d repeats the run)\n", x.Divergences, x.Seed)
}
