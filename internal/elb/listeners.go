package elb

import (
	"context"
	"slices"
	"strings"

	"github.com/elbd/elbd/internal/model"
)

// CreateListeners adds listeners; identical repeats are no-ops.
func (s *Service) CreateListeners(ctx context.Context, account, name string, ls []model.Listener) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := t.base.lb(account, name)
		if err != nil {
			return err
		}
		if len(ls) == 0 {
			return model.Errorf(model.KindValidation, "At least one listener is required")
		}
		add, err := normalizeListeners(cur.Listeners, ls, cur.VPCID == "")
		if err != nil {
			return err
		}
		if len(add) == 0 {
			return nil
		}
		if len(cur.Listeners)+len(add) > s.cfg.Limits.ListenersPerLoadBalancer {
			return model.Errorf(model.KindInvalidConfiguration, "Exceeded quota of %d listeners per load balancer (classic-listeners)", s.cfg.Limits.ListenersPerLoadBalancer)
		}
		for _, l := range add {
			if err := s.checkCertificate(t.base, account, l.SSLCertificateID); err != nil {
				return err
			}
		}
		lb := cur.Clone()
		lb.Listeners = append(lb.Listeners, add...)
		addDefaultSSLPolicy(lb, len(cur.Listeners))
		t.putLB(lb)
		return nil
	})
}

// DeleteListeners removes the listeners on ports; unknown ports are ignored.
func (s *Service) DeleteListeners(ctx context.Context, account, name string, ports []int) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := t.base.lb(account, name)
		if err != nil {
			return err
		}
		lb := cur.Clone()
		lb.Listeners = slices.DeleteFunc(lb.Listeners, func(l model.Listener) bool { return slices.Contains(ports, l.LoadBalancerPort) })
		if len(lb.Listeners) != len(cur.Listeners) {
			t.putLB(lb)
		}
		return nil
	})
}

// SetListenerCertificate replaces the certificate of a secure listener.
func (s *Service) SetListenerCertificate(ctx context.Context, account, name string, port int, arn string) error {
	return s.update(ctx, func(t *txn) error {
		cur, err := t.base.lb(account, name)
		if err != nil {
			return err
		}
		l, i, ok := cur.Listener(port)
		if !ok {
			return model.Errorf(model.KindListenerNotFound, "The load balancer does not have a listener configured at port %d.", port)
		}
		if !l.Secure() {
			return model.Errorf(model.KindInvalidConfiguration, "The listener on port %d uses %s; only HTTPS and SSL listeners take a certificate.", port, l.Protocol)
		}
		if arn == "" {
			return model.Errorf(model.KindValidation, "SSLCertificateId is required")
		}
		if err := s.checkCertificate(t.base, account, arn); err != nil {
			return err
		}
		lb := cur.Clone()
		lb.Listeners[i].SSLCertificateID = arn
		t.putLB(lb)
		return nil
	})
}

// checkCertificate verifies that arn names a certificate of account. ACM
// ARNs are refused: elbd has no ACM.
func (s *Service) checkCertificate(st *State, account, arn string) error {
	if arn == "" {
		return nil
	}
	if st.CertificateByARN(account, arn) == nil {
		if strings.HasPrefix(arn, "arn:aws:acm:") {
			return model.Errorf(model.KindCertificateNotFound, "Server Certificate not found for the key: %s (elbd serves IAM server certificates only)", arn)
		}
		return model.Errorf(model.KindCertificateNotFound, "Server Certificate not found for the key: %s", arn)
	}
	return nil
}

// CertificateByARN returns account's server certificate with the given
// ARN, or nil.
func (st *State) CertificateByARN(account, arn string) *model.Certificate {
	for k, c := range st.Certificates {
		if k.Account == account && c.ARN == arn {
			return c
		}
	}
	return nil
}
