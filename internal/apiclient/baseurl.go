package apiclient

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// BaseURL parses base_url and checks what every provider needs of it: an
// http(s) URL with a host and no user, query or fragment. hint says what
// to give instead. Each provider then shapes the path its SDK expects.
func BaseURL(raw, hint string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("base_url is not a URL; %s", hint)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("base_url must start with https:// (got scheme %q); %s", u.Scheme, hint)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("base_url has no host; %s", hint)
	}
	if u.User != nil {
		return nil, errors.New("base_url must not contain a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("base_url must not have a query or fragment; %s", hint)
	}
	return u, nil
}
