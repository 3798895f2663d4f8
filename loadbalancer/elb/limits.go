package elb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
)

// Limit is an account quota.
type Limit struct {
	// Name is e.g. "classic-load-balancers", "classic-listeners",
	// "classic-registered-instances".
	Name string
	// Max is the quota, as a string as ELB reports it.
	Max string
}

// DescribeAccountLimits returns the account's ELB quotas, following all
// pages.
func (d *Driver) DescribeAccountLimits(ctx context.Context) ([]Limit, error) {
	out := []Limit{}
	in := &elasticloadbalancing.DescribeAccountLimitsInput{}
	seen := map[string]bool{}
	for {
		page, err := d.elb.DescribeAccountLimits(ctx, in)
		if err != nil {
			return nil, wrapErr("DescribeAccountLimits", err)
		}
		for _, l := range page.Limits {
			out = append(out, Limit{Name: aws.ToString(l.Name), Max: aws.ToString(l.Max)})
		}
		next := aws.ToString(page.NextMarker)
		if next == "" || seen[next] {
			return out, nil
		}
		seen[next] = true
		in = &elasticloadbalancing.DescribeAccountLimitsInput{Marker: aws.String(next)}
	}
}
