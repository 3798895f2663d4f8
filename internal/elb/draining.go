package elb

import (
	"slices"
	"time"

	"github.com/elbd/elbd/internal/model"
)

// trackDrains updates next.Draining after a change from cur: with
// connection draining enabled, an instance that served before the change
// and no longer does (deregistered, or its zone disabled) starts draining
// for DrainingTimeout; an instance that serves again stops draining; ended
// drains are dropped. With draining disabled no new drain starts: the data
// plane closes the instance's connections at once.
func (s *Service) trackDrains(st *State, cur, next *model.LoadBalancer) {
	now := s.cfg.Now().UTC()
	before := s.serving(st, cur)
	after := s.serving(st, next)
	var out []model.Drain
	for _, d := range next.Draining {
		if now.Before(d.Until) && !after[d.Instance] {
			// A drain for a zone ends as such once the instance is
			// deregistered; it keeps its deadline.
			d.Zone = d.Zone && slices.Contains(next.Instances, d.Instance)
			out = append(out, d)
		}
	}
	if next.Attributes.DrainingEnabled {
		until := now.Add(time.Duration(next.Attributes.DrainingTimeout) * time.Second)
		for _, id := range cur.Instances {
			if !before[id] || after[id] || slices.ContainsFunc(out, func(d model.Drain) bool { return d.Instance == id }) {
				continue
			}
			out = append(out, model.Drain{Instance: id, Until: until, Zone: slices.Contains(next.Instances, id)})
		}
	}
	next.Draining = out
}

// serving returns the instances of lb that may receive traffic: registered,
// known, running and in an enabled zone.
func (s *Service) serving(st *State, lb *model.LoadBalancer) map[string]bool {
	out := make(map[string]bool, len(lb.Instances))
	for _, id := range lb.Instances {
		in, ok := s.instance(st, lb.Account, id)
		if ok && in.State == model.InstanceRunning && slices.Contains(lb.AvailabilityZones, in.Zone) {
			out[id] = true
		}
	}
	return out
}
