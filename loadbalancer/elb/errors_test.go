package elb_test

import (
	"errors"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func TestErrorKind(t *testing.T) {
	for _, tc := range []struct {
		code string
		want error
	}{
		{"LoadBalancerNotFound", loadbalancer.ErrNotFound},
		{"ListenerNotFound", loadbalancer.ErrNotFound},
		{"PolicyNotFound", loadbalancer.ErrNotFound},
		{"PolicyTypeNotFound", loadbalancer.ErrNotFound},
		{"InvalidInstance", loadbalancer.ErrNotFound},
		{"NoSuchEntity", loadbalancer.ErrNotFound},
		{"CertificateNotFound", loadbalancer.ErrNotFound},
		{"SubnetNotFound", loadbalancer.ErrNotFound},
		{"DuplicateLoadBalancerName", loadbalancer.ErrDuplicate},
		{"DuplicateListener", loadbalancer.ErrDuplicate},
		{"DuplicatePolicyName", loadbalancer.ErrDuplicate},
		{"DuplicateTagKeys", loadbalancer.ErrDuplicate},
		{"EntityAlreadyExists", loadbalancer.ErrDuplicate},
		{"ValidationError", loadbalancer.ErrInvalidInput},
		{"InvalidConfigurationRequest", loadbalancer.ErrInvalidInput},
		{"InvalidSubnet", loadbalancer.ErrInvalidInput},
		{"InvalidSecurityGroup", loadbalancer.ErrInvalidInput},
		{"InvalidScheme", loadbalancer.ErrInvalidInput},
		{"UnsupportedProtocol", loadbalancer.ErrInvalidInput},
		{"MalformedCertificate", loadbalancer.ErrInvalidInput},
		{"KeyPairMismatch", loadbalancer.ErrInvalidInput},
		{"DeleteConflict", loadbalancer.ErrInvalidInput},
		{"TooManyLoadBalancers", loadbalancer.ErrLimitExceeded},
		{"TooManyPolicies", loadbalancer.ErrLimitExceeded},
		{"TooManyTags", loadbalancer.ErrLimitExceeded},
		{"LimitExceeded", loadbalancer.ErrLimitExceeded},
		{"InvalidClientTokenId", loadbalancer.ErrAuth},
		{"SignatureDoesNotMatch", loadbalancer.ErrAuth},
		{"MissingAuthenticationToken", loadbalancer.ErrAuth},
		{"AccessDenied", loadbalancer.ErrAuth},
		{"RequestExpired", loadbalancer.ErrAuth},
		{"InternalFailure", nil},
		{"Throttling", nil},
	} {
		if got := elb.ErrorKind(tc.code); !errors.Is(got, tc.want) || (tc.want == nil) != (got == nil) {
			t.Errorf("ErrorKind(%s) = %v, want %v", tc.code, got, tc.want)
		}
	}
}
