// Command elbsetup creates the benchmark's load balancer on a running
// elbd through the ELB API (aws-sdk-go-v2, via elbd's loadbalancer/elb
// driver), registers the back ends by IP literal, waits until the
// listeners serve, and prints the load balancer's address (resolved from
// elbd's DNS server) on stdout.
//
// With -https-ecdsa-port and/or -https-rsa-port it also uploads the given
// certificates through the IAM API (UploadServerCertificate) and adds
// HTTPS listeners (instance protocol HTTP, to the HTTP back-end port) whose
// SSLCertificateId is the uploaded certificate's ARN, with elbd's default
// SSL negotiation policy; it then prints a second line: "https ok" once a
// GET through each HTTPS listener answers 200, or "https unavailable:
// REASON" when elbd refuses the listeners or they do not serve in time
// (elbd versions without HTTPS listeners), so that the benchmark can go
// on without elbd's TLS runs.
//
// It is a helper of bench/run.sh, not part of elbd.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/miekg/dns"

	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:9900", "elbd API endpoint")
	dnsAddr := flag.String("dns", "127.0.0.1:9953", "elbd DNS server")
	region := flag.String("region", "us-east-1", "region")
	zone := flag.String("zone", "us-east-1a", "availability zone")
	name := flag.String("name", "bench", "load balancer name")
	httpPort := flag.Int("http-port", 18081, "HTTP listener port")
	httpBackendPort := flag.Int("http-backend-port", 18090, "instance port of the HTTP listener")
	tcpPort := flag.Int("tcp-port", 18082, "TCP listener port")
	tcpBackendPort := flag.Int("tcp-backend-port", 18091, "instance port of the TCP listener")
	backends := flag.String("backends", "127.0.0.2,127.0.0.3", "back-end IP literals, comma-separated")
	timeout := flag.Duration("timeout", 30*time.Second, "overall deadline")
	var hs []*httpsListener
	for _, kind := range []string{"ecdsa", "rsa"} {
		l := &httpsListener{kind: kind}
		flag.IntVar(&l.port, "https-"+kind+"-port", 0, "port of an HTTPS listener with the "+kind+" certificate (0: none)")
		flag.StringVar(&l.certFile, kind+"-cert", "", "PEM certificate of the "+kind+" HTTPS listener")
		flag.StringVar(&l.keyFile, kind+"-key", "", "PEM private key of the "+kind+" HTTPS listener")
		hs = append(hs, l)
	}
	httpsWait := flag.Duration("https-wait", 15*time.Second, "how long to wait for the HTTPS listeners to serve")
	flag.Parse()

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	d, addr, err := run(ctx, *endpoint, *dnsAddr, *region, *zone, *name, *httpPort, *httpBackendPort, *tcpPort, *tcpBackendPort, strings.Split(*backends, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "elbsetup:", err)
		os.Exit(1)
	}
	fmt.Println(addr)
	hs = slices.DeleteFunc(hs, func(l *httpsListener) bool { return l.port == 0 })
	if len(hs) == 0 {
		return
	}
	hctx, hcancel := context.WithTimeout(context.Background(), *httpsWait)
	defer hcancel()
	if err := addHTTPS(hctx, d, *name, addr, *httpBackendPort, hs); err != nil {
		fmt.Fprintln(os.Stderr, "elbsetup: HTTPS listeners:", err)
		fmt.Println("https unavailable:", strings.Join(strings.Fields(err.Error()), " "))
		return
	}
	fmt.Println("https ok")
}

// httpsListener is an HTTPS listener to add, with its certificate.
type httpsListener struct {
	kind              string
	port              int
	certFile, keyFile string
}

