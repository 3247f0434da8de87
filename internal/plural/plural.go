// Package plural writes counted nouns for people: "1 invoice", "2 invoices", "0 invoices".
package plural

import "strconv"

// Count is n and the noun, in the plural unless n is 1 or -1. The noun is a regular English noun
// given in the singular (its plural adds an s).
func Count(n int, noun string) string {
	return strconv.Itoa(n) + " " + Noun(n, noun)
}

// Noun is the noun alone, in the plural unless n is 1 or -1.
func Noun(n int, noun string) string {
	if n == 1 || n == -1 {
		return noun
	}
	return noun + "s"
}
