//go:build unix

// The README's shell examples run as written. TestREADMEShellBlocks extracts every ```sh (also
// ```bash and ```shell) block of README.md and runs it with bash against a fresh mock of its own:
//
//   - Each block gets a new in-process mock with the default seed on a free loopback port, and
//     every "http://127.0.0.1:8080" (and "http://localhost:8080") of the block, answers included,
//     is replaced by that mock's URL. "go run ./cmd/contracttest" and "go run ./cmd/billing-mock"
//     are replaced by binaries the test builds from this tree once. The block runs in an empty
//     temporary directory (files it writes, such as state.yaml, go there), with `set -uo pipefail`,
//     and with HTTP(S)_PROXY pointing at a closed loopback port, so that a request to anything
//     but the loopback mock fails instead of leaving the machine.
//   - The commands of a block run one after the other in one bash process (shell variables carry
//     over, as in a terminal), and each must exit 0. A failure names the README line of the command,
//     its exit status and its output.
//   - A comment line right after a command (no blank line between) whose text starts with "{",
//     "[", "...", "http://" or "https://" shows the command's answer; following such lines continue it (their leading
//     spaces dropped, the lines joined). The command's output must match it, where "..." stands
//     for any text: `# {"status":200,...}` means the output starts with `{"status":200,` and
//     `# ..."status":"past_due"}` that it ends with `"status":"past_due"}`. Other comments are prose.
//
// A block that cannot run in a test (it starts a long-running server, needs podman or the
// network, runs the whole test suite) opts out with an HTML comment, invisible on GitHub, on the
// line right before its fence, giving the reason:
//
//	<!-- readme-test: skip (starts the mock and blocks) -->
//	```sh
//	make run
//	```
//
// Keep such blocks few: a skip without a reason, or one not followed by a shell block, fails the
// test. TestREADMEFixturesExample loads the seed example of the "Fixtures" section with
// fixture.Parse, as -fixtures would.
package billingmock_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// readmeAddr is the address the README's examples use, that of `make run`.
var readmeAddrs = []string{"http://127.0.0.1:8080", "http://localhost:8080"}

// blockTimeout bounds one block: its commands talk to a loopback mock and take milliseconds.
const blockTimeout = 60 * time.Second

// shellBlock is one fenced shell block of a Markdown file.
type shellBlock struct {
	line int      // the README line of its first content line
	text []string // its lines, indentation of the fence removed
	skip string   // the reason it opts out ("" when it runs)
}

// command is one shell command of a block, with the answer its comment shows ("" for none).
type command struct {
	line   int
	text   string
	answer string
}

var (
	fenceRE = regexp.MustCompile("^(\\s*)```\\s*([A-Za-z0-9_-]*)(.*)$")
	skipRE  = regexp.MustCompile(`^\s*<!--\s*readme-test:\s*skip\b(.*?)-->\s*$`)
)

// shellBlocks returns the shell blocks of a Markdown document, or an error for a malformed opt-out.
func shellBlocks(markdown string) ([]shellBlock, error) {
	lines := strings.Split(markdown, "\n")
	var blocks []shellBlock
	for i := 0; i < len(lines); i++ {
		m := fenceRE.FindStringSubmatch(lines[i])
		skipReason, skipped := "", false
		if sm := skipRE.FindStringSubmatch(lines[i]); sm != nil {
			reason := strings.Trim(strings.TrimSpace(sm[1]), "():- ")
			if reason == "" {
				return nil, fmt.Errorf("README.md:%d: a readme-test skip must give its reason: <!-- readme-test: skip (why) -->", i+1)
			}
			if i+1 >= len(lines) || !isShellFence(lines[i+1]) {
				return nil, fmt.Errorf("README.md:%d: a readme-test skip must be on the line right before a ```sh block", i+1)
			}
			skipReason, skipped = reason, true
			i++
			m = fenceRE.FindStringSubmatch(lines[i])
		}
		if m == nil {
			continue
		}
		indent, lang := m[1], m[2]
		b := shellBlock{line: i + 2, skip: skipReason}
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			b.text = append(b.text, strings.TrimPrefix(lines[i], indent))
		}
		if isShell(lang) {
			blocks = append(blocks, b)
		} else if skipped {
			return nil, fmt.Errorf("README.md:%d: a readme-test skip before a ```%s block", b.line-2, lang)
		}
	}
	return blocks, nil
}

func isShell(lang string) bool { return lang == "sh" || lang == "bash" || lang == "shell" }

func isShellFence(line string) bool {
	m := fenceRE.FindStringSubmatch(line)
	return m != nil && isShell(m[2])
}

