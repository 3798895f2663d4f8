// Package server assembles a running elbd from its configuration: the
// store, the administrator key and keyring, the instance inventory and its
// file watcher, the elb service, the API listener, the data plane with its
// controller and DNS server, and the metrics endpoint. It owns their
// goroutines and shuts them down in order.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/elbd/elbd/internal/api"
	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/config"
	"github.com/elbd/elbd/internal/controller"
	"github.com/elbd/elbd/internal/dataplane"
	"github.com/elbd/elbd/internal/dnsserver"
	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/inventory"
	"github.com/elbd/elbd/internal/metrics"
	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/store"
	"github.com/elbd/elbd/internal/store/boltstore"
)

// Server is a running elbd.
type Server struct {
	Service  *elb.Service
	AdminKey auth.Key

	addr  net.Addr
	st    store.Store
	plane *dataplane.Plane
	dns   *dnsserver.Server
	// Controller reconciles the data plane and DNS with the state.
	Controller *controller.Controller
	http       *http.Server
	cancel     context.CancelFunc
	wg         sync.WaitGroup
	errc       chan error
	log        *slog.Logger

	// Metrics is the Prometheus registry and ELB metrics; nil when the
	// metrics endpoint is off.
	Metrics     *metrics.Metrics
	metricsHTTP *http.Server
	metricsAddr net.Addr
}

// Start builds and starts elbd. out receives the one-time banner with a
// generated administrator key.
func Start(ctx context.Context, cfg *config.Config, log *slog.Logger, out io.Writer) (*Server, error) {
	scheme, target := cfg.StoreBackend()
	if scheme != "bolt" {
		return nil, fmt.Errorf("store %q is not available in this build; use bolt:PATH", scheme)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	st, err := boltstore.Open(target)
	if err != nil {
		return nil, err
	}
	s, err := start(ctx, cfg, st, log, out)
	if err != nil {
		st.Close()
		return nil, err
	}
	return s, nil
}

func start(ctx context.Context, cfg *config.Config, st store.Store, log *slog.Logger, out io.Writer) (*Server, error) {
	admin, generated, err := auth.AdminKey(cfg.DataDir, cfg.AdminAccountID, cfg.AdminAccessKeyID, cfg.AdminSecretAccessKey)
	if err != nil {
		return nil, err
	}
	var others []auth.Key
	for _, a := range cfg.File.Accounts {
		for _, k := range a.Keys {
			others = append(others, auth.Key{AccountID: a.ID, AccessKeyID: k.AccessKeyID, SecretAccessKey: k.SecretAccessKey})
		}
	}
	keys, err := auth.NewKeyring(admin, others)
	if err != nil {
		return nil, err
	}
	accounts := []string{admin.AccountID}
	for _, a := range cfg.File.Accounts {
		accounts = append(accounts, a.ID)
	}
	static := inventory.NewStatic(Instances(cfg.File.Instances))
	pool, _ := netip.ParsePrefix(cfg.AddressPool) // validated by config
	var pool6 netip.Prefix
	if cfg.AddressPool6 != "" {
		pool6, _ = netip.ParsePrefix(cfg.AddressPool6)
	}
	hs := &healthSource{}
	svc, err := elb.New(ctx, elb.Config{
		AddressPool: pool, AddressPool6: pool6,
		Region: cfg.Region, Zones: cfg.Zones, DNSDomain: cfg.DNSDomain,
		Subnets: Subnets(cfg.File.Subnets), Groups: Groups(cfg.File.SecurityGroups),
		Limits: model.Limits(cfg.Limits), Accounts: accounts, Static: static, Logger: log,
		Health: hs,
	}, st)
	if err != nil {
		return nil, err
	}
	h := api.New(svc, keys, api.Options{Logger: log})
	h.SetStatic(static)
	ln, err := net.Listen("tcp", cfg.APIListen)
	if err != nil {
		return nil, fmt.Errorf("API listener: %w", err)
	}
	var dns *dnsserver.Server
	if cfg.DNSListen != "off" {
		if dns, err = dnsserver.New(cfg.DNSDomain, dnsserver.Options{Logger: log}); err != nil {
			ln.Close()
			return nil, fmt.Errorf("DNS server: %w", err)
		}
		if err := dns.Start(cfg.DNSListen); err != nil {
			ln.Close()
			return nil, fmt.Errorf("DNS server: %w", err)
		}
	}
	var m *metrics.Metrics
	var mln net.Listener
	if cfg.MetricsListen != "off" {
		if mln, err = net.Listen("tcp", cfg.MetricsListen); err != nil {
			ln.Close()
			if dns != nil {
				dns.Shutdown(context.Background())
			}
			return nil, fmt.Errorf("metrics listener: %w", err)
		}
		m = metrics.New()
	}
	logRoot := cfg.AccessLogDir
	if logRoot == "" {
		logRoot = filepath.Join(cfg.DataDir, "access-logs")
	}
	plane := dataplane.New(dataplane.Options{Logger: log, Metrics: m, AccessLogRoot: logRoot, Region: cfg.Region})
	hs.plane.Store(plane)
	ctrl := controller.New(svc, plane, dns, cfg.DNSDomain, log)
	ctrl.Build.HealthSpeedup = cfg.File.HealthCheckSpeedup
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s := &Server{Service: svc, AdminKey: admin, addr: ln.Addr(), st: st, plane: plane, dns: dns, Controller: ctrl,
		cancel: cancel, errc: make(chan error, 1), log: log,
		http: &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
	if m != nil {
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", m.Handler())
		s.Metrics, s.metricsAddr = m, mln.Addr()
		s.metricsHTTP = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
			WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
			ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if err := s.metricsHTTP.Serve(mln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				select {
				case s.errc <- err:
				default: // the API server's error is already reported
				}
			}
		}()
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctrl.Run(runCtx)
	}()
	if cfg.ConfigFile != "" {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			static.Watch(runCtx, cfg.ConfigFile, 2*time.Second, func() ([]model.Instance, error) {
				f, err := cfg.Reload()
				if err != nil {
					return nil, err
				}
				return Instances(f.Instances), nil
			}, log)
		}()
	}
	endpoint := "http://" + ln.Addr().String()
	log.Info("elbd API listening", "endpoint", endpoint, "region", cfg.Region, "zones", cfg.Zones, "data_dir", cfg.DataDir)
	if dns != nil {
		log.Info("elbd DNS listening", "addr", dns.UDPAddr(), "zone", cfg.DNSDomain)
	}
	if m != nil {
		log.Info("elbd metrics listening", "endpoint", "http://"+mln.Addr().String()+"/metrics")
	}
	if generated {
		fmt.Fprintf(out, `
elbd generated an administrator key and stored it in %s (mode 0600).
It is shown only this once. To use it with the AWS CLI:

  export AWS_ACCESS_KEY_ID=%s
  export AWS_SECRET_ACCESS_KEY=%s
  export AWS_DEFAULT_REGION=%s
  aws elb describe-load-balancers --endpoint-url %s

`, filepath.Join(cfg.DataDir, "admin-credentials.json"), admin.AccessKeyID, admin.SecretAccessKey, cfg.Region, endpoint)
	}
	return s, nil
}

