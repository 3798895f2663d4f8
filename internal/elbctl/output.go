package elbctl

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// A block is one part of a table-format view: a table with a header row,
// or a list of "Field: value" lines.
type block interface {
	write(w io.Writer) error
}

// table is a titled table with aligned columns. An empty table prints its
// empty text (if any) instead of a lone header.
type table struct {
	title  string
	header []string
	rows   [][]string
	empty  string
}

func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

func (t *table) write(w io.Writer) error {
	if t.title != "" {
		if _, err := fmt.Fprintf(w, "%s:\n", t.title); err != nil {
			return err
		}
	}
	if len(t.rows) == 0 {
		if t.empty == "" {
			return nil
		}
		_, err := fmt.Fprintln(w, t.empty)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		for i, c := range cells {
			if c == "" {
				c = "-"
			}
			cells[i] = sanitize(c)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	line(append([]string(nil), t.header...))
	for _, r := range t.rows {
		line(append([]string(nil), r...))
	}
	return tw.Flush()
}

// fields is a titled list of "Name:  value" lines with aligned values.
type fields struct {
	title string
	pairs [][2]string
}

func (f *fields) add(name, value string) { f.pairs = append(f.pairs, [2]string{name, value}) }

func (f *fields) write(w io.Writer) error {
	if f.title != "" {
		if _, err := fmt.Fprintf(w, "%s:\n", f.title); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, p := range f.pairs {
		v := p[1]
		if v == "" {
			v = "-"
		}
		fmt.Fprintf(tw, "%s:\t%s\n", p[0], sanitize(v))
	}
	return tw.Flush()
}

// message is a single line of text, e.g. "Deleted load balancer web.".
type message string

func (m message) write(w io.Writer) error {
	_, err := fmt.Fprintln(w, string(m))
	return err
}

// sanitize keeps one cell on one line.
func sanitize(s string) string {
	return strings.NewReplacer("\n", " ", "\t", " ", "\r", " ").Replace(s)
}

// print writes data as indented JSON with -o json, otherwise the blocks
// separated by blank lines.
func (a *app) print(data any, blocks ...block) error {
	if a.opts.output == "json" {
		return writeJSON(a.stdout, data)
	}
	for i, b := range blocks {
		if i > 0 {
			if _, err := fmt.Fprintln(a.stdout); err != nil {
				return err
			}
		}
		if err := b.write(a.stdout); err != nil {
			return err
		}
	}
	return nil
}

// writeJSON writes v as two-space indented JSON and a newline.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// orEmpty returns s, or an empty non-nil slice, so JSON shows [] not null.
func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// joinOr joins s with ", " or returns "" for none (printed as "-").
func joinOr(s []string) string { return strings.Join(s, ", ") }

// itoa formats n in decimal.
func itoa(n int) string { return strconv.Itoa(n) }

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// yesNo prints a bool for people.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// done reports a completed change: msg for tables, data for JSON.
func (a *app) done(data any, format string, args ...any) error {
	return a.print(data, message(fmt.Sprintf(format, args...)))
}
