package loadbalancer

import "fmt"

// State is a balancer's lifecycle state. The values match libcloud's.
type State int

// States.
const (
	StateRunning State = iota
	StatePending
	StateUnknown
	StateError
	StateDeleted
)

// String returns the state's lower-case name, e.g. "running".
func (s State) String() string {
	switch s {
	case StateRunning:
		return "running"
	case StatePending:
		return "pending"
	case StateUnknown:
		return "unknown"
	case StateError:
		return "error"
	case StateDeleted:
		return "deleted"
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Algorithm is how a balancer picks a member for a new request or
// connection. The values match libcloud's Algorithm constants.
type Algorithm int

// Algorithms. Which ones a driver supports is reported by its
// ListSupportedAlgorithms; the ELB driver supports only
// LeastConnections (HTTP/HTTPS listeners route by least outstanding
// requests) and RoundRobin (TCP/SSL listeners), because ELB chooses the
// algorithm from the listener protocol.
const (
	// Random picks a member uniformly at random.
	Random Algorithm = iota
	// RoundRobin cycles through members in order.
	RoundRobin
	// LeastConnections picks the member with the fewest open connections
	// (ELB: least outstanding requests).
	LeastConnections
	// WeightedRoundRobin is RoundRobin in proportion to member weights.
	WeightedRoundRobin
	// WeightedLeastConnections is LeastConnections scaled by weights.
	WeightedLeastConnections
	// ShortestResponse picks the member answering fastest.
	ShortestResponse
	// PersistentIP sends a client IP to the same member.
	PersistentIP
	// LeastConnectionsMember, LeastConnectionsNode, ObservedMember,
	// ObservedNode, PredictiveMember and PredictiveNode are F5-style
	// variants some providers offer.
	LeastConnectionsMember
	LeastConnectionsNode
	ObservedMember
	ObservedNode
	PredictiveMember
	PredictiveNode
)

// DefaultAlgorithm is what CreateBalancer callers usually want.
const DefaultAlgorithm = RoundRobin

var algorithmNames = [...]string{"random", "round-robin", "least-connections", "weighted-round-robin",
	"weighted-least-connections", "shortest-response", "persistent-ip", "least-connections-member",
	"least-connections-node", "observed-member", "observed-node", "predictive-member", "predictive-node"}

// String returns the algorithm's name, e.g. "round-robin"; ParseAlgorithm
// reverses it.
func (a Algorithm) String() string {
	if a >= 0 && int(a) < len(algorithmNames) {
		return algorithmNames[a]
	}
	return fmt.Sprintf("Algorithm(%d)", int(a))
}

// ParseAlgorithm parses an algorithm name as printed by String.
func ParseAlgorithm(s string) (Algorithm, error) {
	for i, n := range algorithmNames {
		if n == s {
			return Algorithm(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown algorithm %q", ErrInvalidInput, s)
}

// Balancer is a load balancer as drivers report it.
type Balancer struct {
	// ID identifies the balancer to its driver (ELB: the name).
	ID string
	// Name is the balancer's name.
	Name string
	// State is the lifecycle state, StateUnknown if the provider does
	// not say.
	State State
	// Address is what clients connect to: an IP or a DNS name.
	Address string
	// Port is the first listener's front-end port, 0 if none.
	Port int
	// Protocol is the first listener's protocol, lower case.
	Protocol string
	// Members are the balancer's members as of the call that returned it.
	Members []Member
	// Extra holds provider-specific details (ELB: *elb.Details).
	Extra any
}

// Member is a back end of a balancer.
type Member struct {
	// ID identifies the member to its driver (ELB: the instance id).
	ID string
	// IP and Port are the member's address where known.
	IP   string
	Port int
	// Extra holds provider-specific details.
	Extra any
}

// Node is a compute node to attach, the counterpart of libcloud's Node.
type Node struct {
	// ID is the node's provider id (ELB: the EC2 instance id).
	ID string
	// Name is the node's name, for messages.
	Name string
	// PublicIPs are tried first by drivers that attach by address.
	PublicIPs []string
	// PrivateIPs are tried after PublicIPs by drivers that attach by
	// address.
	PrivateIPs []string
}
