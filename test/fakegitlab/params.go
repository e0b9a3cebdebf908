package fakegitlab

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// params are a request's parameters as Grape sees them: the query string
// merged with a JSON or form body, the body winning. JSON null counts as
// absent, as it does for Grape's optional parameters.
type params map[string]any

func readParams(r *http.Request) (params, error) {
	p := params{}
	p.addForm(r.URL.Query())
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return p, nil
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var fields map[string]any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if err := dec.Decode(&fields); err != nil {
			return nil, err
		}
		for k, v := range fields {
			if v == nil {
				delete(p, k)
				continue
			}
			p[k] = v
		}
		return p, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, err
	}
	p.addForm(form)
	return p, nil
}

// addForm takes "scopes[]=a&scopes[]=b" as a list and a repeated plain key
// as its last value, like Rack.
func (p params) addForm(form url.Values) {
	for k, vals := range form {
		if name, ok := strings.CutSuffix(k, "[]"); ok {
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = v
			}
			p[name] = list
			continue
		}
		p[k] = vals[len(vals)-1]
	}
}

var errWrongType = errors.New("wrong type")

// str reads a String parameter.
func (p params) str(key string) (value string, present bool, err error) {
	v, ok := p[key]
	if !ok {
		return "", false, nil
	}
	switch v := v.(type) {
	case string:
		return v, true, nil
	case json.Number:
		return v.String(), true, nil
	case bool:
		return strconv.FormatBool(v), true, nil
	}
	return "", true, errWrongType
}

// list reads an Array[String] parameter; a string is split on commas, which
// covers Grape's CommaSeparatedToArray and single values.
func (p params) list(key string) (values []string, present bool, err error) {
	v, ok := p[key]
	if !ok {
		return nil, false, nil
	}
	switch v := v.(type) {
	case string:
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				values = append(values, part)
			}
		}
		return values, true, nil
	case []any:
		values = []string{}
		for _, item := range v {
			s, ok := item.(string)
			if !ok {
				return nil, true, errWrongType
			}
			values = append(values, s)
		}
		return values, true, nil
	}
	return nil, true, errWrongType
}

// integer reads an Integer parameter.
func (p params) integer(key string) (value int, present bool, err error) {
	s, present, err := p.str(key)
	if !present || err != nil {
		return 0, present, err
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, true, errWrongType
	}
	return n, true, nil
}

// validation collects Grape's parameter errors, which GitLab answers as
// 400 {"error":"name is missing, scopes does not have a valid value"}.
type validation []string

func (v *validation) missing(key string)  { *v = append(*v, key+" is missing") }
func (v *validation) invalid(key string)  { *v = append(*v, key+" is invalid") }
func (v *validation) badValue(key string) { *v = append(*v, key+" does not have a valid value") }

func (v validation) failed() bool { return len(v) > 0 }

func (v validation) reply() reply {
	return errorReply(http.StatusBadRequest, strings.Join(v, ", "))
}

// requireString validates a required String parameter.
func (v *validation) requireString(p params, key string) string {
	s, present, err := p.str(key)
	switch {
	case !present:
		v.missing(key)
	case err != nil:
		v.invalid(key)
	}
	return s
}

// optionalString validates an optional String parameter.
func (v *validation) optionalString(p params, key string) string {
	s, _, err := p.str(key)
	if err != nil {
		v.invalid(key)
	}
	return s
}

// requireScopes validates a required scope list against the allowed set.
func (v *validation) requireScopes(p params, key string, allowed func(string) bool) []string {
	scopes, present, err := p.list(key)
	switch {
	case !present:
		v.missing(key)
	case err != nil:
		v.invalid(key)
	default:
		for _, s := range scopes {
			if !allowed(s) {
				v.badValue(key)
				break
			}
		}
	}
	return scopes
}

// optionalDate validates an optional Date parameter.
func (v *validation) optionalDate(p params, key string) (time.Time, bool) {
	s, present, err := p.str(key)
	if !present {
		return time.Time{}, false
	}
	d, ok := parseDate(s)
	if err != nil || !ok {
		v.invalid(key)
		return time.Time{}, false
	}
	return d, true
}

// optionalDateTime validates an optional DateTime parameter.
func (v *validation) optionalDateTime(p params, key string) (time.Time, bool) {
	s, present, err := p.str(key)
	if !present {
		return time.Time{}, false
	}
	t, ok := parseDateTime(s)
	if err != nil || !ok {
		v.invalid(key)
		return time.Time{}, false
	}
	return t, true
}

// requireInteger validates a required Integer parameter (a path id).
func (v *validation) requireInteger(value, key string) int64 {
	n, err := strconv.ParseInt(value, 10, 64)
	if err != nil {
		v.invalid(key)
	}
	return n
}
