package elb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/loadbalancer"
)

// describeTagsBatch is the most names DescribeTags accepts at once.
const describeTagsBatch = 20

// ListTags returns balancer name's tags.
func (d *Driver) ListTags(ctx context.Context, name string) (map[string]string, error) {
	all, err := d.describeTags(ctx, []string{name})
	if err != nil {
		return nil, err
	}
	if t, ok := all[name]; ok {
		return t, nil
	}
	return map[string]string{}, nil
}

// describeTags returns the tags of names, in batches of 20.
func (d *Driver) describeTags(ctx context.Context, names []string) (map[string]map[string]string, error) {
	out := make(map[string]map[string]string, len(names))
	for start := 0; start < len(names); start += describeTagsBatch {
		batch := names[start:min(start+describeTagsBatch, len(names))]
		res, err := d.elb.DescribeTags(ctx, &elasticloadbalancing.DescribeTagsInput{LoadBalancerNames: batch})
		if err != nil {
			return nil, wrapErr("DescribeTags", err)
		}
		for _, td := range res.TagDescriptions {
			m := map[string]string{}
			for _, t := range td.Tags {
				m[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
			out[aws.ToString(td.LoadBalancerName)] = m
		}
	}
	return out, nil
}

// AddTags adds or overwrites tags on balancer name.
func (d *Driver) AddTags(ctx context.Context, name string, tags map[string]string) error {
	const op = "AddTags"
	if len(tags) == 0 {
		return invalid(op, "no tags given")
	}
	_, err := d.elb.AddTags(ctx, &elasticloadbalancing.AddTagsInput{LoadBalancerNames: []string{name}, Tags: toSDKTags(tags)})
	return wrapErr(op, err)
}

// RemoveTags removes the tags with the given keys from balancer name.
func (d *Driver) RemoveTags(ctx context.Context, name string, keys ...string) error {
	const op = "RemoveTags"
	if len(keys) == 0 {
		return invalid(op, "no tag keys given")
	}
	in := &elasticloadbalancing.RemoveTagsInput{LoadBalancerNames: []string{name}}
	for _, k := range keys {
		in.Tags = append(in.Tags, types.TagKeyOnly{Key: aws.String(k)})
	}
	_, err := d.elb.RemoveTags(ctx, in)
	return wrapErr(op, err)
}

// FetchTags fills Details.Tags of each balancer from this driver, with
// one DescribeTags request per 20 balancers (libcloud's ex_fetch_tags
// sends one per balancer).
func (d *Driver) FetchTags(ctx context.Context, bs []loadbalancer.Balancer) error {
	names := make([]string, 0, len(bs))
	for _, b := range bs {
		if DetailsOf(b) != nil {
			names = append(names, balancerName(b))
		}
	}
	if len(names) == 0 {
		return nil
	}
	all, err := d.describeTags(ctx, names)
	if err != nil {
		return err
	}
	for _, b := range bs {
		if det := DetailsOf(b); det != nil {
			det.Tags = all[balancerName(b)]
			if det.Tags == nil {
				det.Tags = map[string]string{}
			}
		}
	}
	return nil
}

// ListBalancersWithTags is ListBalancers followed by FetchTags
// (libcloud's list_balancers(ex_fetch_tags=True)).
func (d *Driver) ListBalancersWithTags(ctx context.Context) ([]loadbalancer.Balancer, error) {
	bs, err := d.ListBalancers(ctx)
	if err != nil {
		return nil, err
	}
	if err := d.FetchTags(ctx, bs); err != nil {
		return nil, err
	}
	return bs, nil
}

// GetBalancerWithTags is GetBalancer followed by FetchTags (libcloud's
// get_balancer(ex_fetch_tags=True)).
func (d *Driver) GetBalancerWithTags(ctx context.Context, id string) (loadbalancer.Balancer, error) {
	b, err := d.GetBalancer(ctx, id)
	if err != nil {
		return loadbalancer.Balancer{}, err
	}
	if err := d.FetchTags(ctx, []loadbalancer.Balancer{b}); err != nil {
		return loadbalancer.Balancer{}, err
	}
	return b, nil
}
