package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
)

var (
	reRegion    = regexp.MustCompile(`^[a-z0-9-]+$`)
	reZone      = regexp.MustCompile(`^[a-z0-9-]+$`)
	reSubnetID  = regexp.MustCompile(`^subnet-[0-9a-zA-Z]+$`)
	reSGID      = regexp.MustCompile(`^sg-[0-9a-zA-Z]+$`)
	reVPCID     = regexp.MustCompile(`^vpc-[0-9a-zA-Z]+$`)
	reAccountID = regexp.MustCompile(`^[0-9]{12}$`)
	reAccessKey = regexp.MustCompile(`^[A-Z0-9]{16,128}$`)
	reInstance  = regexp.MustCompile(`^i-[0-9a-zA-Z]+$`)
)

var (
	logLevels      = []string{"debug", "info", "warn", "error"}
	protocols      = []string{"tcp", "udp", "icmp", "-1"}
	instanceStates = []string{"pending", "running", "stopped", "terminated"}
	storeSchemes   = []string{"bolt", "etcd"}
)

// problems collects validation errors, each prefixed "config: ".
type problems []error

func (p *problems) addf(format string, a ...any) {
	*p = append(*p, errors.New("config: "+fmt.Sprintf(format, a...)))
}

// err joins the problems, dropping repeated messages (a bad file limit is
// seen both in File.Limits and in Config.Limits).
func (p problems) err() error {
	seen := make(map[string]bool, len(p))
	var out []error
	for _, e := range p {
		if !seen[e.Error()] {
			seen[e.Error()] = true
			out = append(out, e)
		}
	}
	return errors.Join(out...)
}

// Validate checks every setting, the file contents and their consistency
// (subnet and instance zones among Zones, instance accounts declared, no
// clash with the administrator account or key). All problems are reported,
// joined with errors.Join. Load calls Validate.
func (c *Config) Validate() error {
	var p problems
	c.validateScalars(&p)
	c.File.validate(&p)
	c.checkFile(&c.File, &p)
	return p.err()
}

// CheckFile checks f against c: subnet and instance zones must be among
// c.Zones, instance accounts must be the administrator account or declared
// in f, and f must not redeclare the administrator account or key. It does
// not repeat File.Validate.
func (c *Config) CheckFile(f *File) error {
	var p problems
	c.checkFile(f, &p)
	return p.err()
}

