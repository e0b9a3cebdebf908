package github

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Repository ids (repository_ids): a name can be renamed and then taken by
// someone else, an id cannot, so CI identity guides bind to ids. A role
// may restrict by names, by ids or by both (the token then reaches the
// union, as GitHub gives it). A request narrows within the kind of list
// the role restricts by: checking an id against a list of names (or the
// reverse) would need a lookup at GitHub, so it is refused instead.

// normalizeRepositoryIDs checks each entry is a positive int64 and returns
// them in canonical form (no leading zeros), de-duplicated and sorted by
// value. Empty means no restriction by id.
func normalizeRepositoryIDs(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, len(in))
	for _, raw := range in {
		v := strings.TrimSpace(raw)
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 || strings.Trim(v, "0123456789") != "" {
			return nil, fmt.Errorf("repository_ids entry %q is not a repository id (a positive number)", raw)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = strconv.FormatInt(id, 10)
	}
	return out, nil
}

// repositoryIDNumbers is ids as GitHub's request body takes them. The ids
// were checked by normalizeRepositoryIDs.
func repositoryIDNumbers(ids []string) ([]int64, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	out := make([]int64, len(ids))
	for i, v := range ids {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("repository_ids entry %q is not a repository id", v)
		}
		out[i] = id
	}
	return out, nil
}

// narrowRepositorySet narrows the role's names and ids by the request's.
// A request that names neither takes both of the ceiling's lists; one that
// names either gets only what it named, since keeping the ceiling's other
// list would widen the token to the union.
func narrowRepositorySet(ceilNames, ceilIDs, wantNames, wantIDs []string) (names, ids []string, err error) {
	if len(wantNames) == 0 && len(wantIDs) == 0 {
		return slices.Clone(ceilNames), slices.Clone(ceilIDs), nil
	}
	open := len(ceilNames) == 0 && len(ceilIDs) == 0
	if len(wantNames) > 0 && !open && len(ceilNames) == 0 {
		return nil, nil, errors.New("the role names its repositories by id: narrow with repository_ids, not repositories")
	}
	if len(wantIDs) > 0 && !open && len(ceilIDs) == 0 {
		return nil, nil, errors.New("the role names its repositories by name: narrow with repositories, not repository_ids")
	}
	if len(wantNames) > 0 {
		if names, err = narrowRepositories(ceilNames, wantNames); err != nil {
			return nil, nil, err
		}
	}
	var outside []string
	for _, id := range wantIDs {
		if len(ceilIDs) > 0 && !slices.Contains(ceilIDs, id) {
			outside = append(outside, fmt.Sprintf("%q", id))
		}
	}
	if len(outside) > 0 {
		return nil, nil, fmt.Errorf("repository_ids not allowed by the role: %s", strings.Join(outside, ", "))
	}
	return names, slices.Clone(wantIDs), nil
}
