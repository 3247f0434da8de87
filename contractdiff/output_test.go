package contractdiff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got; -update rewrites it):\n%s", name, diff)
	}
}

// TestOutput: the text and JSON reports of one comparison with changes of every kind of place
// (a query parameter, a body, an answer, a status, a header, a description).
func TestOutput(t *testing.T) {
	t.Parallel()
	old, _ := loadEdited(t)
	new, _ := loadEdited(t,
		replace("      maximum: 10000", "      maximum: 100"),
		replace("enum: [active, past_due]", "enum: [active, past_due, paused]"),
		replace("The organization's display name.", "The organization's name, for people."),
		replace("        '409':\n          description: |\n            `getpaymentlink`",
			"        '402':\n          $ref: '#/components/responses/BadRequest'\n        '409':\n          description: |\n            `getpaymentlink`"),
		deleteKey("components", "responses", "Unauthorized", "headers"),
	)
	r, err := Compare(old, new)
	if err != nil {
		t.Fatal(err)
	}
	names := Names{Old: "OLD.yaml", New: "NEW.yaml"}
	var text, js bytes.Buffer
	if err := WriteText(&text, r, names); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.txt", text.Bytes())
	if err := WriteJSON(&js, r, names); err != nil {
		t.Fatal(err)
	}
	golden(t, "report.golden.json", js.Bytes())
	var back jsonReport
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Breaking != r.Breaking() || len(back.Changes) != len(r.Changes) {
		t.Errorf("the JSON report does not read back: %v", err)
	}

	text.Reset()
	same, _ := loadEdited(t)
	r, _ = Compare(old, same)
	if err := WriteText(&text, r, names); err != nil || text.String() != "no changes in 6 actions (OLD.yaml -> NEW.yaml)\n" {
		t.Errorf("no changes: %q, %v", text.String(), err)
	}
}
