package gitsecrets

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// backendKeys are the keys of a config/ entry that the backend owns
// (connection's fields); the provider's settings keys sit beside them in
// the one flat object, as in the entries of earlier releases.
var backendKeys = jsonKeys(reflect.TypeOf(connection{}))

// jsonKeys are the JSON keys of t's fields, embedded structs' included.
func jsonKeys(t reflect.Type) map[string]bool {
	keys := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case name == "-" || !f.IsExported():
		case f.Anonymous && name == "" && f.Type.Kind() == reflect.Struct:
			maps.Copy(keys, jsonKeys(f.Type))
		case name == "":
			keys[f.Name] = true
		default:
			keys[name] = true
		}
	}
	return keys
}

// MarshalJSON writes the backend's fields and the provider's settings as
// one object. A settings key that is the backend's is refused: it would
// overwrite the backend's value, or be read back as the backend's.
func (c connection) MarshalJSON() ([]byte, error) {
	type plain connection
	raw, err := json.Marshal(plain(c))
	if err != nil || len(c.Settings) == 0 {
		return raw, err
	}
	var entry, settings map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entry); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(c.Settings, &settings); err != nil {
		return nil, fmt.Errorf("the %s settings are not a JSON object: %w", c.Provider, err)
	}
	for k, v := range settings {
		if backendKeys[k] {
			return nil, fmt.Errorf("the %s settings key %q is a key of the backend's", c.Provider, k)
		}
		entry[k] = v
	}
	return json.Marshal(entry)
}

// decodeSettings sets conn's provider settings: every key of the stored
// entry that is not the backend's.
func decodeSettings(conn *connection, entry *logical.StorageEntry) error {
	var keys map[string]json.RawMessage
	if err := entry.DecodeJSON(&keys); err != nil {
		return err
	}
	for k := range keys {
		if backendKeys[k] {
			delete(keys, k)
		}
	}
	conn.Settings = provider.Encode(keys)
	return nil
}
