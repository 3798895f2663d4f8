package elbctl

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// attributesView is the JSON form of a balancer's attributes.
type attributesView struct {
	CrossZoneLoadBalancing bool              `json:"cross_zone_load_balancing"`
	IdleTimeout            int               `json:"idle_timeout"`
	ConnectionDraining     drainingView      `json:"connection_draining"`
	AccessLog              accessLogView     `json:"access_log"`
	DesyncMitigationMode   string            `json:"desync_mitigation_mode"`
	Additional             map[string]string `json:"additional_attributes"`
}

type drainingView struct {
	Enabled bool `json:"enabled"`
	Timeout int  `json:"timeout"`
}

type accessLogView struct {
	Enabled        bool   `json:"enabled"`
	S3BucketName   string `json:"s3_bucket_name"`
	S3BucketPrefix string `json:"s3_bucket_prefix"`
	EmitInterval   int    `json:"emit_interval"`
}

func toAttributesView(at elb.Attributes) attributesView {
	v := attributesView{
		CrossZoneLoadBalancing: at.CrossZoneLoadBalancing,
		IdleTimeout:            at.IdleTimeout,
		ConnectionDraining:     drainingView{at.ConnectionDraining.Enabled, at.ConnectionDraining.Timeout},
		AccessLog: accessLogView{at.AccessLog.Enabled, at.AccessLog.S3BucketName,
			at.AccessLog.S3BucketPrefix, at.AccessLog.EmitInterval},
		DesyncMitigationMode: at.DesyncMitigationMode,
		Additional:           at.Additional,
	}
	if v.Additional == nil {
		v.Additional = map[string]string{}
	}
	return v
}

func (v attributesView) fields(title string) *fields {
	f := &fields{title: title}
	f.add("Cross-zone load balancing", yesNo(v.CrossZoneLoadBalancing))
	f.add("Idle timeout", fmt.Sprintf("%ds", v.IdleTimeout))
	draining := "no"
	if v.ConnectionDraining.Enabled {
		draining = fmt.Sprintf("yes, timeout %ds", v.ConnectionDraining.Timeout)
	}
	f.add("Connection draining", draining)
	logs := "no"
	if al := v.AccessLog; al.Enabled {
		logs = fmt.Sprintf("yes, s3://%s/%s every %d min", al.S3BucketName, al.S3BucketPrefix, al.EmitInterval)
	}
	f.add("Access log", logs)
	f.add("Desync mitigation mode", v.DesyncMitigationMode)
	for _, k := range sortedKeys(v.Additional) {
		f.add(k, v.Additional[k])
	}
	return f
}

func (a *app) attributesCmd() *cobra.Command {
	c := groupCmd("attributes", "Show and change load balancer attributes",
		"Attributes: cross-zone load balancing, idle timeout, connection draining,\naccess logs and HTTP desync mitigation.")
	c.Aliases = []string{"attrs", "attribute"}
	c.AddCommand(a.attributesGetCmd(), a.attributesSetCmd())
	return c
}

func (a *app) attributesGetCmd() *cobra.Command {
	return &cobra.Command{
		Use:               "get BALANCER",
		Aliases:           []string{"show"},
		Short:             "Show a load balancer's attributes",
		Example:           "  elbctl attributes get web",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			var at elb.Attributes
			err := a.call(cmd, func(ctx context.Context, c *client) (err error) {
				at, err = c.GetAttributes(ctx, args[0])
				return err
			})
			if err != nil {
				return err
			}
			v := toAttributesView(at)
			return a.print(v, v.fields(""))
		},
	}
}

// attributeFlags are the flags of "attributes set".
type attributeFlags struct {
	crossZone, draining, accessLog bool
	idleTimeout, drainingTimeout   int
	bucket, prefix                 string
	interval                       int
	desync                         string
	additional                     []string
}

const attributesSetLong = `Change some attributes of a load balancer; the others keep their values.

Connection draining and access logs are updated together with their
current settings: --draining-timeout alone turns draining on with that
timeout, and --access-log-bucket alone turns access logs on for that
bucket. Use --draining=false or --access-log=false to turn them off.`

