package elbctl

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// endpointAWS as --endpoint-url selects AWS's own regional endpoints
// instead of elbd.
const endpointAWS = "aws"

// client is the driver elbctl works through and the endpoint it was
// built for, used in error messages.
type client struct {
	*elb.Driver
	endpoint string
}

// driverFor returns the ELB driver for the resolved global options,
// creating it on first use. Credentials come from --profile/AWS_PROFILE
// if set, else AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN,
// else the SDK's default chain (shared files, SSO, instance roles).
func (a *app) driverFor(ctx context.Context) (*client, error) {
	if a.client != nil {
		return a.client, nil
	}
	o := elb.Options{
		Endpoint: a.opts.endpoint,
		Region:   a.resolveRegion(ctx),
	}
	if o.Endpoint == endpointAWS {
		o.Endpoint = ""
	}
	if n := a.getenv("AWS_MAX_ATTEMPTS"); n != "" {
		v, err := strconv.Atoi(n)
		if err != nil || v < 1 {
			return nil, usageErrorf("invalid AWS_MAX_ATTEMPTS %q: want a positive integer", n)
		}
		o.RetryMaxAttempts = v
	}
	switch keyID := a.getenv("AWS_ACCESS_KEY_ID"); {
	case a.opts.profile != "":
		o.Profile = a.opts.profile
	case keyID != "":
		secret := a.getenv("AWS_SECRET_ACCESS_KEY")
		if secret == "" {
			return nil, &credentialsError{errors.New("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not")}
		}
		o.AccessKeyID, o.SecretAccessKey, o.SessionToken = keyID, secret, a.getenv("AWS_SESSION_TOKEN")
	default:
		o.UseDefaultCredentials = true
	}
	d, err := elb.New(ctx, o)
	if err != nil {
		if o.Profile != "" {
			return nil, &credentialsError{fmt.Errorf("profile %q: %w", o.Profile, err)}
		}
		return nil, &credentialsError{err}
	}
	a.client = &client{Driver: d, endpoint: a.opts.endpoint}
	return a.client, nil
}

// resolveRegion returns --region, AWS_REGION or AWS_DEFAULT_REGION
// (already folded into opts.region), else the profile's region, else
// DefaultRegion.
func (a *app) resolveRegion(ctx context.Context) string {
	if a.opts.region != "" {
		return a.opts.region
	}
	// LoadDefaultConfig reads the shared files named by
	// AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE (or ~/.aws) without any
	// network I/O; credentials are resolved later, by the driver.
	var opts []func(*awsconfig.LoadOptions) error
	if a.opts.profile != "" {
		opts = append(opts, awsconfig.WithSharedConfigProfile(a.opts.profile))
	}
	if cfg, err := awsconfig.LoadDefaultConfig(ctx, opts...); err == nil && cfg.Region != "" {
		return cfg.Region
	}
	return DefaultRegion
}

// call runs fn with the driver and classifies transport failures, so
// that every command reports unreachable endpoints and missing
// credentials the same way.
func (a *app) call(cmd *cobra.Command, fn func(ctx context.Context, c *client) error) error {
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	c, err := a.driverFor(ctx)
	if err != nil {
		return err
	}
	return a.classify(fn(ctx, c))
}

// classify wraps errors that are not the provider's answer: connection
// failures become unreachableError and credential failures
// credentialsError.
func (a *app) classify(err error) error {
	if err == nil || providerError(err) != nil {
		return err
	}
	if isUnreachable(err) {
		return &unreachableError{endpoint: a.endpointOrDefault(), err: err}
	}
	if s := err.Error(); strings.Contains(s, "get identity:") || strings.Contains(s, "get credentials:") {
		// Keep the SDK's reason, without its "operation error ..."
		// preamble.
		if _, reason, ok := strings.Cut(s, "get credentials: "); ok {
			s = reason
		}
		return &credentialsError{fmt.Errorf("no usable credentials: %s", s)}
	}
	return err
}

// balancerRef returns a Balancer value that names name, for the
// provider-neutral Driver methods that take one.
func balancerRef(name string) loadbalancer.Balancer {
	return loadbalancer.Balancer{ID: name, Name: name}
}
