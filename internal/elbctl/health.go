package elbctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// ELB's health check defaults, used by "health configure" for settings a
// balancer does not have yet.
const (
	defaultInterval           = 30
	defaultTimeout            = 5
	defaultUnhealthyThreshold = 2
	defaultHealthyThreshold   = 10
)

// healthCheckView is the JSON form of a health check.
type healthCheckView struct {
	Target             string `json:"target"`
	Interval           int    `json:"interval"`
	Timeout            int    `json:"timeout"`
	UnhealthyThreshold int    `json:"unhealthy_threshold"`
	HealthyThreshold   int    `json:"healthy_threshold"`
}

func toHealthCheckView(hc elb.HealthCheck) healthCheckView {
	return healthCheckView{Target: hc.Target, Interval: hc.Interval, Timeout: hc.Timeout,
		UnhealthyThreshold: hc.UnhealthyThreshold, HealthyThreshold: hc.HealthyThreshold}
}

// summary is a one-line description for tables.
func (h healthCheckView) summary() string {
	if h.Target == "" {
		return ""
	}
	return fmt.Sprintf("%s every %ds, timeout %ds, unhealthy after %d, healthy after %d",
		h.Target, h.Interval, h.Timeout, h.UnhealthyThreshold, h.HealthyThreshold)
}

func (h healthCheckView) fields() *fields {
	f := &fields{}
	f.add("Target", h.Target)
	f.add("Interval", fmt.Sprintf("%ds", h.Interval))
	f.add("Timeout", fmt.Sprintf("%ds", h.Timeout))
	f.add("Unhealthy threshold", itoa(h.UnhealthyThreshold))
	f.add("Healthy threshold", itoa(h.HealthyThreshold))
	return f
}

// instanceHealthView is the JSON form of an instance's health.
type instanceHealthView struct {
	InstanceID  string `json:"instance_id"`
	State       string `json:"state"`
	ReasonCode  string `json:"reason_code"`
	Description string `json:"description"`
}

func (a *app) healthCmd() *cobra.Command {
	c := groupCmd("health", "Show instance health and configure health checks",
		"Health: the state of each registered instance as the load balancer's\nhealth check sees it, and the health check itself.")
	c.AddCommand(a.healthShowCmd(), a.healthConfigureCmd())
	return c
}

func (a *app) healthShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "show BALANCER [INSTANCE...]",
		Aliases: []string{"get", "list"},
		Short:   "Show the health of a load balancer's instances",
		Long: "Show InService/OutOfService for every registered instance, or for the\n" +
			"given instances (even if they are no longer registered).",
		Example:           "  elbctl health show web\n  elbctl health show web i-0aaaaaaaaaaaaaaa1 -o json",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var hs []elb.InstanceHealth
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				hs, err = c.DescribeInstanceHealth(ctx, args[0], args[1:]...)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]instanceHealthView, 0, len(hs))
			t := &table{header: []string{"INSTANCE", "STATE", "REASON", "DESCRIPTION"}, empty: "No instances registered with " + args[0] + "."}
			for _, h := range hs {
				views = append(views, instanceHealthView{h.InstanceID, h.State, h.ReasonCode, h.Description})
				t.add(h.InstanceID, h.State, h.ReasonCode, h.Description)
			}
			return a.print(views, t)
		},
	}
}

const healthConfigureLong = `Set a load balancer's health check. Settings not given keep their
current value (or ELB's default: interval 30s, timeout 5s, unhealthy
threshold 2, healthy threshold 10).

--target is PROTOCOL:PORT[/PATH]: TCP:5000 and SSL:5000 pass on a
successful connection or handshake; HTTP:80/health and HTTPS:443/health
pass on a 200 answer within the timeout.`

func (a *app) healthConfigureCmd() *cobra.Command {
	var h healthCheckView
	c := &cobra.Command{
		Use:               "configure BALANCER [--target PROTOCOL:PORT[/PATH]] [--interval S] [--timeout S] [--healthy-threshold N] [--unhealthy-threshold N]",
		Short:             "Set a load balancer's health check",
		Long:              healthConfigureLong,
		Example:           "  elbctl health configure web --target HTTP:8080/health --interval 10 --timeout 3\n  elbctl health configure db --target TCP:5432",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			f := cmd.Flags()
			if !f.Changed("target") && !f.Changed("interval") && !f.Changed("timeout") &&
				!f.Changed("healthy-threshold") && !f.Changed("unhealthy-threshold") {
				return usageErrorf("nothing to configure: give at least one of --target, --interval, --timeout, --healthy-threshold, --unhealthy-threshold")
			}
			var out elb.HealthCheck
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				b, err := c.GetBalancer(ctx, args[0])
				if err != nil {
					return err
				}
				hc := elb.DetailsOf(b).HealthCheck
				merge := func(name string, dst *int, val, def int) {
					switch {
					case f.Changed(name):
						*dst = val
					case *dst == 0:
						*dst = def
					}
				}
				if f.Changed("target") {
					hc.Target = h.Target
				}
				if hc.Target == "" {
					return usageErrorf("the load balancer has no health check yet: give --target")
				}
				merge("interval", &hc.Interval, h.Interval, defaultInterval)
				merge("timeout", &hc.Timeout, h.Timeout, defaultTimeout)
				merge("unhealthy-threshold", &hc.UnhealthyThreshold, h.UnhealthyThreshold, defaultUnhealthyThreshold)
				merge("healthy-threshold", &hc.HealthyThreshold, h.HealthyThreshold, defaultHealthyThreshold)
				out, err = c.ConfigureHealthCheck(ctx, args[0], hc)
				return err
			})
			if err != nil {
				return err
			}
			v := toHealthCheckView(out)
			fl := v.fields()
			fl.title = "Health check of " + args[0]
			return a.print(v, fl)
		},
	}
	fl := c.Flags()
	fl.StringVar(&h.Target, "target", "", "PROTOCOL:PORT[/PATH], e.g. HTTP:80/ or TCP:22")
	fl.IntVar(&h.Interval, "interval", 0, "seconds between checks (5-300)")
	fl.IntVar(&h.Timeout, "timeout", 0, "seconds to wait for an answer (2-60, less than the interval)")
	fl.IntVar(&h.UnhealthyThreshold, "unhealthy-threshold", 0, "consecutive failures before OutOfService (2-10)")
	fl.IntVar(&h.HealthyThreshold, "healthy-threshold", 0, "consecutive successes before InService (2-10)")
	return c
}
