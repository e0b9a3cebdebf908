package apiclient

import "unicode/utf8"

// Truncate cuts s to at most n bytes, on a character boundary, for a field
// the server bounds. Servers count characters, so bytes are the safe side
// of either reading.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
