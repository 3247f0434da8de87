// Package upstream sends the validating proxy's requests to its upstream and reads each answer
// whole.
//
// An http:// upstream is spoken to directly, in the caller's goroutine: HTTP/1.1 over pooled
// keep-alive connections, the request written with one write and the answer read with
// net/http's own parser (http.ReadResponse). An https:// upstream, or any upstream when
// Options.Transport is set, goes through an http.RoundTripper instead (net/http's Transport by
// default, with TLS and HTTP/2). Both ways behave the same to the caller:
//   - the answer's body is read whole, up to a limit (ErrTooLarge past it);
//   - the Client asks for gzip itself and decodes a gzip answer, whose header then loses
//     Content-Encoding and Content-Length (as net/http's Transport does);
//   - an exchange past its deadline fails with an error that matches ErrTimeout; one whose
//     context ends first fails with the context's error (over an http:// connection, seen at
//     the earliest Options.WatchAfter after the exchange began);
//   - informational (1xx) answers are skipped.
package upstream

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/mock/internal/body"
)

// Request is one request to the upstream.
type Request struct {
	Method string
	// Target is the request-target: the escaped path (the upstream's own base path already in
	// front) and, when there is a query, "?" and the query.
	Target string
	// Header is the header of the request the proxy forwards (keys in canonical form), sent as
	// given apart from: the fields of one connection (RFC 9110, section 7.6.1: Connection and
	// the fields it names, Keep-Alive, Proxy-Connection, Proxy-Authenticate, Proxy-Authorization,
	// TE, Trailer, Transfer-Encoding, Upgrade), the fields the Client writes itself (Host,
	// Content-Length, Accept-Encoding), fields without values, and the names in Extra.
	Header http.Header
	// Extra are fields sent after Header's, each in place of Header's field of its name (keys in
	// canonical form).
	Extra []Field
	// Body is sent with a Content-Length (also with a GET); nil sends none.
	Body []byte
}

// Field is one header field.
type Field struct{ Name, Value string }

// forwards reports whether the Client sends Header's field k.
func (r *Request) forwards(k string) bool {
	if HopByHop(k) || ownFields[k] {
		return false
	}
	for _, f := range r.Extra {
		if f.Name == k {
			return false
		}
	}
	return !connectionNames(r.Header, k)
}

// hopByHopFields are the fields of one connection (RFC 9110, section 7.6.1).
var hopByHopFields = map[string]bool{
	"Connection": true, "Proxy-Connection": true, "Keep-Alive": true, "Proxy-Authenticate": true,
	"Proxy-Authorization": true, "Te": true, "Trailer": true, "Transfer-Encoding": true, "Upgrade": true,
}

// HopByHop reports whether the field k (in canonical form) is one of a single connection's, which
// a proxy passes on neither way (apart from those Connection names).
func HopByHop(k string) bool { return hopByHopFields[k] }

// ownFields are the fields the Client writes itself.
var ownFields = map[string]bool{"Host": true, "Content-Length": true, "Accept-Encoding": true}

// connectionNames reports whether h's Connection field names k (one more field of the connection).
func connectionNames(h http.Header, k string) bool {
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if http.CanonicalHeaderKey(strings.TrimSpace(f)) == k {
				return true
			}
		}
	}
	return false
}

// Response is the upstream's final answer, its body read whole (and decoded when it was gzip).
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ErrTooLarge is the error of an answer whose body is over the limit given to Do.
var ErrTooLarge = errors.New("the answer is over the limit")

// ErrTimeout matches the error of an exchange that did not end before its deadline.
var ErrTimeout = errors.New("the upstream did not answer in time")

// Options configures a Client; the zero value is the default.
type Options struct {
	// Transport, when set, sends every request, whatever the upstream's scheme.
	Transport http.RoundTripper
	// MaxIdle is how many idle connections the Client keeps (0: 256).
	MaxIdle int
	// IdleTimeout is how long an idle connection may wait before it is no longer used (0: 1 s).
	// It should stay below the upstream's own keep-alive timeout, so that the Client does not
	// send on a connection the upstream is closing (a request that can be replayed is sent again
	// on a new connection when that happens; any other fails).
	IdleTimeout time.Duration
	// DialTimeout bounds a connection's set-up (0: 5 s).
	DialTimeout time.Duration
	// WatchAfter is how long an exchange over an http:// connection runs before the Client starts
	// watching its context (0: 50 ms); a context that ends sooner ends the exchange that much
	// later. See watched.
	WatchAfter time.Duration
}

