//go:build !race

package main

// exploreSteps is what TestExplore runs: a few seconds of sequences.
const exploreSteps = 3000