// commands splits a block into its commands, each with the answer shown under it. A command ends
// at the first line where the text so far is complete shell (bash -n accepts it without a warning
// and it does not end in a backslash), so multi-line commands, pipes and quotes stay whole.
func commands(b shellBlock) ([]command, error) {
	var out []command
	var acc []string
	start := 0
	for i, line := range b.text {
		trimmed := strings.TrimSpace(line)
		if len(acc) == 0 {
			if trimmed == "" {
				continue
			}
			if strings.HasPrefix(trimmed, "#") {
				if text, ok := answerText(trimmed); ok && len(out) > 0 && followsCommand(b.text, i) {
					last := &out[len(out)-1]
					last.answer += text
				}
				continue
			}
			start = b.line + i
		}
		acc = append(acc, line)
		text := strings.Join(acc, "\n")
		if strings.HasSuffix(trimmed, "\\") || !completeShell(text) {
			continue
		}
		out = append(out, command{line: start, text: text})
		acc = nil
	}
	if len(acc) > 0 {
		return nil, fmt.Errorf("README.md:%d: not a complete shell command (bash -n: %s):\n%s", start, bashCheck(strings.Join(acc, "\n")), strings.Join(acc, "\n"))
	}
	return out, nil
}

// answerText is the text of a comment line that shows an answer: "# {...}", "# [...", "# ...",
// "# http://...".
func answerText(comment string) (string, bool) {
	text := strings.TrimSpace(strings.TrimPrefix(comment, "#"))
	for _, start := range []string{"{", "[", "...", "http://", "https://"} {
		if strings.HasPrefix(text, start) {
			return text, true
		}
	}
	return "", false
}

// followsCommand reports whether the comment on line i comes right after a command line or after
// another answer line: a blank line or a prose comment in between makes it prose.
func followsCommand(lines []string, i int) bool {
	for j := i - 1; j >= 0; j-- {
		prev := strings.TrimSpace(lines[j])
		if prev == "" {
			return false
		}
		if !strings.HasPrefix(prev, "#") {
			return true
		}
		if _, ok := answerText(prev); !ok {
			return false
		}
	}
	return false
}

// completeShell reports whether bash parses text as complete commands, without "unexpected end of
// file" and without a here-document left open.
func completeShell(text string) bool { return bashCheck(text) == "" }

