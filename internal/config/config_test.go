package config

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// env is a map-backed getenv.
type env map[string]string

func (e env) get(k string) string { return e[k] }

// writeFile writes content to name in a fresh temporary directory.
func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// stripped returns a copy of c without the unexported source bookkeeping.
func stripped(c *Config) Config {
	cc := *c
	cc.sources = nil
	return cc
}

func TestDefaults(t *testing.T) {
	c, err := Load(nil, env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		DataDir:        "./elbd-data",
		APIListen:      "127.0.0.1:9900",
		Region:         "us-east-1",
		Zones:          []string{"us-east-1a", "us-east-1b", "us-east-1c"},
		DNSDomain:      "elb.internal",
		AddressPool:    "127.100.0.0/16",
		DNSListen:      "127.0.0.1:9953",
		MetricsListen:  "127.0.0.1:9901",
		LogLevel:       "info",
		AdminAccountID: "123456789012",
		Limits: Limits{
			LoadBalancersPerAccount:  20,
			ListenersPerLoadBalancer: 100,
			InstancesPerLoadBalancer: 1000,
			PoliciesPerLoadBalancer:  100,
			TagsPerLoadBalancer:      50,
		},
	}
	if got := stripped(c); !reflect.DeepEqual(got, want) {
		t.Errorf("Load defaults:\n got %+v\nwant %+v", got, want)
	}
	if got := stripped(Default()); !reflect.DeepEqual(got, want) {
		t.Errorf("Default():\n got %+v\nwant %+v", got, want)
	}
	if err := Default().Validate(); err != nil {
		t.Errorf("Default().Validate() = %v", err)
	}
	scheme, target := c.StoreBackend()
	if scheme != "bolt" || target != filepath.Join("elbd-data", "elbd.db") {
		t.Errorf("StoreBackend() = %q, %q", scheme, target)
	}
	// A nil getenv means no environment.
	if _, err := Load(nil, nil); err != nil {
		t.Errorf("Load(nil, nil) = %v", err)
	}
}

func TestPrecedence(t *testing.T) {
	type vals struct{ def, file, env, flag string }
	tests := []struct {
		flag, env, key string
		fileYAML       string // file line setting the key
		v              vals
		get            func(*Config) string
	}{
		{"data-dir", "ELBD_DATA_DIR", "data_dir", "data_dir: /file/dir", vals{"./elbd-data", "/file/dir", "/env/dir", "/flag/dir"},
			func(c *Config) string { return c.DataDir }},
		{"api-listen", "ELBD_API_LISTEN", "api_listen", "api_listen: 127.0.0.1:1001", vals{"127.0.0.1:9900", "127.0.0.1:1001", "[::1]:1002", ":1003"},
			func(c *Config) string { return c.APIListen }},
		{"region", "ELBD_REGION", "region", "region: eu-west-1", vals{"us-east-1", "eu-west-1", "ap-south-2", "local-1"},
			func(c *Config) string { return c.Region }},
		{"zones", "ELBD_ZONES", "zones", "zones: [fa, fb]", vals{"us-east-1a,us-east-1b,us-east-1c", "fa,fb", "ea,eb", "xa"},
			func(c *Config) string { return strings.Join(c.Zones, ",") }},
		{"dns-domain", "ELBD_DNS_DOMAIN", "dns_domain", "dns_domain: file.example", vals{"elb.internal", "file.example", "env.example", "flag.example"},
			func(c *Config) string { return c.DNSDomain }},
		{"metrics-listen", "ELBD_METRICS_LISTEN", "metrics_listen", "metrics_listen: 127.0.0.1:1011", vals{"127.0.0.1:9901", "127.0.0.1:1011", "off", "[::1]:1013"},
			func(c *Config) string { return c.MetricsListen }},
		{"store", "ELBD_STORE", "store", "store: bolt:/file.db", vals{"", "bolt:/file.db", "etcd:http://127.0.0.1:2379", "bolt:/flag.db"},
			func(c *Config) string { return c.Store }},
		{"log-level", "ELBD_LOG_LEVEL", "log_level", "log_level: debug", vals{"info", "debug", "warn", "error"},
			func(c *Config) string { return c.LogLevel }},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			path := writeFile(t, "elbd.yaml", tt.fileYAML+"\n")
			cases := []struct {
				name string
				args []string
				env  env
				want string
				src  string
			}{
				{"default", nil, env{}, tt.v.def, ""},
				{"file", nil, env{"ELBD_CONFIG": path}, tt.v.file, tt.key},
				{"env beats file", nil, env{"ELBD_CONFIG": path, tt.env: tt.v.env}, tt.v.env, tt.env},
				{"flag beats env", []string{"--" + tt.flag, tt.v.flag}, env{"ELBD_CONFIG": path, tt.env: tt.v.env}, tt.v.flag, "--" + tt.flag},
				{"single-dash flag", []string{"-" + tt.flag + "=" + tt.v.flag}, env{tt.env: tt.v.env}, tt.v.flag, "--" + tt.flag},
				{"empty env falls through", nil, env{"ELBD_CONFIG": path, tt.env: ""}, tt.v.file, tt.key},
				{"empty flag falls through", []string{"--" + tt.flag, ""}, env{tt.env: tt.v.env}, tt.v.env, tt.env},
			}
			for _, cs := range cases {
				c, err := Load(cs.args, cs.env.get)
				if err != nil {
					t.Fatalf("%s: %v", cs.name, err)
				}
				if got := tt.get(c); got != cs.want {
					t.Errorf("%s: got %q, want %q", cs.name, got, cs.want)
				}
				if got, ok := c.sources[tt.key]; cs.src != "" && (!ok || got != cs.src) || cs.src == "" && ok {
					t.Errorf("%s: source = %q, want %q", cs.name, got, cs.src)
				}
			}
		})
	}
}

