package mock

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/cloudplans/billing-mock/contract"
	"github.com/cloudplans/billing-mock/mock/internal/control"
	"github.com/cloudplans/billing-mock/mock/internal/dashboard"
	"github.com/cloudplans/billing-mock/mock/internal/proxy"
	"github.com/cloudplans/billing-mock/mock/internal/query"
	"github.com/cloudplans/billing-mock/mock/internal/recorder"
	"github.com/cloudplans/billing-mock/mock/internal/upstream"
)

// roleNames are the names reports give the tokens of the roles.
var roleNames = map[string]string{"token": "owner", "member_token": "member", "outsider_token": "outsider"}

// newProxy builds the validating proxy of opts (and its recorder) into s.
func (s *Server) newProxy(opts *Proxy, v *contract.Validator, dash *dashboard.Handler) error {
	if opts.Upstream == nil || (opts.Upstream.Scheme != "http" && opts.Upstream.Scheme != "https") || opts.Upstream.Host == "" {
		return errors.New("mock: Proxy.Upstream must be an http or https URL with a host")
	}
	names := map[string]string{}
	for variable, role := range roleNames {
		if token := opts.Roles[variable]; token != "" {
			names[token] = role
		}
	}
	client, err := upstream.New(opts.Upstream, upstream.Options{Transport: opts.Transport})
	if err != nil {
		return fmt.Errorf("mock: Proxy.Upstream: %w", err)
	}
	mode := proxy.ModeReport
	if opts.Enforce {
		mode = proxy.ModeEnforce
	}
	s.proxy = &proxy.Handler{Upstream: opts.Upstream, Mode: mode, Validator: v, Client: client, Timeout: opts.Timeout,
		Log: proxy.NewLog(0), Redactor: proxy.NewRedactor(names), Logger: s.logger, Query: query.NewReader()}
	if opts.RecordDir != "" {
		rec, err := recorder.New(recorder.Options{Dir: opts.RecordDir, Roles: opts.Roles, Idle: opts.RecordIdle, Logger: s.logger})
		if err != nil {
			return fmt.Errorf("mock: -record: %w", err)
		}
		s.recorder = rec
		s.proxy.Observer = rec
	}
	dash.Violations = s.proxy.Log
	return nil
}

// proxyRouteTable is the route table of proxy mode: the proxy's own control paths (the
// violations, the journal) and the dashboard, and the proxy for every other path.
// TestProxyRoutes holds which paths stay local.
func (s *Server) proxyRouteTable(ctl *control.Handler, dash *dashboard.Handler) []route {
	const get, del = http.MethodGet, http.MethodDelete
	routes := []route{
		{path: proxy.ViolationsPath, on: on{get: s.proxy.ListViolations, del: s.proxy.ClearViolations}},
		{path: "/_mock/requests", on: on{get: ctl.ListRequests}},
		{path: "/", other: s.proxy.Serve},
	}
	// The dashboard, its forms included, is the proxy's own (they act on its local state).
	return append(routes, dashboardRoutes(dash)...)
}

// Close ends what a Server runs besides its handlers: in proxy mode, it closes the idle
// connections to the upstream and, with recording, writes the flows still open and stops the
// recorder's idle timer. A Server serves no request after Close.
func (s *Server) Close() error {
	if s.proxy != nil {
		s.proxy.Client.CloseIdle()
	}
	if s.recorder == nil {
		return nil
	}
	return s.recorder.Close()
}