func (c *Config) validateScalars(p *problems) {
	if c.DataDir == "" {
		p.addf("%s must not be empty", c.source("data_dir", "--data-dir"))
	}

	if name := c.source("api_listen", "--api-listen"); c.APIListen == "" {
		p.addf("%s must not be empty", name)
	} else if err := checkHostPort(c.APIListen); err != nil {
		p.addf("%s %q is not a host:port address: %v", name, c.APIListen, err)
	}

	if name := c.source("region", "--region"); c.Region == "" {
		p.addf("%s must not be empty", name)
	} else if !reRegion.MatchString(c.Region) {
		p.addf("%s %q must contain only lower-case letters, digits and hyphens", name, c.Region)
	}

	zname := c.source("zones", "--zones")
	if len(c.Zones) == 0 {
		p.addf("%s must list at least one zone", zname)
	}
	seen := make(map[string]bool)
	for _, z := range c.Zones {
		switch {
		case z == "":
			p.addf("%s contains an empty zone name", zname)
		case !reZone.MatchString(z):
			p.addf("%s: zone %q must contain only lower-case letters, digits and hyphens", zname, z)
		case seen[z]:
			p.addf("%s: zone %q is listed more than once", zname, z)
		}
		seen[z] = true
	}

	if name := c.source("dns_domain", "--dns-domain"); !validDomain(c.DNSDomain, true) {
		p.addf("%s %q is not a valid lower-case domain name", name, c.DNSDomain)
	}

	if pfx, err := netip.ParsePrefix(c.AddressPool); err != nil || !pfx.Addr().Is4() || pfx.Bits() > 30 || pfx.Masked() != pfx {
		p.addf("%s %q must be an IPv4 network of at least 4 addresses, e.g. %s", c.source("address_pool", "--address-pool"), c.AddressPool, DefaultAddressPool)
	}
	if c.AddressPool6 != "" {
		if pfx, err := netip.ParsePrefix(c.AddressPool6); err != nil || !pfx.Addr().Is6() || pfx.Addr().Is4In6() || pfx.Bits() > 126 || pfx.Masked() != pfx {
			p.addf("%s %q must be an IPv6 network, e.g. fd00:e1b::/64", c.source("address_pool6", "--address-pool6"), c.AddressPool6)
		}
	}
	if c.DNSListen != "off" {
		if _, _, err := net.SplitHostPort(c.DNSListen); err != nil {
			p.addf("%s %q must be HOST:PORT or off", c.source("dns_listen", "--dns-listen"), c.DNSListen)
		}
	}
	if c.MetricsListen != "off" {
		if _, _, err := net.SplitHostPort(c.MetricsListen); err != nil {
			p.addf("%s %q must be HOST:PORT or off", c.source("metrics_listen", "--metrics-listen"), c.MetricsListen)
		}
	}

	if c.Store != "" {
		name := c.source("store", "--store")
		scheme, target, ok := strings.Cut(c.Store, ":")
		switch {
		case !ok:
			p.addf("%s %q must have the form SCHEME:TARGET with scheme %s", name, c.Store, strings.Join(storeSchemes, " or "))
		case !contains(storeSchemes, scheme):
			p.addf("%s %q: unknown scheme %q (want %s)", name, c.Store, scheme, strings.Join(storeSchemes, " or "))
		case target == "":
			p.addf("%s %q: missing target after %q", name, c.Store, scheme+":")
		}
	}

	if name := c.source("log_level", "--log-level"); !contains(logLevels, c.LogLevel) {
		p.addf("%s %q must be one of %s", name, c.LogLevel, strings.Join(logLevels, ", "))
	}

	switch {
	case c.AdminAccessKeyID != "" && c.AdminSecretAccessKey == "":
		p.addf("%s is set but %s is not", EnvAccessKeyID, EnvSecretAccessKey)
	case c.AdminAccessKeyID == "" && c.AdminSecretAccessKey != "":
		p.addf("%s is set but %s is not", EnvSecretAccessKey, EnvAccessKeyID)
	}
	if c.AdminAccessKeyID != "" && !reAccessKey.MatchString(c.AdminAccessKeyID) {
		p.addf("%s %q must be 16 to 128 upper-case letters and digits", EnvAccessKeyID, c.AdminAccessKeyID)
	}
	if !reAccountID.MatchString(c.AdminAccountID) {
		p.addf("%s %q must be 12 digits", EnvAccountID, c.AdminAccountID)
	}

	for _, l := range []struct {
		key string
		v   int
	}{
		{"limits.load_balancers", c.Limits.LoadBalancersPerAccount},
		{"limits.listeners", c.Limits.ListenersPerLoadBalancer},
		{"limits.registered_instances", c.Limits.InstancesPerLoadBalancer},
		{"limits.policies", c.Limits.PoliciesPerLoadBalancer},
		{"limits.tags", c.Limits.TagsPerLoadBalancer},
	} {
		if l.v <= 0 {
			p.addf("%s must be > 0 (got %d)", l.key, l.v)
		}
	}
}

func (c *Config) checkFile(f *File, p *problems) {
	zname := c.source("zones", "--zones")
	zones := strings.Join(c.Zones, ",")
	for i, s := range f.Subnets {
		if s.Zone != "" && !contains(c.Zones, s.Zone) {
			p.addf("subnets[%d].zone %q is not one of %s (%s)", i, s.Zone, zname, zones)
		}
	}
	for i, in := range f.Instances {
		if in.Zone != "" && !contains(c.Zones, in.Zone) {
			p.addf("instances[%d].zone %q is not one of %s (%s)", i, in.Zone, zname, zones)
		}
	}
	declared := make(map[string]bool)
	for i, a := range f.Accounts {
		declared[a.ID] = true
		if a.ID != "" && a.ID == c.AdminAccountID {
			p.addf("accounts[%d].id %q is the administrator account (%s); it cannot be declared in the file", i, a.ID, EnvAccountID)
		}
		for j, k := range a.Keys {
			if k.AccessKeyID != "" && k.AccessKeyID == c.AdminAccessKeyID {
				p.addf("accounts[%d].keys[%d].access_key_id %q is the administrator key (%s)", i, j, k.AccessKeyID, EnvAccessKeyID)
			}
		}
	}
	for i, in := range f.Instances {
		if in.Account != "" && in.Account != c.AdminAccountID && !declared[in.Account] {
			p.addf("instances[%d].account %q is neither the administrator account (%s) nor one of accounts[].id", i, in.Account, c.AdminAccountID)
		}
	}
}

// Validate checks the file on its own: identifiers, uniqueness, addresses,
// networks, rules, states and limits. Scalar settings (region, zones, ...)
// are checked by Config.Validate once resolved, and membership checks that
// need the resolved configuration by Config.CheckFile. Empty vpc, public and
// state fields are treated as their defaults.
func (f *File) Validate() error {
	var p problems
	f.validate(&p)
	return p.err()
}

