package reliability

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// reportDirEnv names a directory the tests write their tables to, as
// Markdown, besides logging them (make reliability sets it).
const reportDirEnv = "RELIABILITY_REPORT_DIR"

// writeReport writes content to name in $RELIABILITY_REPORT_DIR, if set.
func writeReport(t testing.TB, name, content string) {
	t.Helper()
	dir := os.Getenv(reportDirEnv)
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Errorf("report: %v", err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Errorf("report: %v", err)
	}
}

// matrixTable renders the fault matrix as a Markdown table, in the order
// of operations() and faults().
func matrixTable(rows []matrixRow) string {
	order := map[string]int{}
	for i, op := range operations() {
		for j, f := range faults() {
			order[op.provider+"/"+op.name+"/"+f.name] = i*100 + j
		}
	}
	rows = slices.Clone(rows)
	slices.SortFunc(rows, func(a, b matrixRow) int {
		return cmp.Compare(order[a.provider+"/"+a.op+"/"+a.fault], order[b.provider+"/"+b.op+"/"+b.fault])
	})
	var b strings.Builder
	b.WriteString("| provider | operation | fault | caller's answer | in | WAL left → after rollback | live without lease (before → after rollback) | irrevocable | works afterwards |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	var notes []string
	for _, r := range rows {
		answer := r.answer
		if r.note != "" {
			i := slices.Index(notes, r.note)
			if i < 0 {
				notes = append(notes, r.note)
				i = len(notes) - 1
			}
			answer += fmt.Sprintf(" [%d]", i+1)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %d → %d | %d → %d | %d | %s |\n",
			r.provider, r.op, r.fault, escapeCell(answer), r.elapsed.Round(time.Second),
			r.walLeft, r.walAfter, r.straysBefore, r.straysAfter, r.irrevocable, escapeCell(r.works))
	}
	for i, n := range notes {
		fmt.Fprintf(&b, "\n[%d] %s.\n", i+1, n)
	}
	return b.String()
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
