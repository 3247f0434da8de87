// Command reverseproxy is the floor of the validating proxy's load test: a bare
// httputil.ReverseProxy to one upstream, with the same keep-alive transport settings as
// billing-mock -proxy and nothing else (no validation, no journal). bench/loadtest.sh runs it
// next to billing-mock -proxy, in front of the same mock.
package main

import (
	"flag"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"time"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8091", "listen on this host:port")
	upstream := flag.String("upstream", "http://127.0.0.1:8080", "the base URL requests are forwarded to")
	flag.Parse()
	u, err := url.Parse(*upstream)
	if err != nil {
		log.Fatalf("-upstream: %v", err)
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.SetXForwarded()
		},
		// The settings of billing-mock's proxy transport (mock/internal/upstream.NewTransport, which it uses for https).
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
			IdleConnTimeout:     90 * time.Second,
			ForceAttemptHTTP2:   true,
		},
		// A client wrk drops at the end of a run is not worth a line.
		ErrorLog: log.New(io.Discard, "", 0),
	}
	srv := &http.Server{Addr: *addr, Handler: rp, ReadHeaderTimeout: 5 * time.Second}
	log.Fatal(srv.ListenAndServe())
}
