package gitsecrets

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/identitytpl"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Identity-templated scopes (scope_template): a role's owner, repositories
// or path may name the requester, as in
// {{identity.entity.aliases.<jwt accessor>.metadata.project_path}}, so one
// role gives each CI job a token for its own project. Vault cannot do this
// with policy templating, which fills policy paths, never parameters.
//
// A provider says which scope fields take templates (provider.Templated);
// this file checks them at role write and fills them on each creds request.
// A filled value must name exactly one thing: each filled part is one
// name (letters, digits, '.', '_', '-'), or, when the template is the
// whole value, a slash-separated path of such names. Globs, commas,
// whitespace, '..' and empty values are refused, so no identity can widen
// the role; the result then passes the provider's ValidateScope like a
// literal value.

// maxFilledLength bounds one filled part; no provider's name is longer.
const maxFilledLength = 255

// templatePart is a literal run of a template followed by the directive
// after it ("" for the last part).
type templatePart struct {
	literal, directive string
}

// parseTemplate splits a value into its literal runs and directives. It
// reports whether the value holds a template at all; an unbalanced one or
// a directive other than identity.entity.* / identity.groups.* is an error.
func parseTemplate(value string) ([]templatePart, bool, error) {
	has, err := framework.ValidateIdentityTemplate(value)
	if err != nil {
		return nil, false, err
	}
	if !has {
		return nil, false, nil
	}
	pieces := strings.Split(value, "{{")
	parts := []templatePart{{literal: pieces[0]}}
	for _, piece := range pieces[1:] {
		directive, literal, _ := strings.Cut(piece, "}}")
		directive = strings.TrimSpace(directive)
		if !strings.HasPrefix(directive, "identity.entity.") && !strings.HasPrefix(directive, "identity.groups.") {
			return nil, false, fmt.Errorf("{{%s}} is not an identity template: use {{identity.entity...}} or {{identity.groups...}}", directive)
		}
		parts[len(parts)-1].directive = directive
		parts = append(parts, templatePart{literal: literal})
	}
	return parts, true, nil
}

// templateFields lists the scope values of s that may hold a template;
// save puts what was written to them back into s.
func templateFields(kind provider.Kind, s *provider.Scope) (fields []provider.TemplateField, save func()) {
	if t, ok := kind.(provider.Templated); ok {
		return t.TemplateFields(s)
	}
	return nil, func() {}
}

// validateRoleScope checks and normalises a role's scope at write. Without
// scope_template it is the provider's ValidateScope, and a template is
// refused. With it, each template's directives are checked and its literal
// parts go through ValidateScope with a placeholder for each directive, so
// a role like path=acme/{{...}} is checked as acme/<name>; the templates
// are stored as written.
func validateRoleScope(kind provider.Kind, r *role) error {
	probe := r.Scope
	fields, save := templateFields(kind, &probe)
	originals := map[string]string{} // placeholder -> template as written
	for i, f := range fields {
		parts, has, err := parseTemplate(*f.Value)
		if err != nil {
			return fmt.Errorf("%s %q: %w", f.Field, *f.Value, err)
		}
		if !has {
			continue
		}
		if !r.ScopeTemplate {
			return fmt.Errorf("%s %q holds an identity template: set scope_template=true to fill it from each requester's identity", f.Field, *f.Value)
		}
		placeholder := fmt.Sprintf("vaulttpl%dx", i)
		if f.IsAnID {
			// An id is a number, so its template is the whole value,
			// probed as a number no role holds (19 digits, unique per
			// field, so the provider keeps each apart).
			if len(parts) != 2 || strings.TrimSpace(parts[0].literal) != "" || strings.TrimSpace(parts[1].literal) != "" {
				return fmt.Errorf("%s %q: a template there must be the whole value, as ids are numbers", f.Field, *f.Value)
			}
			placeholder = fmt.Sprintf("%d", 9000000000000000000+i)
		}
		originals[placeholder] = strings.TrimSpace(*f.Value)
		var b strings.Builder
		for _, p := range parts {
			b.WriteString(p.literal)
			if p.directive != "" {
				b.WriteString(placeholder)
			}
		}
		*f.Value = b.String()
	}
	save()
	if err := kind.ValidateScope(r.TokenType, &probe); err != nil {
		return err
	}
	fields, save = templateFields(kind, &probe)
	for _, f := range fields {
		for placeholder, original := range originals {
			if strings.Contains(*f.Value, placeholder) {
				*f.Value = original
				delete(originals, placeholder)
				break
			}
		}
	}
	if len(originals) > 0 {
		// The provider merged or dropped a templated value; storing the
		// probe would store a placeholder.
		return errors.New("identity templates must each be a value of their own")
	}
	save()
	r.Scope = probe
	return nil
}

// refuseTemplates is for static roles, whose token is shared by every
// reader and so cannot name one requester.
func refuseTemplates(kind provider.Kind, s *provider.Scope) error {
	fields, _ := templateFields(kind, s)
	for _, f := range fields {
		if _, has, _ := parseTemplate(*f.Value); has || strings.Contains(*f.Value, "{{") {
			return fmt.Errorf("%s %q: static roles do not take identity templates; their token is shared by every reader", f.Field, *f.Value)
		}
	}
	return nil
}

