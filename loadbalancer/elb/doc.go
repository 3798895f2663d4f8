// Package elb is the loadbalancer.Driver for AWS Classic Elastic Load
// Balancing (API version 2012-06-01) and any ELB-compatible endpoint such
// as elbd. It is built on aws-sdk-go-v2's elasticloadbalancing client (and
// its iam client for server certificates), so requests are signed with
// SigV4 and responses are parsed from AWS's real XML shapes.
//
// # Constructing a driver
//
// For elbd, give static keys, a region and elbd's endpoint:
//
//	d, err := elb.New(ctx, elb.Options{
//		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
//		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
//		Region:          "us-east-1",
//		Endpoint:        "http://127.0.0.1:9900",
//	})
//
// For AWS, leave Endpoint empty. To take credentials and region from the
// standard AWS_* environment variables and the shared config and
// credentials files, set UseDefaultCredentials (or Profile):
//
//	d, err := elb.New(ctx, elb.Options{UseDefaultCredentials: true})
//
// An existing aws.Config can be used with NewFromConfig.
//
// # Algorithms
//
// ELB has no algorithm setting: it routes HTTP and HTTPS listeners to the
// instance with the fewest outstanding requests (loadbalancer.LeastConnections)
// and TCP and SSL listeners round robin (loadbalancer.RoundRobin).
// CreateBalancer therefore requires the algorithm that matches the
// protocol (see AlgorithmFor) and returns an error matching
// loadbalancer.ErrInvalidInput for any other, rather than silently
// ignoring it as libcloud does.
//
// # Members
//
// ELB balances registered instances, not addresses: a member's ID is an
// EC2 instance id (or, on elbd, an IP literal, which elbd accepts as an
// instance), and traffic goes to each listener's instance port. A member
// whose Port is not an instance port of the balancer is rejected with
// loadbalancer.ErrInvalidInput.
//
// # Differences from libcloud's ELB driver
//
// Everything libcloud's driver offers works here, including the parts that
// are broken there: the endpoint can be overridden (Options.Endpoint);
// CreateBalancer honours the member port, validates the algorithm and
// registers the members; the balancer's Address is the DNS name and Port
// is the front-end port, both read from the right element; every page of
// DescribeLoadBalancers is read; AttachComputeNode returns the member;
// AttachMember works; CreateBalancerListeners sends its request; policy
// attributes are sent as PolicyAttributes.member.N.AttributeName/Value;
// and an empty policy list is sent as "PolicyNames=" so that the server
// clears the policies. See docs/libcloud.md for the full mapping.
//
// # Errors
//
// Errors reported by the service are *loadbalancer.ProviderError values
// carrying the AWS error code and HTTP status, and matching one of the
// loadbalancer sentinels (ErrNotFound, ErrDuplicate, ErrInvalidInput,
// ErrAuth, ErrLimitExceeded) with errors.Is; see ErrorKind.
package elb
