package contracttest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// vars holds a scenario's variables: the roles, then what its steps captured.
type vars map[string]string

// unknownOrg and unknownToken are ids no implementation should know.
const (
	unknownOrg   = "org_contracttest_does_not_exist"
	unknownToken = "tok_contracttest_unknown"
)

func newVars(r Roles) vars {
	return vars{
		"token": r.Token, "member_token": r.MemberToken, "outsider_token": r.OutsiderToken,
		"org": r.Org, "fresh_org": r.FreshOrg, "outsider_org": r.OutsiderOrg,
		"unknown_org": unknownOrg, "unknown_token": unknownToken,
	}
}

// expand replaces every {{expr}} of s. An expr is a variable name, optionally followed by +N or -N
// (the variable must then hold an integer), month:name, the YYYY-MM of a YYYY-MM-DD date, or
// pad:N, N letters x.
func (v vars) expand(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("%q: {{ without }}", s)
		}
		b.WriteString(s[:i])
		val, err := v.eval(strings.TrimSpace(s[i+2 : i+j]))
		if err != nil {
			return "", err
		}
		b.WriteString(val)
		s = s[i+j+2:]
	}
}

func (v vars) eval(expr string) (string, error) {
	if name, ok := strings.CutPrefix(expr, "month:"); ok {
		return v.month(strings.TrimSpace(name))
	}
	if n, ok := strings.CutPrefix(expr, "pad:"); ok {
		return pad(strings.TrimSpace(n))
	}
	name, op, num := expr, byte(0), ""
	if k := strings.IndexAny(expr, "+-"); k > 0 {
		name, op, num = strings.TrimSpace(expr[:k]), expr[k], strings.TrimSpace(expr[k+1:])
	}
	val, ok := v[name]
	if !ok {
		return "", fmt.Errorf("unknown variable %q (roles: token, member_token, outsider_token, org, fresh_org, outsider_org, unknown_org, unknown_token; or a captured one)", name)
	}
	if op == 0 {
		return val, nil
	}
	a, err := strconv.ParseInt(val, 10, 64)
	if err != nil {
		return "", fmt.Errorf("{{%s}}: %s holds %q, not an integer", expr, name, val)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return "", fmt.Errorf("{{%s}}: %q is not an integer", expr, num)
	}
	if op == '-' {
		n = -n
	}
	return strconv.FormatInt(a+n, 10), nil
}

// month is the YYYY-MM of a variable that holds a YYYY-MM-DD date: {{month:today}}.
func (v vars) month(name string) (string, error) {
	val, ok := v[name]
	if !ok {
		return "", fmt.Errorf("unknown variable %q in {{month:%s}}", name, name)
	}
	if _, err := time.Parse(time.DateOnly, val); err != nil {
		return "", fmt.Errorf("{{month:%s}}: %s holds %q, not a YYYY-MM-DD date", name, name, val)
	}
	return val[:7], nil
}

// maxPad bounds {{pad:N}}: a longer string than a request body may be is never needed.
const maxPad = 1 << 20

// pad is {{pad:N}}: N letters x, for requests over a length limit (a URL over 8 KiB).
func pad(n string) (string, error) {
	count, err := strconv.Atoi(n)
	if err != nil || count < 1 || count > maxPad {
		return "", fmt.Errorf("{{pad:%s}}: want a count from 1 to %d", n, maxPad)
	}
	return strings.Repeat("x", count), nil
}

// numPrefix marks a YAML string that becomes a JSON number: "{{num:qty+1}}".
const numPrefix = "{{num:"

// expandValue expands the templates of every string of a YAML value. A string that is exactly
// "{{num:expr}}" becomes the JSON number expr evaluates to.
func (v vars) expandValue(in any) (any, error) {
	switch x := in.(type) {
	case string:
		if strings.HasPrefix(x, numPrefix) && strings.HasSuffix(x, "}}") && strings.Count(x, "{{") == 1 {
			s, err := v.eval(strings.TrimSpace(x[len(numPrefix) : len(x)-2]))
			if err != nil {
				return nil, err
			}
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a number", x, s)
			}
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
			return f, nil
		}
		return v.expand(x)
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			ne, err := v.expandValue(e)
			if err != nil {
				return nil, err
			}
			out[k] = ne
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			ne, err := v.expandValue(e)
			if err != nil {
				return nil, err
			}
			out[i] = ne
		}
		return out, nil
	default:
		return in, nil
	}
}