// bashCheck is what `bash -n` says about text ("" when it accepts it silently).
func bashCheck(text string) string {
	cmd := exec.Command("bash", "-n")
	cmd.Stdin = strings.NewReader(text + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil && len(out) == 0 {
		return err.Error()
	}
	return strings.TrimSpace(string(out))
}

// matchAnswer reports whether output matches the answer a README comment shows ("..." is any text).
func matchAnswer(answer, output string) bool {
	output = strings.TrimSpace(output)
	parts := strings.Split(answer, "...")
	if !strings.HasPrefix(output, parts[0]) {
		return false
	}
	rest := output[len(parts[0]):]
	last := len(parts) - 1
	if last == 0 {
		return rest == ""
	}
	for _, p := range parts[1:last] {
		k := strings.Index(rest, p)
		if k < 0 {
			return false
		}
		rest = rest[k+len(p):]
	}
	return strings.HasSuffix(rest, parts[last])
}

// runner runs blocks: the binaries "go run ./cmd/..." stands for, and a fresh mock per block.
type runner struct {
	bins map[string]string // "go run ./cmd/contracttest" → a binary built from this tree
}

// marker separates the output of one command from the next; \x1e never appears in the mock's JSON.
const marker = "\x1ereadme-test-status "

// run runs one block against a fresh mock and returns what went wrong, each problem naming its line.
func (r *runner) run(t *testing.T, b shellBlock) []string {
	srv, err := mock.New(mock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	substitute := func(s string) string {
		for _, addr := range readmeAddrs {
			s = strings.ReplaceAll(s, addr, ts.URL)
		}
		for from, to := range r.bins {
			s = strings.ReplaceAll(s, from, to)
		}
		return s
	}
	cmds, err := commands(b)
	if err != nil {
		return []string{err.Error()}
	}
	if len(cmds) == 0 {
		return []string{fmt.Sprintf("README.md:%d: the block has no command (opt it out, or make it a ```text block)", b.line)}
	}
	var script strings.Builder
	script.WriteString("set -uo pipefail\nexec 2>&1\n")
	for i, c := range cmds {
		fmt.Fprintf(&script, "%s\nprintf '\\n%s%d %%d\\n' \"$?\"\n", substitute(c.text), marker, i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), blockTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(),
		"HTTP_PROXY=http://127.0.0.1:9", "HTTPS_PROXY=http://127.0.0.1:9", "http_proxy=http://127.0.0.1:9", "https_proxy=http://127.0.0.1:9",
		"NO_PROXY=127.0.0.1,localhost,::1", "no_proxy=127.0.0.1,localhost,::1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, runErr := cmd.Output()

	outputs, statuses := splitOutput(string(out))
	var problems []string
	for i, c := range cmds {
		shown := indent(c.text)
		if i >= len(statuses) {
			why := "it did not finish"
			if ctx.Err() != nil {
				why = fmt.Sprintf("the block took longer than %s", blockTimeout)
			} else if runErr != nil {
				why = fmt.Sprintf("bash stopped (%v)", runErr)
			}
			problems = append(problems, fmt.Sprintf("README.md:%d: %s:\n%s\noutput:\n%s", c.line, why, shown, indent(outputs[len(outputs)-1])))
			break
		}
		if statuses[i] != "0" {
			problems = append(problems, fmt.Sprintf("README.md:%d: exit status %s:\n%s\noutput:\n%s", c.line, statuses[i], shown, indent(outputs[i])))
			break
		}
		if c.answer != "" && !matchAnswer(substitute(c.answer), outputs[i]) {
			problems = append(problems, fmt.Sprintf("README.md:%d: the command's output does not match the answer its comment shows (\"...\" is any text):\n%s\nREADME:  %s\nprinted: %s", c.line, shown, c.answer, strings.TrimSpace(outputs[i])))
		}
	}
	return problems
}

// splitOutput cuts a block's output at the markers: outputs[i] is command i's output and
// statuses[i] its exit status; a last output without a status is what came after the last marker.
func splitOutput(out string) (outputs, statuses []string) {
	rest := out
	for {
		k := strings.Index(rest, marker)
		if k < 0 {
			return append(outputs, rest), statuses
		}
		line, after, _ := strings.Cut(rest[k+len(marker):], "\n")
		_, status, _ := strings.Cut(line, " ")
		outputs = append(outputs, strings.TrimSuffix(rest[:k], "\n"))
		statuses = append(statuses, status)
		rest = after
	}
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "    (nothing)"
	}
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}

var (
	buildOnce sync.Once
	builtBins map[string]string
	buildErr  error
)

// binaries builds the commands the README runs with "go run" once per test binary.
func binaries(t *testing.T) map[string]string {
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "readme-test-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBins = map[string]string{}
		for _, name := range []string{"contracttest", "billing-mock"} {
			bin := filepath.Join(dir, name)
			if out, err := exec.Command("go", "build", "-o", bin, "./cmd/"+name).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go build ./cmd/%s: %v\n%s", name, err, out)
				return
			}
			builtBins["go run ./cmd/"+name] = bin
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBins
}

// TestMain removes the binaries binaries built.
func TestMain(m *testing.M) {
	code := m.Run()
	for _, bin := range builtBins {
		os.RemoveAll(filepath.Dir(bin))
		break
	}
	os.Exit(code)
}

func TestREADMEShellBlocks(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := shellBlocks(string(data))
	if err != nil {
		t.Fatal(err)
	}
	r := &runner{bins: binaries(t)}
	ran := 0
	for _, b := range blocks {
		t.Run(fmt.Sprintf("line_%d", b.line), func(t *testing.T) {
			if b.skip != "" {
				t.Skipf("README.md:%d opts out: %s", b.line, b.skip)
			}
			t.Parallel()
			for _, p := range r.run(t, b) {
				t.Error(p)
			}
		})
		if b.skip == "" {
			ran++
		}
	}
	if ran < 5 {
		t.Errorf("only %d shell blocks of README.md ran; the README test is meant to run its examples", ran)
	}
}

// TestREADMETestItself: the runner catches what it is there to catch, on a made-up README.
func TestREADMETestItself(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	r := &runner{bins: binaries(t)}
	md := func(lines ...string) string { return strings.Join(lines, "\n") }
	describe := "curl -s -H 'Authorization: Bearer tok_owner' 'http://127.0.0.1:8080/v1/organizations/billing/describe?action=getorganization&org_id=org_acme'"
	tests := []struct {
		name     string
		markdown string
		want     []string // each a regexp one problem must match, in order; none means it passes
	}{
		{"passes", md("```sh", "# prose", describe, `# {"status":200,...`, `#   ..."quantity":"3",...}`, "", "# more prose", "x=$(echo hi) &&", "  echo \"$x\" | tr a-z A-Z", "```"), nil},
		{"variables carry over", md("```sh", "link=$(curl -s -X POST -H 'Authorization: Bearer tok_owner' \\", "  'http://127.0.0.1:8080/v1/organizations/billing/update?action=getpaymentlink&org_id=org_new&quantity=2' |", "  sed -E 's/.*\"response\":\"([^\"]+)\".*/\\1/')", `curl -s -X POST "http://127.0.0.1:8080/_mock/checkouts/${link##*/}/complete"`, `# {"status":200,...,"outcome":"paid",...}`, "```"), nil},
		{"failing command", md("text", "```bash", "echo one", "false", "echo never", "```"), []string{`^README\.md:4: exit status 1:\n    false\n`}},
		{"unset variable", md("```sh", `curl -s "http://127.0.0.1:8080/_mock/checkouts/$id/complete"`, "```"), []string{`^README\.md:2: bash stopped \(exit status [1-9][0-9]*\)[\s\S]*id: unbound variable`}},
		{"wrong answer", md("```sh", describe, `# {"status":200,"response":{"id":"org_other"...`, "```"), []string{`^README\.md:2: the command's output does not match[\s\S]*README:  \{"status":200,"response":\{"id":"org_other"...\nprinted: \{"status":200,`}},
		{"prose after a blank line is no answer", md("```sh", describe, "", `# {"status":404}`, "echo ok", "```"), nil},
		{"incomplete command", md("```sh", "echo 'open", "```"), []string{`^README\.md:2: not a complete shell command`}},
		{"no network beyond the mock", md("```sh", "curl -sf http://billing.example.test/", "```"), []string{`^README\.md:2: exit status [1-9]`}},
		{"contracttest runs from this tree", md("```sh", "go run ./cmd/contracttest -base-url http://127.0.0.1:8080 -run '^read$'", "# ...1 passed, 0 failed, 0 skipped", "```"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			blocks, err := shellBlocks(tt.markdown)
			if err != nil || len(blocks) != 1 {
				t.Fatalf("blocks %v, %v", blocks, err)
			}
			problems := r.run(t, blocks[0])
			if len(problems) != len(tt.want) {
				t.Fatalf("problems:\n%s\nwant %d matching %q", strings.Join(problems, "\n"), len(tt.want), tt.want)
			}
			for i, re := range tt.want {
				if !regexp.MustCompile(re).MatchString(problems[i]) {
					t.Errorf("problem %q does not match %q", problems[i], re)
				}
			}
		})
	}
}

func TestREADMESkipComments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		markdown string
		err      string // "" when it parses; the skip reason is then "starts the mock"
	}{
		{"<!-- readme-test: skip (starts the mock) -->\n```sh\nmake run\n```", ""},
		{"<!-- readme-test: skip -->\n```sh\nmake run\n```", "README.md:1: a readme-test skip must give its reason"},
		{"<!-- readme-test: skip (x) -->\n\n```sh\nmake run\n```", "README.md:1: a readme-test skip must be on the line right before"},
		{"<!-- readme-test: skip (x) -->\n```yaml\na: 1\n```", "README.md:1: a readme-test skip must be on the line right before"},
	}
	for _, tt := range tests {
		blocks, err := shellBlocks(tt.markdown)
		switch {
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.markdown, err)
		case tt.err == "" && (len(blocks) != 1 || blocks[0].skip != "starts the mock"):
			t.Errorf("%q: blocks %+v", tt.markdown, blocks)
		case tt.err != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.err)):
			t.Errorf("%q: error %v, want %q", tt.markdown, err, tt.err)
		}
	}
}

// TestREADMEFixturesExample: the seed shown under "## Fixtures" loads, as `-fixtures FILE` would
// load it.
func TestREADMEFixturesExample(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	yaml, line := "", 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	inSection, inBlock := false, false
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case strings.HasPrefix(l, "## "):
			inSection = l == "## Fixtures"
		case inSection && !inBlock && strings.HasPrefix(l, "```yaml"):
			inBlock, line = true, n+1
		case inBlock && strings.HasPrefix(l, "```"):
			inBlock, inSection = false, false
		case inBlock:
			yaml += l + "\n"
		}
	}
	if yaml == "" {
		t.Fatal(`README.md has no ` + "```yaml" + ` block under "## Fixtures"`)
	}
	seed, err := fixture.Parse("README.md (Fixtures example, from line "+fmt.Sprint(line)+")", []byte(yaml))
	if err != nil {
		t.Fatalf("the Fixtures example does not load: %v", err)
	}
	if _, err := mock.New(mock.Options{Seed: seed}); err != nil {
		t.Fatalf("the mock refuses the Fixtures example: %v", err)
	}
}
