// Command benchtool is the helper of `make bench` (bench/loadtest.sh):
//
//	benchtool ratios FILE            each Go benchmark's median ns/op as a ratio to BenchmarkReference
//	benchtool startup BIN ARGS...    start BIN, print the milliseconds to its first 200 answer and its PID
//	benchtool rss PID                print the resident set size of PID, in MiB
//	benchtool sessions URL N         make N live sessions (a describe and an update in each)
//	benchtool check FILE             print the load-test table (medians of repeated runs) and exit 1
//	                                 when a target is missed, or when a baseline was measured and
//	                                 a req/s ratio to the reference fell by more than 5% against it
//
// It only talks to the loopback addresses it is given and stops only the processes it started.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch args := os.Args[2:]; os.Args[1] {
	case "ratios":
		err = need(args, 1, func() error { return ratios(args[0]) })
	case "startup":
		err = need(args, 1, func() error { return startup(args[0], args[1:]) })
	case "rss":
		err = need(args, 1, func() error {
			mib, err := rss(args[0])
			if err == nil {
				fmt.Printf("%.1f\n", mib)
			}
			return err
		})
	case "sessions":
		err = need(args, 2, func() error { return sessions(args[0], args[1]) })
	case "check":
		err = need(args, 1, func() error { return check(args[0]) })
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchtool:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: benchtool ratios FILE | startup BIN ARGS... | rss PID | sessions URL N | check FILE")
	os.Exit(2)
}

func need(args []string, n int, f func() error) error {
	if len(args) < n {
		usage()
	}
	return f()
}

// benchLine matches one line of `go test -bench -benchmem` output.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op\s+([\d.]+) allocs/op)?`)

// ratios prints, per benchmark, the median of its runs (-count) and its ratio to BenchmarkReference.
func ratios(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	type runs struct{ ns, bytes, allocs []float64 }
	byName := map[string]*runs{}
	var order []string
	for _, line := range strings.Split(string(data), "\n") {
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		r := byName[m[1]]
		if r == nil {
			r = &runs{}
			byName[m[1]] = r
			order = append(order, m[1])
		}
		ns, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseFloat(m[3], 64)
		a, _ := strconv.ParseFloat(m[4], 64)
		r.ns, r.bytes, r.allocs = append(r.ns, ns), append(r.bytes, b), append(r.allocs, a)
	}
	ref := byName["BenchmarkReference"]
	if ref == nil {
		return errors.New("no BenchmarkReference in " + file)
	}
	refNS := median(ref.ns)
	fmt.Printf("%-48s %12s %10s %8s %10s\n", "benchmark (median of runs)", "ns/op", "B/op", "allocs", "× reference")
	for _, name := range order {
		r := byName[name]
		fmt.Printf("%-48s %12.0f %10.0f %8.0f %10.1f\n", name, median(r.ns), median(r.bytes), median(r.allocs), median(r.ns)/refNS)
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// startup starts a billing mock (ARGS must include -addr 127.0.0.1:PORT) and prints the time from
// the start of the process to its first 200 answer to a describe, then "pid=N". The process keeps
// running; the caller stops it by that PID.
func startup(bin string, args []string) error {
	addr := ""
	for i, a := range args {
		if a == "-addr" && i+1 < len(args) {
			addr = args[i+1]
		}
	}
	if addr == "" {
		return errors.New("startup: give -addr 127.0.0.1:PORT")
	}
	url := "http://" + addr + "/v1/organizations/billing/describe?action=getorganization&org_id=org_acme"
	client := &http.Client{Timeout: time.Second}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.Discard, os.Stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return err
	}
	deadline := start.Add(10 * time.Second)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Authorization", "Bearer tok_owner")
		resp, err := client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("startup_ms=%.1f pid=%d\n", float64(time.Since(start).Microseconds())/1000, cmd.Process.Pid)
				return nil
			}
		}
		time.Sleep(200 * time.Microsecond)
	}
	_ = cmd.Process.Kill()
	return errors.New("startup: no 200 answer within 10s")
}

// rss reads VmRSS of a process, in MiB.
func rss(pid string) (float64, error) {
	data, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			f := strings.Fields(rest)
			kb, err := strconv.ParseFloat(f[0], 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmRSS for " + pid)
}

// sessions makes n live sessions on a mock: in each, a describe and a quantity change (an invoice).
func sessions(base, count string) error {
	n, err := strconv.Atoi(count)
	if err != nil || n < 1 || n > 100000 {
		return errors.New("sessions: N must be from 1 to 100000")
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	do := func(method, target, session, body string) error {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, base+target, rd)
		req.Header.Set("Authorization", "Bearer tok_owner")
		req.Header.Set("X-Mock-Session", session)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("%s %s: status %d", method, target, resp.StatusCode)
		}
		return nil
	}
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				s := "bench-session-" + strconv.Itoa(i)
				if err := do("GET", "/v1/organizations/billing/describe?action=getorganization&org_id=org_acme", s, ""); err != nil {
					errc <- err
					return
				}
				if err := do("POST", "/v1/organizations/billing/update?action=updatesubscription", s, `{"org_id":"org_acme","quantity":5}`); err != nil {
					errc <- err
					return
				}
			}
		})
	}
	go func() {
		defer close(next)
		for i := range n {
			select {
			case next <- i:
			case err := <-errc:
				errc <- err
				return
			}
		}
	}()
	wg.Wait()
	select {
	case err := <-errc:
		return err
	default:
		return nil
	}
}

