package errcode_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	billingmock "github.com/cloudplans/billing-mock"
	"github.com/cloudplans/billing-mock/mock/errcode"
)

// TestEveryCodeIsDocumented: each code of the table is named in openapi.yaml or controlapi.yaml,
// and a code's status is an error status.
func TestEveryCodeIsDocumented(t *testing.T) {
	t.Parallel()
	docs := string(billingmock.OpenAPI()) + string(billingmock.ControlAPI())
	for _, c := range errcode.Codes() {
		assert.Contains(t, docs, string(c), "code %s is not documented", c)
		assert.GreaterOrEqual(t, c.Status(), 400, "code %s", c)
	}
	assert.Equal(t, 500, errcode.Code("not_a_code").Status())
}

func TestError(t *testing.T) {
	t.Parallel()
	e := errcode.New(errcode.OrgNotFound, `no "org_x"`)
	assert.Equal(t, 404, e.Status())
	assert.Equal(t, `org_not_found: no "org_x"`, e.Error())
	assert.JSONEq(t, `{"status":404,"error":{"code":"org_not_found","message":"no \"org_x\""}}`, string(e.Body()))
	wrapped := fmt.Errorf("while reading: %w", e)
	assert.Same(t, e, errcode.From(wrapped))
	other := errcode.From(errors.New("disk on fire"))
	assert.Equal(t, errcode.Internal, other.Code)
	assert.Equal(t, "the mock failed: disk on fire", other.Message)
	var env map[string]any
	require.NoError(t, json.Unmarshal(other.Body(), &env))
	assert.EqualValues(t, 500, env["status"])
}

// TestNoCodeLiterals: outside this package, no Go file of the mock writes a code as a string
// literal; each names the table's constant.
func TestNoCodeLiterals(t *testing.T) {
	t.Parallel()
	codes := map[string]bool{}
	for _, c := range errcode.Codes() {
		codes[string(c)] = true
	}
	root := filepath.Join("..")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		if filepath.Base(filepath.Dir(path)) == "errcode" {
			return nil // this package: the table itself
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				if s, err := strconv.Unquote(lit.Value); err == nil && codes[s] {
					t.Errorf("%s: the code %q as a literal; use errcode's constant", path, s)
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
}
