package elbctl

import (
	"bytes"
	"testing"
)

func TestPrintTable(t *testing.T) {
	tests := []struct {
		name   string
		blocks []block
		want   string
	}{
		{
			name:   "aligned with blanks as dashes",
			blocks: []block{&table{header: []string{"NAME", "VALUE"}, rows: [][]string{{"a", "1"}, {"longer", ""}}}},
			want:   "NAME    VALUE\na       1\nlonger  -\n",
		},
		{
			name:   "empty text",
			blocks: []block{&table{header: []string{"NAME"}, empty: "Nothing."}},
			want:   "Nothing.\n",
		},
		{
			name: "titled blocks separated by a blank line",
			blocks: []block{
				&fields{title: "Thing", pairs: [][2]string{{"Name", "x"}, {"Long name", "multi\nline"}}},
				message("Done."),
			},
			want: "Thing:\nName:       x\nLong name:  multi line\n\nDone.\n",
		},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		a := &app{stdout: &out, opts: globalOptions{output: "table"}}
		if err := a.print(nil, tt.blocks...); err != nil {
			t.Fatal(err)
		}
		if out.String() != tt.want {
			t.Errorf("%s: got\n%q\nwant\n%q", tt.name, out.String(), tt.want)
		}
	}
}

func TestPrintJSON(t *testing.T) {
	var out bytes.Buffer
	a := &app{stdout: &out, opts: globalOptions{output: "json"}}
	v := struct {
		Name  string   `json:"name"`
		Items []string `json:"items"`
		URL   string   `json:"url"`
	}{"web", orEmpty[string](nil), "http://a/?b&c"}
	if err := a.print(v, message("ignored")); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"name\": \"web\",\n  \"items\": [],\n  \"url\": \"http://a/?b&c\"\n}\n"
	if out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
}
