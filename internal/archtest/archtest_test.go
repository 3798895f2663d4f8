package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/elbd/elbd"

// moduleRoot is the directory holding go.mod; tests run in the package
// directory, two levels below it.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil || !bytes.Contains(b, []byte("module "+module+"\n")) {
		t.Fatalf("%s is not the root of %s: %v", root, module, err)
	}
	return root
}

// TestPackageDocs checks that every package under internal/ and cmd/ has a
// package doc comment in at least one of its non-test files.
func TestPackageDocs(t *testing.T) {
	root := moduleRoot(t)
	var missing []string
	checked := 0
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				return nil
			}
			name := d.Name()
			if path != filepath.Join(root, top) && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			rel, _ := filepath.Rel(root, path)
			has, documented, err := packageDoc(path)
			if err != nil {
				t.Errorf("%s: %v", rel, err)
				return nil
			}
			if has {
				checked++
				if !documented {
					missing = append(missing, filepath.ToSlash(rel))
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if checked < 10 {
		t.Fatalf("only %d packages found; is the walk broken?", checked)
	}
	if len(missing) > 0 {
		t.Errorf("packages without a package doc comment (add a doc.go with \"// Package x ...\"):\n  %s", strings.Join(missing, "\n  "))
	}
}

// packageDoc reports whether dir holds a Go package (non-test files) and
// whether one of those files carries a package doc comment.
func packageDoc(dir string) (hasPackage, documented bool, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false, false, err
	}
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return false, false, err
		}
		hasPackage = true
		if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
			documented = true
		}
	}
	return hasPackage, documented, nil
}

// layering lists, for each group of packages, the packages they must not
// depend on, directly or indirectly. Paths are relative to the module;
// a rule covers the package and everything below it.
var layering = []struct {
	pkgs      []string
	forbidden []string
	why       string
}{
	{
		pkgs:      []string{"internal/model", "internal/policy", "internal/certs", "internal/query"},
		forbidden: []string{"internal/api", "internal/elb", "internal/store", "internal/server"},
		why:       "domain and protocol packages stay free of the service, storage, API and server layers",
	},
	{
		pkgs:      []string{"internal/elb"},
		forbidden: []string{"internal/api", "internal/server"},
		why:       "the service layer must not know the API or the server that hosts it",
	},
	{
		pkgs: []string{"internal/dataplane", "internal/httpproxy", "internal/tcpproxy", "internal/balance",
			"internal/health", "internal/sticky", "internal/accesslog", "internal/proxyproto", "internal/desync", "internal/tlspolicy"},
		forbidden: []string{"internal/api", "internal/elb", "internal/store", "internal/server", "internal/controller"},
		why:       "the data plane receives immutable config snapshots from the controller; it never reads the API's or the store's types",
	},
	{
		pkgs:      []string{"internal/metrics"},
		forbidden: []string{"internal/dataplane", "internal/httpproxy", "internal/tcpproxy", "internal/controller", "internal/server"},
		why:       "metrics knows nothing of the proxies: internal/dataplane translates their records, so the proxies may report to metrics later without a cycle",
	},
}

type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
	Error      *struct{ Err string }
}

// goList runs go list -json on patterns and returns the packages.
func goList(t *testing.T, root string, patterns ...string) []listedPackage {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go command not found: %v", err)
	}
	cmd := exec.Command(goBin, append([]string{"list", "-e", "-json"}, patterns...)...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go list %v: %v\n%s", patterns, err, stderr.String())
	}
	var out []listedPackage
	dec := json.NewDecoder(&stdout)
	for {
		var p listedPackage
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		out = append(out, p)
	}
	return out
}

// under reports whether path is module-relative rel or below it.
func under(path, rel string) bool {
	full := module + "/" + rel
	return path == full || strings.HasPrefix(path, full+"/")
}

// TestDependencyDirection checks the layering rules on the transitive
// (non-test) dependencies of each package.
func TestDependencyDirection(t *testing.T) {
	root := moduleRoot(t)
	for _, rule := range layering {
		var patterns []string
		for _, p := range rule.pkgs {
			patterns = append(patterns, module+"/"+p+"/...")
		}
		pkgs := goList(t, root, patterns...)
		for _, want := range rule.pkgs {
			if !slices.ContainsFunc(pkgs, func(p listedPackage) bool { return p.ImportPath == module+"/"+want }) {
				t.Errorf("go list did not report %s; update the rules if it moved", want)
			}
		}
		for _, p := range pkgs {
			if p.Error != nil {
				t.Errorf("%s: %s", p.ImportPath, p.Error.Err)
				continue
			}
			for _, dep := range p.Deps {
				for _, bad := range rule.forbidden {
					if !under(dep, bad) {
						continue
					}
					how := "indirectly"
					if slices.Contains(p.Imports, dep) {
						how = "directly"
					}
					t.Errorf("%s depends %s on %s: %s", strings.TrimPrefix(p.ImportPath, module+"/"), how,
						strings.TrimPrefix(dep, module+"/"), rule.why)
				}
			}
		}
	}
}

// TestRuleMatching pins the prefix logic: a rule on internal/elb must not
// catch internal/elbdtest, and one on internal/store covers its
// sub-packages.
func TestRuleMatching(t *testing.T) {
	for _, tt := range []struct {
		path, rel string
		want      bool
	}{
		{module + "/internal/elb", "internal/elb", true},
		{module + "/internal/elbdtest", "internal/elb", false},
		{module + "/internal/elbctl", "internal/elb", false},
		{module + "/internal/store/boltstore", "internal/store", true},
		{module + "/internal/storefront", "internal/store", false},
		{"example.com/internal/elb", "internal/elb", false},
	} {
		if got := under(tt.path, tt.rel); got != tt.want {
			t.Errorf("under(%s, %s) = %v, want %v", tt.path, tt.rel, got, tt.want)
		}
	}
}
