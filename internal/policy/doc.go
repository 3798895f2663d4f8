// Package policy owns the catalogue of Classic ELB policy types
// (DescribeLoadBalancerPolicyTypes), the predefined ELBSecurityPolicy-* and
// ELBSample-* SSL negotiation policies (DescribeLoadBalancerPolicies without a
// load balancer name), and the normalisation and validation of policy
// attributes supplied to CreateLoadBalancerPolicy and the stickiness-policy
// operations.
//
// The package is pure data and functions: it performs no I/O and keeps no
// mutable state. Every exported accessor returns fresh copies, so callers may
// modify what they receive without affecting later calls. Failures are
// reported as *model.Error values whose Kind the API layer maps to AWS error
// codes.
//
// Which ciphers and protocols the data plane can actually serve with
// crypto/tls is decided by internal/tlspolicy; this package models what the
// ELB API accepts and returns, and Normalize asks tlspolicy to refuse an SSL
// negotiation policy of which nothing can be served.
package policy
