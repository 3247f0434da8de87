// Command describefiles lists the files of the project that one describe request runs code in. It
// runs mock's TestServeDescribes under coverage (covermode count, every package of the module)
// three times, and lists each file with a block that one more request runs:
//
//   - by default, a request in the steady state (the verdict cache warm): with 3, 4 and 5
//     requests, the blocks whose count grows by the same amount with each request;
//   - with -cold, the first request of a fresh server (the cache empty, the full validation): with
//     0, 0 and 1 requests, the blocks the request runs whose count the server's start-up leaves the
//     same in both runs without requests (start-up iterates over maps, whose order varies).
//
// It prints one line per file, the number of such blocks and the file, with the speed-up packages
// marked, and a count of each kind. Run it from the module's root: go run ./tools/describefiles.
//
// Run it from the module's root: go run ./tools/describefiles [-cold].
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// speedUps are the packages that replace a standard-library call with one that allocates less, each
// tested and fuzzed to behave as the call it replaces.
var speedUps = []string{"internal/strictjson/", "mock/internal/query/", "mock/internal/body/", "mock/internal/answer/", "mock/internal/writer/"}

const module = "github.com/cloudplans/billing-mock/"

func main() {
	cold := flag.Bool("cold", false, "the first request of a fresh server, instead of one in the steady state")
	flag.Parse()
	requests := [3]int{3, 4, 5}
	if *cold {
		requests = [3]int{0, 0, 1}
	}
	dir, err := os.MkdirTemp("", "describefiles")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	var counts [3]map[string]int
	for i := range counts {
		profile := filepath.Join(dir, strconv.Itoa(i)+".out")
		cmd := exec.Command("go", "test", "./mock", "-run", "^TestServeDescribes$", "-count=1",
			"-covermode=count", "-coverpkg=./...", "-coverprofile="+profile)
		cmd.Env = append(os.Environ(), "MOCK_DESCRIBES="+strconv.Itoa(requests[i]))
		cmd.Stderr = os.Stderr
		if err := cmd.Run(); err != nil {
			fail(fmt.Errorf("go test: %w", err))
		}
		if counts[i], err = readProfile(profile); err != nil {
			fail(err)
		}
	}
	blocks := map[string]int{}
	for block, n := range counts[1] {
		ran := n-counts[0][block] > 0 && counts[2][block]-n == n-counts[0][block]
		if *cold {
			ran = counts[2][block]-n > 0 && n == counts[0][block]
		}
		if ran {
			blocks[strings.SplitN(block, ":", 2)[0]]++
		}
	}
	files := make([]string, 0, len(blocks))
	for f := range blocks {
		files = append(files, f)
	}
	slices.Sort(files)
	var behaviour, speedUp int
	for _, f := range files {
		kind := ""
		if slices.ContainsFunc(speedUps, func(p string) bool { return strings.HasPrefix(f, p) }) {
			kind = "  (speed-up)"
			speedUp++
		} else {
			behaviour++
		}
		fmt.Printf("%4d %s%s\n", blocks[f], f, kind)
	}
	fmt.Printf("%d files: %d of behaviour, %d speed-ups\n", len(files), behaviour, speedUp)
}

// readProfile sums a coverage profile's counts per block ("file:start,end"), files relative to the
// module.
func readProfile(path string) (map[string]int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") {
			continue
		}
		fields := strings.Fields(line) // file:start,end statements count
		if len(fields) != 3 {
			return nil, fmt.Errorf("%s: malformed line %q", path, line)
		}
		n, err := strconv.Atoi(fields[2])
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		out[strings.TrimPrefix(fields[0], module)] += n
	}
	return out, sc.Err()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "describefiles:", err)
	os.Exit(1)
}
