package desync

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The corpus in testdata/cases has one request head per file:
//
//	# Comment lines: what the case shows and why.
//	class: Ambiguous
//	reason: BothTeClPresent
//	monitor: allow
//	defensive: allow-then-close
//	strictest: block
//	---
//	POST / HTTP/1.1\r\n
//	Host: example.com\r\n
//	\r\n
//
// Below "---" the file's own line breaks are ignored, and every byte of the
// head is written out: \r, \n, \t, \\ and \xHH are the only escapes. The
// expected class, reason (as Reason.String spells it) and the action of
// every mode (as Action.String spells it) are all required, so each case
// exercises its reason in every mode.

type corpusCase struct {
	name    string
	class   Class
	reason  Reason
	actions [len(modeNames)]Action // indexed by Mode
	head    []byte
}

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "cases", "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus files: %v", err)
	}
	cases := make([]corpusCase, 0, len(files))
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		c, err := parseCase(string(data))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		c.name = strings.TrimSuffix(filepath.Base(f), ".txt")
		cases = append(cases, c)
	}
	return cases
}

func parseCase(s string) (corpusCase, error) {
	var c corpusCase
	meta, body, ok := strings.Cut(s, "\n---\n")
	if !ok {
		return c, fmt.Errorf(`no "---" line`)
	}
	seen := map[string]bool{}
	for line := range strings.SplitSeq(meta, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val, ok := strings.Cut(line, ": ")
		if !ok {
			return c, fmt.Errorf("bad header line %q", line)
		}
		if seen[key] {
			return c, fmt.Errorf("duplicate key %q", key)
		}
		seen[key] = true
		var err error
		switch key {
		case "class":
			c.class, err = lookup(val, Compliant, Severe)
		case "reason":
			c.reason, err = lookup(val, NoReason, reasonCount-1)
		case "monitor", "defensive", "strictest":
			var m Mode
			m, err = ParseMode(key)
			if err == nil {
				c.actions[m], err = lookup(val, Allow, Block)
			}
		default:
			err = fmt.Errorf("unknown key %q", key)
		}
		if err != nil {
			return c, err
		}
	}
	for _, k := range []string{"class", "reason", "monitor", "defensive", "strictest"} {
		if !seen[k] {
			return c, fmt.Errorf("missing %q", k)
		}
	}
	head, err := unescape(strings.ReplaceAll(body, "\n", ""))
	c.head = head
	return c, err
}

// lookup finds the constant in [lo, hi] whose String is name.
func lookup[T interface {
	~int
	String() string
}](name string, lo, hi T) (T, error) {
	for v := lo; v <= hi; v++ {
		if v.String() == name {
			return v, nil
		}
	}
	return lo, fmt.Errorf("unknown %T %q", lo, name)
}

func unescape(s string) ([]byte, error) {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b = append(b, s[i])
			continue
		}
		if i+1 == len(s) {
			return nil, fmt.Errorf("trailing backslash")
		}
		i++
		switch s[i] {
		case 'r':
			b = append(b, '\r')
		case 'n':
			b = append(b, '\n')
		case 't':
			b = append(b, '\t')
		case '\\':
			b = append(b, '\\')
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf("short \\x escape")
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return nil, fmt.Errorf("bad \\x escape %q", s[i-1:i+3])
			}
			b = append(b, byte(v))
			i += 2
		default:
			return nil, fmt.Errorf("unknown escape \\%c", s[i])
		}
	}
	return b, nil
}

func TestCorpus(t *testing.T) {
	for _, c := range loadCorpus(t) {
		t.Run(c.name, func(t *testing.T) {
			got := Classify(c.head)
			want := Verdict{Class: c.class, Reason: c.reason}
			if got != want {
				t.Fatalf("Classify(%q) = %v, want %v", c.head, got, want)
			}
			for m := range Mode(len(modeNames)) {
				if a := Decide(m, got.Class); a != c.actions[m] {
					t.Errorf("Decide(%v, %v) = %v, want %v", m, got.Class, a, c.actions[m])
				}
			}
		})
	}
}

// TestCorpusCoverage checks that every Reason (and so every Class) has at
// least one case, and that the file names say the class; it logs the
// reason → class table with case counts.
func TestCorpusCoverage(t *testing.T) {
	cases := loadCorpus(t)
	count := make(map[Reason]int)
	for _, c := range cases {
		count[c.reason]++
		if prefix := strings.ToLower(c.class.String()) + "-"; !strings.HasPrefix(c.name, prefix) {
			t.Errorf("%s: class %v, but the name does not start with %q", c.name, c.class, prefix)
		}
		if c.class != c.reason.Class() {
			t.Errorf("%s: class %v, but %v is %v", c.name, c.class, c.reason, c.reason.Class())
		}
	}
	var table strings.Builder
	for r := range reasonCount {
		if count[r] == 0 {
			t.Errorf("no corpus case for reason %v", r)
		}
		fmt.Fprintf(&table, "%-36s %-10s %d\n", r, r.Class(), count[r])
	}
	t.Logf("%d cases\n%s", len(cases), table.String())
}

// TestClassifyIgnoresTrailingBytes checks that what follows the empty line
// (a body, a pipelined request) does not change the verdict.
func TestClassifyIgnoresTrailingBytes(t *testing.T) {
	for _, c := range loadCorpus(t) {
		var p parser
		p.run(c.head)
		if p.end < 0 {
			continue
		}
		head := c.head[:p.end]
		want := Classify(head)
		for _, tail := range []string{"", "GET /\r\n\r\n", "\x00\r\r\n", "Transfer-Encoding: chunked\r\n\r\n"} {
			b := append(bytes.Clone(head), tail...)
			if got := Classify(b); got != want {
				t.Errorf("%s: with %q after the head: %v, want %v", c.name, tail, got, want)
			}
		}
	}
}

// TestClassifyDoesNotAllocate covers the whole corpus, not only the
// compliant path.
func TestClassifyDoesNotAllocate(t *testing.T) {
	heads := [][]byte{[]byte(browserGET), []byte(apiPOST)}
	for _, c := range loadCorpus(t) {
		heads = append(heads, c.head)
	}
	for _, h := range heads {
		if n := testing.AllocsPerRun(100, func() { Classify(h) }); n != 0 {
			t.Errorf("Classify(%q): %v allocations, want 0", h, n)
		}
	}
}