func TestConfigFileFlagBeatsEnv(t *testing.T) {
	a := writeFile(t, "a.yaml", "region: eu-west-1\n")
	b := writeFile(t, "b.yaml", "region: eu-west-2\n")
	c, err := Load([]string{"--config", a}, env{"ELBD_CONFIG": b}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.ConfigFile != a || c.Region != "eu-west-1" || c.File.Region != "eu-west-1" {
		t.Errorf("ConfigFile=%q Region=%q File.Region=%q", c.ConfigFile, c.Region, c.File.Region)
	}
}

func TestZonesDefaultFromRegion(t *testing.T) {
	fileRegion := writeFile(t, "r.yaml", "region: eu-west-1\n")
	fileZones := writeFile(t, "z.yaml", "region: eu-west-1\nzones: [z1, z2]\n")
	tests := []struct {
		name string
		args []string
		env  env
		want []string
	}{
		{"default region", nil, env{}, []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"file region", nil, env{"ELBD_CONFIG": fileRegion}, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}},
		{"env region over file region", nil, env{"ELBD_CONFIG": fileRegion, "ELBD_REGION": "ap-east-1"}, []string{"ap-east-1a", "ap-east-1b", "ap-east-1c"}},
		{"flag region", []string{"--region", "sa-east-1"}, env{"ELBD_CONFIG": fileRegion}, []string{"sa-east-1a", "sa-east-1b", "sa-east-1c"}},
		{"file zones kept", []string{"--region", "sa-east-1"}, env{"ELBD_CONFIG": fileZones}, []string{"z1", "z2"}},
		{"zones flag trimmed", []string{"--zones", "a1, b1 ,c1"}, env{}, []string{"a1", "b1", "c1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Load(tt.args, tt.env.get)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(c.Zones, tt.want) {
				t.Errorf("Zones = %q, want %q", c.Zones, tt.want)
			}
		})
	}
}

