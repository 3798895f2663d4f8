// Package config assembles elbd's settings from command-line flags, ELBD_*
// environment variables and an optional YAML or JSON config file.
//
// Each scalar setting is resolved with this precedence, highest first:
//
//  1. the command-line flag (for example --region),
//  2. the environment variable (ELBD_REGION),
//  3. the config file key (region),
//  4. the built-in default ("us-east-1").
//
// An empty flag or environment value counts as "not set" and falls through
// to the next source. The administrator credentials (ELBD_ACCESS_KEY_ID,
// ELBD_SECRET_ACCESS_KEY, ELBD_ACCOUNT_ID) come only from the environment,
// never from flags, so that secrets never appear in ps output.
//
// The config file's declarative part — subnets, security groups, accounts
// and instances — is described by File. ReadFile parses and validates a file
// on its own (for hot reload); Config.Reload additionally checks it against
// the running configuration (zones, administrator account and key).
//
// Validation errors start with "config: " and name the offending flag,
// environment variable or file key, for example
//
//	config: subnets[1].zone "us-east-1z" is not one of --zones (us-east-1a,us-east-1b,us-east-1c)
//
// When several problems are found they are all reported, joined with
// errors.Join (one per line).
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
)

// Defaults.
const (
	DefaultDataDir        = "./elbd-data"
	DefaultAPIListen      = "127.0.0.1:9900"
	DefaultRegion         = "us-east-1"
	DefaultDNSDomain      = "elb.internal"
	DefaultAddressPool    = "127.100.0.0/16"
	DefaultDNSListen      = "127.0.0.1:9953"
	DefaultMetricsListen  = "127.0.0.1:9901"
	DefaultLogLevel       = "info"
	DefaultAdminAccountID = "123456789012"
	DefaultVPC            = "vpc-elbd0001"
	DefaultInstanceState  = "running"

	DefaultLoadBalancersPerAccount  = 20
	DefaultListenersPerLoadBalancer = 100
	DefaultInstancesPerLoadBalancer = 1000
	DefaultPoliciesPerLoadBalancer  = 100
	DefaultTagsPerLoadBalancer      = 50
)

// Environment variables read only from the environment (no flag, no file key).
const (
	EnvAccessKeyID     = "ELBD_ACCESS_KEY_ID"
	EnvSecretAccessKey = "ELBD_SECRET_ACCESS_KEY"
	EnvAccountID       = "ELBD_ACCOUNT_ID"
)

// Config is elbd's resolved configuration.
type Config struct {
	ConfigFile string   // --config / ELBD_CONFIG: path of a YAML or JSON file; "" = none
	DataDir    string   // --data-dir / ELBD_DATA_DIR / data_dir; default "./elbd-data"
	APIListen  string   // --api-listen / ELBD_API_LISTEN / api_listen; default "127.0.0.1:9900"
	Region     string   // --region / ELBD_REGION / region; default "us-east-1"
	Zones      []string // --zones (comma-separated) / ELBD_ZONES / zones; default <region>a,<region>b,<region>c
	DNSDomain  string   // --dns-domain / ELBD_DNS_DOMAIN / dns_domain; default "elb.internal"
	// AddressPool is the IPv4 range load balancer addresses (one per
	// enabled zone) are allocated from: --address-pool / ELBD_ADDRESS_POOL /
	// address_pool; default 127.100.0.0/16.
	AddressPool string
	// AddressPool6 is the optional IPv6 range: --address-pool6 /
	// ELBD_ADDRESS_POOL6 / address_pool6; default "" (no IPv6 addresses).
	AddressPool6 string
	// DNSListen is where the authoritative DNS server listens (UDP and
	// TCP): --dns-listen / ELBD_DNS_LISTEN / dns_listen; default
	// 127.0.0.1:9953; "off" disables it.
	DNSListen string
	// MetricsListen is where Prometheus metrics are served (HTTP, path
	// /metrics): --metrics-listen / ELBD_METRICS_LISTEN / metrics_listen;
	// default 127.0.0.1:9901; "off" disables it.
	MetricsListen string
	// AccessLogDir is the root that access logs are written under (one
	// directory per S3 bucket name): --access-log-dir /
	// ELBD_ACCESS_LOG_DIR / access_log_dir; "" = <data-dir>/access-logs.
	AccessLogDir string
	Store        string // --store / ELBD_STORE / store; "" = "bolt:<data-dir>/elbd.db"; else "bolt:PATH" or "etcd:..."
	LogLevel     string // --log-level / ELBD_LOG_LEVEL / log_level: debug|info|warn|error; default "info"

	// Credentials for the administrator account (environment only, never flags).
	AdminAccessKeyID     string // ELBD_ACCESS_KEY_ID; "" = generate on first start
	AdminSecretAccessKey string // ELBD_SECRET_ACCESS_KEY
	AdminAccountID       string // ELBD_ACCOUNT_ID; default "123456789012"

	Limits Limits
	File   File // the parsed file contents (zero if no file)

	// sources maps a setting's file key (e.g. "region") to the name of the
	// source it came from ("--region", "ELBD_REGION", "region"), for errors.
	sources map[string]string
}

