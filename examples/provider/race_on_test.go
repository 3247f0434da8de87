//go:build race

package main

// exploreSteps is what TestExplore runs: under the race detector, which makes each step of the
// provider (SQLite, C translated to Go) about five times slower, a fifth of it.
const exploreSteps = 600
