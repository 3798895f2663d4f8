package elbctl

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// policyView is the JSON form of a policy.
type policyView struct {
	Name       string          `json:"name"`
	Type       string          `json:"type"`
	Attributes []attributeView `json:"attributes"`
}

// attributeView is one policy attribute.
type attributeView struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// policyTypeView is the JSON form of a policy type.
type policyTypeView struct {
	Name        string              `json:"name"`
	Description string              `json:"description"`
	Attributes  []attributeTypeView `json:"attributes"`
}

// attributeTypeView describes one attribute of a policy type.
type attributeTypeView struct {
	Name         string `json:"name"`
	Type         string `json:"type"`
	Cardinality  string `json:"cardinality"`
	DefaultValue string `json:"default_value"`
	Description  string `json:"description"`
}

func toPolicyView(p elb.Policy) policyView {
	v := policyView{Name: p.Name, Type: p.Type, Attributes: make([]attributeView, 0, len(p.Attributes))}
	for _, at := range p.Attributes {
		v.Attributes = append(v.Attributes, attributeView{at.Name, at.Value})
	}
	return v
}

// summary shows the first few attributes for list tables.
func (p policyView) summary() string {
	const show = 3
	parts := []string{}
	for i, at := range p.Attributes {
		if i == show {
			parts = append(parts, fmt.Sprintf("... (%d more)", len(p.Attributes)-show))
			break
		}
		parts = append(parts, at.Name+"="+at.Value)
	}
	return strings.Join(parts, ", ")
}

func (a *app) policiesCmd() *cobra.Command {
	c := groupCmd("policies", "Manage policies and enable them on listeners and back ends",
		"Policies: stickiness, SSL negotiation, proxy protocol and back-end\nauthentication policies of a load balancer, ELB's predefined policies and\nthe policy types, and which policies listeners and instance ports use.")
	c.Aliases = []string{"policy"}
	c.AddCommand(a.policiesListCmd(), a.policiesTypesCmd(), a.policiesCreateCmd(), a.policiesDeleteCmd(),
		a.policiesSetCmd("set-listener"), a.policiesSetCmd("set-backend"), a.policiesLBCookieCmd(), a.policiesAppCookieCmd())
	return c
}

func (a *app) policiesListCmd() *cobra.Command {
	var names []string
	c := &cobra.Command{
		Use:     "list [BALANCER] [--name POLICY]...",
		Aliases: []string{"ls"},
		Short:   "List a load balancer's policies, or ELB's predefined policies",
		Long: "List the policies of BALANCER, or without BALANCER ELB's predefined\n" +
			"policies (the ELBSecurityPolicy-* SSL negotiation policies). With --name,\n" +
			"show only those policies with all their attributes.",
		Example:           "  elbctl policies list web\n  elbctl policies list\n  elbctl policies list --name ELBSecurityPolicy-2016-08",
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ps []elb.Policy
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				if len(args) == 0 {
					ps, err = c.ListPredefinedPolicies(ctx, names...)
				} else {
					ps, err = c.ListBalancerPolicies(ctx, args[0], names...)
				}
				return err
			})
			if err != nil {
				return err
			}
			views := make([]policyView, 0, len(ps))
			for _, p := range ps {
				views = append(views, toPolicyView(p))
			}
			if len(names) > 0 {
				var blocks []block
				for _, v := range views {
					t := &table{title: v.Name + " (" + v.Type + ")", header: []string{"ATTRIBUTE", "VALUE"}, empty: "(no attributes)"}
					for _, at := range v.Attributes {
						t.add(at.Name, at.Value)
					}
					blocks = append(blocks, t)
				}
				return a.print(views, blocks...)
			}
			t := &table{header: []string{"NAME", "TYPE", "ATTRIBUTES"}, empty: "No policies."}
			for _, v := range views {
				t.add(v.Name, v.Type, v.summary())
			}
			return a.print(views, t)
		},
	}
	c.Flags().StringArrayVar(&names, "name", nil, "show only this policy, with all attributes (repeatable)")
	return c
}

