// Command reference is the load test's floor: a bare net/http server that answers every request
// with a fixed JSON body of the size of the mock's describe answer, and nothing else (no routing,
// no validation, no state). bench/loadtest.sh runs it next to the mock, on the same core.
package main

import (
	"flag"
	"log"
	"net/http"
	"strconv"
)

// body is the mock's describe answer for org_acme, byte for byte.
const body = `{"status":200,"response":{"organization":{"resources":12,"name":"Acme Corp","id":"org_acme","owner":"usr_owner"},"subscription":{"payment_exp":"2028-04","plan":"pro","quantity":"3","status":"active"}}}`

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen on this host:port")
	flag.Parse()
	b := []byte(body)
	length := strconv.Itoa(len(b))
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", length)
		_, _ = w.Write(b)
	})
	log.Fatal(http.ListenAndServe(*addr, h))
}
