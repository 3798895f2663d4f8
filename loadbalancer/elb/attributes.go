package elb

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

// DesyncMitigationModeKey is the additional attribute holding the HTTP
// desync mitigation mode.
const DesyncMitigationModeKey = "elb.http.desyncmitigationmode"

// Desync mitigation modes.
const (
	DesyncMonitor   = "monitor"
	DesyncDefensive = "defensive"
	DesyncStrictest = "strictest"
)

// Attributes are a balancer's attributes.
type Attributes struct {
	CrossZoneLoadBalancing bool
	ConnectionDraining     ConnectionDraining
	// IdleTimeout is the connection idle timeout in seconds.
	IdleTimeout int
	AccessLog   AccessLog
	// DesyncMitigationMode is monitor, defensive or strictest.
	DesyncMitigationMode string
	// Additional holds any other additional attributes by key.
	Additional map[string]string
}

// ConnectionDraining keeps connections to deregistering instances open
// for up to Timeout seconds.
type ConnectionDraining struct {
	Enabled bool
	Timeout int
}

// AccessLog configures access logs.
type AccessLog struct {
	Enabled        bool
	S3BucketName   string
	S3BucketPrefix string
	// EmitInterval is 5 or 60 minutes.
	EmitInterval int
}

// AttributesUpdate lists the attributes to change; nil fields are left
// alone.
type AttributesUpdate struct {
	CrossZoneLoadBalancing *bool
	ConnectionDraining     *ConnectionDraining
	IdleTimeout            *int
	AccessLog              *AccessLog
	DesyncMitigationMode   *string
	// Additional sets other additional attributes.
	Additional map[string]string
}

func attributesFromSDK(a *types.LoadBalancerAttributes) Attributes {
	out := Attributes{Additional: map[string]string{}}
	if a == nil {
		return out
	}
	if a.CrossZoneLoadBalancing != nil {
		out.CrossZoneLoadBalancing = a.CrossZoneLoadBalancing.Enabled
	}
	if c := a.ConnectionDraining; c != nil {
		out.ConnectionDraining = ConnectionDraining{Enabled: c.Enabled, Timeout: int(aws.ToInt32(c.Timeout))}
	}
	if c := a.ConnectionSettings; c != nil {
		out.IdleTimeout = int(aws.ToInt32(c.IdleTimeout))
	}
	if l := a.AccessLog; l != nil {
		out.AccessLog = AccessLog{Enabled: l.Enabled, S3BucketName: aws.ToString(l.S3BucketName),
			S3BucketPrefix: aws.ToString(l.S3BucketPrefix), EmitInterval: int(aws.ToInt32(l.EmitInterval))}
	}
	for _, kv := range a.AdditionalAttributes {
		k, v := aws.ToString(kv.Key), aws.ToString(kv.Value)
		if k == DesyncMitigationModeKey {
			out.DesyncMitigationMode = v
			continue
		}
		out.Additional[k] = v
	}
	return out
}

// GetAttributes returns balancer name's attributes.
func (d *Driver) GetAttributes(ctx context.Context, name string) (Attributes, error) {
	out, err := d.elb.DescribeLoadBalancerAttributes(ctx, &elasticloadbalancing.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String(name)})
	if err != nil {
		return Attributes{}, wrapErr("DescribeLoadBalancerAttributes", err)
	}
	return attributesFromSDK(out.LoadBalancerAttributes), nil
}

// ModifyAttributes changes the attributes set in u and returns all of
// balancer name's attributes afterwards.
func (d *Driver) ModifyAttributes(ctx context.Context, name string, u AttributesUpdate) (Attributes, error) {
	const op = "ModifyLoadBalancerAttributes"
	a := &types.LoadBalancerAttributes{}
	empty := true
	if u.CrossZoneLoadBalancing != nil {
		a.CrossZoneLoadBalancing = &types.CrossZoneLoadBalancing{Enabled: *u.CrossZoneLoadBalancing}
		empty = false
	}
	if c := u.ConnectionDraining; c != nil {
		a.ConnectionDraining = &types.ConnectionDraining{Enabled: c.Enabled}
		if c.Timeout != 0 {
			a.ConnectionDraining.Timeout = aws.Int32(int32(c.Timeout))
		}
		empty = false
	}
	if u.IdleTimeout != nil {
		a.ConnectionSettings = &types.ConnectionSettings{IdleTimeout: aws.Int32(int32(*u.IdleTimeout))}
		empty = false
	}
	if l := u.AccessLog; l != nil {
		a.AccessLog = &types.AccessLog{Enabled: l.Enabled}
		if l.S3BucketName != "" {
			a.AccessLog.S3BucketName = aws.String(l.S3BucketName)
		}
		if l.S3BucketPrefix != "" {
			a.AccessLog.S3BucketPrefix = aws.String(l.S3BucketPrefix)
		}
		if l.EmitInterval != 0 {
			a.AccessLog.EmitInterval = aws.Int32(int32(l.EmitInterval))
		}
		empty = false
	}
	if u.DesyncMitigationMode != nil {
		a.AdditionalAttributes = append(a.AdditionalAttributes, types.AdditionalAttribute{Key: aws.String(DesyncMitigationModeKey), Value: u.DesyncMitigationMode})
		empty = false
	}
	for _, kv := range AttributesFromMap(u.Additional) {
		a.AdditionalAttributes = append(a.AdditionalAttributes, types.AdditionalAttribute{Key: aws.String(kv.Name), Value: aws.String(kv.Value)})
		empty = false
	}
	if empty {
		return Attributes{}, invalid(op, "no attributes to change")
	}
	if _, err := d.elb.ModifyLoadBalancerAttributes(ctx, &elasticloadbalancing.ModifyLoadBalancerAttributesInput{
		LoadBalancerName: aws.String(name), LoadBalancerAttributes: a,
	}); err != nil {
		return Attributes{}, wrapErr(op, err)
	}
	return d.GetAttributes(ctx, name)
}
