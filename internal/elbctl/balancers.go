package elbctl

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// balancerView is the JSON form of a load balancer.
type balancerView struct {
	Name                string            `json:"name"`
	DNSName             string            `json:"dns_name"`
	Scheme              string            `json:"scheme"`
	VPCID               string            `json:"vpc_id"`
	CreatedTime         string            `json:"created_time"`
	AvailabilityZones   []string          `json:"availability_zones"`
	Subnets             []string          `json:"subnets"`
	SecurityGroups      []string          `json:"security_groups"`
	SourceSecurityGroup string            `json:"source_security_group"`
	Listeners           []listenerView    `json:"listeners"`
	BackendServers      []backendView     `json:"backend_servers"`
	Instances           []string          `json:"instances"`
	HealthCheck         healthCheckView   `json:"health_check"`
	Policies            []string          `json:"policies"`
	Tags                map[string]string `json:"tags"`
}

// backendView is an instance port with policies enabled.
type backendView struct {
	InstancePort int      `json:"instance_port"`
	Policies     []string `json:"policies"`
}

// toBalancerView converts a balancer from the ELB driver.
func toBalancerView(b loadbalancer.Balancer) balancerView {
	v := balancerView{Name: b.Name, DNSName: b.Address, Tags: map[string]string{}}
	det := elb.DetailsOf(b)
	if det == nil {
		return v
	}
	v.Scheme = det.Scheme
	v.VPCID = det.VPCID
	if !det.CreatedTime.IsZero() {
		v.CreatedTime = det.CreatedTime.UTC().Format(time.RFC3339)
	}
	v.AvailabilityZones = orEmpty(det.AvailabilityZones)
	v.Subnets = orEmpty(det.Subnets)
	v.SecurityGroups = orEmpty(det.SecurityGroups)
	if sg := det.SourceSecurityGroup; sg.GroupName != "" {
		v.SourceSecurityGroup = sg.OwnerAlias + "/" + sg.GroupName
	}
	v.Listeners = make([]listenerView, 0, len(det.Listeners))
	for _, l := range det.Listeners {
		v.Listeners = append(v.Listeners, toListenerView(l))
	}
	v.BackendServers = make([]backendView, 0, len(det.BackendServers))
	for _, s := range det.BackendServers {
		v.BackendServers = append(v.BackendServers, backendView{InstancePort: s.InstancePort, Policies: orEmpty(s.PolicyNames)})
	}
	v.Instances = orEmpty(det.Instances)
	v.HealthCheck = toHealthCheckView(det.HealthCheck)
	v.Policies = []string{}
	for _, p := range det.Policies.AppCookieStickiness {
		v.Policies = append(v.Policies, p.PolicyName)
	}
	for _, p := range det.Policies.LBCookieStickiness {
		v.Policies = append(v.Policies, p.PolicyName)
	}
	v.Policies = append(v.Policies, det.Policies.Other...)
	if det.Tags != nil {
		v.Tags = det.Tags
	}
	return v
}

// balancerBlocks renders one balancer for people.
func balancerBlocks(v balancerView) []block {
	f := &fields{}
	f.add("Name", v.Name)
	f.add("DNS name", v.DNSName)
	f.add("Scheme", v.Scheme)
	f.add("VPC", v.VPCID)
	f.add("Created", v.CreatedTime)
	f.add("Zones", joinOr(v.AvailabilityZones))
	f.add("Subnets", joinOr(v.Subnets))
	f.add("Security groups", joinOr(v.SecurityGroups))
	f.add("Health check", v.HealthCheck.summary())
	f.add("Policies", joinOr(v.Policies))
	f.add("Tags", formatTags(v.Tags))
	blocks := []block{f, listenersTable(v.Listeners)}
	if len(v.BackendServers) > 0 {
		t := &table{title: "Back-end server policies", header: []string{"INSTANCE PORT", "POLICIES"}}
		for _, s := range v.BackendServers {
			t.add(itoa(s.InstancePort), joinOr(s.Policies))
		}
		blocks = append(blocks, t)
	}
	inst := &table{title: "Instances", header: []string{"INSTANCE"}, empty: "(none)"}
	for _, id := range v.Instances {
		inst.add(id)
	}
	return append(blocks, inst)
}

