package elbctl

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// memberView is the JSON form of a registered instance.
type memberView struct {
	ID          string `json:"id"`
	IP          string `json:"ip"`
	Port        int    `json:"port"`
	State       string `json:"state"`
	ReasonCode  string `json:"reason_code"`
	Description string `json:"description"`
}

func toMemberView(m loadbalancer.Member) memberView {
	v := memberView{ID: m.ID, IP: m.IP, Port: m.Port}
	if h := elb.HealthOf(m); h != nil {
		v.State, v.ReasonCode, v.Description = h.State, h.ReasonCode, h.Description
	}
	return v
}

func (a *app) membersCmd() *cobra.Command {
	c := groupCmd("members", "List, attach and detach the instances behind a load balancer",
		"Members are the instances registered with a load balancer. An instance\nis an EC2-style id known to elbd's inventory (see 'elbctl inventory list')\nor, on elbd, an IP address literal.")
	c.Aliases = []string{"member", "instances"}
	c.AddCommand(a.membersListCmd(), a.membersAttachCmd(), a.membersDetachCmd())
	return c
}

func (a *app) membersListCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "list BALANCER",
		Aliases:           []string{"ls"},
		Short:             "List the instances registered with a load balancer and their health",
		Example:           "  elbctl members list web",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ms []loadbalancer.Member
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				ms, err = c.ListMembers(ctx, balancerRef(args[0]))
				return err
			})
			if err != nil {
				return err
			}
			views := make([]memberView, 0, len(ms))
			t := &table{header: []string{"INSTANCE", "IP", "PORT", "STATE", "REASON", "DESCRIPTION"}, empty: "No instances registered with " + args[0] + "."}
			for _, m := range ms {
				v := toMemberView(m)
				views = append(views, v)
				t.add(v.ID, v.IP, portString(v.Port), v.State, v.ReasonCode, v.Description)
			}
			return a.print(views, t)
		},
	}
}

func (a *app) membersAttachCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "attach BALANCER INSTANCE...",
		Aliases:           []string{"register", "add"},
		Short:             "Register instances with a load balancer",
		Example:           "  elbctl members attach web i-0aaaaaaaaaaaaaaa1 i-0bbbbbbbbbbbbbbb1",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			views := []memberView{}
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				for _, id := range args[1:] {
					m, err := c.AttachMember(ctx, balancerRef(args[0]), loadbalancer.Member{ID: id})
					if err != nil {
						return err
					}
					views = append(views, toMemberView(m))
				}
				return nil
			})
			if err != nil {
				return err
			}
			return a.done(views, "Attached %s to %s.", strings.Join(args[1:], ", "), args[0])
		},
	}
}

func (a *app) membersDetachCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "detach BALANCER INSTANCE...",
		Aliases:           []string{"deregister", "remove"},
		Short:             "Deregister instances from a load balancer",
		Long:              "Deregister instances from a load balancer. With connection draining\nenabled (see 'elbctl attributes set --draining') in-flight requests finish\nfirst.",
		Example:           "  elbctl members detach web i-0bbbbbbbbbbbbbbb1",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				for _, id := range args[1:] {
					if err := c.DetachMember(ctx, balancerRef(args[0]), loadbalancer.Member{ID: id}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "detached": args[1:]},
				"Detached %s from %s.", strings.Join(args[1:], ", "), args[0])
		},
	}
}

// inventoryView is the JSON form of an inventory instance.
type inventoryView struct {
	ID      string `json:"id"`
	Zone    string `json:"zone"`
	IPv4    string `json:"ipv4"`
	IPv6    string `json:"ipv6"`
	State   string `json:"state"`
	Account string `json:"account"`
	Source  string `json:"source"`
}

func toInventoryView(in elb.InventoryInstance) inventoryView {
	return inventoryView{ID: in.ID, Zone: in.Zone, IPv4: in.IPv4, IPv6: in.IPv6, State: in.State, Account: in.Account, Source: in.Source}
}

func inventoryTable() *table {
	return &table{header: []string{"INSTANCE", "ZONE", "IPV4", "IPV6", "STATE", "ACCOUNT", "SOURCE"}, empty: "No instances."}
}

