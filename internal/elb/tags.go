package elb

import (
	"context"
	"slices"

	"github.com/elbd/elbd/internal/model"
)

// mergeTags adds or updates tags on cur, enforcing the limits.
func mergeTags(cur, add []model.Tag, limit int) ([]model.Tag, error) {
	seen := map[string]bool{}
	for _, t := range add {
		if err := model.ValidateTag(t); err != nil {
			return nil, err
		}
		if seen[t.Key] {
			return nil, model.Errorf(model.KindDuplicateTagKeys, "Tag key was specified more than once: %s", t.Key)
		}
		seen[t.Key] = true
	}
	out := slices.Clone(cur)
	for _, t := range add {
		if i := slices.IndexFunc(out, func(o model.Tag) bool { return o.Key == t.Key }); i >= 0 {
			out[i].Value = t.Value
		} else {
			out = append(out, t)
		}
	}
	if len(out) > limit {
		return nil, model.Errorf(model.KindTooManyTags, "The quota for the number of tags that can be assigned to a load balancer has been reached (%d).", limit)
	}
	return out, nil
}

func oneName(names []string) (string, error) {
	if len(names) != 1 {
		return "", model.Errorf(model.KindValidation, "LoadBalancerNames must name exactly one load balancer")
	}
	return names[0], nil
}

// AddTags adds or updates tags on one load balancer.
func (s *Service) AddTags(ctx context.Context, account string, names []string, tags []model.Tag) error {
	name, err := oneName(names)
	if err != nil {
		return err
	}
	if len(tags) == 0 {
		return model.Errorf(model.KindValidation, "At least one tag is required")
	}
	_, err = s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		lb.Tags, err = mergeTags(lb.Tags, tags, s.cfg.Limits.TagsPerLoadBalancer)
		return err
	})
	return err
}

// RemoveTags removes tags by key from one load balancer.
func (s *Service) RemoveTags(ctx context.Context, account string, names []string, keys []string) error {
	name, err := oneName(names)
	if err != nil {
		return err
	}
	if len(keys) == 0 {
		return model.Errorf(model.KindValidation, "At least one tag key is required")
	}
	_, err = s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		lb.Tags = slices.DeleteFunc(lb.Tags, func(t model.Tag) bool { return slices.Contains(keys, t.Key) })
		return nil
	})
	return err
}

// DescribeTags returns the tags of 1–20 load balancers.
func (s *Service) DescribeTags(account string, names []string) ([]*model.LoadBalancer, error) {
	if len(names) < 1 || len(names) > 20 {
		return nil, model.Errorf(model.KindValidation, "LoadBalancerNames must have between 1 and 20 members")
	}
	st := s.state.Load()
	var out []*model.LoadBalancer
	for _, n := range dedupe(names) {
		lb, err := st.lb(account, n)
		if err != nil {
			return nil, err
		}
		out = append(out, lb)
	}
	return out, nil
}
