package config

import (
	"os"
	"regexp"
	"testing"
)

// TestDocsExamples keeps the examples in docs/configuration.md valid.
func TestDocsExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Skipf("docs not available: %v", err)
	}
	blocks := regexp.MustCompile("(?s)```(yaml|json)\n(.*?)```").FindAllSubmatch(doc, -1)
	if len(blocks) != 2 {
		t.Fatalf("found %d yaml/json examples, want 2", len(blocks))
	}
	for _, b := range blocks {
		path := writeFile(t, "example."+string(b[1]), string(b[2]))
		c, err := Load(nil, env{"ELBD_CONFIG": path}.get)
		if err != nil {
			t.Errorf("%s example: %v", b[1], err)
			continue
		}
		if len(c.File.Instances) == 0 || len(c.File.Subnets) == 0 || len(c.File.Accounts) == 0 || len(c.File.SecurityGroups) == 0 {
			t.Errorf("%s example is incomplete: %+v", b[1], c.File)
		}
	}
}