func (t *table) addInventory(v inventoryView) {
	t.add(v.ID, v.Zone, v.IPv4, v.IPv6, v.State, v.Account, v.Source)
}

func (a *app) inventoryCmd() *cobra.Command {
	c := groupCmd("inventory", "Manage elbd's instance inventory (elbd admin API)",
		"The instances elbd knows, from its configuration file (read-only) or\nadded through its admin API. Only elbd's administrator key may use these\ncommands, and only against elbd (not AWS).")
	c.AddCommand(a.inventoryListCmd(), a.inventoryGetCmd(), a.inventoryPutCmd(), a.inventoryDeleteCmd())
	return c
}

func (a *app) inventoryListCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Aliases: []string{"ls"},
		Short:   "List elbd's instances",
		Example: "  elbctl inventory list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var ins []elb.InventoryInstance
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				ins, err = c.ListInventory(ctx)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]inventoryView, 0, len(ins))
			t := inventoryTable()
			for _, in := range ins {
				v := toInventoryView(in)
				views = append(views, v)
				t.addInventory(v)
			}
			return a.print(views, t)
		},
	}
}

func (a *app) inventoryGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "get INSTANCE",
		Aliases: []string{"show"},
		Short:   "Show one of elbd's instances",
		Example: "  elbctl inventory get i-0aaaaaaaaaaaaaaa1",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var in elb.InventoryInstance
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				in, err = c.GetInventoryInstance(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			v := toInventoryView(in)
			t := inventoryTable()
			t.addInventory(v)
			return a.print(v, t)
		},
	}
}

func (a *app) inventoryPutCmd() *cobra.Command {
	var in elb.InventoryInstance
	c := &cobra.Command{
		Use:   "put INSTANCE --zone ZONE [--ipv4 ADDR] [--ipv6 ADDR] [--state STATE] [--account ID]",
		Short: "Add or replace an instance in elbd's inventory",
		Long: "Add an instance to elbd's inventory, or replace one added earlier through\n" +
			"the admin API. Instances from elbd's configuration file cannot be replaced.",
		Example: "  elbctl inventory put i-0123456789abcdef0 --zone us-east-1a --ipv4 10.0.1.10\n" +
			"  elbctl inventory put i-0123456789abcdef0 --zone us-east-1a --ipv4 10.0.1.10 --state stopped",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			in.ID = args[0]
			switch in.State {
			case elb.InstancePending, elb.InstanceRunning, elb.InstanceStopped, elb.InstanceTerminated:
			default:
				return usageErrorf("invalid --state %q: want pending, running, stopped or terminated", in.State)
			}
			var out elb.InventoryInstance
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				out, err = c.PutInventoryInstance(ctx, in)
				return err
			})
			if err != nil {
				return err
			}
			v := toInventoryView(out)
			t := inventoryTable()
			t.addInventory(v)
			return a.print(v, t)
		},
	}
	f := c.Flags()
	f.StringVar(&in.Zone, "zone", "", "availability zone (required)")
	f.StringVar(&in.IPv4, "ipv4", "", "IPv4 address elbd forwards to")
	f.StringVar(&in.IPv6, "ipv6", "", "IPv6 address elbd forwards to")
	f.StringVar(&in.State, "state", elb.InstanceRunning, "pending, running, stopped or terminated")
	f.StringVar(&in.Account, "account", "", "owning account id (default: every account may use it)")
	_ = c.MarkFlagRequired("zone")
	_ = c.RegisterFlagCompletionFunc("state", cobra.FixedCompletions(
		[]string{elb.InstancePending, elb.InstanceRunning, elb.InstanceStopped, elb.InstanceTerminated}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func (a *app) inventoryDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "delete INSTANCE...",
		Aliases: []string{"rm"},
		Short:   "Remove instances added through the admin API",
		Example: "  elbctl inventory delete i-0123456789abcdef0",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				for _, id := range args {
					if err := c.DeleteInventoryInstance(ctx, id); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"deleted": args}, "Deleted %s from the inventory.", strings.Join(args, ", "))
		},
	}
}
