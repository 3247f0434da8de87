package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests when any goroutine outlives them: the server, its
// connections and its shutdown must leave none behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const describe = "/v1/organizations/billing/describe?action=getorganization&org_id=org_acme"

// TestSlowlorisDoesNotStarveOthers holds 50 connections open with partial headers while other
// clients are served promptly, and checks that the server cuts the slow ones off after
// -read-header-timeout.
func TestSlowlorisDoesNotStarveOthers(t *testing.T) {
	base, _, stop := start(t, "-quiet", "-read-header-timeout", "500ms")
	defer stop()
	host := strings.TrimPrefix(base, "http://")
	var conns []net.Conn
	for range 50 {
		c, err := net.Dial("tcp", host)
		require.NoError(t, err)
		_, err = io.WriteString(c, "GET "+describe+" HTTP/1.1\r\nHost: x\r\nAuthorization: Bear")
		require.NoError(t, err)
		conns = append(conns, c)
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	for range 20 {
		begin := time.Now()
		status, _ := getWith(t, client, base+describe, "tok_owner")
		assert.Equal(t, http.StatusOK, status)
		assert.Less(t, time.Since(begin), 500*time.Millisecond, "a normal client waited")
	}
	// Every slow connection is closed by the server (a read sees EOF or a reset, not a timeout).
	var wg sync.WaitGroup
	for _, c := range conns {
		wg.Go(func() {
			_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
			_, err := io.ReadAll(c)
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				t.Error("a slowloris connection was still open after 3 s")
			}
		})
	}
	wg.Wait()
}

func getWith(t *testing.T, client *http.Client, url, token string) (int, string) {
	t.Helper()
	r, err := http.NewRequest(http.MethodGet, url, nil)
	require.NoError(t, err)
	r.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(r)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestOversizedRequestsAreRefusedFast: a 100 KB URL is a 431 (net/http answers it before the
// mock sees the request, so in plain text), a 10 MiB body a 413 envelope; neither hangs.
func TestOversizedRequestsAreRefusedFast(t *testing.T) {
	base, _, stop := start(t, "-quiet")
	defer stop()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	begin := time.Now()
	status, _ := getWith(t, client, base+describe+"&pad="+strings.Repeat("x", 100_000), "tok_owner")
	assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, status)
	assert.Less(t, time.Since(begin), 2*time.Second)

	begin = time.Now()
	r, err := http.NewRequest(http.MethodPost, base+"/v1/organizations/billing/update?action=updatesubscription",
		io.LimitReader(neverEnding('x'), 10<<20))
	require.NoError(t, err)
	r.Header.Set("Authorization", "Bearer tok_owner")
	r.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(r)
	if err == nil { // the server may also close the connection while the client still writes
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"payload_too_large"`)
	}
	assert.Less(t, time.Since(begin), 3*time.Second)
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// TestShutdownFinishesInFlightRequests: a request in flight when SIGTERM comes (here: the context
// ends) is answered before run returns.
func TestShutdownFinishesInFlightRequests(t *testing.T) {
	base, _, stop := start(t, "-quiet", "-latency", "400ms")
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	type result struct {
		status int
		err    error
	}
	done := make(chan result, 1)
	go func() {
		r, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, base+describe, nil)
		r.Header.Set("Authorization", "Bearer tok_owner")
		resp, err := client.Do(r)
		if err != nil {
			done <- result{err: err}
			return
		}
		_, _ = io.Copy(io.Discard, bufio.NewReader(resp.Body))
		resp.Body.Close()
		done <- result{status: resp.StatusCode}
	}()
	time.Sleep(100 * time.Millisecond) // the request is in the mock's -latency delay
	stop()                             // asserts run returned nil within 3 s
	res := <-done
	require.NoError(t, res.err)
	assert.Equal(t, http.StatusOK, res.status)
}
