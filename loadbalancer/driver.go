package loadbalancer

import "context"

// CreateRequest describes a balancer to create.
type CreateRequest struct {
	Name string
	// Port is the front-end port; 0 means 80.
	Port int
	// Protocol is http, https, tcp or ssl; "" means http.
	Protocol string
	// MemberPort is the port on members; 0 means Port.
	MemberPort int
	// Algorithm must be one the driver supports.
	Algorithm Algorithm
	// Members are attached after the balancer is created.
	Members []Member
}

// UpdateRequest changes a balancer; nil fields are left alone.
type UpdateRequest struct {
	Name      *string
	Algorithm *Algorithm
	Protocol  *string
	Port      *int
}

// Driver is a load-balancer provider.
type Driver interface {
	// Name is the provider's name, e.g. "Amazon Elastic Load Balancing".
	Name() string
	// ListProtocols returns the protocols balancers may use, lower case.
	ListProtocols(ctx context.Context) ([]string, error)
	// ListSupportedAlgorithms returns the algorithms CreateBalancer
	// accepts.
	ListSupportedAlgorithms(ctx context.Context) ([]Algorithm, error)
	// ListBalancers returns every balancer, following all pages.
	ListBalancers(ctx context.Context) ([]Balancer, error)
	// GetBalancer returns one balancer or an error matching ErrNotFound.
	GetBalancer(ctx context.Context, id string) (Balancer, error)
	// CreateBalancer creates a balancer and attaches its members.
	CreateBalancer(ctx context.Context, req CreateRequest) (Balancer, error)
	// UpdateBalancer changes a balancer where the provider can;
	// otherwise it returns an error matching ErrNotSupported.
	UpdateBalancer(ctx context.Context, b Balancer, req UpdateRequest) (Balancer, error)
	// DestroyBalancer deletes a balancer.
	DestroyBalancer(ctx context.Context, b Balancer) error
	// AttachComputeNode attaches a node and returns the new member.
	AttachComputeNode(ctx context.Context, b Balancer, n Node) (Member, error)
	// AttachMember attaches a member and returns it as the provider sees
	// it.
	AttachMember(ctx context.Context, b Balancer, m Member) (Member, error)
	// DetachMember detaches a member.
	DetachMember(ctx context.Context, b Balancer, m Member) error
	// ListMembers returns the balancer's current members.
	ListMembers(ctx context.Context, b Balancer) ([]Member, error)
}