// Limits are the per-account and per-load-balancer quotas.
type Limits struct {
	LoadBalancersPerAccount  int // limits.load_balancers, default 20
	ListenersPerLoadBalancer int // limits.listeners, default 100
	InstancesPerLoadBalancer int // limits.registered_instances, default 1000
	PoliciesPerLoadBalancer  int // limits.policies, default 100
	TagsPerLoadBalancer      int // limits.tags, default 50
}

// DefaultLimits returns the built-in limits.
func DefaultLimits() Limits {
	return Limits{
		LoadBalancersPerAccount:  DefaultLoadBalancersPerAccount,
		ListenersPerLoadBalancer: DefaultListenersPerLoadBalancer,
		InstancesPerLoadBalancer: DefaultInstancesPerLoadBalancer,
		PoliciesPerLoadBalancer:  DefaultPoliciesPerLoadBalancer,
		TagsPerLoadBalancer:      DefaultTagsPerLoadBalancer,
	}
}

// DefaultZones returns the default zones of region: <region>a, <region>b, <region>c.
func DefaultZones(region string) []string {
	return []string{region + "a", region + "b", region + "c"}
}

// Default returns a configuration holding only built-in defaults (no file,
// no administrator key). It is valid.
func Default() *Config {
	return &Config{
		DataDir:        DefaultDataDir,
		APIListen:      DefaultAPIListen,
		Region:         DefaultRegion,
		Zones:          DefaultZones(DefaultRegion),
		DNSDomain:      DefaultDNSDomain,
		AddressPool:    DefaultAddressPool,
		DNSListen:      DefaultDNSListen,
		MetricsListen:  DefaultMetricsListen,
		LogLevel:       DefaultLogLevel,
		AdminAccountID: DefaultAdminAccountID,
		Limits:         DefaultLimits(),
	}
}

// setting describes one scalar setting that has a flag, an environment
// variable and (except --config) a file key.
type setting struct {
	flag    string // flag name without dashes
	env     string // environment variable
	key     string // config file key; "" = none
	arg     string // placeholder for the value in Usage
	def     string // default as shown in Usage
	help    string
	fileVal func(f *File) string
	set     func(c *Config, v string)
}