// check reads the load test's results (lines "key value") and prints the table and the targets.
func check(file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	v := readResults(data)
	get := func(k string) float64 { return v[k] }
	fmt.Printf("\nload test, median of each server's runs (a proxy's ratio is to the bare reverse proxy's)\n%-16s %-6s %-9s %10s %9s %9s %12s\n", "server", "conns", "request", "req/s", "p50 ms", "p99 ms", "req/s ÷ ref")
	for _, server := range []string{"reference", "baseline", "mock", "baselinenocache", "mocknocache", "prism", "bareproxy", "proxy", "prismproxy"} {
		floor := "reference"
		if strings.HasSuffix(server, "proxy") {
			floor = "bareproxy"
		}
		for _, c := range []string{"10", "50"} {
			for _, ep := range []string{"describe", "history", "update"} {
				k := server + "." + ep + "." + c
				if _, ok := v[k+".rps"]; !ok {
					continue
				}
				ref := get(floor + "." + ep + "." + c + ".rps")
				fmt.Printf("%-16s %-6s %-9s %10.0f %9.2f %9.2f %11.0f%%\n", server, c, ep, get(k+".rps"), get(k+".p50"), get(k+".p99"), pct(get(k+".rps"), ref))
			}
		}
	}
	type target struct {
		name   string
		got    float64
		want   float64
		atMost bool
		unit   string
		// needs are the results the target is computed from; a target with one of them not
		// measured (a part of the load test that did not run) is left out.
		needs []string
	}
	ratio := func(a, b string) float64 {
		if get(b) == 0 {
			return 0
		}
		return get(a) / get(b)
	}
	targets := []target{
		{"describe req/s ÷ reference (50 conns)", pct(get("mock.describe.50.rps"), get("reference.describe.50.rps")), 50, false, "%", []string{"mock.describe.50.rps"}},
		{"describe req/s ÷ reference (10 conns)", pct(get("mock.describe.10.rps"), get("reference.describe.10.rps")), 50, false, "%", []string{"mock.describe.10.rps"}},
		{"history req/s ÷ reference (50 conns)", pct(get("mock.history.50.rps"), get("reference.history.50.rps")), 50, false, "%", []string{"mock.history.50.rps"}},
		{"history req/s ÷ reference (10 conns)", pct(get("mock.history.10.rps"), get("reference.history.10.rps")), 50, false, "%", []string{"mock.history.10.rps"}},
		{"update req/s ÷ reference (50 conns)", pct(get("mock.update.50.rps"), get("reference.update.50.rps")), 35, false, "%", []string{"mock.update.50.rps"}},
		{"update req/s ÷ reference (10 conns)", pct(get("mock.update.10.rps"), get("reference.update.10.rps")), 35, false, "%", []string{"mock.update.10.rps"}},
		{"describe p99 ÷ reference p99 (50 conns)", ratio("mock.describe.50.p99", "reference.describe.50.p99"), 2, true, "×", []string{"mock.describe.50.p99"}},
		{"history p99 ÷ reference p99 (50 conns)", ratio("mock.history.50.p99", "reference.history.50.p99"), 2, true, "×", []string{"mock.history.50.p99"}},
		{"update p99 ÷ reference p99 (50 conns)", ratio("mock.update.50.p99", "reference.update.50.p99"), 2, true, "×", []string{"mock.update.50.p99"}},
		{"start-up to the first 200", get("startup.ms"), 50, true, "ms", []string{"startup.ms"}},
		{"RSS idle", get("rss.idle"), 20, true, "MiB", []string{"rss.idle"}},
		{"RSS added by 1,000 live sessions", get("rss.sessions") - get("rss.idle"), 50, true, "MiB", []string{"rss.sessions"}},
		{"contract suite against the mock", get("contracttest.s"), 3, true, "s", []string{"contracttest.s"}},
	}
	for _, c := range []string{"50", "10"} {
		for _, ep := range []string{"describe", "history", "update"} {
			k := ep + "." + c
			targets = append(targets,
				target{"proxy " + ep + " req/s ÷ Prism's proxy (" + c + " conns)", ratio("proxy."+k+".rps", "prismproxy."+k+".rps"), 20, false, "×", []string{"proxy." + k + ".rps", "prismproxy." + k + ".rps"}},
				target{"proxy " + ep + " p99 ÷ bare proxy p99 (" + c + " conns)", ratio("proxy."+k+".p99", "bareproxy."+k+".p99"), 2, true, "×", []string{"proxy." + k + ".p99", "bareproxy." + k + ".p99"}})
		}
	}
	targets = slices.DeleteFunc(targets, func(t target) bool {
		return slices.ContainsFunc(t.needs, func(k string) bool { _, ok := v[k]; return !ok })
	})
	fmt.Printf("\n%-44s %10s %10s  %s\n", "target", "measured", "target", "")
	missed := 0
	for _, t := range targets {
		ok := t.got >= t.want
		cmp := "≥"
		if t.atMost {
			ok, cmp = t.got <= t.want, "≤"
		}
		verdict := "met"
		if !ok {
			verdict, missed = "MISSED", missed+1
		}
		fmt.Printf("%-44s %9.1f%-2s %s%7.1f%-2s  %s\n", t.name, t.got, t.unit, cmp, t.want, t.unit, verdict)
	}
	if _, ok := v["rss.million"]; ok {
		fmt.Printf("%-44s %9.1fMiB (after %.0f requests; informational)\n", "RSS after the 1M-request run", get("rss.million"), get("million.requests"))
	}
	missed += compareBaseline(os.Stdout, readRounds(data))
	if missed > 0 {
		return fmt.Errorf("%d target(s) missed", missed)
	}
	return nil
}

