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
	if !Leaked("https://u:s3cretpw@h", "bad base_url https://u:s3cretpw@h") || Leaked("https://u:s3cretpw@h", "bad base_url") {
		t.Error("Leaked does not find the password it should, or finds one that is not there")
	}
}
