// Command create_listeners follows the first half of section 6 of
// libcloud's ELB tutorial: it adds the tutorial's HTTPS listener (port
// 1024 to instance port 65533) to a balancer. libcloud's
// ex_create_balancer_listeners returns False without sending anything;
// CreateBalancerListeners sends the request. An HTTPS listener needs a
// certificate, so the example uploads a self-signed one to IAM first.
package main

import (
	"context"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	example.Run(func(ctx context.Context, driver *elb.Driver, cleanup *example.Cleanup) error {
		certPEM, keyPEM, err := example.SelfSignedCertificate("mylb.example.test")
		if err != nil {
			return err
		}
		cert, err := driver.UploadCertificate(ctx, elb.CertificateUpload{Name: example.UniqueName("servercert"), Body: certPEM, PrivateKey: keyPEM})
		if err != nil {
			return err
		}
		cleanup.Add("certificate "+cert.Name, func() error { return driver.DeleteCertificate(ctx, cert.Name) })
		fmt.Println("uploaded certificate", cert.ARN)

		b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
			Name: example.UniqueName("listeners"), Port: 80, Protocol: "http", Algorithm: loadbalancer.LeastConnections,
		})
		if err != nil {
			return err
		}
		cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })

		err = driver.CreateBalancerListeners(ctx, b.Name, elb.Listener{
			Protocol: "https", LoadBalancerPort: 1024, InstanceProtocol: "http", InstancePort: 65533, SSLCertificateID: cert.ARN,
		})
		if err != nil {
			return err
		}
		fmt.Println("created listener 1024 on", b.Name)

		b, err = driver.GetBalancer(ctx, b.Name)
		if err != nil {
			return err
		}
		for _, l := range elb.DetailsOf(b).Listeners {
			fmt.Printf("listener %s:%d -> %s:%d %s\n", l.Protocol, l.LoadBalancerPort, l.InstanceProtocol, l.InstancePort, l.SSLCertificateID)
		}
		return nil
	})
}