// formatTags prints tags as "k=v, k2=v2" in key order.
func formatTags(tags map[string]string) string {
	parts := make([]string, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		parts = append(parts, k+"="+tags[k])
	}
	return strings.Join(parts, ", ")
}

func (a *app) balancersCmd() *cobra.Command {
	c := groupCmd("balancers", "List, inspect, create and delete load balancers",
		"Load balancers: list them, show one in detail, create one with its\nlisteners, placement, instances and tags, or delete them.")
	c.Aliases = []string{"balancer", "lb"}
	c.AddCommand(a.balancersListCmd(), a.balancersGetCmd(), a.balancersCreateCmd(), a.balancersDeleteCmd())
	return c
}

func (a *app) balancersListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List load balancers",
		Long:    "List every load balancer in the region with its DNS name, listeners,\nzones and number of registered instances.",
		Example: "  elbctl balancers list\n  elbctl balancers list -o json | jq -r '.[].dns_name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var bs []loadbalancer.Balancer
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				bs, err = c.ListBalancersWithTags(ctx)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]balancerView, 0, len(bs))
			t := &table{header: []string{"NAME", "DNS NAME", "SCHEME", "LISTENERS", "ZONES", "INSTANCES"}, empty: "No load balancers."}
			for _, b := range bs {
				v := toBalancerView(b)
				views = append(views, v)
				ls := make([]string, 0, len(v.Listeners))
				for _, l := range v.Listeners {
					ls = append(ls, l.short())
				}
				t.add(v.Name, v.DNSName, v.Scheme, strings.Join(ls, ","), strings.Join(v.AvailabilityZones, ","), itoa(len(v.Instances)))
			}
			return a.print(views, t)
		},
	}
}

func (a *app) balancersGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "get BALANCER",
		Aliases:           []string{"show", "describe"},
		Short:             "Show a load balancer in detail",
		Long:              "Show a load balancer: DNS name, placement, health check, policies,\ntags, listeners and registered instances.",
		Example:           "  elbctl balancers get web\n  elbctl balancers get web -o json",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var b loadbalancer.Balancer
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				b, err = c.GetBalancerWithTags(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			v := toBalancerView(b)
			return a.print(v, balancerBlocks(v)...)
		},
	}
}

const createLong = `Create a load balancer with one or more listeners.

Each --listener is ` + listenerSyntax + `:
  http:80:8080                       HTTP on port 80 to HTTP on instance port 8080
  tcp:5432:5432                      TCP passthrough
  https:443:http:8080:ARN            HTTPS terminated with the certificate ARN, HTTP to instances
  ssl:465:tcp:25:ARN                 SSL terminated, TCP to instances
The instance protocol defaults to http for http/https and tcp for tcp/ssl.
Certificate ARNs come from 'elbctl certificates upload' or 'list'.

Place the balancer in availability zones (--zones) or in VPC subnets
(--subnets, optionally with --security-groups and --scheme internal).
Without either it goes to the region's first zone. Instances given with
--member are registered once the balancer exists; if that fails the new
balancer is deleted again.`

const createExample = `  elbctl balancers create web --listener http:80:8080 --zones us-east-1a,us-east-1b
  elbctl balancers create api --listener http:80:8080 \
      --listener https:443:http:8080:arn:aws:iam::123456789012:server-certificate/api \
      --subnets subnet-0a000001,subnet-0b000001 --security-groups sg-0web000001 \
      --member i-0aaaaaaaaaaaaaaa1 --member i-0bbbbbbbbbbbbbbb1 --tag env=prod --tag team=web`