const fullYAML = `# a complete file
data_dir: /var/lib/elbd
api_listen: 0.0.0.0:9900
region: eu-west-1
zones: [eu-west-1a, eu-west-1b]
dns_domain: elb.example.test
store: bolt:/var/lib/elbd/state.db
log_level: debug
limits:
  load_balancers: 5
  listeners: 10
  registered_instances: 50
  policies: 7
  tags: 3
subnets:
  - id: subnet-0a
    zone: eu-west-1a
    cidr: 10.0.1.0/24
    ipv6_cidr: "2001:db8:0:1::/64"
  - id: subnet-0b
    zone: eu-west-1b
    vpc: vpc-other
    cidr: 10.0.1.0/24
    public: false
security_groups:
  - id: sg-web
    name: web
    description: web servers
    ingress:
      - protocol: tcp
        from_port: 80
        to_port: 443
        cidrs: [0.0.0.0/0, "::/0"]
      - protocol: "-1"
        cidrs: [10.0.0.0/8]
accounts:
  - id: 111122223333
    name: team-a
    keys:
      - access_key_id: AKIATEAMA0000001
        secret_access_key: secret-a
  - id: "444455556666"
    name: team-b
instances:
  - id: i-0123456789abcdef0
    zone: eu-west-1a
    ipv4: 10.0.1.10
    account: "111122223333"
  - id: i-web2
    zone: eu-west-1b
    ipv6: "2001:db8::10"
    state: stopped
`

const fullJSON = `{
  "data_dir": "/var/lib/elbd",
  "api_listen": "0.0.0.0:9900",
  "region": "eu-west-1",
  "zones": ["eu-west-1a", "eu-west-1b"],
  "dns_domain": "elb.example.test",
  "store": "bolt:/var/lib/elbd/state.db",
  "log_level": "debug",
  "limits": {"load_balancers": 5, "listeners": 10, "registered_instances": 50, "policies": 7, "tags": 3},
  "subnets": [
    {"id": "subnet-0a", "zone": "eu-west-1a", "cidr": "10.0.1.0/24", "ipv6_cidr": "2001:db8:0:1::/64"},
    {"id": "subnet-0b", "zone": "eu-west-1b", "vpc": "vpc-other", "cidr": "10.0.1.0/24", "public": false}
  ],
  "security_groups": [
    {"id": "sg-web", "name": "web", "description": "web servers", "ingress": [
      {"protocol": "tcp", "from_port": 80, "to_port": 443, "cidrs": ["0.0.0.0/0", "::/0"]},
      {"protocol": "-1", "cidrs": ["10.0.0.0/8"]}
    ]}
  ],
  "accounts": [
    {"id": 111122223333, "name": "team-a", "keys": [{"access_key_id": "AKIATEAMA0000001", "secret_access_key": "secret-a"}]},
    {"id": "444455556666", "name": "team-b"}
  ],
  "instances": [
    {"id": "i-0123456789abcdef0", "zone": "eu-west-1a", "ipv4": "10.0.1.10", "account": "111122223333"},
    {"id": "i-web2", "zone": "eu-west-1b", "ipv6": "2001:db8::10", "state": "stopped"}
  ]
}
`

func intp(v int) *int    { return &v }
func boolp(v bool) *bool { return &v }

