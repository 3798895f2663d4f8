package elb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// HealthCheck is how ELB probes instances.
type HealthCheck struct {
	// Target is PROTOCOL:PORT[/PATH], e.g. "HTTP:80/health" or "TCP:22".
	Target string
	// Interval and Timeout are in seconds (Interval 5-300, Timeout 2-60
	// and less than Interval).
	Interval int
	Timeout  int
	// UnhealthyThreshold and HealthyThreshold are consecutive failures
	// or successes (2-10).
	UnhealthyThreshold int
	HealthyThreshold   int
}

func healthCheckFromSDK(hc *types.HealthCheck) HealthCheck {
	return HealthCheck{
		Target:             aws.ToString(hc.Target),
		Interval:           int(aws.ToInt32(hc.Interval)),
		Timeout:            int(aws.ToInt32(hc.Timeout)),
		UnhealthyThreshold: int(aws.ToInt32(hc.UnhealthyThreshold)),
		HealthyThreshold:   int(aws.ToInt32(hc.HealthyThreshold)),
	}
}

// HealthTarget builds a health-check target: protocol (http, https, tcp,
// ssl), port and, for http/https, a path ("" means "/").
func HealthTarget(protocol string, port int, path string) string {
	p := strings.ToUpper(protocol)
	t := p + ":" + strconv.Itoa(port)
	if p == "HTTP" || p == "HTTPS" {
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		t += path
	}
	return t
}

// ConfigureHealthCheck sets balancer name's health check and returns it
// as ELB stored it.
func (d *Driver) ConfigureHealthCheck(ctx context.Context, name string, hc HealthCheck) (HealthCheck, error) {
	const op = "ConfigureHealthCheck"
	if hc.Target == "" {
		return HealthCheck{}, invalid(op, "empty health check target")
	}
	out, err := d.elb.ConfigureHealthCheck(ctx, &elasticloadbalancing.ConfigureHealthCheckInput{
		LoadBalancerName: aws.String(name),
		HealthCheck: &types.HealthCheck{
			Target:             aws.String(hc.Target),
			Interval:           aws.Int32(int32(hc.Interval)),
			Timeout:            aws.Int32(int32(hc.Timeout)),
			UnhealthyThreshold: aws.Int32(int32(hc.UnhealthyThreshold)),
			HealthyThreshold:   aws.Int32(int32(hc.HealthyThreshold)),
		},
	})
	if err != nil {
		return HealthCheck{}, wrapErr(op, err)
	}
	if out.HealthCheck == nil {
		return hc, nil
	}
	return healthCheckFromSDK(out.HealthCheck), nil
}

// Instance states as ELB reports them.
const (
	InService    = "InService"
	OutOfService = "OutOfService"
	Unknown      = "Unknown"
)

// InstanceHealth is an instance's state on a balancer.
type InstanceHealth struct {
	InstanceID string
	// State is InService, OutOfService or Unknown.
	State string
	// ReasonCode is "ELB", "Instance" or "N/A".
	ReasonCode  string
	Description string
}

// String is "<id> <state>" plus the description if any.
func (h InstanceHealth) String() string {
	s := fmt.Sprintf("%s %s", h.InstanceID, h.State)
	if h.Description != "" && h.Description != "N/A" {
		s += " (" + h.Description + ")"
	}
	return s
}

// DescribeInstanceHealth reports the health of the given instances on
// balancer name, or of every registered instance if none are given. An
// unknown instance id matches loadbalancer.ErrNotFound (InvalidInstance).
func (d *Driver) DescribeInstanceHealth(ctx context.Context, name string, instanceIDs ...string) ([]InstanceHealth, error) {
	in := &elasticloadbalancing.DescribeInstanceHealthInput{LoadBalancerName: aws.String(name)}
	for _, id := range instanceIDs {
		in.Instances = append(in.Instances, types.Instance{InstanceId: aws.String(id)})
	}
	out, err := d.elb.DescribeInstanceHealth(ctx, in)
	if err != nil {
		return nil, wrapErr("DescribeInstanceHealth", err)
	}
	res := make([]InstanceHealth, 0, len(out.InstanceStates))
	for _, s := range out.InstanceStates {
		res = append(res, InstanceHealth{
			InstanceID:  aws.ToString(s.InstanceId),
			State:       aws.ToString(s.State),
			ReasonCode:  aws.ToString(s.ReasonCode),
			Description: aws.ToString(s.Description),
		})
	}
	return res, nil
}
