package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"

	"gopkg.in/yaml.v3"

	"github.com/cloudplans/billing-mock/contracttest"
	"github.com/cloudplans/billing-mock/mock"
)

// proxyOptions reads -proxy, -proxy-mode, -proxy-roles and -record.
func proxyOptions(c config) (*mock.Proxy, error) {
	u, err := url.Parse(c.proxy)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("-proxy %q: want the base URL of the billing API, as https://billing.staging.example", c.proxy)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("-proxy %q: a base URL has no query or fragment", c.proxy)
	}
	p := &mock.Proxy{Upstream: u, RecordDir: c.record, RecordIdle: c.recordIdle}
	switch c.proxyMode {
	case "report":
	case "enforce":
		p.Enforce = true
	default:
		return nil, fmt.Errorf("-proxy-mode: want report or enforce, not %q", c.proxyMode)
	}
	roles := contracttest.DefaultRoles()
	if c.proxyRoles != "" {
		data, err := os.ReadFile(c.proxyRoles)
		if err != nil {
			return nil, fmt.Errorf("-proxy-roles: %w", err)
		}
		var given contracttest.Roles
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&given); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("-proxy-roles %s: %w (keys: token, member_token, outsider_token, org, fresh_org, outsider_org)", c.proxyRoles, err)
		}
		roles = given.WithDefaults()
	}
	p.Roles = map[string]string{
		"token": roles.Token, "member_token": roles.MemberToken, "outsider_token": roles.OutsiderToken,
		"org": roles.Org, "fresh_org": roles.FreshOrg, "outsider_org": roles.OutsiderOrg,
	}
	return p, nil
}
