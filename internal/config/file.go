package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// File is the config file's declarative part. Everything here may also be
// reloaded at runtime (ReadFile, Config.Reload); the running server uses
// the reloaded instances list.
//
// The file is YAML; since JSON is YAML, a JSON file with the same keys is
// accepted too. Unknown keys are an error.
type File struct {
	// Scalar settings mirroring the flags; "" (or an empty list) = not set.
	DataDir       string   `yaml:"data_dir"`
	APIListen     string   `yaml:"api_listen"`
	Region        string   `yaml:"region"`
	Zones         []string `yaml:"zones"`
	DNSDomain     string   `yaml:"dns_domain"`
	AddressPool   string   `yaml:"address_pool"`
	AddressPool6  string   `yaml:"address_pool6"`
	DNSListen     string   `yaml:"dns_listen"`
	MetricsListen string   `yaml:"metrics_listen"`
	AccessLogDir  string   `yaml:"access_log_dir"`
	Store         string   `yaml:"store"`
	LogLevel      string   `yaml:"log_level"`

	Limits FileLimits `yaml:"limits"`

	// HealthCheckSpeedup divides every health check's Interval and
	// Timeout (Timeout no lower than 500 ms), for tests and
	// demonstrations; 1–1000, default 1. DescribeLoadBalancers still
	// shows the configured values.
	HealthCheckSpeedup int `yaml:"health_check_speedup"`

	Subnets        []Subnet        `yaml:"subnets"`
	SecurityGroups []SecurityGroup `yaml:"security_groups"`
	Accounts       []Account       `yaml:"accounts"`
	Instances      []Instance      `yaml:"instances"`
}

// FileLimits are the limits as written in the file; nil = not set (default).
type FileLimits struct {
	LoadBalancers       *int `yaml:"load_balancers"`
	Listeners           *int `yaml:"listeners"`
	RegisteredInstances *int `yaml:"registered_instances"`
	Policies            *int `yaml:"policies"`
	Tags                *int `yaml:"tags"`
}

// Subnet is a subnet load balancers may be placed in.
type Subnet struct {
	ID       string `yaml:"id"`        // subnet-[0-9a-zA-Z]+
	Zone     string `yaml:"zone"`      // one of the configured zones
	VPC      string `yaml:"vpc"`       // default "vpc-elbd0001"
	CIDR     string `yaml:"cidr"`      // IPv4 network, e.g. 10.0.1.0/24
	IPv6CIDR string `yaml:"ipv6_cidr"` // optional IPv6 network
	Public   *bool  `yaml:"public"`    // default true: an internet gateway is attached
}

// IsPublic reports whether the subnet has an internet gateway (nil = true).
func (s Subnet) IsPublic() bool { return s.Public == nil || *s.Public }

// SecurityGroup is a security group load balancers may use.
type SecurityGroup struct {
	ID          string `yaml:"id"`   // sg-[0-9a-zA-Z]+
	Name        string `yaml:"name"` // required, unique per VPC
	VPC         string `yaml:"vpc"`  // default "vpc-elbd0001"
	Description string `yaml:"description"`
	Ingress     []Rule `yaml:"ingress"`
}

// Rule is one ingress rule of a security group.
type Rule struct {
	Protocol string   `yaml:"protocol"`  // tcp, udp, icmp or -1 (all)
	FromPort int      `yaml:"from_port"` // 0..65535
	ToPort   int      `yaml:"to_port"`   // 0..65535, >= FromPort
	CIDRs    []string `yaml:"cidrs"`     // IPv4 or IPv6 networks, at least one
}

// Account is a tenant account with its API keys.
type Account struct {
	ID   string `yaml:"id"` // 12 digits
	Name string `yaml:"name"`
	Keys []Key  `yaml:"keys"`
}

// Key is an access key pair of an account.
type Key struct {
	AccessKeyID     string `yaml:"access_key_id"` // [A-Z0-9]{16,128}
	SecretAccessKey string `yaml:"secret_access_key"`
}

// Instance is a back-end instance that may be registered with load balancers.
type Instance struct {
	ID      string `yaml:"id"`      // i-[0-9a-zA-Z]+
	Zone    string `yaml:"zone"`    // one of the configured zones
	IPv4    string `yaml:"ipv4"`    // at least one of IPv4 and IPv6
	IPv6    string `yaml:"ipv6"`    //
	State   string `yaml:"state"`   // pending|running|stopped|terminated, default running
	Account string `yaml:"account"` // owning account id; "" = usable by every account
}

// ReadFile parses the YAML or JSON config file at path, fills in the
// per-entry defaults (vpc, public, state) and validates it on its own with
// File.Validate. Checks that need the resolved configuration (zones,
// administrator account and key) are done by Config.CheckFile.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: cannot read config file: %w", err)
	}
	f, err := decodeFile(data, path)
	if err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return f, nil
}

// decodeFile decodes data (named path in messages) and applies the
// per-entry defaults; it does not validate.
func decodeFile(data []byte, path string) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config: %s: %w", path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, fmt.Errorf("config: %s: %w", path, err)
		}
		return nil, fmt.Errorf("config: %s: must hold a single YAML document", path)
	}
	f.applyDefaults()
	return &f, nil
}

// applyDefaults fills in the per-entry defaults.
func (f *File) applyDefaults() {
	for i := range f.Subnets {
		s := &f.Subnets[i]
		if s.VPC == "" {
			s.VPC = DefaultVPC
		}
		if s.Public == nil {
			t := true
			s.Public = &t
		}
	}
	for i := range f.SecurityGroups {
		if f.SecurityGroups[i].VPC == "" {
			f.SecurityGroups[i].VPC = DefaultVPC
		}
	}
	for i := range f.Instances {
		if f.Instances[i].State == "" {
			f.Instances[i].State = DefaultInstanceState
		}
	}
}