// maxRatioLoss is how much of its value a req/s ratio to the reference may lose against the
// baseline: 5%.
const maxRatioLoss = 0.05

// compareBaseline prints, when the results hold a baseline (the mock built from another revision,
// measured in the same rounds), each request kind's req/s and p99 ratios to the reference for the
// baseline and for the mock, and returns how many req/s ratios fell by more than maxRatioLoss.
//
// A ratio shown is the median of the rounds' ratios. The change is the median of the rounds'
// changes, each round's mock ÷ baseline: within a round the reference is the same run for both, so
// a round's change is exactly its change of the ratio to the reference, taken between the two runs
// that were closest in time, and the median of those is steadier than a quotient of two medians.
func compareBaseline(w io.Writer, rounds map[string][]float64) int {
	missed := 0
	header := false
	for _, pair := range [][2]string{{"baseline", "mock"}, {"baselinenocache", "mocknocache"}} {
		for _, c := range []string{"10", "50"} {
			for _, ep := range []string{"describe", "history", "update"} {
				ref := "reference." + ep + "." + c
				old, cur := pair[0]+"."+ep+"."+c, pair[1]+"."+ep+"."+c
				if len(rounds[old+".rps"]) == 0 || len(rounds[cur+".rps"]) == 0 {
					continue
				}
				if !header {
					fmt.Fprintf(w, "\nagainst the baseline: medians of the rounds' ratios to the reference, and of the rounds' changes (req/s ratios may lose at most %.0f%%)\n", 100*maxRatioLoss)
					fmt.Fprintf(w, "%-12s %-6s %-9s %14s %14s %8s %13s %13s  %s\n", "mock", "conns", "request", "req/s, before", "req/s, after", "change", "p99, before", "p99, after", "")
					header = true
				}
				before := roundRatio(rounds[old+".rps"], rounds[ref+".rps"])
				after := roundRatio(rounds[cur+".rps"], rounds[ref+".rps"])
				p99Before := roundRatio(rounds[old+".p99"], rounds[ref+".p99"])
				p99After := roundRatio(rounds[cur+".p99"], rounds[ref+".p99"])
				change := roundRatio(rounds[cur+".rps"], rounds[old+".rps"]) - 1
				verdict := "met"
				if change < -maxRatioLoss {
					verdict, missed = "MISSED", missed+1
				}
				fmt.Fprintf(w, "%-12s %-6s %-9s %13.1f%% %13.1f%% %+7.1f%% %12.2f× %12.2f×  %s\n", pair[1], c, ep, 100*before, 100*after, 100*change, p99Before, p99After, verdict)
			}
		}
	}
	return missed
}

// roundRatio is the median over the rounds of a[i] / b[i].
func roundRatio(a, b []float64) float64 {
	n := min(len(a), len(b))
	ratios := make([]float64, 0, n)
	for i := range n {
		if b[i] != 0 {
			ratios = append(ratios, a[i]/b[i])
		}
	}
	return median(ratios)
}

// readRounds reads the load test's "name value" lines: each name's values, in the order of the
// rounds that measured them.
func readRounds(data []byte) map[string][]float64 {
	runs := map[string][]float64{}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) == 2 {
			if x, err := strconv.ParseFloat(f[1], 64); err == nil {
				runs[f[0]] = append(runs[f[0]], x)
			}
		}
	}
	return runs
}

// readResults reads the load test's "name value" lines. A name measured several times (the
// interleaved rounds of bench/loadtest.sh) gets the median of its values.
func readResults(data []byte) map[string]float64 {
	runs := readRounds(data)
	v := make(map[string]float64, len(runs))
	for k, xs := range runs {
		v[k] = median(xs)
	}
	return v
}

func pct(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return 100 * a / b
}
