package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contractdiff"
)

const diffUsage = `Usage: contracttest diff [-format text|json] [-skip-unloadable-old] OLD.yaml NEW.yaml

Compares two versions of the billing contract action by action and reports what changed, breaking
changes first: for each, the action, the part of it that changed (query, request, response STATUS,
or action), a JSON pointer into that part's schema (query: the action's query string as one object
with a property per parameter; request: its JSON body; response: its answer with that status,
narrowed to the action's branch), the id of the rule that found it (oasdiff's ids, and
action-removed, action-added, action-operation-changed, action-status-removed,
action-status-added, description-changed), and the place in OLD or NEW that states it (a JSON
pointer into that document). "-" as OLD or NEW reads it from standard input.

Breaking: a removed action or status; a removed or renamed answer member; a changed type; a new
required parameter or body member; a request enum narrowed or an answer enum widened; a request
bound tightened or an answer bound loosened; a changed pattern. Compatible: the rest (additions,
loosened request bounds, narrowed answer enums, descriptions).
Exit status: 0 nothing breaks, 1 something breaks, 2 a usage error or a document that does not load.

Flags:
`

// runDiff runs `contracttest diff` and returns its exit code. Flags may come before or after the
// two documents.
func runDiff(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contracttest diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "text", "output format: text or json")
	skipOld := fs.Bool("skip-unloadable-old", false, "when OLD is read but does not load (a version of the contract older than this command reads), say why on stderr and exit 0 (an OLD that cannot be read is still an error)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), diffUsage)
		fs.PrintDefaults()
	}
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return exitPassed
			}
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files, args = append(files, fs.Arg(0)), fs.Args()[1:]
	}
	usage := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "contracttest diff: "+format+"\n", a...)
		fmt.Fprintln(stderr, "usage: contracttest diff [-format text|json] [-skip-unloadable-old] OLD.yaml NEW.yaml (see -h)")
		return exitUsage
	}
	if len(files) != 2 {
		return usage("want two documents, OLD and NEW; got %d", len(files))
	}
	if *format != "text" && *format != "json" {
		return usage("-format must be text or json, not %q", *format)
	}
	if files[0] == "-" && files[1] == "-" {
		return usage("only one of OLD and NEW can be read from standard input")
	}
	old, err := loadContract(files[0], stdin)
	if err != nil {
		var unloadable *unloadableError
		if *skipOld && errors.As(err, &unloadable) {
			fmt.Fprintf(stderr, "contracttest diff: skipped: OLD %s does not load, so there is nothing to compare NEW with: %v\n", files[0], err)
			if _, err := loadContract(files[1], stdin); err != nil {
				fmt.Fprintf(stderr, "contracttest diff: NEW %s: %v\n", files[1], err)
				return exitUsage
			}
			return exitPassed
		}
		fmt.Fprintf(stderr, "contracttest diff: OLD %s: %v\n", files[0], err)
		return exitUsage
	}
	new, err := loadContract(files[1], stdin)
	if err != nil {
		fmt.Fprintf(stderr, "contracttest diff: NEW %s: %v\n", files[1], err)
		return exitUsage
	}
	report, err := contractdiff.Compare(old, new)
	if err != nil {
		fmt.Fprintln(stderr, "contracttest diff:", err)
		return exitUsage
	}
	names := contractdiff.Names{Old: files[0], New: files[1]}
	if *format == "json" {
		err = contractdiff.WriteJSON(stdout, report, names)
	} else {
		err = contractdiff.WriteText(stdout, report, names)
	}
	if err != nil {
		fmt.Fprintln(stderr, "contracttest diff: write the report:", err)
		return exitUsage
	}
	if report.Breaking() > 0 {
		return exitFailed
	}
	return exitPassed
}

// loadContract reads and loads a document ("-": standard input). A document that was read but
// does not load is an *unloadableError; one that cannot be read is not, so that
// -skip-unloadable-old never passes a gate whose OLD is a wrong path.
func loadContract(path string, stdin io.Reader) (*contract.Contract, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	c, err := contract.Load(data)
	if err != nil {
		return nil, &unloadableError{err}
	}
	return c, nil
}

// unloadableError is a document that was read but that contract.Load refuses.
type unloadableError struct{ err error }

func (e *unloadableError) Error() string { return e.err.Error() }
func (e *unloadableError) Unwrap() error { return e.err }
