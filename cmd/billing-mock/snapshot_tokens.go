package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// tokenEnv names the environment variable that gives billing-mock snapshot one token when neither
// -token nor -token-file is given, so that CI can pass a secret without a file.
const tokenEnv = "BILLING_MOCK_TOKEN"

// stdinName is the -token-file name that means standard input.
const stdinName = "-"

// maxTokenFileBytes bounds what -token-file reads: a file of tokens is a few hundred bytes, and a
// mistaken -token-file /dev/zero must end with an error, not fill the memory.
const maxTokenFileBytes = 1 << 20

// onceString is a string flag that may be given once: a second one is a usage error rather than a
// silent override of the first.
type onceString struct {
	value string
	set   bool
}

func (s *onceString) String() string { return s.value }
func (s *onceString) Set(v string) error {
	if s.set {
		return errors.New("may be given once")
	}
	s.value, s.set = v, true
	return nil
}

// tokenSources are the places billing-mock snapshot takes its tokens from.
type tokenSources struct {
	flags  []string   // the -token flags, in order
	file   onceString // -token-file: a path, or "-" for stdin
	stdin  io.Reader  // read when file is "-"
	getenv func(string) string
}

// tokens is the tokens of the snapshot, in role order: the -token flags, then the lines of
// -token-file; when neither is given, BILLING_MOCK_TOKEN. A file that cannot be read, a line that
// is not one token, or a file that holds none while no -token is given is an error; no error
// shows a token (only where it was: the file's name and the line's number).
func (s tokenSources) tokens() ([]string, error) {
	if !s.file.set {
		if len(s.flags) > 0 {
			return s.flags, nil
		}
		if env := strings.TrimSpace(s.getenv(tokenEnv)); env != "" {
			return []string{env}, nil
		}
		return nil, nil
	}
	name := s.file.value
	r, closeFile, err := s.open(name)
	if err != nil {
		return nil, fmt.Errorf("snapshot: -token-file: %w", err)
	}
	defer closeFile()
	fromFile, err := parseTokenLines(r)
	if err != nil {
		return nil, fmt.Errorf("snapshot: -token-file %s: %w", s.describe(name), err)
	}
	if len(fromFile) == 0 && len(s.flags) == 0 {
		return nil, fmt.Errorf("snapshot: -token-file %s holds no token (one token a line; blank lines and lines starting with # are skipped)", s.describe(name))
	}
	return append(append([]string(nil), s.flags...), fromFile...), nil
}

// open opens the -token-file named name: standard input for "-".
func (s tokenSources) open(name string) (io.Reader, func(), error) {
	if name == stdinName {
		if s.stdin == nil {
			return nil, nil, errors.New("no standard input to read")
		}
		return s.stdin, func() {}, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, nil, err
	}
	return f, func() { _ = f.Close() }, nil
}

// describe names the -token-file in a message.
func (s tokenSources) describe(name string) string {
	if name == stdinName {
		return "- (standard input)"
	}
	return name
}

// parseTokenLines reads one token a line, in order: surrounding whitespace is trimmed, blank lines
// and lines starting with # are skipped. A line holding whitespace inside (two tokens on one line)
// or input over maxTokenFileBytes is an error that names the line, never its text.
func parseTokenLines(r io.Reader) ([]string, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxTokenFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	if len(data) > maxTokenFileBytes {
		return nil, fmt.Errorf("is over %d bytes; it holds one token a line", maxTokenFileBytes)
	}
	var tokens []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsFunc(line, unicode.IsSpace) {
			return nil, fmt.Errorf("line %d holds whitespace inside: give one token a line", i+1)
		}
		tokens = append(tokens, line)
	}
	return tokens, nil
}

// redactedError is an error whose message shows each token given as its number ("token #2"): a
// service may quote the token it refused, and the contract's validator quotes the values of an
// answer that breaks it.
type redactedError struct {
	err    error
	tokens []string // in role order: tokens[i] is "token #i+1"
}

func (e *redactedError) Error() string { return redact(e.err.Error(), e.tokens) }
func (e *redactedError) Unwrap() error { return e.err }

// redactTokens is err (nil for nil) with every token of tokens (numbered from 1, in role order)
// shown by its number in its message; errors.Is and errors.As still see err.
func redactTokens(err error, tokens []string) error {
	if err == nil {
		return nil
	}
	return &redactedError{err: err, tokens: tokens}
}

// redact replaces in msg each whole occurrence of a token (not next to a character a bearer token
// may hold, so that a short token does not eat parts of words, and a token inside a longer one is
// left to that one) by its number. Where two tokens start at one place, the longer wins.
func redact(msg string, tokens []string) string {
	var b strings.Builder
	for i := 0; i < len(msg); {
		n, at := -1, 0 // the token found at i, and its length
		if i == 0 || !isTokenByte(msg[i-1]) {
			for k, t := range tokens {
				end := i + len(t)
				if t != "" && len(t) > at && strings.HasPrefix(msg[i:], t) && (end == len(msg) || !isTokenByte(msg[end])) {
					n, at = k, len(t)
				}
			}
		}
		if n < 0 {
			b.WriteByte(msg[i])
			i++
			continue
		}
		fmt.Fprintf(&b, "token #%d", n+1)
		i += at
	}
	return b.String()
}

// isTokenByte reports whether c may be part of a bearer token (RFC 6750's b64token: letters,
// digits, - . _ ~ + / and trailing =), or of a multi-byte character.
func isTokenByte(c byte) bool {
	return c >= 0x80 || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || strings.IndexByte("-._~+/=", c) >= 0
}