// errTemplate is a role's template that the requester's identity cannot
// fill, or fills with a value that would name more than one thing.
type errTemplate struct{ msg string }

func (e *errTemplate) Error() string { return e.msg }

// templateRefusal is the caller's answer to an errTemplate: 403, since the
// requester's identity, not the request, is what the role refuses.
func templateRefusal(err *errTemplate) error {
	return logical.CodedError(http.StatusForbidden, shortenMessage(err.msg, maxErrorLength))
}

// fillScope returns the role's ceiling for this requester: its scope with
// every template filled from entity and checked as a literal value would
// be. A role without scope_template gets its scope back unchanged.
func (b *backend) fillScope(kind provider.Kind, r *role, entity *logical.Entity) (provider.Scope, error) {
	if !r.ScopeTemplate {
		return r.Scope, nil
	}
	s := r.Scope
	var groups []*logical.Group
	groupsRead := false
	fields, save := templateFields(kind, &s)
	for _, f := range fields {
		parts, has, err := parseTemplate(*f.Value)
		if err != nil {
			return nil, &errTemplate{fmt.Sprintf("role %q: %s %q: %s", r.Name, f.Field, *f.Value, err)}
		}
		if !has {
			continue
		}
		whole := len(parts) == 2 && strings.TrimSpace(parts[0].literal) == "" && strings.TrimSpace(parts[1].literal) == ""
		var out strings.Builder
		for _, p := range parts {
			out.WriteString(p.literal)
			if p.directive == "" {
				continue
			}
			if strings.HasPrefix(p.directive, "identity.groups.") && !groupsRead && entity != nil {
				if groups, err = b.System().GroupsForEntity(entity.ID); err != nil {
					return nil, fmt.Errorf("read the requester's groups: %w", err)
				}
				groupsRead = true
			}
			v, err := fillDirective(p.directive, entity, groups)
			if err == nil {
				err = checkFilled(v, whole)
			}
			if err != nil {
				return nil, &errTemplate{fmt.Sprintf("role %q: %s %q cannot be filled from the requester's identity: {{%s}} %s",
					r.Name, f.Field, *f.Value, p.directive, err)}
			}
			out.WriteString(v)
		}
		filled := strings.TrimSpace(out.String())
		if f.IsAnID && (filled == "" || strings.Trim(filled, "0123456789") != "") {
			return nil, &errTemplate{fmt.Sprintf("role %q: %s %q is filled from the requester's identity as %q, which is not a numeric id",
				r.Name, f.Field, *f.Value, filled)}
		}
		if f.DigitsAreAnID && strings.Trim(filled, "0123456789") == "" {
			return nil, &errTemplate{fmt.Sprintf("role %q: %s %q is filled from the requester's identity as %q, all digits, which the provider reads as a numeric id rather than a name; template a path, not an id",
				r.Name, f.Field, *f.Value, filled)}
		}
		*f.Value = filled
	}
	save()
	if err := kind.ValidateScope(r.TokenType, &s); err != nil {
		return nil, &errTemplate{fmt.Sprintf("role %q: the scope filled from the requester's identity is refused: %s", r.Name, err)}
	}
	return s, nil
}

// fillDirective fills one directive the way Vault's own engines do
// (framework.PopulateIdentityTemplate), from an entity read once per request.
func fillDirective(directive string, entity *logical.Entity, groups []*logical.Group) (string, error) {
	if entity == nil {
		return "", errors.New("needs an identity entity, and the request has none")
	}
	_, v, err := identitytpl.PopulateString(identitytpl.PopulateStringInput{
		String: "{{" + directive + "}}",
		Entity: entity,
		Groups: groups,
		Mode:   identitytpl.ACLTemplating,
	})
	if err != nil {
		return "", fmt.Errorf("has no value: %w", err)
	}
	return v, nil
}

// checkFilled refuses a filled part that could name more than one thing or
// step outside the role's literal parts.
func checkFilled(v string, whole bool) error {
	switch {
	case v == "":
		return errors.New("is empty")
	case len(v) > maxFilledLength:
		return fmt.Errorf("is longer than %d characters", maxFilledLength)
	}
	for _, c := range v {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || (c == '/' && whole)
		if !ok {
			return fmt.Errorf("is %q, which holds %q: a filled value names one project or repository", v, c)
		}
	}
	for _, seg := range strings.Split(v, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("is %q, which is not a plain name or path", v)
		}
	}
	return nil
}

// requesterEntity reads the requester's entity, or nil when the request
// has none (a root token, or a token made without an entity).
func (b *backend) requesterEntity(req *logical.Request) (*logical.Entity, error) {
	if req.EntityID == "" {
		return nil, nil
	}
	e, err := b.System().EntityInfo(req.EntityID)
	if err != nil {
		return nil, fmt.Errorf("read the requester's entity: %w", err)
	}
	return e, nil
}
