package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	billingmock "github.com/cloudplans/billing-mock"
)

// specs writes the embedded openapi.yaml, a version of it with one breaking change, one with one
// compatible change and one that does not load, and returns their paths.
func specs(t *testing.T) (same, breaking, compatible, broken string) {
	t.Helper()
	dir := t.TempDir()
	doc := string(billingmock.OpenAPI())
	write := func(name, old, new string) string {
		t.Helper()
		edited := strings.Replace(doc, old, new, 1)
		if old != "" && edited == doc {
			t.Fatalf("%s: %q is not in openapi.yaml", name, old)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(edited), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return write("same.yaml", "", ""),
		write("breaking.yaml", "      maximum: 10000", "      maximum: 100"),
		write("compatible.yaml", "      maximum: 10000", "      maximum: 20000"),
		write("broken.yaml", "    OrgRequest:\n", "    OrgRequest:\n      type: nonsense\n")
}

func TestDiffExitCodes(t *testing.T) {
	t.Parallel()
	same, breaking, compatible, broken := specs(t)
	missing := filepath.Join(t.TempDir(), "none.yaml")
	cases := []struct {
		name   string
		args   []string
		want   int
		out    string // in stdout
		errOut string // in stderr
	}{
		{"nothing changed", []string{"diff", same, same}, 0, "no changes in 6 actions", ""},
		{"a compatible change", []string{"diff", same, compatible}, 0, "0 breaking changes and 2 compatible changes, in 2 of 6 actions", ""},
		{"a breaking change", []string{"diff", same, breaking}, 1, "BREAKING    query #/properties/quantity/maximum  [request-parameter-max-decreased]", ""},
		{"flags after the documents", []string{"diff", same, breaking, "-format", "json"}, 1, `"breaking": 2`, ""},
		{"the reverse is compatible", []string{"diff", breaking, same}, 0, "[request-parameter-max-increased]", ""},
		{"help", []string{"diff", "-h"}, 0, "", "Usage: contracttest diff"},
		{"one document", []string{"diff", same}, 2, "", "want two documents, OLD and NEW; got 1"},
		{"three documents", []string{"diff", same, same, same}, 2, "", "got 3"},
		{"a bad format", []string{"diff", "-format", "xml", same, same}, 2, "", `-format must be text or json, not "xml"`},
		{"an unknown flag", []string{"diff", "-nope", same, same}, 2, "", "flag provided but not defined: -nope"},
		{"a missing file", []string{"diff", same, missing}, 2, "", "NEW " + missing + ": open " + missing + ": no such file or directory"},
		{"NEW does not load", []string{"diff", same, broken}, 2, "", "contracttest diff: NEW " + broken + ": contract: "},
		{"OLD does not load", []string{"diff", broken, same}, 2, "", "contracttest diff: OLD " + broken + ": contract: "},
		{"OLD does not load, skipped", []string{"diff", "-skip-unloadable-old", broken, same}, 0, "", "skipped: OLD " + broken + " does not load"},
		{"OLD cannot be read, not skipped", []string{"diff", "-skip-unloadable-old", missing, same}, 2, "", "OLD " + missing + ": open " + missing},
		{"OLD skipped, NEW does not load", []string{"diff", "-skip-unloadable-old", broken, broken}, 2, "", "NEW " + broken},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var out, errOut bytes.Buffer
			if got := runEnv(context.Background(), c.args, noEnv, &out, &errOut); got != c.want {
				t.Fatalf("exit %d, want %d\n%s\n%s", got, c.want, out.String(), errOut.String())
			}
			if !strings.Contains(out.String(), c.out) {
				t.Errorf("stdout lacks %q:\n%s", c.out, out.String())
			}
			if !strings.Contains(errOut.String(), c.errOut) {
				t.Errorf("stderr lacks %q:\n%s", c.errOut, errOut.String())
			}
		})
	}
}

func TestDiffReadsStandardInput(t *testing.T) {
	t.Parallel()
	same, breaking, _, _ := specs(t)
	var out, errOut bytes.Buffer
	if code := runDiff([]string{"-format", "json", "-", breaking}, bytes.NewReader(billingmock.OpenAPI()), &out, &errOut); code != exitFailed {
		t.Fatalf("exit %d\n%s", code, errOut.String())
	}
	var rep struct {
		Old      string `json:"old"`
		Breaking int    `json:"breaking"`
		Changes  []struct {
			Action, In, Pointer string
		} `json:"changes"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Old != "-" || rep.Breaking != 2 || len(rep.Changes) != 2 {
		t.Fatalf("%v %+v\n%s", err, rep, out.String())
	}
	if c := rep.Changes[0]; c.Action != "getpaymentlink" || c.In != "query" || c.Pointer != "/properties/quantity/maximum" {
		t.Errorf("first change %+v", c)
	}
	if code := runDiff([]string{"-", "-"}, strings.NewReader(""), &out, &errOut); code != exitUsage {
		t.Errorf("- twice: exit %d", code)
	}
	if code := runDiff([]string{"-", same}, strings.NewReader("not: [openapi"), &out, &errOut); code != exitUsage {
		t.Errorf("a broken standard input: exit %d", code)
	}
}

// TestTopLevelUsageNamesDiff: the runner's -h tells of the subcommand, and a runner flag is
// still a runner flag.
func TestTopLevelUsageNamesDiff(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if code := runEnv(context.Background(), []string{"-h"}, noEnv, &out, &errOut); code != exitPassed || !strings.Contains(errOut.String(), "contracttest diff OLD.yaml NEW.yaml") {
		t.Errorf("-h: exit %d\n%s", code, errOut.String())
	}
}
