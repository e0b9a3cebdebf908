package fakegitlab

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// reply is what a handler decided to answer. Handlers return one instead of
// writing, so a fault can throw the answer away after the change was made.
type reply struct {
	status int
	body   any    // JSON; nil for none
	text   string // plain-text body, used when body is nil
	header http.Header
}

func jsonReply(status int, body any) reply { return reply{status: status, body: body} }

func noContent() reply { return reply{status: http.StatusNoContent} }

// messageReply is GitLab's render_api_error!: {"message": ...}.
func messageReply(status int, message any) reply {
	return jsonReply(status, map[string]any{"message": message})
}

// errorReply is Grape's error!: {"error": ...}, used for parameter errors
// and unknown routes.
func errorReply(status int, message string) reply {
	return jsonReply(status, map[string]string{"error": message})
}

// badRequest is GitLab's bad_request!(reason).
func badRequest(reason string) reply {
	msg := "400 Bad request"
	if reason != "" {
		msg += " - " + reason
	}
	return messageReply(http.StatusBadRequest, msg)
}

func unauthorized() reply { return messageReply(http.StatusUnauthorized, "401 Unauthorized") }

func forbidden() reply { return messageReply(http.StatusForbidden, "403 Forbidden") }

func methodNotAllowed() reply {
	return messageReply(http.StatusMethodNotAllowed, "405 Method Not Allowed")
}

// notFound is GitLab's not_found!(resource): "404 Project Not Found".
func notFound(what string) reply {
	if what == "" {
		return messageReply(http.StatusNotFound, "404 Not Found")
	}
	return messageReply(http.StatusNotFound, "404 "+what+" Not Found")
}

// recordNotFound is GitLab's answer to ActiveRecord::RecordNotFound, note the
// lower-case f.
func recordNotFound() reply { return messageReply(http.StatusNotFound, "404 Not found") }

// write sends the reply with the rate-limit headers every answer carries.
func (s *Server) write(w http.ResponseWriter, rep reply, rate rateSnapshot) {
	h := w.Header()
	for k, v := range rep.header {
		h[k] = v
	}
	rate.apply(h)
	switch {
	case rep.body != nil:
		data, err := json.Marshal(rep.body)
		if err != nil {
			panic(err) // the fake's own types always marshal
		}
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(data)))
		w.WriteHeader(rep.status)
		_, _ = w.Write(data)
	case rep.text != "":
		h.Set("Content-Type", "text/plain")
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.text))
	default:
		w.WriteHeader(rep.status)
	}
}
