package session

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cloudplans/billing-mock/mock/errcode"
	"github.com/cloudplans/billing-mock/mock/fixture"
)

func newTestStore(t *testing.T, limits Limits) *Store {
	t.Helper()
	seed, err := fixture.Default()
	require.NoError(t, err)
	return NewStore(seed, limits)
}

// TestRecordResolvesTheSessionOnce: a record's session is looked up on first use and kept; a
// refused id is an InvalidParameter error, and such a request is journaled in the default session.
func TestRecordResolvesTheSessionOnce(t *testing.T) {
	t.Parallel()
	st := newTestStore(t, Limits{Sessions: 2})
	var rec Record
	st.Begin(&rec, "qa-1")
	assert.Equal(t, "qa-1", rec.SessionID())
	assert.Equal(t, 0, st.Count(), "Begin makes no session")
	s1, err := rec.Session()
	require.Nil(t, err)
	assert.Equal(t, "qa-1", s1.ID())
	assert.Equal(t, 1, st.Count())
	// Evicted from the store in the meantime, the request keeps the session it resolved.
	st.Get("b")
	st.Get("c")
	s2, _ := rec.Session()
	assert.Same(t, s1, s2)
	assert.Same(t, s1, rec.JournalSession())

	for _, bad := range []string{strings.Repeat("s", MaxIDLen+1), "has space", "tab\t", "é"} {
		st.Begin(&rec, bad)
		_, err := rec.Session()
		require.NotNil(t, err, "%q", bad)
		assert.Equal(t, errcode.InvalidParameter, err.Code)
		assert.Empty(t, rec.SessionID())
		assert.Same(t, st.Get(""), rec.JournalSession(), "a refused id is journaled in the default session")
	}
	st.Begin(&rec, strings.Repeat("s", MaxIDLen))
	_, err = rec.Session()
	assert.Nil(t, err)
}

// TestReplaceAndReset: Replace swaps the state and keeps the journal and the fault rules; Reset
// goes back to the seed and clears both.
func TestReplaceAndReset(t *testing.T) {
	t.Parallel()
	st := newTestStore(t, Limits{})
	s := st.Get("qa")
	s.Journal.Add(Entry{Action: "x"})
	require.Nil(t, s.Faults.Add(&Rule{Action: "*", Status: 500}))
	scenario, err := fixture.EmbeddedScenario("no-subscription")
	require.NoError(t, err)
	before := s.State()
	st.Replace("qa", scenario)
	assert.NotSame(t, before, s.State())
	d, err := s.State().Describe("usr_owner", "org_acme")
	require.NoError(t, err)
	assert.Nil(t, d.Subscription)
	assert.Len(t, s.Journal.List(Filter{}), 1)
	assert.Len(t, s.Faults.List(), 1)
	st.Reset("qa")
	d, err = s.State().Describe("usr_owner", "org_acme")
	require.NoError(t, err)
	assert.NotNil(t, d.Subscription)
	assert.Empty(t, s.Journal.List(Filter{}))
	assert.Empty(t, s.Faults.List())
}
