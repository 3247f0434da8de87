package contracttest

import (
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/contract"
	"github.com/getkin/kin-openapi/openapi3"
)

// rulesEntry is one "## <rule>: ..." section of RULES.md.
type rulesEntry struct {
	rule      string // "D4" or "docs: getorganization"
	docsLevel bool   // a decision checked at the docs level
	steps     map[string][]string
	tagged    map[string][]string // file -> rules of its "steps tagged <rule>" bullets
	builtins  []string
	lines     int
}

var (
	entryHeading  = regexp.MustCompile(`^## (D[0-9]+|docs: [a-z_]+)\b(.*)$`)
	stepsBullet   = regexp.MustCompile(`^- ([a-z-]+\.yaml): (.+)$`)
	taggedBullet  = regexp.MustCompile(`^steps tagged (docs|D[0-9]+)$`)
	builtinBullet = regexp.MustCompile(`^- built-in: (.+)$`)
	quotedName    = regexp.MustCompile(`"([^"]+)"`)
	builtinRow    = regexp.MustCompile("^\\| `([a-z-]+)` \\|")
	specMarker    = regexp.MustCompile(`\*\*Decision([^*:]*)[:*]`)
	markerIDs     = regexp.MustCompile(`^ (D[0-9]+(?:, D[0-9]+)*)(?: \(.*\))?(?:: .*)?$`)
	readmeRow     = regexp.MustCompile(`(?m)^\| (D[0-9]+) \|`)
)

// readRules parses RULES.md.
func readRules(t *testing.T) ([]*rulesEntry, []string) {
	t.Helper()
	data, err := os.ReadFile("RULES.md")
	if err != nil {
		t.Fatal(err)
	}
	var entries []*rulesEntry
	var table []string
	var cur *rulesEntry
	for _, line := range strings.Split(string(data), "\n") {
		if m := builtinRow.FindStringSubmatch(line); m != nil {
			table = append(table, m[1])
		}
		if strings.HasPrefix(line, "## ") {
			cur = nil
			if m := entryHeading.FindStringSubmatch(line); m != nil {
				cur = &rulesEntry{rule: m[1], docsLevel: strings.Contains(m[2], "(checked at the docs level)"), steps: map[string][]string{}, tagged: map[string][]string{}}
				entries = append(entries, cur)
			} else if line == "## The runner's own checks" {
				cur = &rulesEntry{rule: "setup", steps: map[string][]string{}, tagged: map[string][]string{}}
				entries = append(entries, cur)
			}
			continue
		}
		if cur == nil {
			continue
		}
		if m := builtinBullet.FindStringSubmatch(line); m != nil {
			for _, b := range strings.Split(m[1], ",") {
				cur.builtins = append(cur.builtins, strings.TrimSpace(b))
			}
			cur.lines++
		} else if m := stepsBullet.FindStringSubmatch(line); m != nil {
			if tm := taggedBullet.FindStringSubmatch(m[2]); tm != nil {
				cur.tagged[m[1]] = append(cur.tagged[m[1]], tm[1])
			} else {
				names := quotedName.FindAllStringSubmatch(m[2], -1)
				if len(names) == 0 {
					t.Errorf("RULES.md %s: %q names no step", cur.rule, line)
				}
				for _, n := range names {
					cur.steps[m[1]] = append(cur.steps[m[1]], n[1])
				}
			}
			cur.lines++
		} else if strings.HasPrefix(line, "- ") {
			t.Errorf("RULES.md %s: a bullet is `file.yaml: \"step\"`, `file.yaml: steps tagged D<n>` or `built-in: name`, not %q", cur.rule, line)
		}
	}
	return entries, table
}

