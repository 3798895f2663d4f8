package elb

import (
	"context"

	"github.com/elbd/elbd/internal/model"
)

// ConfigureHealthCheck validates and sets the health check.
func (s *Service) ConfigureHealthCheck(ctx context.Context, account, name string, hc model.HealthCheck) (model.HealthCheck, error) {
	hc, err := model.ValidateHealthCheck(hc)
	if err != nil {
		return hc, err
	}
	_, err = s.modifyLB(ctx, account, name, func(lb *model.LoadBalancer) error {
		lb.HealthCheck = hc
		return nil
	})
	return hc, err
}