func (a *app) attributesSetCmd() *cobra.Command {
	var fl attributeFlags
	c := &cobra.Command{
		Use:   "set BALANCER [flags]",
		Short: "Change load balancer attributes",
		Long:  attributesSetLong,
		Example: "  elbctl attributes set web --cross-zone --idle-timeout 120\n" +
			"  elbctl attributes set web --draining --draining-timeout 30\n" +
			"  elbctl attributes set web --access-log-bucket logs --access-log-prefix web --access-log-interval 5\n" +
			"  elbctl attributes set web --desync-mode strictest\n" +
			"  elbctl attributes set web --cross-zone=false --draining=false",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: a.completeBalancers,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !anyChanged(cmd, "cross-zone", "idle-timeout", "draining", "draining-timeout", "access-log",
				"access-log-bucket", "access-log-prefix", "access-log-interval", "desync-mode", "additional") {
				return usageErrorf("nothing to change: give at least one attribute flag (see --help)")
			}
			kvs, err := parseKeyValues("additional attribute", fl.additional, false)
			if err != nil {
				return err
			}
			var out elb.Attributes
			err = a.call(cmd, func(ctx context.Context, c *client) error {
				cur, err := c.GetAttributes(ctx, args[0])
				if err != nil {
					return err
				}
				u := buildAttributesUpdate(cmd, fl, cur)
				for _, kv := range kvs {
					if u.Additional == nil {
						u.Additional = map[string]string{}
					}
					u.Additional[kv.Key] = kv.Value
				}
				out, err = c.ModifyAttributes(ctx, args[0], u)
				return err
			})
			if err != nil {
				return err
			}
			v := toAttributesView(out)
			return a.print(v, v.fields("Attributes of "+args[0]))
		},
	}
	f := c.Flags()
	f.BoolVar(&fl.crossZone, "cross-zone", false, "spread requests over instances in all zones")
	f.IntVar(&fl.idleTimeout, "idle-timeout", 0, "idle connection timeout in seconds (1-4000)")
	f.BoolVar(&fl.draining, "draining", false, "let in-flight requests finish when instances are deregistered")
	f.IntVar(&fl.drainingTimeout, "draining-timeout", 0, "connection draining timeout in seconds (1-3600)")
	f.BoolVar(&fl.accessLog, "access-log", false, "enable or disable access logs")
	f.StringVar(&fl.bucket, "access-log-bucket", "", "S3 bucket for access logs (turns them on)")
	f.StringVar(&fl.prefix, "access-log-prefix", "", "key prefix in the access log bucket")
	f.IntVar(&fl.interval, "access-log-interval", 0, "access log interval in minutes: 5 or 60")
	f.StringVar(&fl.desync, "desync-mode", "", "HTTP desync mitigation: monitor, defensive or strictest")
	f.StringArrayVar(&fl.additional, "additional", nil, "other additional attribute KEY=VALUE (repeatable)")
	_ = c.RegisterFlagCompletionFunc("desync-mode", cobra.FixedCompletions(
		[]string{elb.DesyncMonitor, elb.DesyncDefensive, elb.DesyncStrictest}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

// buildAttributesUpdate turns the changed flags into an update, merging
// draining and access-log settings with the current ones.
func buildAttributesUpdate(cmd *cobra.Command, fl attributeFlags, cur elb.Attributes) elb.AttributesUpdate {
	f := cmd.Flags()
	var u elb.AttributesUpdate
	if f.Changed("cross-zone") {
		u.CrossZoneLoadBalancing = &fl.crossZone
	}
	if f.Changed("idle-timeout") {
		u.IdleTimeout = &fl.idleTimeout
	}
	if anyChanged(cmd, "draining", "draining-timeout") {
		d := cur.ConnectionDraining
		if f.Changed("draining") {
			d.Enabled = fl.draining
		} else {
			d.Enabled = true
		}
		if f.Changed("draining-timeout") {
			d.Timeout = fl.drainingTimeout
		}
		u.ConnectionDraining = &d
	}
	if anyChanged(cmd, "access-log", "access-log-bucket", "access-log-prefix", "access-log-interval") {
		l := cur.AccessLog
		l.Enabled = true
		if f.Changed("access-log") {
			l.Enabled = fl.accessLog
		}
		if f.Changed("access-log-bucket") {
			l.S3BucketName = fl.bucket
		}
		if f.Changed("access-log-prefix") {
			l.S3BucketPrefix = fl.prefix
		}
		if f.Changed("access-log-interval") {
			l.EmitInterval = fl.interval
		}
		u.AccessLog = &l
	}
	if f.Changed("desync-mode") {
		u.DesyncMitigationMode = &fl.desync
	}
	return u
}

// anyChanged reports whether any of the named flags was given.
func anyChanged(cmd *cobra.Command, names ...string) bool {
	for _, n := range names {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}
