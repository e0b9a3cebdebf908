package gitsecrets

import "fmt"

// maxNameLength bounds the names of connections, roles and static roles.
// Names travel in every lease id and, cut short, in the name of each token
// at the provider; a longer one is a mistake, not a need.
const maxNameLength = 128

// nameRegex is framework.GenericNameRegex without "..": Vault's storage
// refuses keys holding "..", so such a name could never be stored or read,
// and every request for it would fail as a server error. Left unmatched,
// it is answered as an unsupported path, as a name with '/' is.
func nameRegex(field string) string {
	return fmt.Sprintf(`(?P<%s>\w(?:(?:[\w-]|\.[\w-])*\.?\w)?)`, field)
}

// newNameProblem says what is wrong with the name of a connection, role
// or static role being written, or "".
func newNameProblem(name string) string {
	if len(name) > maxNameLength {
		return fmt.Sprintf("name is %d characters long; names have at most %d", len(name), maxNameLength)
	}
	return ""
}
