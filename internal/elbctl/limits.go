package elbctl

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// limitView is the JSON form of an account quota.
type limitView struct {
	Name string `json:"name"`
	Max  string `json:"max"`
}

func (a *app) limitsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "limits",
		Short:   "Show the account's load balancer quotas",
		Long:    "Show the account's quotas: load balancers per region, listeners per load\nbalancer and registered instances per load balancer.",
		Example: "  elbctl limits\n  elbctl limits -o json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ls []elb.Limit
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				ls, err = c.DescribeAccountLimits(ctx)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]limitView, 0, len(ls))
			t := &table{header: []string{"LIMIT", "MAX"}}
			for _, l := range ls {
				views = append(views, limitView{l.Name, l.Max})
				t.add(l.Name, l.Max)
			}
			return a.print(views, t)
		},
	}
}
