package gitsecrets

import (
	"context"
	"fmt"

	"github.com/hashicorp/vault/sdk/logical"
)

// maxErrorLength bounds the message of an error response. Messages quote
// the input they refuse, and a refused value may be a megabyte long; the
// caller needs the field's name (the start) and the reason (the end), not
// the value back.
const maxErrorLength = 1024

// HandleRequest is the framework's, with error messages kept short.
func (b *backend) HandleRequest(ctx context.Context, req *logical.Request) (*logical.Response, error) {
	resp, err := b.Backend.HandleRequest(ctx, req)
	if resp != nil && resp.IsError() {
		if msg, ok := resp.Data["error"].(string); ok {
			resp.Data["error"] = shortenMessage(msg, maxErrorLength)
		}
	}
	return resp, err
}

// shortenMessage cuts the middle out of a message longer than limit bytes,
// keeping its start and end, on UTF-8 boundaries.
func shortenMessage(msg string, limit int) string {
	if len(msg) <= limit {
		return msg
	}
	head, tail := limit/4, limit/2
	for head > 0 && !isRuneStart(msg[head]) {
		head--
	}
	start := len(msg) - tail
	for start < len(msg) && !isRuneStart(msg[start]) {
		start++
	}
	return fmt.Sprintf("%s…(%d bytes cut)…%s", msg[:head], start-head, msg[start:])
}

func isRuneStart(c byte) bool { return c&0xC0 != 0x80 }
