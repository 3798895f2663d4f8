package loadbalancer

import (
	"errors"
	"testing"
)

func TestAlgorithmNamesRoundTrip(t *testing.T) {
	for a := Random; a <= PredictiveNode; a++ {
		got, err := ParseAlgorithm(a.String())
		if err != nil || got != a {
			t.Errorf("ParseAlgorithm(%q) = %v, %v; want %v", a.String(), got, err, a)
		}
	}
	if _, err := ParseAlgorithm("fastest"); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("ParseAlgorithm(fastest) error = %v, want ErrInvalidInput", err)
	}
	if RoundRobin != 1 || PredictiveNode != 12 || StateDeleted != 4 {
		t.Error("constants no longer match libcloud's numbering")
	}
}

func TestProviderErrorMatchesKind(t *testing.T) {
	err := error(&ProviderError{Op: "DescribeLoadBalancers", Code: "LoadBalancerNotFound", Kind: ErrNotFound})
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrDuplicate) {
		t.Errorf("errors.Is on %v wrong", err)
	}
	var pe *ProviderError
	if !errors.As(err, &pe) || pe.Code != "LoadBalancerNotFound" {
		t.Errorf("errors.As on %v failed", err)
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct {
		got, want string
	}{
		{StateRunning.String(), "running"},
		{StatePending.String(), "pending"},
		{StateUnknown.String(), "unknown"},
		{StateError.String(), "error"},
		{StateDeleted.String(), "deleted"},
		{State(9).String(), "State(9)"},
		{LeastConnections.String(), "least-connections"},
		{Algorithm(-1).String(), "Algorithm(-1)"},
		{(&ProviderError{Op: "GetBalancer", Code: "LoadBalancerNotFound", Message: "no such balancer"}).Error(), "GetBalancer: LoadBalancerNotFound: no such balancer"},
		{(&ProviderError{Op: "GetBalancer", Code: "Throttling"}).Error(), "GetBalancer: Throttling"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}