// specDecisions returns the ids of the **Decision D<n>:** markers of openapi.yaml, failing on a
// marker without an id.
func specDecisions(t *testing.T) []string {
	t.Helper()
	var ids []string
	for _, m := range specMarker.FindAllStringSubmatch(string(billingmock.OpenAPI()), -1) {
		if m[1] == " D<n>" { // the description that explains the markers
			continue
		}
		im := markerIDs.FindStringSubmatch(m[1])
		if im == nil {
			t.Errorf("openapi.yaml: the marker **Decision%s** has no id: write **Decision D<n>:** with the row of the README's table", m[1])
			continue
		}
		for _, id := range strings.Split(im[1], ", ") {
			if !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// readmeDecisions returns the ids of the rows of the README's table "Where the docs were unclear".
func readmeDecisions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	start := strings.Index(text, "### Where the docs were unclear")
	if start < 0 {
		t.Fatal("README.md has no section \"Where the docs were unclear\"")
	}
	text = text[start:]
	if end := strings.Index(text[4:], "\n#"); end > 0 {
		text = text[:end+4]
	}
	var ids []string
	for _, m := range readmeRow.FindAllStringSubmatch(text, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// TestDecisionIDsExist: every decision a check carries, a scenario is tagged with or the spec
// marks is a row of the README's table.
func TestDecisionIDsExist(t *testing.T) {
	t.Parallel()
	rows := readmeDecisions(t)
	for i, id := range rows {
		if want := "D" + strconv.Itoa(i+1); id != want {
			t.Errorf("README: row %d has id %s, want %s (ids follow the rows; append new rows at the end)", i+1, id, want)
		}
	}
	check := func(where, id string) {
		if !slices.Contains(rows, id) {
			t.Errorf("%s: decision %s is not a row of the README's table \"Where the docs were unclear\"", where, id)
		}
	}
	for name, rules := range builtinChecks {
		for _, r := range rules {
			if decisionID.MatchString(r) {
				check("built-in check "+name, r)
			}
		}
	}
	for member, id := range constrainedMembers {
		if id != "" {
			check("the schema check of "+member, id)
		}
	}
	for _, id := range specDecisions(t) {
		check("openapi.yaml", id)
	}
	scenarios, err := loadOptionsScenarios(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scenarios {
		for _, st := range sc.Steps {
			if st.Rule.Level == LevelDecision {
				check(sc.File+": "+st.Name, st.Rule.Decision)
			}
		}
	}
}

// TestRules: RULES.md has an entry for every rule of the spec (its decisions, the docs' rule of
// each action), every entry names checks that exist and that carry its rule, and every check is
// named.
func TestRules(t *testing.T) {
	t.Parallel()
	entries, table := readRules(t)
	byRule := map[string]*rulesEntry{}
	for _, e := range entries {
		if byRule[e.rule] != nil {
			t.Errorf("RULES.md: two entries for %s", e.rule)
		}
		byRule[e.rule] = e
	}
	var rules []string
	rules = append(rules, specDecisions(t)...)
	rules = append(rules, readmeDecisions(t)...)
	c, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range c.Operations() {
		for _, a := range op.Actions() {
			rules = append(rules, "docs: "+a)
		}
	}
	for _, r := range rules {
		if byRule[r] == nil {
			t.Errorf("RULES.md has no entry for %s: add one that names the checks that fail when an implementation breaks it", r)
		}
	}

	scenarios, err := loadOptionsScenarios(Options{})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]*Scenario{}
	for _, sc := range scenarios {
		files[sc.File] = sc
	}
	named := map[string]bool{} // "file\x00step" named by an entry of the step's rule
	usedBuiltins := map[string]bool{}
	for _, e := range entries {
		want := e.rule
		if strings.HasPrefix(want, "docs: ") || e.docsLevel {
			want = "docs"
		}
		carried := false
		if e.lines == 0 {
			t.Errorf("RULES.md %s: no check", e.rule)
		}
		for _, b := range e.builtins {
			rs, ok := builtinChecks[b]
			if !ok {
				t.Errorf("RULES.md %s: no built-in check %q", e.rule, b)
			}
			usedBuiltins[b] = true
			carried = carried || slices.Contains(rs, want)
		}
		for file, names := range e.steps {
			sc := files[file]
			if sc == nil {
				t.Errorf("RULES.md %s: no scenario file %s", e.rule, file)
				continue
			}
			for _, n := range names {
				st := stepNamed(sc, n)
				if st == nil {
					t.Errorf("RULES.md %s: %s has no step %q", e.rule, file, n)
					continue
				}
				if rs := ruleName(st.Rule); rs == want {
					carried = true
					named[file+"\x00"+n] = true
				}
			}
		}
		for file, tags := range e.tagged {
			sc := files[file]
			if sc == nil {
				t.Errorf("RULES.md %s: no scenario file %s", e.rule, file)
				continue
			}
			for _, tag := range tags {
				n := 0
				for _, st := range sc.Steps {
					if st.Request != nil && ruleName(st.Rule) == tag {
						n++
						named[file+"\x00"+st.Name] = tag == want || named[file+"\x00"+st.Name]
					}
				}
				if n == 0 {
					t.Errorf("RULES.md %s: %s has no step tagged %s", e.rule, file, tag)
				}
				carried = carried || (tag == want && n > 0)
			}
		}
		if !carried && e.rule != "setup" {
			t.Errorf("RULES.md %s: none of its checks carries %s", e.rule, want)
		}
	}
	for _, sc := range scenarios {
		for _, st := range sc.Steps {
			if st.Request != nil && !named[sc.File+"\x00"+st.Name] {
				t.Errorf("%s: step %q carries %s, and the RULES.md entry of %s does not name it", sc.File, st.Name, ruleName(st.Rule), ruleName(st.Rule))
			}
		}
	}
	for name := range builtinChecks {
		if !usedBuiltins[name] {
			t.Errorf("RULES.md names the built-in check %q nowhere", name)
		}
		if !slices.Contains(table, name) {
			t.Errorf("RULES.md's table of built-in checks lacks %q", name)
		}
	}
	for _, name := range table {
		if _, ok := builtinChecks[name]; !ok {
			t.Errorf("RULES.md's table lists %q, which the runner does not have", name)
		}
	}
}

// ruleName is a step's rule as RULES.md writes it: docs or D<n>.
func ruleName(r Rule) string {
	if r.Level == LevelDecision {
		return r.Decision
	}
	return string(r.Level)
}

func stepNamed(sc *Scenario, name string) *Step {
	for i := range sc.Steps {
		if sc.Steps[i].Name == name {
			return &sc.Steps[i]
		}
	}
	return nil
}

// TestConstrainedMembers: every member of a 200 answer that the spec gives a format, pattern,
// range, enum or null has its rule in constrainedMembers, so that the schema check's findings on
// it carry the right level; and additionalProperties: false appears only at an answer's root
// (the docs' trailing comma, D13).
func TestConstrainedMembers(t *testing.T) {
	t.Parallel()
	c, err := contract.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(ptr string, s *openapi3.SchemaRef)
	walk = func(ptr string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil {
			return
		}
		s := ref.Value
		key := ptr
		if seen[s] && key == "" {
			return
		}
		constrained := s.Pattern != "" || s.Format != "" || len(s.Enum) > 0 || s.Min != nil || s.Max != nil ||
			s.MinLength > 0 || s.MaxLength != nil || s.Nullable
		if constrained && ptr != "" {
			if _, ok := constrainedMembers[ptr]; !ok {
				t.Errorf("the 200 member %s is constrained (pattern, format, range, enum or null) but constrainedMembers has no rule for it", ptr)
			}
		}
		if s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has && ptr != "" {
			t.Errorf("%s: additionalProperties: false below an answer's root; problemRule reads that as D13", ptr)
		}
		for _, sub := range append(append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...), s.AllOf...) {
			walk(ptr, sub)
		}
		for name, p := range s.Properties {
			walk(ptr+"/"+name, p)
		}
		if s.Items != nil {
			walk(ptr+"/*", s.Items)
		}
	}
	for _, op := range c.Document().Paths.Map() {
		for _, o := range op.Operations() {
			if r := o.Responses.Value("200"); r != nil && r.Value != nil {
				for _, mt := range r.Value.Content {
					walk("", mt.Schema)
				}
			}
		}
	}
}
