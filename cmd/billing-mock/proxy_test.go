package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProxyFlags: billing-mock -proxy in front of billing-mock, with roles from a file and
// recording: answers pass, the banner says so, and the flow is written at shutdown.
func TestProxyFlags(t *testing.T) {
	upstream, _, stopUpstream := start(t, "-quiet")
	defer stopUpstream()
	dir := t.TempDir()
	roles := filepath.Join(dir, "roles.yaml")
	require.NoError(t, os.WriteFile(roles, []byte("token: tok_owner\norg: org_acme\n"), 0o600))
	rec := filepath.Join(dir, "flows")
	base, logs, stop := start(t, "-proxy", upstream, "-proxy-mode", "enforce", "-proxy-roles", roles, "-record", rec)
	status, body := get(t, base+"/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", "tok_owner")
	assert.Equal(t, 200, status, body)
	status, body = get(t, base+"/_mock/violations", "")
	assert.Equal(t, 200, status, body)
	assert.Contains(t, body, `"mode":"enforce"`)
	assert.Contains(t, body, "getorganization: 1 exchange, 0 with violations")
	stop()
	data, err := os.ReadFile(filepath.Join(rec, "flow-0001.yaml"))
	require.NoError(t, err, "the flow is written at shutdown")
	assert.Contains(t, string(data), "org_id: '{{org}}'")
	assert.NotContains(t, logs.String()+string(data), "tok_owner")
	assert.True(t, strings.Contains(logs.String(), "flow recorded"), logs.String())
}