// Client sends requests to one upstream; it is safe for concurrent use.
type Client struct {
	origin    string // scheme://host, for the RoundTripper's URLs
	host      string // the Host field
	addr      string // host:port to dial
	transport http.RoundTripper
	dialer    net.Dialer
	maxIdle   int
	idleFor   time.Duration
	// watchAfter is Options.WatchAfter.
	watchAfter time.Duration
	// methodRequests stand for the requests whose answers are read (see readFinal).
	methodRequests map[string]*http.Request

	mu   sync.Mutex
	idle []*conn // the most recently used last
}

// New is a Client of the upstream at base (only its scheme and host are used).
func New(base *url.URL, opts Options) (*Client, error) {
	if base.Host == "" {
		return nil, errors.New("upstream: the URL has no host")
	}
	c := &Client{origin: base.Scheme + "://" + base.Host, host: base.Host, transport: opts.Transport,
		maxIdle: opts.MaxIdle, idleFor: opts.IdleTimeout, methodRequests: newMethodRequests()}
	if c.maxIdle <= 0 {
		c.maxIdle = 256
	}
	if c.idleFor <= 0 {
		c.idleFor = time.Second
	}
	c.watchAfter = opts.WatchAfter
	if c.watchAfter <= 0 {
		c.watchAfter = 50 * time.Millisecond
	}
	dialTimeout := opts.DialTimeout
	if dialTimeout <= 0 {
		dialTimeout = 5 * time.Second
	}
	c.dialer = net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	switch base.Scheme {
	case "http":
		port := base.Port()
		if port == "" {
			port = "80"
		}
		c.addr = net.JoinHostPort(base.Hostname(), port)
	case "https":
		if c.transport == nil {
			c.transport = NewTransport(dialTimeout)
		}
	default:
		return nil, fmt.Errorf("upstream: the scheme is %q, not http or https", base.Scheme)
	}
	return c, nil
}

