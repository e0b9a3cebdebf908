package urlsecret

import (
	"slices"
	"testing"
)

func TestPasswords(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want []string
	}{
		{"https://gitlab.example.com", nil},
		{"https://user:s3cret@gitlab.example.com/api", []string{"s3cret"}},
		{" https://user:s3cret@gitlab.example.com ", []string{"s3cret"}},
		{"https://user@gitlab.example.com", nil},
		{"https://user:short@host", nil},
		{"https://user:pass%20word@host", []string{"pass%20word", "pass word"}},
		{"https://user:s3%cretpw@host", []string{"s3%cretpw"}}, // does not parse: cut by hand
		{"no scheme:password@host", nil},
	}
	for _, tc := range tests {
		if got := Passwords(tc.raw); !slices.Equal(got, tc.want) {
			t.Errorf("Passwords(%q) = %q, want %q", tc.raw, got, tc.want)
		}
	}
	quoting := func(raw string) string { return "bad base_url " + raw + " (see gitlab.com)" }
	fixed := func(string) string { return "base_url is not a URL; use https://gitlab.com" }
	for _, tc := range []struct {
		name    string
		raw     string
		message func(string) string
		want    bool
	}{
		{"a message that quotes the input", "https://u:s3cretpw@h", quoting, true},
		{"a message that does not", "https://u:s3cretpw@h", fixed, false},
		{"a password that is part of the wording", "0://:itlab.@", fixed, false},
		{"the same, quoted as well", "0://:itlab.@", quoting, true},
		{"no password", "https://h", quoting, false},
	} {
		if got := Repeats(tc.raw, tc.message); got != tc.want {
			t.Errorf("%s: Repeats = %v, want %v", tc.name, got, tc.want)
		}
	}
}