// addHTTPS uploads the listeners' certificates, adds the listeners to the
// load balancer and waits until a GET through each answers 200.
func addHTTPS(ctx context.Context, d *elb.Driver, name, addr string, backendPort int, hs []*httpsListener) error {
	var ls []types.Listener
	for _, l := range hs {
		crt, err := os.ReadFile(l.certFile)
		if err != nil {
			return err
		}
		key, err := os.ReadFile(l.keyFile)
		if err != nil {
			return err
		}
		c, err := d.UploadCertificate(ctx, elb.CertificateUpload{Name: name + "-" + l.kind, Body: string(crt), PrivateKey: string(key)})
		if err != nil {
			return fmt.Errorf("UploadServerCertificate: %w", err)
		}
		ls = append(ls, types.Listener{Protocol: aws.String("HTTPS"), LoadBalancerPort: int32(l.port),
			InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(int32(backendPort)), SSLCertificateId: aws.String(c.ARN)})
	}
	if _, err := d.ELB().CreateLoadBalancerListeners(ctx, &elbsdk.CreateLoadBalancerListenersInput{
		LoadBalancerName: aws.String(name), Listeners: ls,
	}); err != nil {
		return fmt.Errorf("CreateLoadBalancerListeners: %w", err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // self-signed bench certificates
	defer tr.CloseIdleConnections()
	hc := &http.Client{Timeout: time.Second, Transport: tr}
	for _, l := range hs {
		url := fmt.Sprintf("https://%s/", net.JoinHostPort(addr, fmt.Sprint(l.port)))
		var last error
		for {
			resp, err := hc.Get(url)
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
				err = fmt.Errorf("status %s", resp.Status)
			}
			last = err
			if err := sleep(ctx); err != nil {
				return fmt.Errorf("%s does not serve: %w", url, errors.Join(last, err))
			}
		}
	}
	return nil
}

func run(ctx context.Context, endpoint, dnsAddr, region, zone, name string, httpPort, httpBackendPort, tcpPort, tcpBackendPort int, backends []string) (*elb.Driver, string, error) {
	d, err := elb.New(ctx, elb.Options{
		AccessKeyID:      os.Getenv("ELBD_ACCESS_KEY_ID"),
		SecretAccessKey:  os.Getenv("ELBD_SECRET_ACCESS_KEY"),
		Region:           region,
		Endpoint:         endpoint,
		RetryMaxAttempts: 1,
	})
	if err != nil {
		return nil, "", err
	}
	c := d.ELB()

	// The API may take a moment to come up after elbd starts.
	var out *elbsdk.CreateLoadBalancerOutput
	for {
		out, err = c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
			LoadBalancerName: aws.String(name),
			Listeners: []types.Listener{
				{Protocol: aws.String("HTTP"), LoadBalancerPort: int32(httpPort), InstanceProtocol: aws.String("HTTP"), InstancePort: aws.Int32(int32(httpBackendPort))},
				{Protocol: aws.String("TCP"), LoadBalancerPort: int32(tcpPort), InstanceProtocol: aws.String("TCP"), InstancePort: aws.Int32(int32(tcpBackendPort))},
			},
			AvailabilityZones: []string{zone},
		})
		if err == nil {
			break
		}
		if ctx.Err() != nil || !strings.Contains(err.Error(), "connect") {
			return nil, "", fmt.Errorf("CreateLoadBalancer: %w", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var insts []types.Instance
	for _, b := range backends {
		insts = append(insts, types.Instance{InstanceId: aws.String(strings.TrimSpace(b))})
	}
	if _, err := c.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
		LoadBalancerName: aws.String(name), Instances: insts,
	}); err != nil {
		return nil, "", fmt.Errorf("RegisterInstancesWithLoadBalancer: %w", err)
	}

	// The DNS name resolves once the listeners are up and probed.
	dnsName := aws.ToString(out.DNSName)
	var addr string
	for addr == "" {
		addr = resolve(dnsAddr, dnsName)
		if addr == "" {
			if err := sleep(ctx); err != nil {
				return nil, "", fmt.Errorf("resolving %s at %s: %w", dnsName, dnsAddr, err)
			}
		}
	}

	// Wait until a request goes through to a back end and the TCP
	// listener accepts.
	hc := &http.Client{Timeout: time.Second}
	url := fmt.Sprintf("http://%s/", net.JoinHostPort(addr, fmt.Sprint(httpPort)))
	for {
		resp, err := hc.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if err := sleep(ctx); err != nil {
			return nil, "", fmt.Errorf("waiting for 200 from %s: %w", url, err)
		}
	}
	hc.CloseIdleConnections()
	for {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(addr, fmt.Sprint(tcpPort)), time.Second)
		if err == nil {
			conn.Close()
			break
		}
		if err := sleep(ctx); err != nil {
			return nil, "", fmt.Errorf("waiting for the TCP listener: %w", err)
		}
	}
	return d, addr, nil
}

func resolve(server, name string) string {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	cl := &dns.Client{Net: "udp", Timeout: time.Second}
	r, _, err := cl.Exchange(m, server)
	if err != nil {
		return ""
	}
	for _, rr := range r.Answer {
		if a, ok := rr.(*dns.A); ok {
			return a.A.String()
		}
	}
	return ""
}

func sleep(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(50 * time.Millisecond):
		return nil
	}
}
