package elbctl

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// listenerView is the JSON form of a listener.
type listenerView struct {
	Protocol         string   `json:"protocol"`
	Port             int      `json:"port"`
	InstanceProtocol string   `json:"instance_protocol"`
	InstancePort     int      `json:"instance_port"`
	SSLCertificateID string   `json:"ssl_certificate_id"`
	Policies         []string `json:"policies"`
}

func toListenerView(l elb.Listener) listenerView {
	return listenerView{
		Protocol:         strings.ToLower(l.Protocol),
		Port:             l.LoadBalancerPort,
		InstanceProtocol: strings.ToLower(l.InstanceProtocol),
		InstancePort:     l.InstancePort,
		SSLCertificateID: l.SSLCertificateID,
		Policies:         orEmpty(l.PolicyNames),
	}
}

// short is "http:80->http:8080" for list tables.
func (l listenerView) short() string {
	return l.Protocol + ":" + itoa(l.Port) + "->" + l.InstanceProtocol + ":" + itoa(l.InstancePort)
}

// toELB converts a parsed --listener value for the driver.
func (l listenerSpec) toELB() elb.Listener {
	return elb.Listener{
		Protocol:         strings.ToLower(l.Protocol),
		LoadBalancerPort: l.Port,
		InstanceProtocol: strings.ToLower(l.InstanceProtocol),
		InstancePort:     l.InstancePort,
		SSLCertificateID: l.CertificateID,
	}
}

// listenersTable renders listeners for people.
func listenersTable(ls []listenerView) *table {
	t := &table{title: "Listeners", header: []string{"PORT", "PROTOCOL", "INSTANCE PORT", "INSTANCE PROTOCOL", "CERTIFICATE", "POLICIES"}, empty: "(none)"}
	for _, l := range ls {
		t.add(itoa(l.Port), l.Protocol, itoa(l.InstancePort), l.InstanceProtocol, l.SSLCertificateID, joinOr(l.Policies))
	}
	return t
}

func (a *app) listenersCmd() *cobra.Command {
	c := groupCmd("listeners", "List, add and remove listeners and set their certificates",
		"Listeners: the front-end ports of a load balancer and where they forward.")
	c.Aliases = []string{"listener"}
	c.AddCommand(a.listenersListCmd(), a.listenersCreateCmd(), a.listenersDeleteCmd(), a.listenersSetCertCmd())
	return c
}

func (a *app) listenersListCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "list BALANCER",
		Aliases:           []string{"ls"},
		Short:             "List a load balancer's listeners",
		Example:           "  elbctl listeners list web",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var b loadbalancer.Balancer
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				b, err = c.GetBalancer(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			v := toBalancerView(b)
			t := listenersTable(v.Listeners)
			t.title = ""
			return a.print(orEmpty(v.Listeners), t)
		},
	}
}

func (a *app) listenersCreateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "create BALANCER LISTENER...",
		Short: "Add listeners to a load balancer",
		Long: "Add listeners to a load balancer. Each LISTENER is\n" + listenerSyntax + "\nas for 'elbctl balancers create'. Adding a listener identical to an\n" +
			"existing one succeeds; a different listener on a port in use is a\nconflict (exit code 4).",
		Example: "  elbctl listeners create web tcp:8443:8443\n" +
			"  elbctl listeners create web https:443:http:8080:arn:aws:iam::123456789012:server-certificate/web",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var ls []elb.Listener
			for _, s := range args[1:] {
				l, err := parseListener(s)
				if err != nil {
					return err
				}
				ls = append(ls, l.toELB())
			}
			err := a.call(cmd, func(ctx context.Context, c *client) error {
				return c.CreateBalancerListeners(ctx, args[0], ls...)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "created": args[1:]},
				"Added %d listener(s) to %s.", len(ls), args[0])
		},
	}
}

func (a *app) listenersDeleteCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "delete BALANCER PORT...",
		Aliases:           []string{"rm"},
		Short:             "Remove listeners by front-end port",
		Long:              "Remove the listeners on the given front-end ports. Ports without a\nlistener are ignored, as in ELB.",
		Example:           "  elbctl listeners delete web 8443",
		Args:              cobra.MinimumNArgs(2),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			ports, err := parsePorts(args[1:])
			if err != nil {
				return err
			}
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				return c.DeleteBalancerListeners(ctx, args[0], ports...)
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "deleted_ports": ports},
				"Removed listener(s) on port %s from %s.", strings.Join(args[1:], ", "), args[0])
		},
	}
}

func (a *app) listenersSetCertCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "set-certificate BALANCER PORT CERTIFICATE_ARN",
		Short:             "Replace the certificate of an HTTPS or SSL listener",
		Example:           "  elbctl listeners set-certificate web 443 arn:aws:iam::123456789012:server-certificate/web-2026",
		Args:              cobra.ExactArgs(3),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			port, err := parsePortArg("port", args[1])
			if err != nil {
				return err
			}
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				return c.SetListenerCertificate(ctx, args[0], port, args[2])
			})
			if err != nil {
				return err
			}
			return a.done(map[string]any{"balancer": args[0], "port": port, "ssl_certificate_id": args[2]},
				"Listener %d of %s now uses %s.", port, args[0], args[2])
		},
	}
}
