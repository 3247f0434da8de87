// Command prismcheck runs the contract suite through Prism's validating proxy in front of the mock
// and fails when Prism, reading openapi.yaml as any generic tool does (without x-actions), disagrees
// with the mock or with the suite. `make lint` runs it (tools/lint/lint.sh).
//
//	prismcheck -prism bench/prism/node_modules/.bin/prism [-spec openapi.yaml] [-timeout 3m] [-v]
//
// It serves the mock in-process on a free loopback port, starts `prism proxy` in front of it on
// another, runs every scenario of fixtures/contract through Prism, and fails on:
//
//   - any violation of an answer (an sl-violations entry under "response"): the mock answered
//     something the document, read generically, does not allow;
//   - any violation of a request the mock accepted (it answered 2xx, 403, 404 org_not_found or 409,
//     the statuses that come after its request validation): the document, read generically,
//     refuses a request the contract accepts;
//   - an answer Prism made itself (application/problem+json: it could not proxy), or a failed
//     scenario (Prism changed the traffic).
//
// A request the mock refused as invalid (400, 401, 404 not_found, 405, 413, 414, 415) may carry
// request violations: there Prism agrees that the request is wrong. It prints how many of those
// refusals Prism saw, which measures what the standard constructs say. Requests to paths the
// document does not have and that are not the billing API's (the control API, hosted pages) are not
// judged. It stops Prism, by its process group, whatever the outcome.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/mock"
)

