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

	"github.com/cloudplans/billing-mock/contract"
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

// TestOversizedRequestsAreRefusedFast: a 100 KB URL is the mock's 414 envelope (the server's header
// limit is above it, so the mock sees the request), a 10 MiB body a 413 envelope; neither hangs.
func TestOversizedRequestsAreRefusedFast(t *testing.T) {
	base, _, stop := start(t, "-quiet")
	defer stop()
	client := &http.Client{Timeout: 3 * time.Second, Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	begin := time.Now()
	status, body := getWith(t, client, base+describe+"&pad="+strings.Repeat("x", 100_000), "tok_owner")
	assert.Equal(t, http.StatusRequestURITooLong, status)
	assert.Contains(t, body, `"uri_too_long"`)
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

// TestServerAnswersAreDeclared sends the requests that net/http answers itself, before the mock
// sees them, and holds each answer to the contract's x-unrouted-responses: the ones it declares for
// any request pass the contract's response validation on the path they were sent to, and the
// plain-text 400 of a malformed request is the response it declares for one.
func TestServerAnswersAreDeclared(t *testing.T) {
	base, _, stop := start(t, "-quiet")
	defer stop()
	host := strings.TrimPrefix(base, "http://")
	c, err := contract.Embedded()
	require.NoError(t, err)
	head := "GET " + describe + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok_owner\r\n"
	tests := []struct {
		name    string
		request string
		status  int
	}{
		{"a control byte in a header", head + "X-Note: a\x01b\r\n\r\n", 400},
		{"a malformed header line", head + "no colon here\r\n\r\n", 400},
		{"headers over -max-header-bytes", head + "X-Pad: " + strings.Repeat("x", defaultMaxHeaderBytes+8<<10) + "\r\n\r\n", 431},
		{"an unknown transfer coding", "POST /v1/organizations/billing/update?action=cancelsubscription HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
		{"HTTP/2.0 on an HTTP/1 connection", "GET " + describe + " HTTP/2.0\r\nHost: x\r\n\r\n", 505},
		{"an expectation other than 100-continue", head + "Expect: a-miracle\r\n\r\n", 417},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.DialTimeout("tcp", host, 2*time.Second)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
			go func() { _, _ = io.WriteString(conn, tt.request) }() // the server may answer before it has read it all
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.Equal(t, tt.status, resp.StatusCode, "%s", body)
			in := contract.Response{Method: http.MethodGet, Path: "/v1/organizations/billing/describe", Action: "getorganization",
				Status: resp.StatusCode, Header: resp.Header, Body: body}
			if tt.status != http.StatusBadRequest {
				assert.NoError(t, c.ValidateResponse(context.Background(), in), "an answer x-unrouted-responses does not declare")
				return
			}
			// 400: the operation documents its own (the envelope), so a validator cannot accept this
			// one; it is the response x-unrouted-responses declares for a malformed request.
			assert.Error(t, c.ValidateResponse(context.Background(), in))
			unrouted := c.Document().Extensions["x-unrouted-responses"].(map[string]any)["400"].(map[string]any)
			assert.Equal(t, "malformed-request", unrouted["applies-to"])
			assert.Equal(t, "server", unrouted["answered-by"])
			declared := c.Document().Components.Responses["MalformedRequest"].Value
			require.NotNil(t, declared.Content.Get("text/plain"))
			assert.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
			assert.True(t, strings.HasPrefix(string(body), "400 Bad Request"), "%q", body)
		})
	}
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
