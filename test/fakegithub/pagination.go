package fakegithub

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// GitHub's list defaults: 30 per page, at most 100.
const (
	defaultPerPage = 30
	maxPerPage     = 100
)

// page is a parsed page/per_page pair.
type page struct {
	number, size int
}

// parsePage reads page and per_page as GitHub does: missing, malformed or
// out-of-range values fall back to the first page, 30 per page, and
// per_page is capped at 100.
func parsePage(q url.Values) page {
	p := page{number: 1, size: defaultPerPage}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n > 0 {
		p.number = n
	}
	if n, err := strconv.Atoi(q.Get("per_page")); err == nil && n > 0 {
		p.size = min(n, maxPerPage)
	}
	return p
}

// bounds is the slice [lo, hi) of total items that the page holds.
func (p page) bounds(total int) (lo, hi int) {
	lo = min((p.number-1)*p.size, total)
	hi = min(lo+p.size, total)
	return lo, hi
}

func (p page) last(total int) int {
	return max(1, (total+p.size-1)/p.size)
}

// setLinkHeader writes GitHub's Link header (prev, next, last, first, with
// absolute URLs that keep the request's other query parameters) when the
// list spans more than one page.
func (x *exchange) setLinkHeader(p page, total int) {
	last := p.last(total)
	if last == 1 {
		return
	}
	link := func(n int, rel string) string {
		q := x.r.URL.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("per_page", strconv.Itoa(p.size))
		return fmt.Sprintf(`<%s%s?%s>; rel="%s"`, x.webRoot(), x.r.URL.Path, q.Encode(), rel)
	}
	var links []string
	if p.number > 1 {
		links = append(links, link(min(p.number-1, last), "prev"))
	}
	if p.number < last {
		links = append(links, link(p.number+1, "next"), link(last, "last"))
	}
	if p.number > 1 {
		links = append(links, link(1, "first"))
	}
	x.w.Header().Set("Link", strings.Join(links, ", "))
}