func (f *File) validate(p *problems) {
	if f.HealthCheckSpeedup < 0 || f.HealthCheckSpeedup > 1000 {
		p.addf("health_check_speedup must be 1–1000 (got %d)", f.HealthCheckSpeedup)
	}
	for _, l := range []struct {
		key string
		v   *int
	}{
		{"limits.load_balancers", f.Limits.LoadBalancers},
		{"limits.listeners", f.Limits.Listeners},
		{"limits.registered_instances", f.Limits.RegisteredInstances},
		{"limits.policies", f.Limits.Policies},
		{"limits.tags", f.Limits.Tags},
	} {
		if l.v != nil && *l.v <= 0 {
			p.addf("%s must be > 0 (got %d)", l.key, *l.v)
		}
	}
	f.validateSubnets(p)
	f.validateSecurityGroups(p)
	f.validateAccounts(p)
	f.validateInstances(p)
}

// uniqueID checks list[i].id: present, matching re (else "<id> <shape>"),
// and not a repeat of an earlier entry's id.
func (p *problems) uniqueID(list string, i int, id string, re *regexp.Regexp, shape string, seen map[string]int) {
	key := fmt.Sprintf("%s[%d]", list, i)
	switch {
	case id == "":
		p.addf("%s.id is required", key)
	case !re.MatchString(id):
		p.addf("%s.id %q %s", key, id, shape)
	default:
		if j, dup := seen[id]; dup {
			p.addf("%s.id %q duplicates %s[%d].id", key, id, list, j)
		} else {
			seen[id] = i
		}
	}
}

func (f *File) validateSubnets(p *problems) {
	ids := make(map[string]int)
	type block struct {
		key    string
		vpc    string
		prefix netip.Prefix
	}
	var nets []block
	for i, s := range f.Subnets {
		key := fmt.Sprintf("subnets[%d]", i)
		p.uniqueID("subnets", i, s.ID, reSubnetID, "must look like subnet-0123abcd", ids)
		if s.Zone == "" {
			p.addf("%s.zone is required", key)
		}
		vpc := s.VPC
		if vpc == "" {
			vpc = DefaultVPC
		} else if !reVPCID.MatchString(vpc) {
			p.addf("%s.vpc %q must look like vpc-0123abcd", key, vpc)
		}
		if s.CIDR == "" {
			p.addf("%s.cidr is required", key)
		} else if pfx, ok := checkPrefix(p, key+".cidr", s.CIDR, 4); ok {
			nets = append(nets, block{key + ".cidr", vpc, pfx})
		}
		if s.IPv6CIDR != "" {
			if pfx, ok := checkPrefix(p, key+".ipv6_cidr", s.IPv6CIDR, 6); ok {
				nets = append(nets, block{key + ".ipv6_cidr", vpc, pfx})
			}
		}
	}
	for i := range nets {
		for j := 0; j < i; j++ {
			a, b := nets[i], nets[j]
			if a.vpc == b.vpc && a.prefix.Overlaps(b.prefix) {
				p.addf("%s %q overlaps %s %q in %s", a.key, a.prefix, b.key, b.prefix, a.vpc)
			}
		}
	}
}

// checkPrefix checks that s is a network prefix of the given IP family (4
// or 6) with no host bits set.
func checkPrefix(p *problems, key, s string, family int) (netip.Prefix, bool) {
	pfx, err := netip.ParsePrefix(s)
	if err != nil {
		p.addf("%s %q is not a valid CIDR block", key, s)
		return netip.Prefix{}, false
	}
	if family == 4 && !pfx.Addr().Is4() {
		p.addf("%s %q is not an IPv4 CIDR block", key, s)
		return netip.Prefix{}, false
	}
	if family == 6 && (!pfx.Addr().Is6() || pfx.Addr().Is4In6()) {
		p.addf("%s %q is not an IPv6 CIDR block", key, s)
		return netip.Prefix{}, false
	}
	if m := pfx.Masked(); m != pfx {
		p.addf("%s %q has host bits set (did you mean %s?)", key, s, m)
		return netip.Prefix{}, false
	}
	return pfx, true
}

