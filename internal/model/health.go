package model

// InstanceState is DescribeInstanceHealth's view of one instance.
type InstanceState struct {
	InstanceID string
	// State is InService, OutOfService or Unknown.
	State string
	// ReasonCode is ELB, Instance or N/A.
	ReasonCode string
	// Description is one of the exact strings below.
	Description string
}

// Health states, reason codes and descriptions, verbatim from the API
// model; tools grep for these strings.
const (
	InService    = "InService"
	OutOfService = "OutOfService"
	Unknown      = "Unknown"

	ReasonELB      = "ELB"
	ReasonInstance = "Instance"
	ReasonNA       = "N/A"

	DescNA                 = "N/A"
	DescRegistering        = "Instance registration is still in progress."
	DescFailedUnhealthy    = "Instance has failed at least the UnhealthyThreshold number of health checks consecutively."
	DescNotYetHealthy      = "Instance has not passed the configured HealthyThreshold number of health checks consecutively."
	DescZoneNotEnabled     = "Instance is in the EC2 Availability Zone for which LoadBalancer is not configured to route traffic to."
	DescNotRegistered      = "Instance is not currently registered with the LoadBalancer."
	DescDeregistering      = "Instance deregistration currently in progress."
	DescDisablingZone      = "Disable Availability Zone is currently in progress."
	DescTransient          = "A transient error occurred. Please try again later."
	descInstanceStatePre   = "Instance is in "
	descInstanceStateAfter = " state."
)

// DescInstanceState is the description for an instance that is not running.
func DescInstanceState(state string) string {
	return descInstanceStatePre + state + descInstanceStateAfter
}
