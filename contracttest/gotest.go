package contracttest

import (
	"context"
	"testing"
)

// Run runs the suite against baseURL from a Go test: each scenario is a subtest (t.Run) that fails
// with t.Error for each failure and is skipped with t.Skip when skipped (the skip says which
// capability it misses). A run error (an unreachable target, bad options) and a coverage failure
// fail t itself; the failures counted by level are logged. It returns the report.
func Run(t *testing.T, baseURL string, opts Options) *Report {
	t.Helper()
	opts.BaseURL = baseURL
	rep, err := Execute(context.Background(), opts)
	if err != nil {
		t.Fatalf("contracttest: %v", err)
		return nil
	}
	for _, sc := range rep.Scenarios {
		t.Run(sc.Name, func(t *testing.T) {
			switch sc.Outcome {
			case Skipped:
				t.Skip(sc.SkipReason)
			case Failed:
				for _, f := range sc.Failures {
					t.Errorf("%s: step %d %q (line %d):\n%s", sc.File, f.StepIndex, f.Step, f.Line, FailureText(f))
				}
			}
		})
	}
	for _, e := range rep.Errors {
		t.Error(e)
	}
	if line := levelText(rep); line != "" {
		t.Log(line)
	}
	return rep
}