var settings = []setting{
	{
		flag: "config", env: "ELBD_CONFIG", arg: "PATH", def: "none",
		help: "YAML or JSON config file",
		set:  func(c *Config, v string) { c.ConfigFile = v },
	},
	{
		flag: "data-dir", env: "ELBD_DATA_DIR", key: "data_dir", arg: "DIR", def: `"` + DefaultDataDir + `"`,
		help:    "directory holding elbd's state (database, generated credentials)",
		fileVal: func(f *File) string { return f.DataDir },
		set:     func(c *Config, v string) { c.DataDir = v },
	},
	{
		flag: "api-listen", env: "ELBD_API_LISTEN", key: "api_listen", arg: "HOST:PORT", def: `"` + DefaultAPIListen + `"`,
		help:    "address of the ELB Query API server",
		fileVal: func(f *File) string { return f.APIListen },
		set:     func(c *Config, v string) { c.APIListen = v },
	},
	{
		flag: "region", env: "ELBD_REGION", key: "region", arg: "REGION", def: `"` + DefaultRegion + `"`,
		help:    "region name served",
		fileVal: func(f *File) string { return f.Region },
		set:     func(c *Config, v string) { c.Region = v },
	},
	{
		flag: "zones", env: "ELBD_ZONES", key: "zones", arg: "ZONE,...", def: "<region>a,<region>b,<region>c",
		help: "comma-separated availability zones (a YAML list in the file)",
		// zones are a list, resolved separately in Load.
	},
	{
		flag: "dns-domain", env: "ELBD_DNS_DOMAIN", key: "dns_domain", arg: "DOMAIN", def: `"` + DefaultDNSDomain + `"`,
		help:    "DNS domain under which load balancer names are published",
		fileVal: func(f *File) string { return f.DNSDomain },
		set:     func(c *Config, v string) { c.DNSDomain = v },
	},
	{
		flag: "address-pool", env: "ELBD_ADDRESS_POOL", key: "address_pool", arg: "CIDR", def: `"` + DefaultAddressPool + `"`,
		help:    "IPv4 range for load balancer addresses, one per enabled zone",
		fileVal: func(f *File) string { return f.AddressPool },
		set:     func(c *Config, v string) { c.AddressPool = v },
	},
	{
		flag: "address-pool6", env: "ELBD_ADDRESS_POOL6", key: "address_pool6", arg: "CIDR", def: "none",
		help:    "IPv6 range for load balancer addresses (needs an AnyIP local route; see docs)",
		fileVal: func(f *File) string { return f.AddressPool6 },
		set:     func(c *Config, v string) { c.AddressPool6 = v },
	},
	{
		flag: "dns-listen", env: "ELBD_DNS_LISTEN", key: "dns_listen", arg: "HOST:PORT", def: `"` + DefaultDNSListen + `"`,
		help:    "address of the authoritative DNS server (UDP and TCP); off disables it",
		fileVal: func(f *File) string { return f.DNSListen },
		set:     func(c *Config, v string) { c.DNSListen = v },
	},
	{
		flag: "metrics-listen", env: "ELBD_METRICS_LISTEN", key: "metrics_listen", arg: "HOST:PORT", def: `"` + DefaultMetricsListen + `"`,
		help:    "address of the Prometheus metrics endpoint (HTTP, /metrics); off disables it",
		fileVal: func(f *File) string { return f.MetricsListen },
		set:     func(c *Config, v string) { c.MetricsListen = v },
	},
	{
		flag: "access-log-dir", env: "ELBD_ACCESS_LOG_DIR", key: "access_log_dir", arg: "DIR", def: `"<data-dir>/access-logs"`,
		help:    "directory access logs are written under, one sub-directory per S3 bucket name",
		fileVal: func(f *File) string { return f.AccessLogDir },
		set:     func(c *Config, v string) { c.AccessLogDir = v },
	},
	{
		flag: "store", env: "ELBD_STORE", key: "store", arg: "SCHEME:TARGET", def: `"bolt:<data-dir>/elbd.db"`,
		help:    "state store: bolt:PATH or etcd:ENDPOINTS",
		fileVal: func(f *File) string { return f.Store },
		set:     func(c *Config, v string) { c.Store = v },
	},
	{
		flag: "log-level", env: "ELBD_LOG_LEVEL", key: "log_level", arg: "LEVEL", def: `"` + DefaultLogLevel + `"`,
		help:    "log level: debug, info, warn or error",
		fileVal: func(f *File) string { return f.LogLevel },
		set:     func(c *Config, v string) { c.LogLevel = v },
	},
}

