package model

import "net/netip"

// Subnet is a declared subnet (from the config file).
type Subnet struct {
	ID   string
	Zone string
	VPC  string
	// CIDR is the IPv4 range; IPv6CIDR the optional IPv6 range.
	CIDR     netip.Prefix
	IPv6CIDR netip.Prefix
	// Public means the VPC has an internet gateway: internet-facing load
	// balancers may use the subnet. Default true.
	Public bool
}

// SecurityGroup is a declared security group (from the config file).
type SecurityGroup struct {
	ID          string
	Name        string
	VPC         string
	Description string
	Ingress     []IngressRule
}

// IngressRule allows traffic into a security group.
type IngressRule struct {
	// Protocol is tcp, udp, icmp or -1 (all).
	Protocol string
	// FromPort and ToPort bound the port range, inclusive.
	FromPort, ToPort int
	CIDRs            []netip.Prefix
}

// Limits are elbd's quotas, reported by DescribeAccountLimits.
type Limits struct {
	// LoadBalancersPerAccount: default 20 (classic-load-balancers).
	LoadBalancersPerAccount int
	// ListenersPerLoadBalancer: default 100 (classic-listeners).
	ListenersPerLoadBalancer int
	// InstancesPerLoadBalancer: default 1000 (classic-registered-instances).
	InstancesPerLoadBalancer int
	// PoliciesPerLoadBalancer: default 100; AWS does not publish its value.
	PoliciesPerLoadBalancer int
	// TagsPerLoadBalancer: default 50, the current user guide's figure.
	TagsPerLoadBalancer int
}

// DefaultLimits returns the default quotas.
func DefaultLimits() Limits {
	return Limits{LoadBalancersPerAccount: 20, ListenersPerLoadBalancer: 100, InstancesPerLoadBalancer: 1000,
		PoliciesPerLoadBalancer: 100, TagsPerLoadBalancer: 50}
}