func main() {
	prism := flag.String("prism", "bench/prism/node_modules/.bin/prism", "the prism executable (npm ci in bench/prism installs it)")
	spec := flag.String("spec", "openapi.yaml", "the OpenAPI document Prism validates against (the mock serves the embedded one)")
	timeout := flag.Duration("timeout", 3*time.Minute, "the whole run, Prism's start-up included")
	verbose := flag.Bool("v", false, "also list the requests the mock refused as invalid that Prism let through")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, *prism, *spec, *verbose, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "prismcheck:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, prismPath, spec string, verbose bool, out io.Writer) error {
	c, err := contract.Embedded()
	if err != nil {
		return err
	}
	srv, err := mock.New(mock.Options{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	defer hs.Close()
	upstream := "http://" + ln.Addr().String()

	prism, err := startPrism(ctx, prismPath, spec, upstream)
	if err != nil {
		return err
	}
	defer prism.stop()

	rec := &recorder{next: http.DefaultTransport, upstream: ln.Addr().String()}
	rep, err := contracttest.Execute(ctx, contracttest.Options{BaseURL: prism.url, Client: &http.Client{Transport: rec}})
	if err != nil {
		return fmt.Errorf("contract suite through Prism: %w\n%s", err, prism.log())
	}
	verdict := judge(c, rec.exchanges())
	fmt.Fprintf(out, "prismcheck: %d requests through Prism's proxy (%s) to the mock: %d scenarios passed, %d failed, %d skipped\n",
		len(rec.exchanges()), prism.version, rep.Passed, rep.Failed, rep.Skipped)
	fmt.Fprintf(out, "prismcheck: of the %d requests the mock refused as invalid, Prism's request validation flagged %d\n", verdict.refused, verdict.refusedFlagged)
	if verbose {
		for _, u := range verdict.unflagged {
			fmt.Fprintln(out, "  refused by the mock, not flagged by Prism:", u)
		}
	}
	for _, reason := range sortedKeys(rec.bypassed) {
		fmt.Fprintf(out, "prismcheck: %d requests went straight to the mock: %s\n", rec.bypassed[reason], reason)
	}
	if !rep.OK() {
		var b strings.Builder
		_ = contracttest.WriteText(&b, rep, false)
		verdict.failures = append(verdict.failures, "the contract suite failed through Prism:\n"+b.String())
	}
	if len(verdict.failures) > 0 {
		for _, f := range verdict.failures {
			fmt.Fprintln(out, "  -", f)
		}
		return fmt.Errorf("%d disagreements between Prism and the mock", len(verdict.failures))
	}
	fmt.Fprintln(out, "ok: Prism reports no violation of an answer, and none of a request the mock accepted")
	return nil
}

// exchange is one request through Prism and its answer.
type exchange struct {
	method, path, rawQuery string
	status                 int
	contentType            string
	code                   string // the envelope's error.code, if any
	violations             []violation
}

// violation is one entry of Prism's sl-violations header.
type violation struct {
	Location []string `json:"location"`
	Severity string   `json:"severity"`
	Code     any      `json:"code"`
	Message  string   `json:"message"`
}

// recorder is a RoundTripper that keeps every exchange through Prism. It sends the requests Prism's
// proxy cannot carry straight to the mock (upstream), and counts them by reason.
type recorder struct {
	next     http.RoundTripper
	upstream string // host:port
	mu       sync.Mutex
	log      []exchange
	bypassed map[string]int
}

// unproxyable says why Prism's proxy cannot carry a request unchanged, or "". It answers a GET or
// HEAD with a body with its own 501 (stoplightio/prism#2259), never answers a request whose JSON
// body does not parse, and forwards a JSON body as JavaScript re-encodes what it parsed: 3.0
// arrives as 3, and of a member given twice only the last arrives.
func unproxyable(req *http.Request, body []byte) string {
	isJSON := len(body) > 0 && contract.IsJSON(req.Header.Get("Content-Type"))
	switch {
	case len(body) > 0 && (req.Method == http.MethodGet || req.Method == http.MethodHead):
		return "a GET with a body, which Prism's proxy does not forward (it answers 501 itself)"
	case isJSON && !json.Valid(body):
		return "a JSON body that does not parse, which Prism's proxy never answers"
	case isJSON && reencodingChanges(body):
		return "a JSON body Prism's proxy would forward changed (a number with a fraction or exponent, a member given twice)"
	}
	return ""
}

// reencodingChanges reports whether JSON.stringify(JSON.parse(body)) would mean something else than
// body to the mock: a number literal with a fraction, an exponent or more digits than a double
// keeps, or a member of the top-level object given twice.
func reencodingChanges(body []byte) bool {
	var dup *contract.DuplicateMemberError
	if _, err := contract.ParseObject(body); errors.As(err, &dup) {
		return true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		if n, ok := tok.(json.Number); ok && (strings.ContainsAny(string(n), ".eE") || len(strings.TrimPrefix(string(n), "-")) > 15 || n == "-0") {
			return true
		}
	}
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		if body, err = io.ReadAll(req.Body); err != nil {
			return nil, err
		}
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body)) // ContentLength is still set: not chunked
	}
	if reason := unproxyable(req, body); reason != "" {
		direct := req.Clone(req.Context())
		direct.URL.Host, direct.Host = r.upstream, r.upstream
		direct.Body = io.NopCloser(bytes.NewReader(body))
		r.mu.Lock()
		if r.bypassed == nil {
			r.bypassed = map[string]int{}
		}
		r.bypassed[reason]++
		r.mu.Unlock()
		return r.next.RoundTrip(direct)
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	answer, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(answer))
	e := exchange{method: req.Method, path: req.URL.Path, rawQuery: req.URL.RawQuery, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type")}
	var envelope struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.Unmarshal(answer, &envelope) == nil {
		e.code = envelope.Error.Code
	}
	if v := resp.Header.Get("sl-violations"); v != "" {
		if err := json.Unmarshal([]byte(v), &e.violations); err != nil {
			e.violations = []violation{{Location: []string{"unknown"}, Message: "an sl-violations header that is not JSON: " + v}}
		}
	}
	r.mu.Lock()
	r.log = append(r.log, e)
	r.mu.Unlock()
	return resp, nil
}

func (r *recorder) exchanges() []exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.log)
}

// verdict is what judge found.
type verdict struct {
	failures                []string
	refused, refusedFlagged int
	// unflagged are the requests the mock refused as invalid and Prism let through.
	unflagged []string
}

// refusedByValidation reports whether an answer is one the mock gives to a request that breaks the
// contract before any state is looked at.
func refusedByValidation(status int, code string) bool {
	switch status {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge,
		http.StatusRequestURITooLong, http.StatusUnsupportedMediaType:
		return true
	case http.StatusNotFound:
		return code == "not_found"
	}
	return false
}