func settingByFlag(name string) setting {
	for _, s := range settings {
		if s.flag == name {
			return s
		}
	}
	panic("config: no setting " + name)
}

// newFlagSet returns the flag set used by Load; values[flag] receives each flag.
func newFlagSet() (*flag.FlagSet, map[string]*string) {
	fs := flag.NewFlagSet("elbd serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		values[s.flag] = fs.String(s.flag, "", s.help)
	}
	return fs, values
}

// Load resolves the configuration from args (command-line arguments after
// the program name and subcommand), the environment (read through getenv;
// nil means no environment) and the config file named by --config or
// ELBD_CONFIG, then validates it.
//
// -h, -help and --help make Load return flag.ErrHelp (unwrapped); the
// caller prints Usage(). Nothing is ever written to stdout or stderr.
func Load(args []string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	fs, values := newFlagSet()
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, flag.ErrHelp
		}
		return nil, fmt.Errorf("config: %w (see --help)", err)
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("config: unexpected argument %q (see --help)", fs.Arg(0))
	}
	flagSet := make(map[string]bool)
	fs.Visit(func(f *flag.Flag) { flagSet[f.Name] = true })

	c := &Config{sources: make(map[string]string)}

	// lookup returns a setting's value from the flag or the environment,
	// with the name of its source; ok is false when neither sets it.
	lookup := func(s setting) (v, src string, ok bool) {
		if flagSet[s.flag] && *values[s.flag] != "" {
			return *values[s.flag], "--" + s.flag, true
		}
		if v := getenv(s.env); v != "" {
			return v, s.env, true
		}
		return "", "", false
	}

	// The config file comes first: its values feed the other settings.
	if v, src, ok := lookup(settingByFlag("config")); ok {
		c.ConfigFile = v
		data, err := os.ReadFile(v)
		if err != nil {
			return nil, fmt.Errorf("config: %s %q: cannot read config file: %w", src, v, err)
		}
		f, err := decodeFile(data, v) // validated with the rest below
		if err != nil {
			return nil, err
		}
		c.File = *f
	}

	defaults := Default()
	for _, s := range settings {
		if s.set == nil || s.key == "" {
			continue
		}
		if v, src, ok := lookup(s); ok {
			s.set(c, v)
			c.sources[s.key] = src
		} else if fv := s.fileVal(&c.File); fv != "" {
			s.set(c, fv)
			c.sources[s.key] = s.key
		}
	}
	if c.DataDir == "" {
		c.DataDir = defaults.DataDir
	}
	if c.APIListen == "" {
		c.APIListen = defaults.APIListen
	}
	if c.Region == "" {
		c.Region = defaults.Region
	}
	if c.DNSDomain == "" {
		c.DNSDomain = defaults.DNSDomain
	}
	if c.AddressPool == "" {
		c.AddressPool = defaults.AddressPool
	}
	if c.DNSListen == "" {
		c.DNSListen = defaults.DNSListen
	}
	if c.MetricsListen == "" {
		c.MetricsListen = defaults.MetricsListen
	}
	if c.LogLevel == "" {
		c.LogLevel = defaults.LogLevel
	}

	// Zones: a list, defaulting from the final region.
	if v, src, ok := lookup(settingByFlag("zones")); ok {
		c.Zones = splitList(v)
		c.sources["zones"] = src
	} else if len(c.File.Zones) > 0 {
		c.Zones = append([]string(nil), c.File.Zones...)
		c.sources["zones"] = "zones"
	} else {
		c.Zones = DefaultZones(c.Region)
	}

	// Limits: file or default. Invalid file limits are reported once, by
	// Validate (identical problems are merged).
	c.Limits = defaults.Limits
	fl := c.File.Limits
	setLimit(&c.Limits.LoadBalancersPerAccount, fl.LoadBalancers)
	setLimit(&c.Limits.ListenersPerLoadBalancer, fl.Listeners)
	setLimit(&c.Limits.InstancesPerLoadBalancer, fl.RegisteredInstances)
	setLimit(&c.Limits.PoliciesPerLoadBalancer, fl.Policies)
	setLimit(&c.Limits.TagsPerLoadBalancer, fl.Tags)

	// Administrator credentials: environment only.
	c.AdminAccessKeyID = getenv(EnvAccessKeyID)
	c.AdminSecretAccessKey = getenv(EnvSecretAccessKey)
	c.AdminAccountID = getenv(EnvAccountID)
	if c.AdminAccountID == "" {
		c.AdminAccountID = defaults.AdminAccountID
	}

	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func setLimit(dst *int, v *int) {
	if v != nil {
		*dst = *v
	}
}

