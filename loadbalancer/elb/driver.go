package elb

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/elbd/elbd/loadbalancer"
)

// ProviderName is what Driver.Name returns, as in libcloud.
const ProviderName = "Amazon Elastic Load Balancing"

// Driver drives Classic ELB. It is safe for concurrent use.
type Driver struct {
	cfg      aws.Config
	endpoint string
	elb      *elasticloadbalancing.Client
	iam      *iam.Client
	http     aws.HTTPClient

	zones          []string
	subnets        []string
	securityGroups []string
	scheme         string
}

var _ loadbalancer.Driver = (*Driver)(nil)

// New returns a driver configured by o. It does no network I/O unless
// o asks for credentials from a source that needs it.
func New(ctx context.Context, o Options) (*Driver, error) {
	var cfg aws.Config
	if o.UseDefaultCredentials || o.Profile != "" {
		var lo []func(*awsconfig.LoadOptions) error
		if o.Profile != "" {
			lo = append(lo, awsconfig.WithSharedConfigProfile(o.Profile))
		}
		if o.Region != "" {
			lo = append(lo, awsconfig.WithRegion(o.Region))
		}
		if o.HTTPClient != nil {
			lo = append(lo, awsconfig.WithHTTPClient(o.HTTPClient))
		}
		var err error
		cfg, err = awsconfig.LoadDefaultConfig(ctx, lo...)
		if err != nil {
			return nil, fmt.Errorf("elb: loading AWS configuration: %w", err)
		}
	} else {
		if o.AccessKeyID == "" {
			return nil, fmt.Errorf("%w: elb: no credentials: set AccessKeyID and SecretAccessKey, or UseDefaultCredentials", loadbalancer.ErrInvalidInput)
		}
		cfg = aws.Config{Region: o.Region}
		if o.HTTPClient != nil {
			cfg.HTTPClient = o.HTTPClient
		}
	}
	if o.HTTPClient == nil {
		cfg.HTTPClient = wrapHTTPClient(cfg.HTTPClient)
	}
	if o.AccessKeyID != "" {
		if o.SecretAccessKey == "" {
			return nil, fmt.Errorf("%w: elb: AccessKeyID given without SecretAccessKey", loadbalancer.ErrInvalidInput)
		}
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(o.AccessKeyID, o.SecretAccessKey, o.SessionToken))
	}
	if o.Region != "" {
		cfg.Region = o.Region
	}
	if cfg.Region == "" {
		return nil, fmt.Errorf("%w: elb: no region: set Options.Region or AWS_REGION", loadbalancer.ErrInvalidInput)
	}
	if o.RetryMaxAttempts > 0 {
		cfg.RetryMaxAttempts = o.RetryMaxAttempts
	}
	endpoint := o.Endpoint
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	d := NewFromConfig(cfg, endpoint)
	d.zones = append([]string(nil), o.Zones...)
	d.subnets = append([]string(nil), o.Subnets...)
	d.securityGroups = append([]string(nil), o.SecurityGroups...)
	d.scheme = o.Scheme
	return d, nil
}

// NewFromConfig returns a driver using cfg's credentials, region, HTTP
// client and retryer. endpoint is the ELB/IAM endpoint ("" for AWS). The
// driver places balancers in "<region>a"; use New for other placements.
func NewFromConfig(cfg aws.Config, endpoint string) *Driver {
	endpoint = strings.TrimRight(endpoint, "/")
	d := &Driver{cfg: cfg, endpoint: endpoint, http: cfg.HTTPClient}
	d.elb = elasticloadbalancing.NewFromConfig(cfg, func(o *elasticloadbalancing.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	d.iam = iam.NewFromConfig(cfg, func(o *iam.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
	return d
}

// Name returns "Amazon Elastic Load Balancing".
func (d *Driver) Name() string { return ProviderName }

// Region is the region requests are signed for.
func (d *Driver) Region() string { return d.cfg.Region }

// Endpoint is the endpoint the driver talks to, "" for AWS.
func (d *Driver) Endpoint() string { return d.endpoint }

// ELB returns the underlying aws-sdk-go-v2 ELB client, for operations
// this package does not wrap.
func (d *Driver) ELB() *elasticloadbalancing.Client { return d.elb }

// IAM returns the underlying aws-sdk-go-v2 IAM client.
func (d *Driver) IAM() *iam.Client { return d.iam }

// defaultZones are the zones CreateBalancer uses.
func (d *Driver) defaultZones() []string {
	if len(d.zones) > 0 {
		return d.zones
	}
	return []string{d.cfg.Region + "a"}
}