func (a *app) balancersCreateCmd() *cobra.Command {
	var (
		listeners, members, tags []string
		zones, subnets, groups   []string
		scheme                   string
	)
	c := &cobra.Command{
		Use:     "create BALANCER --listener " + listenerSyntax + " [flags]",
		Short:   "Create a load balancer",
		Long:    createLong,
		Example: createExample,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			spec := elb.LoadBalancerSpec{Name: args[0], Zones: zones, Subnets: subnets, SecurityGroups: groups, Scheme: scheme}
			for _, s := range listeners {
				l, err := parseListener(s)
				if err != nil {
					return err
				}
				spec.Listeners = append(spec.Listeners, l.toELB())
			}
			kvs, err := parseKeyValues("tag", tags, true)
			if err != nil {
				return err
			}
			if len(kvs) > 0 {
				spec.Tags = map[string]string{}
				for _, kv := range kvs {
					spec.Tags[kv.Key] = kv.Value
				}
			}
			spec.Instances = splitList(members)
			switch scheme {
			case "", "internet-facing", "internal":
			default:
				return usageErrorf("invalid --scheme %q: want internet-facing or internal", scheme)
			}
			var b loadbalancer.Balancer
			err = a.call(cmd, func(ctx context.Context, c *client) (err error) {
				if b, err = c.CreateLoadBalancer(ctx, spec); err != nil {
					return err
				}
				return c.FetchTags(ctx, []loadbalancer.Balancer{b})
			})
			if err != nil {
				return err
			}
			v := toBalancerView(b)
			return a.print(v, append([]block{message(fmt.Sprintf("Created load balancer %s (%s).", v.Name, v.DNSName))}, balancerBlocks(v)...)...)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&listeners, "listener", "l", nil, "listener "+listenerSyntax+" (repeatable)")
	f.StringSliceVar(&zones, "zones", nil, "availability zones, comma-separated")
	f.StringSliceVar(&subnets, "subnets", nil, "VPC subnets, comma-separated (instead of --zones)")
	f.StringSliceVar(&groups, "security-groups", nil, "security groups for a VPC balancer, comma-separated")
	f.StringVar(&scheme, "scheme", "", "internet-facing (default) or internal, for VPC balancers")
	f.StringArrayVarP(&members, "member", "m", nil, "instance id to register (repeatable, or comma-separated)")
	f.StringArrayVarP(&tags, "tag", "t", nil, "tag KEY=VALUE (repeatable)")
	_ = c.MarkFlagRequired("listener")
	c.MarkFlagsMutuallyExclusive("zones", "subnets")
	_ = c.RegisterFlagCompletionFunc("scheme", cobra.FixedCompletions([]string{"internet-facing", "internal"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func (a *app) balancersDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "delete BALANCER...",
		Aliases:           []string{"rm"},
		Short:             "Delete load balancers",
		Long:              "Delete one or more load balancers. As in ELB, deleting a load balancer\nthat does not exist succeeds.",
		Example:           "  elbctl balancers delete web\n  elbctl balancers delete web api",
		Args:              cobra.MinimumNArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				for _, name := range args {
					if err := c.DestroyBalancer(ctx, balancerRef(name)); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"deleted": args}, "Deleted load balancer %s.", strings.Join(args, ", "))
		},
	}
}

// protocolView is one protocol and the algorithm ELB uses for it.
type protocolView struct {
	Protocol  string `json:"protocol"`
	Algorithm string `json:"algorithm"`
}

func (a *app) protocolsCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "protocols",
		Short:   "List listener protocols and the algorithm ELB uses for each",
		Long:    "List the listener protocols the endpoint supports. ELB has no algorithm\nsetting: HTTP and HTTPS listeners route each request to the instance with\nthe fewest outstanding requests, TCP and SSL listeners round robin.",
		Example: "  elbctl protocols",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ps []string
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				ps, err = c.ListProtocols(ctx)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]protocolView, 0, len(ps))
			t := &table{header: []string{"PROTOCOL", "ALGORITHM"}}
			for _, p := range ps {
				v := protocolView{Protocol: p}
				if alg, ok := elb.AlgorithmFor(p); ok {
					v.Algorithm = alg.String()
				}
				views = append(views, v)
				t.add(v.Protocol, v.Algorithm)
			}
			return a.print(views, t)
		},
	}
}

// completeBalancers completes the first argument with balancer names when
// the endpoint is reachable; otherwise it offers nothing.
func (a *app) completeBalancers(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 && cmd.Name() != "delete" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	if err := a.resolveOptions(cmd); err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var names []string
	_ = a.call(cmd, func(ctx context.Context, c *client) error {
		ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		defer cancel()
		bs, err := c.ListBalancers(ctx)
		for _, b := range bs {
			names = append(names, b.Name)
		}
		return err
	})
	return names, cobra.ShellCompDirectiveNoFileComp
}

// portString formats a port for tables.
func portString(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}