func (f *File) validateSecurityGroups(p *problems) {
	ids := make(map[string]int)
	names := make(map[[2]string]int)
	for i, g := range f.SecurityGroups {
		key := fmt.Sprintf("security_groups[%d]", i)
		p.uniqueID("security_groups", i, g.ID, reSGID, "must look like sg-0123abcd", ids)
		vpc := g.VPC
		if vpc == "" {
			vpc = DefaultVPC
		} else if !reVPCID.MatchString(vpc) {
			p.addf("%s.vpc %q must look like vpc-0123abcd", key, vpc)
		}
		if g.Name == "" {
			p.addf("%s.name is required", key)
		} else if j, dup := names[[2]string{vpc, g.Name}]; dup {
			p.addf("%s.name %q duplicates security_groups[%d].name in %s", key, g.Name, j, vpc)
		} else {
			names[[2]string{vpc, g.Name}] = i
		}
		for j, r := range g.Ingress {
			rkey := fmt.Sprintf("%s.ingress[%d]", key, j)
			if !contains(protocols, r.Protocol) {
				p.addf("%s.protocol %q must be one of %s", rkey, r.Protocol, strings.Join(protocols, ", "))
			}
			portsOK := true
			if r.FromPort < 0 || r.FromPort > 65535 {
				p.addf("%s.from_port %d must be between 0 and 65535", rkey, r.FromPort)
				portsOK = false
			}
			if r.ToPort < 0 || r.ToPort > 65535 {
				p.addf("%s.to_port %d must be between 0 and 65535", rkey, r.ToPort)
				portsOK = false
			}
			if portsOK && r.FromPort > r.ToPort {
				p.addf("%s.from_port %d is greater than to_port %d", rkey, r.FromPort, r.ToPort)
			}
			if len(r.CIDRs) == 0 {
				p.addf("%s.cidrs must list at least one CIDR block", rkey)
			}
			for k, c := range r.CIDRs {
				if _, err := netip.ParsePrefix(c); err != nil {
					p.addf("%s.cidrs[%d] %q is not a valid CIDR block", rkey, k, c)
				}
			}
		}
	}
}

func (f *File) validateAccounts(p *problems) {
	ids := make(map[string]int)
	keys := make(map[string]string)
	for i, a := range f.Accounts {
		key := fmt.Sprintf("accounts[%d]", i)
		p.uniqueID("accounts", i, a.ID, reAccountID, "must be 12 digits", ids)
		for j, k := range a.Keys {
			kkey := fmt.Sprintf("%s.keys[%d]", key, j)
			switch {
			case !reAccessKey.MatchString(k.AccessKeyID):
				p.addf("%s.access_key_id %q must be 16 to 128 upper-case letters and digits", kkey, k.AccessKeyID)
			default:
				if other, dup := keys[k.AccessKeyID]; dup {
					p.addf("%s.access_key_id %q duplicates %s.access_key_id", kkey, k.AccessKeyID, other)
				} else {
					keys[k.AccessKeyID] = kkey
				}
			}
			if k.SecretAccessKey == "" {
				p.addf("%s.secret_access_key is required", kkey)
			}
		}
	}
}

func (f *File) validateInstances(p *problems) {
	ids := make(map[string]int)
	for i, in := range f.Instances {
		key := fmt.Sprintf("instances[%d]", i)
		p.uniqueID("instances", i, in.ID, reInstance, "must look like i-0123456789abcdef0", ids)
		if in.Zone == "" {
			p.addf("%s.zone is required", key)
		}
		if in.IPv4 == "" && in.IPv6 == "" {
			p.addf("%s needs at least one of ipv4 and ipv6", key)
		}
		if in.IPv4 != "" {
			a, err := netip.ParseAddr(in.IPv4)
			switch {
			case err != nil || !a.Is4():
				p.addf("%s.ipv4 %q is not an IPv4 address", key, in.IPv4)
			case a.IsUnspecified() || a.IsMulticast():
				p.addf("%s.ipv4 %q is not a unicast address", key, in.IPv4)
			}
		}
		if in.IPv6 != "" {
			a, err := netip.ParseAddr(in.IPv6)
			switch {
			case err != nil || !a.Is6() || a.Is4In6() || a.Zone() != "":
				p.addf("%s.ipv6 %q is not an IPv6 address", key, in.IPv6)
			case a.IsUnspecified() || a.IsMulticast():
				p.addf("%s.ipv6 %q is not a unicast address", key, in.IPv6)
			}
		}
		if in.State != "" && !contains(instanceStates, in.State) {
			p.addf("%s.state %q must be one of %s", key, in.State, strings.Join(instanceStates, ", "))
		}
		if in.Account != "" && !reAccountID.MatchString(in.Account) {
			p.addf("%s.account %q must be 12 digits", key, in.Account)
		}
	}
}

// checkHostPort checks a listen address: an optional host (IP literal or
// host name) and a numeric port 0..65535.
func checkHostPort(s string) error {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return fmt.Errorf("port %q must be a number between 0 and 65535", port)
	}
	if host == "" {
		return nil
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return nil
	}
	if !validDomain(host, false) {
		return fmt.Errorf("host %q is neither an IP address nor a host name", host)
	}
	return nil
}

// validDomain reports whether s is a DNS name: dot-separated labels of 1-63
// letters, digits and hyphens, not starting or ending with a hyphen, at most
// 253 characters, with a last label that is not all digits. lower restricts
// letters to lower case. No trailing dot.
func validDomain(s string, lower bool) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			switch {
			case ch >= 'a' && ch <= 'z', ch >= '0' && ch <= '9', ch == '-':
			case ch >= 'A' && ch <= 'Z' && !lower:
			default:
				return false
			}
		}
	}
	last := labels[len(labels)-1]
	if strings.Trim(last, "0123456789") == "" {
		return false
	}
	return true
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
