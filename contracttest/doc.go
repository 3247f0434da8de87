// Package contracttest checks an implementation of the Cloud Plans billing API against its
// contract (openapi.yaml) and against the scenarios of fixtures/contract/*.yaml.
//
// Every answer is validated against the per-action schema of the contract; every scenario step
// compares the answer with its expectations; every rejected request to a state-changing action is
// checked to change nothing (describe and history of the known organizations are compared before
// and after). When the target has the mock's control API (GET /_mock/health answers 200 JSON), each
// scenario runs in its own X-Mock-Session, so scenarios run in parallel and in any order;
// scenarios that need the control API are skipped against a target without it.
//
// The CLI (cmd/contracttest) calls Execute. A Go implementation of the API can run the suite from
// its own tests with Run:
//
//	func TestContract(t *testing.T) {
//		ts := httptest.NewServer(myHandler)
//		defer ts.Close()
//		contracttest.Run(t, ts.URL, contracttest.Options{})
//	}
//
// The scenario format and the JSON report are documented in FORMAT.md.
package contracttest