// NewTransport is the RoundTripper of an https:// upstream when none is given: keep-alive
// connections to one upstream, as many idle ones as a busy client keeps open, TLS and HTTP/2.
func NewTransport(dialTimeout time.Duration) *http.Transport {
	return &http.Transport{
		Proxy:                 nil, // the upstream is named on the command line; no environment proxy
		DialContext:           (&net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   5 * time.Second,
		ExpectContinueTimeout: time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// Do sends req and reads the answer's body, at most limit bytes of it, before deadline. ctx
// ending (the proxy's client went away) ends the exchange too; over an http:// connection, at
// the earliest Options.WatchAfter after the exchange began.
func (c *Client) Do(ctx context.Context, req *Request, deadline time.Time, limit int64) (*Response, error) {
	if c.transport != nil {
		return c.roundTrip(ctx, req, deadline, limit)
	}
	for attempt := 0; ; attempt++ {
		cn, err := c.conn(ctx, deadline)
		if err != nil {
			return nil, c.failure(ctx, fmt.Errorf("dial %s: %w", c.addr, err))
		}
		resp, err := c.exchange(ctx, cn, req, deadline, limit)
		var stale *staleError
		if err != nil && attempt == 0 && errors.As(err, &stale) && (stale.unsent || replayable(req)) {
			continue // the upstream had closed the idle connection: once more, on a new one
		}
		return resp, err
	}
}

// CloseIdle closes the idle connections.
func (c *Client) CloseIdle() {
	c.mu.Lock()
	idle := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, cn := range idle {
		_ = cn.nc.Close()
	}
}

// conn is one connection to the upstream.
type conn struct {
	nc        net.Conn
	watched   *watched // under br and bw
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time
	reused    bool
}

// conn is the most recently used idle connection not idle for too long, or a new one.
func (c *Client) conn(ctx context.Context, deadline time.Time) (*conn, error) {
	now := time.Now()
	var stale []*conn
	c.mu.Lock()
	var cn *conn
	if n := len(c.idle); n > 0 {
		if now.Sub(c.idle[n-1].idleSince) <= c.idleFor {
			cn = c.idle[n-1]
			c.idle[n-1] = nil
			c.idle = c.idle[:n-1]
		} else { // the newest is too old, and so are those under it
			stale, c.idle = c.idle, nil
		}
	}
	c.mu.Unlock()
	for _, s := range stale {
		_ = s.nc.Close()
	}
	if cn != nil {
		cn.reused = true
		return cn, nil
	}
	d := c.dialer
	d.Deadline = deadline
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return nil, err
	}
	w := &watched{nc: nc}
	return &conn{nc: nc, watched: w, br: bufio.NewReader(w), bw: bufio.NewWriter(w)}, nil
}

// put keeps cn for the next request, closing the oldest idle connection when there are too many.
func (c *Client) put(cn *conn) {
	cn.idleSince = time.Now()
	c.mu.Lock()
	var drop *conn
	if len(c.idle) >= c.maxIdle {
		drop = c.idle[0]
		c.idle = append(c.idle[:0], c.idle[1:]...)
	}
	c.idle = append(c.idle, cn)
	c.mu.Unlock()
	if drop != nil {
		_ = drop.nc.Close()
	}
}

// staleError is the failure of a reused connection before any of the answer arrived: the
// upstream had closed it while it was idle. unsent: the request could not even be written, so
// the upstream cannot have acted on it.
type staleError struct {
	err    error
	unsent bool
}

func (e *staleError) Error() string { return e.err.Error() }
func (e *staleError) Unwrap() error { return e.err }

// timeoutError is a failure past the deadline; it matches ErrTimeout and wraps the cause.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string        { return ErrTimeout.Error() + ": " + e.err.Error() }
func (e *timeoutError) Unwrap() []error      { return []error{ErrTimeout, e.err} }
func (e *timeoutError) Is(target error) bool { return target == ErrTimeout }

// aLongTimeAgo is a deadline in the past: it ends a connection's pending read or write at once.
var aLongTimeAgo = time.Unix(1, 0)

// exchange writes req on cn and reads its answer; cn goes back to the pool when it can carry
// another request, and is closed otherwise.
func (c *Client) exchange(ctx context.Context, cn *conn, req *Request, deadline time.Time, limit int64) (*Response, error) {
	if err := cn.watched.start(ctx, deadline, c.watchAfter); err != nil {
		_ = cn.nc.Close()
		return nil, err
	}
	resp, reusable, err := c.talk(cn, req, limit)
	if !cn.watched.end() { // ctx ended: the deadline was moved, and the exchange may have been cut short
		reusable = false
		if err != nil {
			err = fmt.Errorf("%w (%v)", context.Cause(ctx), err)
		}
	}
	if reusable {
		c.put(cn)
	} else {
		_ = cn.nc.Close()
	}
	if err != nil {
		return nil, c.failure(ctx, err)
	}
	return resp, nil
}

// watched is a connection's reads and writes in one exchange, which ends at its deadline or when
// its context ends, whichever comes first. The context is watched (context.AfterFunc) only once
// the exchange has run for a while (Options.WatchAfter): most exchanges end sooner, and for them
// watching costs more than all the rest of the Client's bookkeeping. Until then, the reads and
// writes have that while as their deadline; the first to reach it starts the watch, moves the
// deadline to the exchange's own and carries on. A context that ends early is thus seen at most
// that while late.
type watched struct {
	nc       net.Conn
	ctx      context.Context
	deadline time.Time
	early    bool        // the deadline set is the while before the watch, not the exchange's
	stop     func() bool // the watch's, once it started
}

// start sets up one exchange.
func (w *watched) start(ctx context.Context, deadline time.Time, watchAfter time.Duration) error {
	w.ctx, w.deadline, w.stop = ctx, deadline, nil
	if until := time.Now().Add(watchAfter); until.Before(deadline) {
		w.early = true
		return w.nc.SetDeadline(until)
	}
	w.early = false
	if err := w.nc.SetDeadline(deadline); err != nil {
		return err
	}
	w.watch()
	return nil
}

// watch starts watching the context: its end moves the deadline to the past, which ends the
// pending read or write at once.
func (w *watched) watch() {
	nc := w.nc
	w.stop = context.AfterFunc(w.ctx, func() { _ = nc.SetDeadline(aLongTimeAgo) })
}

// end ends the exchange; it reports false when the context ended while watched (the deadline was
// moved, so the connection cannot be trusted).
func (w *watched) end() bool {
	ok := w.stop == nil || w.stop()
	w.ctx, w.stop = nil, nil
	return ok
}

// late reports whether err is the end of the while before the watch; if so, the exchange's own
// deadline is set (before the watch starts, so that a context that already ended moves it back)
// and the watch started.
func (w *watched) late(err error) bool {
	if !w.early || !isTimeout(err) {
		return false
	}
	w.early = false
	if w.nc.SetDeadline(w.deadline) != nil {
		return false
	}
	w.watch()
	return true
}

func (w *watched) Read(p []byte) (int, error) {
	n, err := w.nc.Read(p)
	if n == 0 && err != nil && w.late(err) {
		return w.nc.Read(p)
	}
	return n, err
}

func (w *watched) Write(p []byte) (int, error) {
	n, err := w.nc.Write(p)
	if err != nil && w.late(err) {
		m, err := w.nc.Write(p[n:])
		return n + m, err
	}
	return n, err
}

// failure is err as Do returns it: the context's error when ctx ended, a timeoutError past the
// deadline, err otherwise.
func (c *Client) failure(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return &timeoutError{err: err}
	}
	return err
}

// talk is one request and its answer on cn. reusable: the answer was read to its end and the
// connection may carry another request.
func (c *Client) talk(cn *conn, req *Request, limit int64) (resp *Response, reusable bool, err error) {
	gzipped := c.writeRequest(cn.bw, req)
	if err := cn.bw.Flush(); err != nil {
		if cn.reused && !isTimeout(err) {
			return nil, false, &staleError{err: err, unsent: true}
		}
		return nil, false, fmt.Errorf("writing the request: %w", err)
	}
	if cn.reused {
		if _, err := cn.br.Peek(1); err != nil && !isTimeout(err) {
			return nil, false, &staleError{err: fmt.Errorf("reading the answer: %w", err)}
		}
	}
	a, err := readAnswer(cn.br, req.Method, c.methodRequests, limit)
	if err != nil {
		return nil, false, err
	}
	raw := a.body
	if gzipped && len(raw) > 0 && a.gzip {
		if raw, err = gunzip(raw, limit); err != nil {
			return nil, false, err
		}
		a.header.Del("Content-Encoding")
		a.header.Del("Content-Length")
	}
	return &Response{Status: a.status, Header: a.header, Body: raw}, a.reusable, nil
}

// writeRequest writes req's request line, header and body to w, and reports whether it asked for
// gzip (as net/http's Transport does: unless a HEAD or a Range request).
func (c *Client) writeRequest(w *bufio.Writer, req *Request) (gzipped bool) {
	w.WriteString(req.Method)
	w.WriteByte(' ')
	w.WriteString(req.Target)
	w.WriteString(" HTTP/1.1\r\nHost: ")
	w.WriteString(c.host)
	w.WriteString("\r\n")
	for k, vs := range req.Header {
		if !validFieldName(k) || !req.forwards(k) {
			continue
		}
		for _, v := range vs {
			writeField(w, k, v)
		}
	}
	for _, f := range req.Extra {
		if validFieldName(f.Name) {
			writeField(w, f.Name, f.Value)
		}
	}
	if len(req.Body) > 0 || methodSendsLength(req.Method) {
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.Itoa(len(req.Body)))
		w.WriteString("\r\n")
	}
	gzipped = req.Method != http.MethodHead && req.Header["Range"] == nil
	if gzipped {
		w.WriteString("Accept-Encoding: gzip\r\n")
	}
	w.WriteString("\r\n")
	w.Write(req.Body)
	return gzipped
}

