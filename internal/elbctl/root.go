// Package elbctl is the elbctl command-line tool: a cobra command tree
// over the loadbalancer/elb driver that manages load balancers on elbd or
// any AWS Classic ELB compatible endpoint.
//
// The package exposes Main for cmd/elbctl; everything else is the command
// tree, one file per command group, plus output formatting (output.go) and
// error rendering and exit codes (errors.go).
package elbctl

import (
	"context"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
)

// DefaultEndpoint is where elbctl looks for elbd when neither
// --endpoint-url nor ELBD_ENDPOINT is set.
const DefaultEndpoint = "http://127.0.0.1:9900"

// DefaultRegion is used when no flag, environment variable or profile
// names a region.
const DefaultRegion = "us-east-1"

const rootLong = `elbctl manages AWS Classic Elastic Load Balancers on elbd, or on any
ELB-compatible endpoint, through the github.com/elbd/elbd/loadbalancer
library.

Endpoint, region and credentials:
  --endpoint-url   else $ELBD_ENDPOINT, else ` + DefaultEndpoint + ` (a local elbd);
                   "aws" means AWS's own regional endpoints
  --region         else $AWS_REGION, $AWS_DEFAULT_REGION, the profile's region,
                   else ` + DefaultRegion + `
  --profile        a profile in the shared config and credentials files
                   (~/.aws/config, ~/.aws/credentials), else $AWS_PROFILE
  credentials      $AWS_ACCESS_KEY_ID, $AWS_SECRET_ACCESS_KEY and optional
                   $AWS_SESSION_TOKEN, else the profile's credentials

Output:
  -o table (default) prints aligned columns for people; -o json prints
  stable, indented JSON for scripts. Errors always go to standard error.

Exit codes:
  0  success
  1  generic failure (server error, unexpected response)
  2  usage error (unknown command or flag, wrong arguments)
  3  not found (load balancer, listener, policy, instance, certificate)
  4  invalid input or conflict (validation error, duplicate, limit reached)
  5  authentication or authorization failure
  6  cannot reach the endpoint`

const rootExample = `  # Point elbctl at a local elbd with the administrator key
  export AWS_ACCESS_KEY_ID=AKID... AWS_SECRET_ACCESS_KEY=...
  elbctl balancers list

  # Create a balancer with an HTTP listener and two instances
  elbctl balancers create web --listener http:80:8080 --zones us-east-1a,us-east-1b \
      --member i-0aaaaaaaaaaaaaaa1 --member i-0bbbbbbbbbbbbbbb1

  # The same data as JSON, for scripts
  elbctl balancers get web -o json`

// globalOptions are the persistent flags every command shares.
type globalOptions struct {
	endpoint string
	region   string
	profile  string
	output   string
}

// app is one invocation of elbctl: its streams, environment, options and
// the lazily created driver.
type app struct {
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	opts   globalOptions

	// reachedRun is set once cobra has parsed flags and validated
	// arguments; an error before that is a usage error.
	reachedRun bool
	// client is created on first use by clientFor.
	client *client
}

// Main runs elbctl with args (without the program name) and returns the
// process exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	return run(context.Background(), args, stdout, stderr, os.Getenv)
}

// run is Main with an injectable environment.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdout: stdout, stderr: stderr, getenv: getenv}
	root := a.newRootCommand()
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return ExitOK
	}
	if !a.reachedRun {
		err = usageErr(err)
	}
	return a.report(cmd, err)
}

// newRootCommand builds the whole command tree.
func (a *app) newRootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:           "elbctl",
		Short:         "Manage Classic Elastic Load Balancers on elbd or AWS",
		Long:          rootLong,
		Example:       rootExample,
		SilenceErrors: true,
		SilenceUsage:  true,
		// Resolve the environment-dependent defaults once flags are
		// parsed; reaching here means the command line was valid.
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			// cobra checks required flags and flag groups only after
			// this hook; check them here so they count as usage errors.
			if err := cmd.ValidateRequiredFlags(); err != nil {
				return usageErr(err)
			}
			if err := cmd.ValidateFlagGroups(); err != nil {
				return usageErr(err)
			}
			a.reachedRun = true
			return a.resolveOptions(cmd)
		},
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageErr(err) })

	pf := root.PersistentFlags()
	pf.StringVar(&a.opts.endpoint, "endpoint-url", "", "ELB API endpoint (default $ELBD_ENDPOINT, else "+DefaultEndpoint+")")
	pf.StringVar(&a.opts.region, "region", "", "region to sign requests for (default $AWS_REGION, $AWS_DEFAULT_REGION, the profile's, else "+DefaultRegion+")")
	pf.StringVar(&a.opts.profile, "profile", "", "shared config/credentials profile (default $AWS_PROFILE)")
	pf.StringVarP(&a.opts.output, "output", "o", "table", "output format: table or json")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions([]string{"table", "json"}, cobra.ShellCompDirectiveNoFileComp))

	root.AddGroup(
		&cobra.Group{ID: "lb", Title: "Load balancers:"},
		&cobra.Group{ID: "config", Title: "Balancer configuration:"},
		&cobra.Group{ID: "account", Title: "Account and elbd administration:"},
	)
	for _, c := range []*cobra.Command{a.balancersCmd(), a.listenersCmd(), a.membersCmd(), a.healthCmd()} {
		c.GroupID = "lb"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.policiesCmd(), a.attributesCmd(), a.tagsCmd(), a.zonesCmd(), a.subnetsCmd(), a.securityGroupsCmd()} {
		c.GroupID = "config"
		root.AddCommand(c)
	}
	for _, c := range []*cobra.Command{a.certificatesCmd(), a.limitsCmd(), a.protocolsCmd(), a.inventoryCmd()} {
		c.GroupID = "account"
		root.AddCommand(c)
	}
	root.AddCommand(a.completionCmd())
	return root
}

// resolveOptions fills in defaults from the environment and checks the
// output format.
func (a *app) resolveOptions(cmd *cobra.Command) error {
	switch a.opts.output {
	case "table", "json":
	default:
		return usageErrorf("invalid --output %q: want table or json", a.opts.output)
	}
	if a.opts.endpoint == "" {
		a.opts.endpoint = a.getenv("ELBD_ENDPOINT")
	}
	if a.opts.endpoint == "" {
		a.opts.endpoint = DefaultEndpoint
	}
	a.opts.endpoint = strings.TrimRight(a.opts.endpoint, "/")
	if !strings.Contains(a.opts.endpoint, "://") {
		return usageErrorf("invalid --endpoint-url %q: want a URL such as %s", a.opts.endpoint, DefaultEndpoint)
	}
	if a.opts.profile == "" {
		a.opts.profile = a.getenv("AWS_PROFILE")
	}
	if a.opts.region == "" {
		a.opts.region = firstNonEmpty(a.getenv("AWS_REGION"), a.getenv("AWS_DEFAULT_REGION"))
	}
	return nil
}

// groupCmd returns a command that only groups subcommands. Unlike a bare
// cobra parent it rejects unknown subcommands as usage errors instead of
// printing help and succeeding.
func groupCmd(use, short, long string) *cobra.Command {
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long:  long,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErrorf("unknown command %q for %q", args[0], cmd.CommandPath())
			}
			return cmd.Help()
		},
	}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
