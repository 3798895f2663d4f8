// Command complete is the "Wrapping up" example of libcloud's ELB
// tutorial (complete_tut.py) in Go, with every step working:
//
//  1. list the load balancers;
//  2. create MyLB with its members (libcloud ignores them);
//  3. create the EnableProxyProtocol policy with its attribute (libcloud
//     crashes on it) and delete it again;
//  4. enable a policy on a back-end server port and disable it;
//  5. create the HTTPS listener on port 1024 (libcloud never sends it);
//  6. enable MyDurationStickyPolicy on the port-80 listener and disable it;
//
// and finally remove everything it created.
package main

import (
	"context"
	"fmt"

	"github.com/elbd/elbd/examples/elb/internal/example"
	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

const (
	lbPort       = 80
	instancePort = 8080
)

func main() {
	example.Run(tutorial)
}

func tutorial(ctx context.Context, driver *elb.Driver, cleanup *example.Cleanup) error {
	balancers, err := driver.ListBalancers(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("step 1: %d load balancers\n", len(balancers))

	// Members associated with the load balancer: instances on the
	// listener's instance port.
	b, err := driver.CreateBalancer(ctx, loadbalancer.CreateRequest{
		Name:       example.UniqueName("MyLB"),
		Port:       lbPort,
		Protocol:   "http",
		MemberPort: instancePort,
		Algorithm:  loadbalancer.LeastConnections,
		Members:    example.Members(instancePort),
	})
	if err != nil {
		return err
	}
	cleanup.Add("load balancer "+b.Name, func() error { return driver.DestroyBalancer(ctx, b) })
	fmt.Println("step 2: created", example.Balancer(b), "with", len(b.Members), "members")

	// Create and delete a load balancer policy.
	if err := driver.CreateBalancerPolicy(ctx, b.Name, "EnableProxyProtocol", elb.ProxyProtocolPolicyType,
		elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"}); err != nil {
		return err
	}
	policies, err := driver.ListBalancerPolicies(ctx, b.Name)
	if err != nil {
		return err
	}
	fmt.Println("step 3: created policy EnableProxyProtocol; policies:", elb.PolicyNames(policies))
	if err := driver.DeleteBalancerPolicy(ctx, b.Name, "EnableProxyProtocol"); err != nil {
		return err
	}
	fmt.Println("step 3: deleted policy EnableProxyProtocol")

	// Policies for the back-end server: enable, then disable with [].
	if err := driver.CreateBalancerPolicy(ctx, b.Name, "MyProxyProtocol", elb.ProxyProtocolPolicyType,
		elb.PolicyAttribute{Name: "ProxyProtocol", Value: "true"}); err != nil {
		return err
	}
	if err := driver.SetBalancerPoliciesBackendServer(ctx, b.Name, instancePort, []string{"MyProxyProtocol"}); err != nil {
		return err
	}
	fmt.Printf("step 4: enabled MyProxyProtocol on instance port %d\n", instancePort)
	if err := driver.SetBalancerPoliciesBackendServer(ctx, b.Name, instancePort, []string{}); err != nil {
		return err
	}
	fmt.Printf("step 4: disabled the policies of instance port %d\n", instancePort)

	// Create the listeners for the balancer.
	certPEM, keyPEM, err := example.SelfSignedCertificate("mylb.example.test")
	if err != nil {
		return err
	}
	cert, err := driver.UploadCertificate(ctx, elb.CertificateUpload{Name: example.UniqueName("servercert"), Body: certPEM, PrivateKey: keyPEM})
	if err != nil {
		return err
	}
	cleanup.Add("certificate "+cert.Name, func() error { return driver.DeleteCertificate(ctx, cert.Name) })
	if err := driver.CreateBalancerListeners(ctx, b.Name, elb.Listener{
		Protocol: "https", LoadBalancerPort: 1024, InstanceProtocol: "http", InstancePort: 65533, SSLCertificateID: cert.ARN,
	}); err != nil {
		return err
	}
	// Clean-ups run in reverse order: the listener goes before the
	// certificate, which cannot be deleted while a listener uses it.
	cleanup.Add("listener 1024", func() error { return driver.DeleteBalancerListeners(ctx, b.Name, 1024) })
	fmt.Println("step 5: created listener 1024 with certificate", cert.ARN)

	// Set the listener policies for the balancer.
	if err := driver.CreateLBCookieStickinessPolicy(ctx, b.Name, "MyDurationStickyPolicy", 60); err != nil {
		return err
	}
	if err := driver.SetBalancerPoliciesListener(ctx, b.Name, lbPort, []string{"MyDurationStickyPolicy"}); err != nil {
		return err
	}
	fmt.Printf("step 6: enabled MyDurationStickyPolicy on listener %d\n", lbPort)
	if err := driver.SetBalancerPoliciesListener(ctx, b.Name, lbPort, []string{}); err != nil {
		return err
	}
	fmt.Printf("step 6: disabled the policies of listener %d\n", lbPort)

	b, err = driver.GetBalancer(ctx, b.Name)
	if err != nil {
		return err
	}
	fmt.Println("final:", example.Balancer(b))
	for _, l := range elb.DetailsOf(b).Listeners {
		fmt.Printf("final: listener %s:%d -> %s:%d policies %v\n", l.Protocol, l.LoadBalancerPort, l.InstanceProtocol, l.InstancePort, l.PolicyNames)
	}
	return nil
}