// methodSendsLength: a request of this method says Content-Length: 0 when it has no body, as
// net/http does.
func methodSendsLength(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// validFieldName reports whether k is a field name (an RFC 9110 token).
func validFieldName(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		b := k[i]
		if b <= ' ' || b >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, b) >= 0 {
			return false
		}
	}
	return true
}

// writeField writes the field k: v, with any CR or LF of v turned into a space (as net/http
// does), so that a value cannot end the field.
func writeField(w *bufio.Writer, k, v string) {
	if strings.ContainsAny(v, "\r\n") {
		v = strings.NewReplacer("\r", " ", "\n", " ").Replace(v)
	}
	w.WriteString(k)
	w.WriteString(": ")
	w.WriteString(strings.TrimSpace(v))
	w.WriteString("\r\n")
}

// newMethodRequests are the requests http.ReadResponse reads an answer to, by method (only the
// method matters to it), made once per Client.
func newMethodRequests() map[string]*http.Request {
	m := map[string]*http.Request{}
	for _, method := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions} {
		m[method] = &http.Request{Method: method}
	}
	return m
}

// readFinal reads the answer to a request of method, past any informational (1xx) ones.
func readFinal(br *bufio.Reader, method string, requests map[string]*http.Request) (*http.Response, error) {
	req := requests[method]
	if req == nil {
		req = &http.Request{Method: method}
	}
	for {
		hr, err := http.ReadResponse(br, req)
		if err != nil {
			return nil, fmt.Errorf("reading the answer: %w", err)
		}
		switch {
		case hr.StatusCode == http.StatusSwitchingProtocols:
			return nil, errors.New("reading the answer: the upstream switched protocols, which was not asked")
		case hr.StatusCode >= 100 && hr.StatusCode < 200:
			continue
		}
		return hr, nil
	}
}