func TestYAMLAndJSONParseAlike(t *testing.T) {
	want := &File{
		DataDir:   "/var/lib/elbd",
		APIListen: "0.0.0.0:9900",
		Region:    "eu-west-1",
		Zones:     []string{"eu-west-1a", "eu-west-1b"},
		DNSDomain: "elb.example.test",
		Store:     "bolt:/var/lib/elbd/state.db",
		LogLevel:  "debug",
		Limits:    FileLimits{intp(5), intp(10), intp(50), intp(7), intp(3)},
		Subnets: []Subnet{
			{ID: "subnet-0a", Zone: "eu-west-1a", VPC: "vpc-elbd0001", CIDR: "10.0.1.0/24", IPv6CIDR: "2001:db8:0:1::/64", Public: boolp(true)},
			{ID: "subnet-0b", Zone: "eu-west-1b", VPC: "vpc-other", CIDR: "10.0.1.0/24", Public: boolp(false)},
		},
		SecurityGroups: []SecurityGroup{{
			ID: "sg-web", Name: "web", VPC: "vpc-elbd0001", Description: "web servers",
			Ingress: []Rule{
				{Protocol: "tcp", FromPort: 80, ToPort: 443, CIDRs: []string{"0.0.0.0/0", "::/0"}},
				{Protocol: "-1", CIDRs: []string{"10.0.0.0/8"}},
			},
		}},
		Accounts: []Account{
			{ID: "111122223333", Name: "team-a", Keys: []Key{{AccessKeyID: "AKIATEAMA0000001", SecretAccessKey: "secret-a"}}},
			{ID: "444455556666", Name: "team-b"},
		},
		Instances: []Instance{
			{ID: "i-0123456789abcdef0", Zone: "eu-west-1a", IPv4: "10.0.1.10", State: "running", Account: "111122223333"},
			{ID: "i-web2", Zone: "eu-west-1b", IPv6: "2001:db8::10", State: "stopped"},
		},
	}
	for _, tc := range []struct{ name, content string }{
		{"elbd.yaml", fullYAML},
		{"elbd.json", fullJSON},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, tc.name, tc.content)
			f, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("ReadFile:\n got %+v\nwant %+v", f, want)
			}
			c, err := Load([]string{"--config", path}, env{}.get)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(&c.File, want) {
				t.Errorf("Config.File differs from ReadFile")
			}
			wantLimits := Limits{5, 10, 50, 7, 3}
			if c.Limits != wantLimits {
				t.Errorf("Limits = %+v, want %+v", c.Limits, wantLimits)
			}
			if c.DataDir != "/var/lib/elbd" || c.Region != "eu-west-1" || c.LogLevel != "debug" || c.DNSDomain != "elb.example.test" {
				t.Errorf("scalars not taken from file: %+v", stripped(c))
			}
			if s, tg := c.StoreBackend(); s != "bolt" || tg != "/var/lib/elbd/state.db" {
				t.Errorf("StoreBackend() = %q, %q", s, tg)
			}
		})
	}
}

func TestEmptyFile(t *testing.T) {
	for _, content := range []string{"", "# only a comment\n", "{}\n"} {
		path := writeFile(t, "e.yaml", content)
		f, err := ReadFile(path)
		if err != nil {
			t.Fatalf("%q: %v", content, err)
		}
		if !reflect.DeepEqual(f, &File{}) {
			t.Errorf("%q: got %+v", content, f)
		}
	}
}

func TestFileDefaults(t *testing.T) {
	path := writeFile(t, "d.yaml", `
subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24}]
security_groups: [{id: sg-1, name: default}]
instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.5}]
`)
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if s := f.Subnets[0]; s.VPC != DefaultVPC || s.Public == nil || !*s.Public || !s.IsPublic() {
		t.Errorf("subnet defaults: %+v", s)
	}
	if f.SecurityGroups[0].VPC != DefaultVPC {
		t.Errorf("security group vpc = %q", f.SecurityGroups[0].VPC)
	}
	if f.Instances[0].State != "running" {
		t.Errorf("instance state = %q", f.Instances[0].State)
	}
	if !(Subnet{}).IsPublic() || (Subnet{Public: boolp(false)}).IsPublic() {
		t.Error("IsPublic wrong")
	}
}

