package contracttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"syscall"
	"time"
)

// sessionHeader isolates a scenario's state on a target with the control API.
const sessionHeader = "X-Mock-Session"

// maxAnswerBytes bounds the body read from the target.
const maxAnswerBytes = 4 << 20

// outgoing is a request ready to send: everything is expanded.
type outgoing struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// padded says that Body is paddedBody(len(Body)): the curl command makes it with head and tr
	// and pipes it to curl, for a shell argument cannot hold a body over 1 MiB.
	padded bool
}

// answer is what the target answered.
type answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// client sends requests to one base URL.
type client struct {
	http    *http.Client
	base    *url.URL
	timeout time.Duration
	session string
}

// parseBaseURL checks a base URL: absolute http(s), with a host, no query or fragment. A URL
// without a scheme ("127.0.0.1:8080", "localhost:8080/api") gets the URL it probably meant.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("a base URL is required (-base-url http://127.0.0.1:8080)")
	}
	if !strings.Contains(raw, "://") {
		return nil, fmt.Errorf("base URL %q has no scheme: did you mean http://%s?", raw, raw)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("base URL %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("base URL %q: expected http://host[:port][/prefix] or https://…", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("base URL %q: no query, fragment or user info", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// url joins a path (and query) onto the base URL, keeping its path prefix.
func (c *client) url(path string, query url.Values) string {
	u := *c.base
	u.Path = c.base.Path + path
	u.RawQuery = query.Encode()
	return u.String()
}

// withSession returns a client that sends the session header.
func (c *client) withSession(id string) *client {
	cc := *c
	cc.session = id
	return &cc
}

// do sends a request with the per-request timeout and reads the answer.
func (c *client) do(ctx context.Context, o *outgoing) (*answer, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var body io.Reader = http.NoBody
	if o.Body != nil {
		body = bytes.NewReader(o.Body)
	}
	req, err := http.NewRequestWithContext(ctx, o.Method, c.url(o.Path, o.Query), body)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	for k, vs := range c.headers(o) {
		req.Header[k] = vs
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, fmt.Errorf("no answer within %s (-timeout): %w", c.timeout, err)
		}
		return nil, fmt.Errorf("the request failed: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("the answer did not finish within %s (-timeout): %w", c.timeout, err)
		}
		return nil, fmt.Errorf("reading the answer failed (status %d): %w", resp.StatusCode, err)
	}
	if len(data) > maxAnswerBytes {
		return nil, fmt.Errorf("the answer is over %d bytes", maxAnswerBytes)
	}
	return &answer{Status: resp.StatusCode, Header: resp.Header, Body: data}, nil
}

// headers are the request's headers plus the session header.
func (c *client) headers(o *outgoing) http.Header {
	h := o.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	if c.session != "" {
		h.Set(sessionHeader, c.session)
	}
	return h
}

// curl renders the request as a shell command that reproduces it: a curl command, with a padded
// body made by a pipe in front of it.
func (c *client) curl(o *outgoing) string {
	var b strings.Builder
	if o.padded {
		fmt.Fprintf(&b, `{ printf '%s'; head -c %d /dev/zero | tr '\0' x; printf '%s'; } | `, paddingOpen, len(o.Body)-len(paddingOpen)-len(paddingClose), paddingClose)
	}
	b.WriteString("curl -sS -i -X ")
	b.WriteString(o.Method)
	b.WriteString(" ")
	b.WriteString(shellQuote(c.url(o.Path, o.Query)))
	h := c.headers(o)
	for _, k := range sortedKeys(h) {
		for _, v := range h[k] {
			b.WriteString(" -H ")
			b.WriteString(shellQuote(k + ": " + v))
		}
	}
	switch {
	case o.padded:
		b.WriteString(" --data-binary @-")
	case o.Body != nil:
		b.WriteString(" --data-binary ")
		b.WriteString(shellQuote(string(o.Body)))
	}
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// unreachable reports whether a transport error means nothing answers at the base URL: the name
// does not resolve or the connection is refused.
func unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED)
}

// jsonBody marshals a request body.
func jsonBody(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("the body cannot be sent as JSON: %w", err)
	}
	return data, nil
}

// A padded body is {"padding":"xxx…"}.
const paddingOpen, paddingClose = `{"padding":"`, `"}`

// paddedBody is a JSON object of exactly n bytes (n >= 16).
func paddedBody(n int) []byte {
	pad := n - len(paddingOpen) - len(paddingClose)
	return slices.Concat([]byte(paddingOpen), bytes.Repeat([]byte("x"), pad), []byte(paddingClose))
}
