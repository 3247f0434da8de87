package contracttest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// runCurl runs a reproduce command (a curl, maybe behind a pipe) with sh and reads the answer
// curl -i prints.
func runCurl(ctx context.Context, command string) (*answer, error) {
	cmd := exec.CommandContext(ctx, "sh", "-c", command)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %v: %s", command, err, stderr.String())
	}
	br := bufio.NewReader(bytes.NewReader(out))
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return nil, fmt.Errorf("%s: reading curl's output: %v", command, err)
		}
		if resp.StatusCode >= 200 || resp.StatusCode < 100 {
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return nil, err
			}
			return &answer{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
		}
	}
}

// TestPrintedCurlsReproduce: every request of every step is sent by running the command a failure
// would print for it, and the suite still passes against the mock: so each printed command,
// the over-1-MiB bodies included, sends exactly the step's request.
func TestPrintedCurlsReproduce(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	var sent, padded atomic.Int64
	opts := Options{BaseURL: serve(t, newMock(t)), Timeout: 10 * time.Second, Parallel: 8}
	opts.replay = func(ctx context.Context, command string) (*answer, error) {
		sent.Add(1)
		if strings.Contains(command, "| curl ") {
			padded.Add(1)
		}
		return runCurl(ctx, command)
	}
	rep := execute(t, opts)
	if !rep.OK() || rep.Skipped != 0 {
		t.Fatalf("through the printed commands:\n%s", text(t, rep))
	}
	if sent.Load() < 150 || padded.Load() < 6 {
		t.Errorf("only %d requests went through curl, %d of them with a piped body", sent.Load(), padded.Load())
	}
}
