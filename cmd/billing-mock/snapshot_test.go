package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

// TestSnapshotCommand: billing-mock snapshot writes a seed that parses, and only on success; a
// refusal is a *refusedError (exit 1) with its reason, a usage error is not (exit 2).
func TestSnapshotCommand(t *testing.T) {
	t.Parallel()
	srv, err := mock.New(mock.Options{})
	require.NoError(t, err)
	ts := httptest.NewServer(srv)
	defer ts.Close()
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := runEnv(context.Background(), append([]string{"snapshot"}, args...), func(string) string { return "" }, &out, &errOut)
		return out.String(), err
	}

	out, err := run("-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-org", "org_new", "-clock", "2026-11-01")
	require.NoError(t, err)
	seed, err := fixture.Parse("out", []byte(out))
	require.NoError(t, err)
	assert.Len(t, seed.Organizations, 2)
	assert.Equal(t, "2026-11-01T00:00:00Z", seed.Clock.Format("2006-01-02T15:04:05Z07:00"))

	out, err = run("-base-url", ts.URL, "-token", "tok_outsider", "-org", "org_acme", "-clock", "2026-11-01")
	var refused *refusedError
	require.True(t, errors.As(err, &refused), "%v", err)
	assert.Contains(t, err.Error(), "snapshot: refused: token #1 cannot read org_acme: describe answered 403 forbidden")
	assert.Empty(t, out, "nothing on stdout when refused")

	for _, args := range [][]string{
		{"-token", "tok_owner", "-org", "org_acme"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-clock", "tomorrow"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "-org", "org_acme"},
		{"-base-url", ts.URL, "-token", "tok_owner", "-org", "org_acme", "extra"},
	} {
		_, err := run(args...)
		require.Error(t, err, "%v", args)
		assert.False(t, errors.As(err, &refused), "%v: a usage error, not a refusal: %v", args, err)
	}
	_, err = run("-h")
	assert.ErrorIs(t, err, flag.ErrHelp)
	var help bytes.Buffer
	_ = runEnv(context.Background(), []string{"snapshot", "-h"}, func(string) string { return "" }, &bytes.Buffer{}, &help)
	for _, want := range []string{"tok_owner", "tok_member_N", "-org may be repeated", "unit_price 1.00", "-clock"} {
		assert.True(t, strings.Contains(help.String(), want), "-h says %q", want)
	}
}
