package elb

import (
	"context"
	"regexp"

	"github.com/elbd/elbd/internal/model"
)

// AttributesChange is a partial update: nil fields are left alone.
type AttributesChange struct {
	CrossZone   *bool
	AccessLog   *AccessLogChange
	Draining    *DrainingChange
	IdleTimeout *int
	// Additional are AdditionalAttributes key/value pairs.
	Additional []model.Tag
}

// AccessLogChange changes the access-log attribute.
type AccessLogChange struct {
	Enabled      bool
	BucketName   *string
	BucketPrefix *string
	EmitInterval *int
}

// DrainingChange changes connection draining; Timeout nil keeps it.
type DrainingChange struct {
	Enabled bool
	Timeout *int
}

var additionalKeyRE = regexp.MustCompile(`^[a-zA-Z0-9.]{1,256}$`)

// ModifyAttributes applies c and returns the resulting attributes.
func (s *Service) ModifyAttributes(ctx context.Context, account, name string, c AttributesChange) (model.Attributes, error) {
	if len(c.Additional) > 10 {
		return model.Attributes{}, model.Errorf(model.KindValidation, "At most 10 AdditionalAttributes may be given")
	}
	lb, err := s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		a := &lb.Attributes
		if c.CrossZone != nil {
			a.CrossZone = *c.CrossZone
		}
		if al := c.AccessLog; al != nil {
			a.AccessLog.Enabled = al.Enabled
			if al.BucketName != nil {
				a.AccessLog.S3BucketName = *al.BucketName
			}
			if al.BucketPrefix != nil {
				a.AccessLog.S3BucketPrefix = *al.BucketPrefix
			}
			if al.EmitInterval != nil {
				a.AccessLog.EmitInterval = *al.EmitInterval
			}
		}
		if d := c.Draining; d != nil {
			a.DrainingEnabled = d.Enabled
			if d.Timeout != nil {
				a.DrainingTimeout = *d.Timeout
			}
		}
		if c.IdleTimeout != nil {
			a.IdleTimeout = *c.IdleTimeout
		}
		for _, kv := range c.Additional {
			if !additionalKeyRE.MatchString(kv.Key) {
				return model.Errorf(model.KindValidation, "AdditionalAttributes key '%s' must match ^[a-zA-Z0-9.]+$ and be at most 256 characters", kv.Key)
			}
			if len(kv.Value) > 256 || kv.Value != "" && !additionalKeyRE.MatchString(kv.Value) {
				return model.Errorf(model.KindValidation, "AdditionalAttributes value '%s' must match ^[a-zA-Z0-9.]+$ and be at most 256 characters", kv.Value)
			}
			switch kv.Key {
			case model.DesyncKey:
				a.DesyncMode, a.DesyncAlias = kv.Value, false
			case model.DesyncAliasKey:
				a.DesyncMode, a.DesyncAlias = kv.Value, true
			case model.TLS13Key, model.SNIKey, model.SessionTicketsKey, model.HTTP2Key:
				if kv.Value != "true" && kv.Value != "false" {
					return model.Errorf(model.KindValidation, "%s must be true or false, not '%s'", kv.Key, kv.Value)
				}
				on := kv.Value == "true"
				switch kv.Key {
				case model.TLS13Key:
					a.TLS13 = on
				case model.SNIKey:
					a.SNI = on
				case model.SessionTicketsKey:
					a.SessionTickets = on
				default:
					a.HTTP2 = on
				}
			default:
				return model.Errorf(model.KindLoadBalancerAttributeNotFound, "The specified load balancer attribute does not exist: %s", kv.Key)
			}
		}
		return model.ValidateAttributes(*a)
	})
	if err != nil {
		return model.Attributes{}, err
	}
	return lb.Attributes, nil
}

// DescribeAttributes returns the attributes.
func (s *Service) DescribeAttributes(account, name string) (model.Attributes, error) {
	lb, err := s.state.Load().lb(account, name)
	if err != nil {
		return model.Attributes{}, err
	}
	return lb.Attributes, nil
}
