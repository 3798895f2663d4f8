package metrics_test

import (
	"fmt"
	"slices"
	"strings"
)

// series returns the keys of flat that start with prefix and mention
// every one of the label pairs in match (e.g. `load_balancer="web"`).
func series(flat map[string]float64, prefix string, match ...string) []string {
	var out []string
	for k := range flat {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		ok := true
		for _, m := range match {
			if !strings.Contains(k, m) {
				ok = false
			}
		}
		if ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// lbz renders the account, load_balancer and zone labels, sorted by name
// with the extra pairs, as flatten does.
func lbz(account, lb, zone string, extra ...string) string {
	ls := append([]string{
		fmt.Sprintf("account=%q", account), fmt.Sprintf("load_balancer=%q", lb), fmt.Sprintf("zone=%q", zone),
	}, extra...)
	slices.Sort(ls)
	return "{" + strings.Join(ls, ",") + "}"
}