// splitList splits a comma-separated list, trimming spaces around items.
// Empty items are kept so that validation can report them.
func splitList(s string) []string {
	parts := strings.Split(s, ",")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// Reload re-reads c.ConfigFile and validates it against c (zones,
// administrator account and key). It is meant for hot reload of the
// declarative parts of the file, such as the instances list; scalar
// settings in the reloaded file do not change c.
func (c *Config) Reload() (*File, error) {
	if c.ConfigFile == "" {
		return nil, errors.New("config: no config file to reload (--config / ELBD_CONFIG not set)")
	}
	f, err := ReadFile(c.ConfigFile)
	if err != nil {
		return nil, err
	}
	if err := c.CheckFile(f); err != nil {
		return nil, err
	}
	return f, nil
}

// StoreBackend returns the store scheme ("bolt" or "etcd") and its target
// (a file path for bolt), applying the default "bolt:<data-dir>/elbd.db".
// It assumes c is valid.
func (c *Config) StoreBackend() (scheme, target string) {
	if c.Store == "" {
		return "bolt", filepath.Join(c.DataDir, "elbd.db")
	}
	scheme, target, _ = strings.Cut(c.Store, ":")
	return scheme, target
}

// SlogLevel returns LogLevel as a slog.Level (info if unrecognised).
func (c *Config) SlogLevel() slog.Level {
	switch c.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	default:
		return slog.LevelInfo
	}
}

// source returns the name of the source a setting came from, for messages;
// settings not recorded (defaults, hand-built configs) are named by flag.
func (c *Config) source(key, fallback string) string {
	if s, ok := c.sources[key]; ok {
		return s
	}
	return fallback
}

// Usage returns the help text for `elbd serve`, listing every flag with its
// environment variable, config file key and default.
func Usage() string {
	var b strings.Builder
	b.WriteString("Usage: elbd serve [flags]\n\n")
	b.WriteString("Settings are taken from, highest precedence first: command-line flags,\n")
	b.WriteString("ELBD_* environment variables, the config file, built-in defaults.\n")
	b.WriteString("An empty value counts as not set.\n\n")
	b.WriteString("Flags:\n")
	for _, s := range settings {
		fmt.Fprintf(&b, "  --%s %s\n", s.flag, s.arg)
		fmt.Fprintf(&b, "        %s\n", s.help)
		src := "env " + s.env
		if s.key != "" {
			src += ", file key " + s.key
		}
		fmt.Fprintf(&b, "        (%s; default %s)\n", src, s.def)
	}
	b.WriteString("  -h, --help\n        show this help\n\n")
	b.WriteString("Environment only (never flags, so secrets stay out of ps output):\n")
	fmt.Fprintf(&b, "  %-24s administrator access key id (default: generated on first start,\n", EnvAccessKeyID)
	fmt.Fprintf(&b, "  %-24s stored in the data dir with mode 0600 and printed once)\n", "")
	fmt.Fprintf(&b, "  %-24s administrator secret access key (set together with %s)\n", EnvSecretAccessKey, EnvAccessKeyID)
	fmt.Fprintf(&b, "  %-24s administrator account id, 12 digits (default %q)\n", EnvAccountID, DefaultAdminAccountID)
	b.WriteString("\nLimits and the subnets, security groups, accounts and instances are set in\n")
	b.WriteString("the config file only; see docs/configuration.md.\n")
	return b.String()
}
