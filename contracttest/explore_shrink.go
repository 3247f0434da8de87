package contracttest

import (
	"context"
	"fmt"
)

// maxShrinkRuns bounds the sequences one shrink runs.
const maxShrinkRuns = 400

// shrink reduces a diverging sequence to a minimal one that still diverges: it cuts what follows
// the divergence, then drops chunks of steps (halves, quarters, … single steps; a state step goes
// with the link step it uses), then simplifies each request (a valid input, the owner, a small
// quantity), and repeats until nothing more can go or maxShrinkRuns sequences ran. Every candidate
// runs afresh in its own session, so the result is a sequence that diverges on its own.
func (e *explorer) shrink(ctx context.Context, first *outcome) *outcome {
	if first.div.index < 0 {
		return first
	}
	best := first
	runs := 0
	try := func(cand []xstep) bool {
		if len(cand) == 0 || runs >= maxShrinkRuns || ctx.Err() != nil {
			return false
		}
		runs++
		out := e.run(ctx, fmt.Sprintf("contracttest-explore-%s-shrink-%d", e.runID, runs), cand)
		if out.div == nil || out.div.index < 0 {
			return false
		}
		out.seq = out.seq[:out.div.index+1]
		out.answers = out.answers[:out.div.index+1]
		best = out
		return true
	}
	if !try(first.seq[:first.div.index+1]) {
		return first // it did not diverge again: report it as it was found
	}
	for progress := true; progress && runs < maxShrinkRuns; {
		progress = false
		for size := len(best.seq) / 2; size >= 1; size /= 2 {
			for from := 0; from+size <= len(best.seq); {
				if try(without(best.seq, from, from+size)) {
					progress = true
					continue // the same place now holds the next steps
				}
				from += size
			}
		}
		for i := 0; i < len(best.seq); i++ {
			for _, simpler := range best.seq[i].simpler() {
				cand := append([]xstep(nil), best.seq...)
				simpler.linkFrom = cand[i].linkFrom
				cand[i] = simpler
				if try(cand) {
					progress = true
					break
				}
			}
		}
	}
	return best
}

// without is seq without its steps [from, to), and without the state steps that used the links
// of those steps; the links of the other state steps are renumbered.
func without(seq []xstep, from, to int) []xstep {
	index := make([]int, len(seq)) // old index → new index, -1 when dropped
	var out []xstep
	for i, st := range seq {
		index[i] = -1
		if i >= from && i < to {
			continue
		}
		if st.in == nil && st.linkFrom >= 0 {
			if index[st.linkFrom] < 0 {
				continue
			}
			st.linkFrom = index[st.linkFrom]
		}
		index[i] = len(out)
		out = append(out, st)
	}
	return out
}
