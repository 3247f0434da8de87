package session

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cloudplans/billing-mock/mock/errcode"
)

// maxFaultDelay bounds a fault's delay, so a rule cannot hold a connection for ever.
const maxFaultDelay = 60 * time.Second

// Rule makes matching billing API requests fail: with a documented error status, after a
// delay, or by dropping the connection. It applies to the next Count requests, or to each with
// Probability (drawn from a generator seeded with Seed, so a run repeats), or, with neither, to
// every matching request until it is deleted.
type Rule struct {
	ID string `json:"id"`
	// Action is an action name or "*" for every action.
	Action string `json:"action"`
	// Status is an error status the action documents (0: none).
	Status int `json:"status,omitempty"`
	// Delay before answering, as a Go duration ("2s").
	Delay string `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Count is how many more requests the rule applies to (0: no limit).
	Count       int     `json:"count,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	Seed        uint64  `json:"seed,omitempty"`
	// Matched counts the requests the rule was applied to.
	Matched int `json:"matched"`

	delay time.Duration
	rng   *rand.Rand
}

// Wait is the rule's delay, parsed by Check.
func (r *Rule) Wait() time.Duration { return r.delay }

// Faults is a session's fault rules, in the order they were added. It locks itself.
type Faults struct {
	mu    sync.Mutex
	max   int
	rules []*Rule
	seq   int
}

func newFaults(max int) *Faults { return &Faults{max: max} }

// Check checks a new rule and prepares it: a known action (an action of documented, or "*") and a
// status it documents (every action documents it, for "*"), and the fields' ranges. documented maps
// each action to its documented statuses.
func (r *Rule) Check(documented map[string][]int) *errcode.Error {
	bad := func(format string, args ...any) *errcode.Error {
		return errcode.New(errcode.InvalidParameter, fmt.Sprintf(format, args...))
	}
	if r.Action == "" {
		return bad(`action is required: an action name or "*"`)
	}
	actions := documented
	if r.Action != "*" {
		if _, ok := actions[r.Action]; !ok {
			return bad("unknown action %q", r.Action)
		}
	}
	kinds := 0
	if r.Status != 0 {
		kinds++
		for name, statuses := range actions {
			if r.Action != "*" && name != r.Action {
				continue
			}
			if r.Status < 400 || !slices.Contains(statuses, r.Status) {
				return bad("status %d is not an error %s documents (it documents %s)", r.Status, name, joinStatuses(statuses))
			}
		}
	}
	if r.Drop {
		kinds++
	}
	if r.Delay != "" {
		d, err := time.ParseDuration(r.Delay)
		if err != nil || d <= 0 || d > maxFaultDelay {
			return bad("delay must be a duration from 1ms to %s, like \"2s\", got %q", maxFaultDelay, r.Delay)
		}
		r.delay = d
		if kinds == 0 {
			kinds++
		}
	}
	if kinds != 1 || (r.Drop && r.Status != 0) {
		return bad("give one of status, delay (optionally with status) or drop")
	}
	if r.Count < 0 {
		return bad("count must be 0 (no limit) or more, got %d", r.Count)
	}
	if r.Probability < 0 || r.Probability > 1 {
		return bad("probability must be from 0 to 1, got %v", r.Probability)
	}
	if r.Probability > 0 {
		r.rng = rand.New(rand.NewPCG(r.Seed, r.Seed^0x9e3779b97f4a7c15))
	}
	return nil
}

// Add adds a checked rule, numbered flt_1, flt_2, … in the session; beyond the session's bound it
// is a TooManyFaults error.
func (fs *Faults) Add(r *Rule) *errcode.Error {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.rules) >= fs.max {
		return errcode.New(errcode.TooManyFaults, fmt.Sprintf("this session already has %d fault rules (the -max-faults limit); DELETE /_mock/faults first", fs.max))
	}
	fs.seq++
	r.ID = "flt_" + strconv.Itoa(fs.seq)
	fs.rules = append(fs.rules, r)
	return nil
}

// Match returns the first rule that applies to a request of action, counting it; rules whose count
// runs out are removed.
func (fs *Faults) Match(action string) (Rule, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for i, r := range fs.rules {
		if r.Action != "*" && r.Action != action {
			continue
		}
		if r.rng != nil && r.rng.Float64() >= r.Probability {
			continue
		}
		r.Matched++
		hit := *r
		if r.Count > 0 {
			r.Count--
			if r.Count == 0 {
				fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			}
		}
		return hit, true
	}
	return Rule{}, false
}

// List returns the rules, in the order they were added.
func (fs *Faults) List() []Rule {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	out := make([]Rule, len(fs.rules))
	for i, r := range fs.rules {
		out[i] = *r
	}
	return out
}

// Remove deletes one rule (id) or, with id "", all of them; it reports whether any was deleted.
func (fs *Faults) Remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if id == "" {
		fs.rules = nil
		return true
	}
	for i, r := range fs.rules {
		if r.ID == id {
			fs.rules = append(fs.rules[:i:i], fs.rules[i+1:]...)
			return true
		}
	}
	return false
}

// Delete is Remove with an unknown id a FaultNotFound error.
func (fs *Faults) Delete(id string) *errcode.Error {
	if !fs.Remove(id) {
		return errcode.New(errcode.FaultNotFound, fmt.Sprintf("no fault rule %q in this session", id))
	}
	return nil
}

// joinStatuses writes statuses as "200, 400, 404".
func joinStatuses(statuses []int) string {
	return strings.ReplaceAll(strings.Trim(fmt.Sprint(statuses), "[]"), " ", ", ")
}
