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

// Repeats reports whether message(raw), a refusal's text, repeats a
// password raw carries. An occurrence the message also has when the
// password's letters are masked in raw comes from the message's own
// wording (a password "itlab." is in "gitlab.com"), not from the input.
func Repeats(raw string, message func(string) string) bool {
	pws := Passwords(raw)
	if len(pws) == 0 {
		return false
	}
	got := message(raw)
	masked := raw
	for _, pw := range pws {
		masked = strings.ReplaceAll(masked, pw, strings.Repeat("Q", len(pw)))
	}
	wording := message(masked)
	for _, pw := range pws {
		if strings.Count(got, pw) > strings.Count(wording, pw) {
			return true
		}
	}
	return false
}

// Refusal adapts a parser to Repeats: the error text parse gives for an
// input, "" when it accepts it.
func Refusal[T any](parse func(string) (T, error)) func(string) string {
	return func(raw string) string {
		if _, err := parse(raw); err != nil {
			return err.Error()
		}
		return ""
	}
}