// gunzip decodes a gzip body of at most limit bytes.
func gunzip(raw []byte, limit int64) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("decoding the gzip answer: %w", err)
	}
	out, over, err := body.ReadAtMost(zr, limit, -1)
	if over {
		return nil, fmt.Errorf("%w: more than %d bytes once decoded", ErrTooLarge, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("decoding the gzip answer: %w", err)
	}
	return out, nil
}

// replayable reports whether req may be sent again when the upstream closed the connection it was
// sent on before answering: its method is idempotent, or it carries an idempotency key (net/http's
// rule).
func replayable(req *Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return true
	}
	return req.Header["Idempotency-Key"] != nil || req.Header["X-Idempotency-Key"] != nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// roundTrip is Do through c.transport.
func (c *Client) roundTrip(ctx context.Context, req *Request, deadline time.Time, limit int64) (*Response, error) {
	ctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var rd io.Reader
	if len(req.Body) > 0 {
		rd = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, c.origin+req.Target, rd)
	if err != nil {
		return nil, fmt.Errorf("building the request: %w", err)
	}
	for k, vs := range req.Header {
		if req.forwards(k) {
			hr.Header[k] = vs
		}
	}
	for _, f := range req.Extra {
		hr.Header[f.Name] = []string{f.Value}
	}
	if _, ok := hr.Header["User-Agent"]; !ok {
		hr.Header["User-Agent"] = nil // net/http would add its own
	}
	resp, err := c.transport.RoundTrip(hr)
	if err != nil {
		return nil, c.roundTripFailure(ctx, err)
	}
	defer resp.Body.Close()
	raw, over, err := body.ReadAtMost(resp.Body, limit, resp.ContentLength)
	if over {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if err != nil {
		return nil, c.roundTripFailure(ctx, fmt.Errorf("reading the answer's body: %w", err))
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

// roundTripFailure is a RoundTripper's err as Do returns it.
func (c *Client) roundTripFailure(ctx context.Context, err error) error {
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err // the URL holds the query string
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &timeoutError{err: err}
	}
	return err
}