// Addr is the API listener's address.
func (s *Server) Addr() net.Addr { return s.addr }

// DNSAddr is the DNS server's UDP (and TCP) address, nil when DNS is off.
func (s *Server) DNSAddr() net.Addr {
	if s.dns == nil {
		return nil
	}
	return s.dns.UDPAddr()
}

// MetricsAddr is the metrics endpoint's address, nil when it is off.
func (s *Server) MetricsAddr() net.Addr { return s.metricsAddr }

// Err reports a fatal serving error.
func (s *Server) Err() <-chan error { return s.errc }

// Shutdown stops accepting requests, waits for those in flight (bounded
// by ctx), stops background loops and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if s.metricsHTTP != nil {
		if merr := s.metricsHTTP.Shutdown(ctx); err == nil {
			err = merr
		}
	}
	s.cancel()
	s.wg.Wait()
	s.plane.Close()
	if s.dns != nil {
		if derr := s.dns.Shutdown(ctx); err == nil {
			err = derr
		}
	}
	if cerr := s.st.Close(); err == nil {
		err = cerr
	}
	return err
}

// Instances converts config-file instances.
func Instances(in []config.Instance) []model.Instance {
	out := make([]model.Instance, 0, len(in))
	for _, i := range in {
		out = append(out, model.Instance{ID: i.ID, Zone: i.Zone, IPv4: i.IPv4, IPv6: i.IPv6, State: i.State, Account: i.Account})
	}
	return out
}

// Subnets converts config-file subnets; the config package has validated
// the prefixes already.
func Subnets(in []config.Subnet) []model.Subnet {
	out := make([]model.Subnet, 0, len(in))
	for _, s := range in {
		sn := model.Subnet{ID: s.ID, Zone: s.Zone, VPC: s.VPC, Public: s.IsPublic()}
		sn.CIDR, _ = netip.ParsePrefix(s.CIDR)
		if s.IPv6CIDR != "" {
			sn.IPv6CIDR, _ = netip.ParsePrefix(s.IPv6CIDR)
		}
		out = append(out, sn)
	}
	return out
}

// Groups converts config-file security groups.
func Groups(in []config.SecurityGroup) []model.SecurityGroup {
	out := make([]model.SecurityGroup, 0, len(in))
	for _, g := range in {
		mg := model.SecurityGroup{ID: g.ID, Name: g.Name, VPC: g.VPC, Description: g.Description}
		for _, r := range g.Ingress {
			ir := model.IngressRule{Protocol: r.Protocol, FromPort: r.FromPort, ToPort: r.ToPort}
			for _, c := range r.CIDRs {
				if p, err := netip.ParsePrefix(c); err == nil {
					ir.CIDRs = append(ir.CIDRs, p)
				}
			}
			mg.Ingress = append(mg.Ingress, ir)
		}
		out = append(out, mg)
	}
	return out
}

// healthSource answers DescribeInstanceHealth from the data plane, which
// is made after the service that asks it.
type healthSource struct {
	plane atomic.Pointer[dataplane.Plane]
}

func (h *healthSource) InstanceHealth(account, lb, id string) (model.InstanceState, bool) {
	p := h.plane.Load()
	if p == nil {
		return model.InstanceState{}, false
	}
	return p.InstanceHealth(account+"/"+lb, id)
}
