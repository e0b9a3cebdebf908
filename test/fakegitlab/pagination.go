package fakegitlab

import (
	"net/http"
	"strconv"
)

// paginate answers one page of a list with GitLab's offset pagination
// headers (page, per_page: default 20, at most 100), so that a client that
// forgets to follow X-Next-Page misses items, as it would on GitLab.
func paginate[T any](c *call, items []T) reply {
	page, _, err := c.params.integer("page")
	if err != nil || page < 1 {
		page = 1
	}
	perPage, _, err := c.params.integer("per_page")
	if err != nil || perPage < 1 {
		perPage = 20
	}
	perPage = min(perPage, 100)

	total := len(items)
	pages := max((total+perPage-1)/perPage, 1)
	from := min((page-1)*perPage, total)
	to := min(from+perPage, total)

	h := http.Header{}
	h.Set("X-Page", strconv.Itoa(page))
	h.Set("X-Per-Page", strconv.Itoa(perPage))
	h.Set("X-Total", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Next-Page", "")
	if page < pages {
		h.Set("X-Next-Page", strconv.Itoa(page+1))
	}
	h.Set("X-Prev-Page", "")
	if page > 1 {
		h.Set("X-Prev-Page", strconv.Itoa(min(page-1, pages)))
	}
	rep := jsonReply(http.StatusOK, append([]T{}, items[from:to]...))
	rep.header = h
	return rep
}
