package main

import (
	"errors"
	"os"
	"strings"
)

// connection is one provider account the sandbox configures: what it writes
// at config/<name>, the roles it adds for it, and what it tells the user.
type connection struct {
	name    string         // config/<name>
	label   string         // "fake GitHub", "GitHub"
	url     string         // where the provider's API is
	summary string         // what is there, for the instructions
	config  map[string]any // fields for config/<name>, as the CLI would send them
	roles   []role
	control string    // the fake's inspection endpoint, if any
	local   *backends // the fake's Git server and registry; nil for a real provider
}

// role is one roles/<name> write.
type role struct {
	name   string
	fields map[string]any
}

// envGroup reads variables that only make sense together: all unset means
// "not configured", some set is an error naming the missing ones.
func envGroup(names ...string) (values map[string]string, configured bool, err error) {
	values = map[string]string{}
	var missing []string
	for _, name := range names {
		if v := os.Getenv(name); v != "" {
			values[name] = v
		} else {
			missing = append(missing, name)
		}
	}
	switch len(missing) {
	case len(names):
		return nil, false, nil
	case 0:
		return values, true, nil
	default:
		return nil, false, errors.New(strings.Join(names, ", ") + " go together; missing " + strings.Join(missing, ", "))
	}
}