func (a *app) policiesTypesCmd() *cobra.Command {
	return &cobra.Command{
		Use:     "types [TYPE...]",
		Short:   "List policy types, or describe the attributes of some",
		Example: "  elbctl policies types\n  elbctl policies types ProxyProtocolPolicyType",
		ValidArgs: []string{elb.ProxyProtocolPolicyType, elb.PublicKeyPolicyType, elb.BackendServerAuthenticationPolicyType,
			elb.AppCookieStickinessPolicyType, elb.LBCookieStickinessPolicyType, elb.SSLNegotiationPolicyType},
		RunE: func(cmd *cobra.Command, args []string) error {
			var ts []elb.PolicyType
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				ts, err = c.ListBalancerPolicyTypes(ctx, args...)
				return err
			})
			if err != nil {
				return err
			}
			views := make([]policyTypeView, 0, len(ts))
			list := &table{header: []string{"TYPE", "DESCRIPTION"}}
			var blocks []block
			for _, t := range ts {
				v := policyTypeView{Name: t.Name, Description: t.Description, Attributes: make([]attributeTypeView, 0, len(t.Attributes))}
				at := &table{title: t.Name, header: []string{"ATTRIBUTE", "TYPE", "CARDINALITY", "DEFAULT", "DESCRIPTION"}, empty: "(no attributes)"}
				for _, x := range t.Attributes {
					v.Attributes = append(v.Attributes, attributeTypeView{x.Name, x.Type, x.Cardinality, x.DefaultValue, x.Description})
					at.add(x.Name, x.Type, x.Cardinality, x.DefaultValue, x.Description)
				}
				views = append(views, v)
				list.add(t.Name, t.Description)
				blocks = append(blocks, at)
			}
			if len(args) == 0 {
				blocks = []block{list}
			}
			return a.print(views, blocks...)
		},
	}
}

func (a *app) policiesCreateCmd() *cobra.Command {
	var attrs []string
	c := &cobra.Command{
		Use:   "create BALANCER POLICY TYPE [--attr NAME=VALUE]...",
		Short: "Create a policy on a load balancer",
		Long: "Create a policy of TYPE with the given attributes, in order (an attribute\n" +
			"may repeat, e.g. several PublicKeyPolicyName). Run 'elbctl policies types\n" +
			"TYPE' for a type's attributes. A new policy does nothing until enabled with\n" +
			"set-listener or set-backend.",
		Example: "  elbctl policies create web proxy ProxyProtocolPolicyType --attr ProxyProtocol=true\n" +
			"  elbctl policies create web tls SSLNegotiationPolicyType --attr Reference-Security-Policy=ELBSecurityPolicy-TLS-1-2-2017-01",
		Args:              cobra.ExactArgs(3),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			kvs, err := parseKeyValues("attribute", attrs, false)
			if err != nil {
				return err
			}
			pas := make([]elb.PolicyAttribute, 0, len(kvs))
			for _, kv := range kvs {
				pas = append(pas, elb.PolicyAttribute{Name: kv.Key, Value: kv.Value})
			}
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				return c.CreateBalancerPolicy(ctx, args[0], args[1], args[2], pas...)
			})
			if err != nil {
				return err
			}
			v := policyView{Name: args[1], Type: args[2], Attributes: make([]attributeView, 0, len(kvs))}
			for _, kv := range kvs {
				v.Attributes = append(v.Attributes, attributeView{kv.Key, kv.Value})
			}
			return a.done(v, "Created policy %s (%s) on %s.", args[1], args[2], args[0])
		},
	}
	c.Flags().StringArrayVarP(&attrs, "attr", "a", nil, "attribute NAME=VALUE (repeatable)")
	return c
}

func (a *app) policiesDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "delete BALANCER POLICY",
		Aliases:           []string{"rm"},
		Short:             "Delete a policy from a load balancer",
		Long:              "Delete a policy. A policy still enabled on a listener or instance port\ncannot be deleted; disable it with set-listener or set-backend first.",
		Example:           "  elbctl policies delete web proxy",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.DeleteBalancerPolicy(ctx, args[0], args[1])
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "deleted": args[1]}, "Deleted policy %s from %s.", args[1], args[0])
		},
	}
}

