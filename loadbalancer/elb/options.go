package elb

import "github.com/aws/aws-sdk-go-v2/aws"

// Options configures New.
type Options struct {
	// AccessKeyID, SecretAccessKey and SessionToken are static
	// credentials. When AccessKeyID is empty, credentials come from the
	// default chain (environment, shared files, ...) if
	// UseDefaultCredentials is set or Profile is given; otherwise New
	// fails.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// Region signs the requests and names the default zone. Empty means
	// the region from the environment or shared config when
	// UseDefaultCredentials or Profile is set; New fails if there is
	// none.
	Region string

	// Endpoint is the ELB (and IAM) endpoint, e.g.
	// "http://127.0.0.1:9900" for a local elbd. Empty means AWS (or
	// AWS_ENDPOINT_URL when the default config is loaded). The elbd admin
	// inventory methods need it.
	Endpoint string

	// HTTPClient sends the requests; nil means the SDK's default client
	// with a workaround for aws/aws-sdk-go-v2#2737 (see httpclient.go).
	HTTPClient aws.HTTPClient

	// Profile selects a shared config/credentials profile; it implies
	// UseDefaultCredentials.
	Profile string
	// UseDefaultCredentials loads credentials and region with
	// aws-sdk-go-v2/config.LoadDefaultConfig: the AWS_* environment
	// variables, then the shared config and credentials files. Static
	// credentials and Region, when given, take precedence.
	UseDefaultCredentials bool

	// Zones are the availability zones CreateBalancer places balancers
	// in when Subnets is empty. Empty means "<region>a", as libcloud does.
	Zones []string
	// Subnets, if set, place balancers created by CreateBalancer in these
	// VPC subnets instead of Zones.
	Subnets []string
	// SecurityGroups are applied to balancers created by CreateBalancer
	// in Subnets.
	SecurityGroups []string
	// Scheme is "internet-facing" (the default) or "internal", for
	// balancers created in Subnets.
	Scheme string

	// RetryMaxAttempts overrides the SDK's retry attempts; 0 keeps the
	// SDK default and 1 disables retries.
	RetryMaxAttempts int
}
