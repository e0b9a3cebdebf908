// Package urlsecret finds the password a URL string carries, however
// malformed, so that tests can check no error message or log repeats it.
package urlsecret

import (
	"net/url"
	"strings"
)

// minLength is the shortest password worth looking for: shorter ones turn
// up in any message by chance.
const minLength = 6

// Passwords are the forms of the password in raw's userinfo worth looking
// for: the text between "://", the first ":" and the "@" as written, and
// the password as url.Parse decodes it when raw parses. None when raw
// carries no password of minLength or more.
func Passwords(raw string) []string {
	var out []string
	add := func(pw string) {
		if len(pw) >= minLength && (len(out) == 0 || out[0] != pw) {
			out = append(out, pw)
		}
	}
	if _, rest, ok := strings.Cut(raw, "://"); ok {
		if userinfo, _, ok := strings.Cut(rest, "@"); ok {
			_, pw, _ := strings.Cut(userinfo, ":")
			add(pw)
		}
	}
	if u, err := url.Parse(strings.TrimSpace(raw)); err == nil {
		pw, _ := u.User.Password()
		add(pw)
	}
	return out
}

// Leaked reports whether text repeats a password raw carries.
func Leaked(raw, text string) bool {
	for _, pw := range Passwords(raw) {
		if strings.Contains(text, pw) {
			return true
		}
	}
	return false
}