func judge(c *contract.Contract, log []exchange) verdict {
	var v verdict
	for _, e := range log {
		where := fmt.Sprintf("%s %s?%s (mock answered %d %s)", e.method, e.path, truncate(e.rawQuery, 120), e.status, e.code)
		if strings.HasPrefix(e.contentType, "application/problem+json") {
			v.failures = append(v.failures, where+": an answer of Prism itself, not the mock's")
			continue
		}
		if _, err := c.Find(e.method, e.path); err != nil {
			var re *contract.RouteError
			if errors.As(err, &re) && re.Status == http.StatusNotFound && !strings.HasPrefix(e.path, "/v1/") {
				continue // the control API or a hosted page: not this document's
			}
		}
		refused := refusedByValidation(e.status, e.code)
		if refused {
			v.refused++
		}
		var flagged bool
		var request, answer []string
		for _, viol := range e.violations {
			text := strings.Join(viol.Location, ".") + ": " + viol.Message
			switch side := viol.Location[:min(1, len(viol.Location))]; {
			case len(side) == 1 && side[0] == "request" && refused:
				flagged = true
			case len(side) == 1 && side[0] == "request":
				request = append(request, text)
			default:
				answer = append(answer, text)
			}
		}
		if len(request) > 0 {
			v.failures = append(v.failures, fmt.Sprintf("%s: Prism refuses a request the mock accepted: %s", where, strings.Join(request, "; ")))
		}
		if len(answer) > 0 {
			v.failures = append(v.failures, fmt.Sprintf("%s: Prism refuses the answer: %s", where, strings.Join(answer, "; ")))
		}
		switch {
		case flagged:
			v.refusedFlagged++
		case refused:
			v.unflagged = append(v.unflagged, where)
		}
	}
	return v
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// prismProcess is a running `prism proxy`.
type prismProcess struct {
	cmd     *exec.Cmd
	url     string
	version string
	output  *os.File // Prism's stdout and stderr, removed by stop
	done    chan struct{}
}

// startPrism starts `prism proxy` on a free loopback port and waits until it answers.
func startPrism(ctx context.Context, prismPath, spec, upstream string) (*prismProcess, error) {
	if _, err := os.Stat(prismPath); err != nil {
		return nil, fmt.Errorf("prism is not installed (cd bench/prism && npm ci): %w", err)
	}
	version, err := exec.CommandContext(ctx, prismPath, "--version").Output()
	if err != nil {
		return nil, fmt.Errorf("%s --version: %w", prismPath, err)
	}
	for attempt := 0; ; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		output, err := os.CreateTemp("", "prismcheck-*.log")
		if err != nil {
			return nil, err
		}
		p := &prismProcess{url: fmt.Sprintf("http://127.0.0.1:%d", port), version: "prism " + strings.TrimSpace(string(version)), output: output, done: make(chan struct{})}
		p.cmd = exec.Command(prismPath, "proxy", spec, upstream, "--host", "127.0.0.1", "--port", fmt.Sprint(port), "--errors=false")
		p.cmd.Stdout, p.cmd.Stderr = output, output
		p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group: stop ends node and its children
		if err := p.cmd.Start(); err != nil {
			output.Close()
			os.Remove(output.Name())
			return nil, fmt.Errorf("start prism: %w", err)
		}
		go func() { _ = p.cmd.Wait(); close(p.done) }()
		if err := p.waitReady(ctx); err == nil {
			return p, nil
		} else if attempt == 2 || ctx.Err() != nil {
			log := p.log()
			p.stop()
			return nil, fmt.Errorf("prism did not start: %w\n%s", err, log)
		}
		p.stop() // the port was taken in between, perhaps: another one
	}
}

// waitReady polls Prism until it proxies a request (the mock's health check) or exits.
func (p *prismProcess) waitReady(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := client.Get(p.url + "/_mock/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-p.done:
			return errors.New("prism exited")
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// stop ends Prism's process group, by its id: SIGTERM, then SIGKILL after 3 s; and removes its log.
func (p *prismProcess) stop() {
	pgid := p.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(3 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	p.output.Close()
	os.Remove(p.output.Name())
}

// log is what Prism has written so far.
func (p *prismProcess) log() string {
	data, _ := os.ReadFile(p.output.Name())
	return string(data)
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
