package metrics_test

import (
	"fmt"
	"slices"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// flatten maps every sample of fams to its value under the key
// name{label="value",...} (labels sorted by name). Histograms give
// name_count, name_sum and name_bucket{...,le="..."} samples.
func flatten(fams []*dto.MetricFamily) map[string]float64 {
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			slices.Sort(ls)
			key := func(name string, extra ...string) string {
				all := append(slices.Clone(ls), extra...)
				slices.Sort(all)
				if len(all) == 0 {
					return name
				}
				return name + "{" + strings.Join(all, ",") + "}"
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				out[key(f.GetName())] = m.GetCounter().GetValue()
			case dto.MetricType_GAUGE:
				out[key(f.GetName())] = m.GetGauge().GetValue()
			case dto.MetricType_UNTYPED:
				out[key(f.GetName())] = m.GetUntyped().GetValue()
			case dto.MetricType_HISTOGRAM:
				h := m.GetHistogram()
				out[key(f.GetName()+"_count")] = float64(h.GetSampleCount())
				out[key(f.GetName()+"_sum")] = h.GetSampleSum()
				for _, b := range h.GetBucket() {
					out[key(f.GetName()+"_bucket", fmt.Sprintf("le=%q", fmt.Sprint(b.GetUpperBound())))] = float64(b.GetCumulativeCount())
				}
				out[key(f.GetName()+"_bucket", `le="+Inf"`)] = float64(h.GetSampleCount())
			}
		}
	}
	return out
}

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
