package contracttest

import (
	"math"
	"sync"

	"github.com/cloudplans/billing-mock/contract"
)

// coverageSet records the action × status pairs answered, safely from parallel scenarios.
type coverageSet struct {
	mu   sync.Mutex
	seen map[coverageKey]bool
}

type coverageKey struct {
	method, path, action string
	status               int
}

func newCoverageSet() *coverageSet { return &coverageSet{seen: map[coverageKey]bool{}} }

// add records a valid answer.
func (c *coverageSet) add(method, path, action string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seen[coverageKey{method, path, action, status}] = true
}

// table lists every action and documented status of the contract, in the contract's order.
func (c *coverageSet) table(k *contract.Contract) Coverage {
	c.mu.Lock()
	defer c.mu.Unlock()
	var cov Coverage
	for _, op := range k.Operations() {
		for _, action := range op.Actions() {
			for _, status := range op.Statuses(action) {
				row := CoverageRow{Method: op.Method, Path: op.Path, Action: action, Status: status,
					Exercised: c.seen[coverageKey{op.Method, op.Path, action, status}]}
				cov.Rows = append(cov.Rows, row)
				cov.Total++
				if row.Exercised {
					cov.Exercised++
				}
			}
		}
	}
	if cov.Total > 0 {
		cov.Percent = math.Floor(float64(cov.Exercised)*1000/float64(cov.Total)) / 10
	}
	return cov
}