// policiesSetCmd is set-listener (front-end port) or set-backend
// (instance port).
func (a *app) policiesSetCmd(use string) *cobra.Command {
	listener := use == "set-listener"
	what, portName := "instance port", "INSTANCE_PORT"
	short := "Set the policies of a back-end instance port"
	example := "  elbctl policies set-backend web 8080 proxy\n  elbctl policies set-backend web 8080        # disable all"
	if listener {
		what, portName = "listener", "PORT"
		short = "Set the policies of a listener"
		example = "  elbctl policies set-listener web 80 sticky\n  elbctl policies set-listener web 80          # disable all"
	}
	return &cobra.Command{
		Use:               use + " BALANCER " + portName + " [POLICY...]",
		Short:             short,
		Long:              short + ", replacing those enabled now. Give no POLICY\nto disable them all.",
		Example:           example,
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := parsePortArg(strings.ToLower(portName), args[1])
			if err != nil {
				return err
			}
			policies := orEmpty(args[2:])
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				if listener {
					return c.SetBalancerPoliciesListener(ctx, args[0], port, policies)
				}
				return c.SetBalancerPoliciesBackendServer(ctx, args[0], port, policies)
			})
			if err != nil {
				return err
			}
			key := "instance_port"
			if listener {
				key = "port"
			}
			msg := fmt.Sprintf("Policies of %s %d on %s: %s.", what, port, args[0], strings.Join(policies, ", "))
			if len(policies) == 0 {
				msg = fmt.Sprintf("Disabled all policies of %s %d on %s.", what, port, args[0])
			}
			return a.done(map[string]any{"balancer": args[0], key: port, "policies": policies}, "%s", msg)
		},
	}
}

func (a *app) policiesLBCookieCmd() *cobra.Command {
	var expiration int64
	c := &cobra.Command{
		Use:   "lb-cookie BALANCER POLICY [--expiration SECONDS]",
		Short: "Create a duration-based stickiness policy",
		Long: "Create an LBCookieStickinessPolicyType policy: the load balancer sets an\n" +
			"AWSELB cookie that sends a client back to the same instance for\n" +
			"--expiration seconds (0: until the browser session ends). Enable it with\n" +
			"'elbctl policies set-listener'.",
		Example:           "  elbctl policies lb-cookie web sticky --expiration 300\n  elbctl policies set-listener web 80 sticky",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			if expiration < 0 {
				return usageErrorf("invalid --expiration %d: want 0 or more seconds", expiration)
			}
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.CreateLBCookieStickinessPolicy(ctx, args[0], args[1], expiration)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "policy": args[1], "type": elb.LBCookieStickinessPolicyType, "cookie_expiration_period": expiration},
				"Created stickiness policy %s on %s.", args[1], args[0])
		},
	}
	c.Flags().Int64Var(&expiration, "expiration", 0, "cookie lifetime in seconds; 0 for a session cookie")
	return c
}

func (a *app) policiesAppCookieCmd() *cobra.Command {
	var cookie string
	c := &cobra.Command{
		Use:   "app-cookie BALANCER POLICY --cookie NAME",
		Short: "Create an application-cookie stickiness policy",
		Long: "Create an AppCookieStickinessPolicyType policy: stickiness follows the\n" +
			"lifetime of the application's cookie NAME. Enable it with\n'elbctl policies set-listener'.",
		Example:           "  elbctl policies app-cookie web app-sticky --cookie JSESSIONID",
		Args:              cobra.ExactArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.CreateAppCookieStickinessPolicy(ctx, args[0], args[1], cookie)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "policy": args[1], "type": elb.AppCookieStickinessPolicyType, "cookie_name": cookie},
				"Created stickiness policy %s on %s following cookie %s.", args[1], args[0], cookie)
		},
	}
	c.Flags().StringVar(&cookie, "cookie", "", "name of the application's cookie (required)")
	_ = c.MarkFlagRequired("cookie")
	return c
}
