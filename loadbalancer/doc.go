// Package loadbalancer is a provider-neutral load-balancer API for Go, the
// counterpart of Apache libcloud's libcloud.loadbalancer.base: a Driver
// interface for listing, creating, changing and destroying load balancers
// and their members, with the types Balancer, Member, Algorithm and State
// and typed errors that callers test with errors.Is and errors.As.
//
// Drivers live in sub-packages; loadbalancer/elb drives AWS Classic ELB and
// any ELB-compatible endpoint such as elbd.
package loadbalancer