func TestAdminCredentials(t *testing.T) {
	c, err := Load(nil, env{
		"ELBD_ACCESS_KEY_ID":     "AKIAADMIN0000001",
		"ELBD_SECRET_ACCESS_KEY": "s3cret",
		"ELBD_ACCOUNT_ID":        "999988887777",
	}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.AdminAccessKeyID != "AKIAADMIN0000001" || c.AdminSecretAccessKey != "s3cret" || c.AdminAccountID != "999988887777" {
		t.Errorf("admin credentials: %q %q %q", c.AdminAccessKeyID, c.AdminSecretAccessKey, c.AdminAccountID)
	}
	// Secrets are never flags.
	for _, f := range []string{"--access-key-id", "--secret-access-key", "--account-id"} {
		if _, err := Load([]string{f, "x"}, env{}.get); err == nil || !strings.Contains(err.Error(), "not defined") {
			t.Errorf("Load(%s) err = %v, want flag not defined", f, err)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, a := range []string{"-h", "--help", "-help"} {
		if _, err := Load([]string{a}, env{}.get); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("Load(%s) err = %v, want flag.ErrHelp", a, err)
		}
	}
}

func TestUsage(t *testing.T) {
	u := Usage()
	fs, _ := newFlagSet()
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		n++
		if !strings.Contains(u, "--"+f.Name+" ") {
			t.Errorf("Usage does not list --%s", f.Name)
		}
	})
	if n != 13 {
		t.Errorf("flag set has %d flags, want 13", n)
	}
	for _, s := range []string{
		"ELBD_CONFIG", "ELBD_DATA_DIR", "ELBD_API_LISTEN", "ELBD_REGION", "ELBD_ZONES", "ELBD_DNS_DOMAIN", "ELBD_STORE", "ELBD_LOG_LEVEL", "ELBD_METRICS_LISTEN", "ELBD_ACCESS_LOG_DIR",
		"ELBD_ACCESS_KEY_ID", "ELBD_SECRET_ACCESS_KEY", "ELBD_ACCOUNT_ID",
		"data_dir", "api_listen", "dns_domain", "log_level", "metrics_listen", `"127.0.0.1:9901"`,
		`"./elbd-data"`, `"127.0.0.1:9900"`, `"us-east-1"`, "<region>a,<region>b,<region>c", `"elb.internal"`, "bolt:<data-dir>/elbd.db", `"info"`, `"123456789012"`,
	} {
		if !strings.Contains(u, s) {
			t.Errorf("Usage does not mention %s", s)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  env
		want []string
	}{
		{"unknown flag", []string{"--nope"}, env{}, []string{"nope", "not defined"}},
		{"positional argument", []string{"extra"}, env{}, []string{`unexpected argument "extra"`}},
		{"missing file via flag", []string{"--config", "/nonexistent/elbd.yaml"}, env{}, []string{"--config", "/nonexistent/elbd.yaml"}},
		{"missing file via env", nil, env{"ELBD_CONFIG": "/nonexistent/elbd.yaml"}, []string{"ELBD_CONFIG", "/nonexistent/elbd.yaml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.args, tt.env.get)
			checkErr(t, err, tt.want)
		})
	}
}

func checkErr(t *testing.T, err error, want []string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one mentioning %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	if !strings.HasPrefix(err.Error(), "config: ") {
		t.Errorf("error %q lacks the config: prefix", err)
	}
}

func TestDataPlaneSettings(t *testing.T) {
	c, err := Load([]string{"--address-pool", "127.200.0.0/24", "--address-pool6", "fd00:e1b::/64", "--dns-listen", "off"}, env{}.get)
	if err != nil {
		t.Fatal(err)
	}
	if c.AddressPool != "127.200.0.0/24" || c.AddressPool6 != "fd00:e1b::/64" || c.DNSListen != "off" {
		t.Errorf("Load = pool %q pool6 %q dns %q", c.AddressPool, c.AddressPool6, c.DNSListen)
	}
	for _, args := range [][]string{
		{"--address-pool", "10.0.0.1/8"},
		{"--address-pool", "fd00::/64"},
		{"--address-pool", "127.0.0.0/31"},
		{"--address-pool6", "10.0.0.0/8"},
		{"--dns-listen", "nonsense"},
		{"--metrics-listen", "nonsense"},
	} {
		if _, err := Load(args, env{}.get); err == nil || !strings.Contains(err.Error(), args[0]) {
			t.Errorf("Load(%v) error = %v, want one naming %s", args, err, args[0])
		}
	}
}
