package provider

// TemplateField is one scope value that may hold a Vault identity template
// on a role with scope_template set. Value points into the Scope it was
// taken from, so the backend can check and fill it in place; the Templated
// kind's save puts the values back into the Scope.
type TemplateField struct {
	// Field is the role field the value comes from (owner, repositories,
	// path), for messages.
	Field string
	Value *string
	// DigitsAreAnID is set where the provider reads an all-digit value as
	// a numeric id rather than a name (GitLab's :id): such a value filled
	// from an identity would name whatever has that id, so it is refused.
	DigitsAreAnID bool
	// IsAnID is set where the value must be a numeric id (GitHub's
	// repository_ids): a template there must be the whole value, and the
	// filled value must be all digits.
	IsAnID bool
}

// Templated is implemented by kinds whose scope fields may be filled from
// the requesting identity. Only the fields listed take templates; the
// backend fills them and then checks the result with ValidateScope exactly
// as it checks a literal value.
type Templated interface {
	// TemplateFields lists s's values; save stores what the backend wrote
	// to them back into s.
	TemplateFields(s *Scope) (fields []TemplateField, save func())
}
