package upstream

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"

	"github.com/cloudplans/billing-mock/mock/internal/body"
)

// answer is an upstream's final answer, its body read whole (still encoded).
type answer struct {
	status   int
	header   http.Header
	body     []byte
	reusable bool // read to its end; the connection may carry another request
	gzip     bool // Content-Encoding: gzip
}

// readAnswer reads the final answer to a request of method, at most limit bytes of its body: the
// common form by readPlain, any other by net/http's parser (readPlain is the faster: it makes
// one string of the header, which the values share, and reads the body in one call).
func readAnswer(br *bufio.Reader, method string, requests map[string]*http.Request, limit int64) (answer, error) {
	if a, ok, err := readPlain(br, method, limit); ok {
		return a, err
	}
	hr, err := readFinal(br, method, requests)
	if err != nil {
		return answer{}, err
	}
	raw, over, err := body.ReadAtMost(hr.Body, limit, hr.ContentLength)
	_ = hr.Body.Close()
	if over {
		return answer{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if err != nil {
		return answer{}, fmt.Errorf("reading the answer's body: %w", err)
	}
	framed := hr.ContentLength >= 0 || len(hr.TransferEncoding) > 0 || method == http.MethodHead
	return answer{status: hr.StatusCode, header: hr.Header, body: raw, reusable: !hr.Close && framed,
		gzip: hasGzip(hr.Header)}, nil
}

// plainHeaderMax is the most header lines readPlain reads; an answer with more is left to
// net/http's parser.
const plainHeaderMax = 64

// readPlain reads the answer in br when it has the form most services send, which it reads as
// http.ReadResponse would, to the same status, header and body: an HTTP/1.1 status line of a
// final answer with a body (200–599, not 204 or 304) to a request that is not a HEAD, its header
// already in br's buffer, at most plainHeaderMax well-formed fields, one Content-Length, and none
// of the fields that change how the answer is framed or read (Transfer-Encoding, Connection,
// Trailer, Pragma). For any other answer it reports ok false and consumes nothing.
func readPlain(br *bufio.Reader, method string, limit int64) (a answer, ok bool, err error) {
	if method == http.MethodHead {
		return answer{}, false, nil
	}
	if _, err := br.Peek(1); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF // as http.ReadResponse says it
		}
		return answer{}, true, fmt.Errorf("reading the answer: %w", err)
	}
	buf, _ := br.Peek(br.Buffered())
	end := bytes.Index(buf, []byte("\r\n\r\n"))
	if end < 0 {
		return answer{}, false, nil
	}
	status, ok := plainStatusLine(buf[:end])
	if !ok {
		return answer{}, false, nil
	}
	block := string(buf[:end+2]) // every line with its CRLF; one string the header's values share
	lines := bytes.Count(buf[:end+2], []byte("\r\n")) - 1
	if lines > plainHeaderMax {
		return answer{}, false, nil
	}
	header := make(http.Header, lines)
	values := make([]string, lines)
	length := int64(-1)
	rest := block[bytes.IndexByte(buf, '\n')+1:]
	for rest != "" {
		line, after, _ := strings.Cut(rest, "\r\n") // block ends with one
		rest = after
		name, value, ok := plainField(line)
		if !ok {
			return answer{}, false, nil
		}
		switch name {
		case "Transfer-Encoding", "Connection", "Trailer", "Pragma":
			return answer{}, false, nil
		case "Content-Length":
			if length >= 0 {
				return answer{}, false, nil
			}
			if length, ok = plainLength(value); !ok {
				return answer{}, false, nil
			}
		}
		if vs := header[name]; vs != nil {
			header[name] = append(vs, value)
		} else {
			values[0] = value
			header[name], values = values[:1:1], values[1:]
		}
	}
	if length < 0 {
		return answer{}, false, nil
	}
	if length > limit {
		return answer{}, true, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	_, _ = br.Discard(end + 4) // buffered: cannot fail
	raw := make([]byte, length)
	if _, err := io.ReadFull(br, raw); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return answer{}, true, fmt.Errorf("reading the answer's body: %w", err)
	}
	return answer{status: status, header: header, body: raw, reusable: true, gzip: hasGzip(header)}, true, nil
}

// plainStatusLine is the status of the first line of head when it is "HTTP/1.1 SSS" (a reason
// phrase after a space or not) with a status readPlain reads.
func plainStatusLine(head []byte) (int, bool) {
	line, _, _ := bytes.Cut(head, []byte("\r\n"))
	rest, found := bytes.CutPrefix(line, []byte("HTTP/1.1 "))
	if !found || len(rest) < 3 || (len(rest) > 3 && rest[3] != ' ') || bytes.IndexByte(line, '\n') >= 0 {
		return 0, false
	}
	status := 0
	for _, c := range rest[:3] {
		if c < '0' || c > '9' {
			return 0, false
		}
		status = status*10 + int(c-'0')
	}
	if status < 200 || status > 599 || status == http.StatusNoContent || status == http.StatusNotModified {
		return 0, false
	}
	return status, true
}

// plainField splits a header line "Name: value" as net/textproto does: the name in canonical
// form, the value without the spaces and tabs around it. ok is false for a line textproto would
// refuse or join with another (a continuation), and for a value with a control character.
func plainField(line string) (name, value string, ok bool) {
	colon := strings.IndexByte(line, ':')
	if colon <= 0 || !validFieldName(line[:colon]) {
		return "", "", false
	}
	v := line[colon+1:]
	for i := 0; i < len(v); i++ {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return "", "", false
		}
	}
	return textproto.CanonicalMIMEHeaderKey(line[:colon]), textproto.TrimString(v), true
}

// plainLength is a Content-Length value: decimal digits only (no sign), below 2^63.
func plainLength(v string) (int64, bool) {
	n, err := strconv.ParseUint(v, 10, 63)
	return int64(n), err == nil
}

// hasGzip reports whether the answer's Content-Encoding is gzip.
func hasGzip(h http.Header) bool {
	vs := h["Content-Encoding"]
	return len(vs) > 0 && strings.EqualFold(vs[0], "gzip")
}
