package gitsecrets

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// unknownFields lists, sorted, the request fields schema does not have.
func unknownFields(data map[string]any, schema map[string]*framework.FieldSchema) []string {
	var out []string
	for k := range data {
		if _, ok := schema[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// settableFields lists schema's fields other than name (which the path
// carries), with the providers a scope field applies to.
func (b *backend) settableFields(schema map[string]*framework.FieldSchema) string {
	var out []string
	for k := range schema {
		if k == "name" {
			continue
		}
		if p := b.fieldOwners(k, provider.Kind.ScopeFields); p != "" {
			k += " (" + p + ")"
		}
		out = append(out, k)
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// durationField reads a TTL field, refusing negative values the framework
// lets through.
func durationField(d *framework.FieldData, name string) (time.Duration, bool, error) {
	v, ok := d.GetOk(name)
	if !ok {
		return 0, false, nil
	}
	secs := v.(int)
	if secs < 0 {
		return 0, true, fmt.Errorf("%s must not be negative", name)
	}
	return time.Duration(secs) * time.Second, true, nil
}
