package config

import (
	"strings"
	"testing"
)

func TestScalarValidation(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  env
		file string // YAML; "" = no file
		want []string
	}{
		{"region upper-case flag", []string{"--region", "US-East-1"}, env{}, "", []string{`--region "US-East-1"`, "lower-case"}},
		{"region bad env", nil, env{"ELBD_REGION": "us_east_1"}, "", []string{`ELBD_REGION "us_east_1"`}},
		{"region bad file", nil, env{}, "region: Bad\n", []string{`region "Bad"`}},
		{"zones duplicate", []string{"--zones", "za,zb,za"}, env{}, "", []string{"--zones", `"za"`, "more than once"}},
		{"zones empty item", nil, env{"ELBD_ZONES": "za,,zb"}, "", []string{"ELBD_ZONES", "empty zone"}},
		{"zones bad name file", nil, env{}, "zones: [Zone-A]\n", []string{"zones", `"Zone-A"`}},
		{"dns domain bad", []string{"--dns-domain", "elb..internal"}, env{}, "", []string{`--dns-domain "elb..internal"`, "domain"}},
		{"dns domain upper", nil, env{"ELBD_DNS_DOMAIN": "ELB.internal"}, "", []string{"ELBD_DNS_DOMAIN"}},
		{"dns domain hyphen", nil, env{}, "dns_domain: -x.internal\n", []string{`dns_domain "-x.internal"`}},
		{"dns domain numeric tld", []string{"--dns-domain", "10.0.0.1"}, env{}, "", []string{"--dns-domain"}},
		{"dns domain trailing dot", []string{"--dns-domain", "elb.internal."}, env{}, "", []string{"--dns-domain"}},
		{"api listen no port", []string{"--api-listen", "127.0.0.1"}, env{}, "", []string{`--api-listen "127.0.0.1"`, "host:port"}},
		{"api listen bad port", nil, env{"ELBD_API_LISTEN": "127.0.0.1:http"}, "", []string{"ELBD_API_LISTEN", "port"}},
		{"api listen big port", nil, env{}, "api_listen: :70000\n", []string{`api_listen ":70000"`}},
		{"api listen bad host", []string{"--api-listen", "bad host:80"}, env{}, "", []string{"--api-listen", "host"}},
		{"store bad scheme", []string{"--store", "redis:x"}, env{}, "", []string{`--store "redis:x"`, `"redis"`}},
		{"store no scheme", nil, env{"ELBD_STORE": "/var/db"}, "", []string{`ELBD_STORE "/var/db"`}},
		{"store empty target", nil, env{}, "store: 'bolt:'\n", []string{`store "bolt:"`, "missing target"}},
		{"log level", []string{"--log-level", "trace"}, env{}, "", []string{`--log-level "trace"`, "debug, info, warn, error"}},
		{"log level file", nil, env{}, "log_level: INFO\n", []string{`log_level "INFO"`}},
		{"admin key without secret", nil, env{"ELBD_ACCESS_KEY_ID": "AKIAADMIN0000001"}, "", []string{"ELBD_SECRET_ACCESS_KEY"}},
		{"admin secret without key", nil, env{"ELBD_SECRET_ACCESS_KEY": "x"}, "", []string{"ELBD_ACCESS_KEY_ID"}},
		{"admin key pattern", nil, env{"ELBD_ACCESS_KEY_ID": "akia-short", "ELBD_SECRET_ACCESS_KEY": "x"}, "", []string{`ELBD_ACCESS_KEY_ID "akia-short"`}},
		{"admin account", nil, env{"ELBD_ACCOUNT_ID": "12345"}, "", []string{`ELBD_ACCOUNT_ID "12345"`, "12 digits"}},
		{"limit zero", nil, env{}, "limits: {load_balancers: 0}\n", []string{"limits.load_balancers", "> 0"}},
		{"limit negative", nil, env{}, "limits: {listeners: -1}\n", []string{"limits.listeners"}},
		{"limit registered", nil, env{}, "limits: {registered_instances: 0}\n", []string{"limits.registered_instances"}},
		{"limit policies", nil, env{}, "limits: {policies: 0}\n", []string{"limits.policies"}},
		{"limit tags", nil, env{}, "limits: {tags: 0}\n", []string{"limits.tags"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env{}
			for k, v := range tt.env {
				e[k] = v
			}
			if tt.file != "" {
				e["ELBD_CONFIG"] = writeFile(t, "elbd.yaml", tt.file)
			}
			_, err := Load(tt.args, e.get)
			checkErr(t, err, tt.want)
		})
	}
}

func TestFileValidation(t *testing.T) {
	const okSubnet = "{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24}"
	tests := []struct {
		name string
		file string
		env  env
		want []string
	}{
		// Unknown keys.
		{"unknown top-level key", "regoin: us-east-1\n", nil, []string{"regoin", "not found"}},
		{"unknown nested key", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24, az: x}]\n", nil, []string{"az", "not found"}},
		{"unknown limit", "limits: {lbs: 3}\n", nil, []string{"lbs"}},
		{"duplicate key", "region: a\nregion: b\n", nil, []string{"region", "already defined"}},
		{"two documents", "region: a\n---\nregion: b\n", nil, []string{"single YAML document"}},
		{"syntax error", "subnets: [\n", nil, []string{"elbd.yaml"}},

		// Subnets.
		{"subnet id missing", "subnets: [{zone: us-east-1a, cidr: 10.0.0.0/24}]\n", nil, []string{"subnets[0].id is required"}},
		{"subnet id pattern", "subnets: [{id: sub-1, zone: us-east-1a, cidr: 10.0.0.0/24}]\n", nil, []string{`subnets[0].id "sub-1"`}},
		{"subnet id duplicate", "subnets: [" + okSubnet + ", {id: subnet-1, zone: us-east-1b, cidr: 10.0.1.0/24}]\n", nil, []string{`subnets[1].id "subnet-1" duplicates subnets[0].id`}},
		{"subnet zone missing", "subnets: [{id: subnet-1, cidr: 10.0.0.0/24}]\n", nil, []string{"subnets[0].zone is required"}},
		{"subnet zone unknown", "subnets: [" + okSubnet + ", {id: subnet-2, zone: us-east-1z, cidr: 10.0.1.0/24}]\n", nil,
			[]string{`config: subnets[1].zone "us-east-1z" is not one of --zones (us-east-1a,us-east-1b,us-east-1c)`}},
		{"subnet zone unknown file zones", "zones: [za]\nsubnets: [" + okSubnet + "]\n", nil, []string{`subnets[0].zone "us-east-1a" is not one of zones (za)`}},
		{"subnet zone unknown env zones", "subnets: [" + okSubnet + "]\n", env{"ELBD_ZONES": "zb"}, []string{`is not one of ELBD_ZONES (zb)`}},
		{"subnet vpc pattern", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24, vpc: net-1}]\n", nil, []string{`subnets[0].vpc "net-1"`}},
		{"subnet cidr missing", "subnets: [{id: subnet-1, zone: us-east-1a}]\n", nil, []string{"subnets[0].cidr is required"}},
		{"subnet cidr invalid", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/33}]\n", nil, []string{`subnets[0].cidr "10.0.0.0/33" is not a valid CIDR`}},
		{"subnet cidr ipv6", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: '2001:db8::/64'}]\n", nil, []string{`subnets[0].cidr "2001:db8::/64" is not an IPv4`}},
		{"subnet cidr host bits", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.1/24}]\n", nil, []string{"subnets[0].cidr", "10.0.0.0/24"}},
		{"subnet ipv6 cidr invalid", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24, ipv6_cidr: 'zz::/64'}]\n", nil, []string{`subnets[0].ipv6_cidr "zz::/64"`}},
		{"subnet ipv6 cidr is v4", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24, ipv6_cidr: 10.1.0.0/16}]\n", nil, []string{`subnets[0].ipv6_cidr "10.1.0.0/16" is not an IPv6`}},
		{"subnet overlap", "subnets: [" + okSubnet + ", {id: subnet-2, zone: us-east-1a, cidr: 10.0.0.128/25}]\n", nil, []string{"subnets[1].cidr", "overlaps subnets[0].cidr"}},
		{"subnet bad public", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24, public: maybe}]\n", nil, []string{"maybe"}},

		// Security groups.
		{"sg id missing", "security_groups: [{name: a}]\n", nil, []string{"security_groups[0].id is required"}},
		{"sg id pattern", "security_groups: [{id: group-1, name: a}]\n", nil, []string{`security_groups[0].id "group-1"`}},
		{"sg id duplicate", "security_groups: [{id: sg-1, name: a}, {id: sg-1, name: b}]\n", nil, []string{`security_groups[1].id "sg-1" duplicates`}},
		{"sg name missing", "security_groups: [{id: sg-1}]\n", nil, []string{"security_groups[0].name is required"}},
		{"sg name duplicate", "security_groups: [{id: sg-1, name: a}, {id: sg-2, name: a}]\n", nil, []string{`security_groups[1].name "a" duplicates`}},
		{"sg vpc pattern", "security_groups: [{id: sg-1, name: a, vpc: x}]\n", nil, []string{`security_groups[0].vpc "x"`}},
		{"rule protocol", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: http, from_port: 80, to_port: 80, cidrs: [0.0.0.0/0]}]}]\n", nil,
			[]string{`security_groups[0].ingress[0].protocol "http"`}},
		{"rule from port range", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: tcp, from_port: -1, to_port: 80, cidrs: [0.0.0.0/0]}]}]\n", nil,
			[]string{"security_groups[0].ingress[0].from_port -1"}},
		{"rule to port range", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: tcp, from_port: 1, to_port: 65536, cidrs: [0.0.0.0/0]}]}]\n", nil,
			[]string{"security_groups[0].ingress[0].to_port 65536"}},
		{"rule from > to", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: udp, from_port: 90, to_port: 80, cidrs: [0.0.0.0/0]}]}]\n", nil,
			[]string{"security_groups[0].ingress[0].from_port 90 is greater than to_port 80"}},
		{"rule no cidrs", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: icmp}]}]\n", nil,
			[]string{"security_groups[0].ingress[0].cidrs"}},
		{"rule bad cidr", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: tcp, from_port: 1, to_port: 2, cidrs: [0.0.0.0/0, everywhere]}]}]\n", nil,
			[]string{`security_groups[0].ingress[0].cidrs[1] "everywhere"`}},

		// Accounts.
		{"account id short", "accounts: [{id: '12345', name: a}]\n", nil, []string{`accounts[0].id "12345" must be 12 digits`}},
		{"account id missing", "accounts: [{name: a}]\n", nil, []string{`accounts[0].id is required`}},
		{"account id duplicate", "accounts: [{id: '111111111111'}, {id: '111111111111'}]\n", nil, []string{`accounts[1].id "111111111111" duplicates accounts[0].id`}},
		{"account is admin", "accounts: [{id: '123456789012'}]\n", nil, []string{`accounts[0].id "123456789012" is the administrator account`, "ELBD_ACCOUNT_ID"}},
		{"account key pattern", "accounts: [{id: '111111111111', keys: [{access_key_id: akia1, secret_access_key: s}]}]\n", nil,
			[]string{`accounts[0].keys[0].access_key_id "akia1"`}},
		{"account key secret missing", "accounts: [{id: '111111111111', keys: [{access_key_id: AKIA000000000001}]}]\n", nil,
			[]string{"accounts[0].keys[0].secret_access_key is required"}},
		{"account key duplicate across accounts", `accounts:
  - {id: '111111111111', keys: [{access_key_id: AKIA000000000001, secret_access_key: s}]}
  - {id: '222222222222', keys: [{access_key_id: AKIA000000000001, secret_access_key: t}]}
`, nil, []string{`accounts[1].keys[0].access_key_id "AKIA000000000001" duplicates accounts[0].keys[0].access_key_id`}},
		{"account key is admin key", "accounts: [{id: '111111111111', keys: [{access_key_id: AKIAADMIN0000001, secret_access_key: s}]}]\n",
			env{"ELBD_ACCESS_KEY_ID": "AKIAADMIN0000001", "ELBD_SECRET_ACCESS_KEY": "x"},
			[]string{`accounts[0].keys[0].access_key_id "AKIAADMIN0000001" is the administrator key`}},

		// Instances.
		{"instance id missing", "instances: [{zone: us-east-1a, ipv4: 10.0.0.1}]\n", nil, []string{"instances[0].id is required"}},
		{"instance id pattern", "instances: [{id: 10.0.0.1, zone: us-east-1a, ipv4: 10.0.0.1}]\n", nil, []string{`instances[0].id "10.0.0.1"`}},
		{"instance id duplicate", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.1}, {id: i-1, zone: us-east-1a, ipv4: 10.0.0.2}]\n", nil,
			[]string{`instances[1].id "i-1" duplicates instances[0].id`}},
		{"instance zone missing", "instances: [{id: i-1, ipv4: 10.0.0.1}]\n", nil, []string{"instances[0].zone is required"}},
		{"instance zone unknown", "instances: [{id: i-1, zone: eu-west-1a, ipv4: 10.0.0.1}]\n", nil, []string{`instances[0].zone "eu-west-1a" is not one of --zones`}},
		{"instance no address", "instances: [{id: i-1, zone: us-east-1a}]\n", nil, []string{"instances[0] needs at least one of ipv4 and ipv6"}},
		{"instance ipv4 invalid", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.300}]\n", nil, []string{`instances[0].ipv4 "10.0.0.300"`}},
		{"instance ipv4 is v6", "instances: [{id: i-1, zone: us-east-1a, ipv4: '::1'}]\n", nil, []string{`instances[0].ipv4 "::1" is not an IPv4`}},
		{"instance ipv4 unspecified", "instances: [{id: i-1, zone: us-east-1a, ipv4: 0.0.0.0}]\n", nil, []string{`instances[0].ipv4 "0.0.0.0"`}},
		{"instance ipv6 is v4", "instances: [{id: i-1, zone: us-east-1a, ipv6: 10.0.0.1}]\n", nil, []string{`instances[0].ipv6 "10.0.0.1" is not an IPv6`}},
		{"instance ipv6 mapped v4", "instances: [{id: i-1, zone: us-east-1a, ipv6: '::ffff:10.0.0.1'}]\n", nil, []string{`instances[0].ipv6 "::ffff:10.0.0.1"`}},
		{"instance state", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.1, state: sleeping}]\n", nil, []string{`instances[0].state "sleeping"`, "pending, running, stopped, terminated"}},
		{"instance account format", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.1, account: acme}]\n", nil, []string{`instances[0].account "acme" must be 12 digits`}},
		{"instance account undeclared", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.1, account: '111111111111'}]\n", nil,
			[]string{`instances[0].account "111111111111" is neither the administrator account`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := env{"ELBD_CONFIG": writeFile(t, "elbd.yaml", tt.file)}
			for k, v := range tt.env {
				e[k] = v
			}
			_, err := Load(nil, e.get)
			checkErr(t, err, tt.want)
		})
	}
}

func TestFileValidationAccepts(t *testing.T) {
	tests := []struct{ name, file string }{
		{"instance of admin account", "instances: [{id: i-1, zone: us-east-1a, ipv4: 10.0.0.1, account: '123456789012'}]\n"},
		{"instance of declared account", "accounts: [{id: 111111111111}]\ninstances: [{id: i-1, zone: us-east-1a, ipv6: '2001:db8::1', account: '111111111111'}]\n"},
		{"dual-stack instance", "instances: [{id: i-0abc, zone: us-east-1b, ipv4: 10.0.0.1, ipv6: '2001:db8::1', state: terminated}]\n"},
		{"subnets share a zone", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24}, {id: subnet-2, zone: us-east-1a, cidr: 10.0.1.0/24}]\n"},
		{"same cidr in other vpc", "subnets: [{id: subnet-1, zone: us-east-1a, cidr: 10.0.0.0/24}, {id: subnet-2, zone: us-east-1a, cidr: 10.0.0.0/24, vpc: vpc-2}]\n"},
		{"same sg name in other vpc", "security_groups: [{id: sg-1, name: a}, {id: sg-2, name: a, vpc: vpc-2}]\n"},
		{"icmp rule", "security_groups: [{id: sg-1, name: a, ingress: [{protocol: icmp, from_port: 0, to_port: 255, cidrs: ['::/0']}]}]\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Load(nil, env{"ELBD_CONFIG": writeFile(t, "elbd.yaml", tt.file)}.get); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	c := Default()
	c.Region = "X"
	c.LogLevel = "loud"
	c.Limits.TagsPerLoadBalancer = 0
	c.File.Instances = []Instance{{ID: "i-1", Zone: "nowhere", IPv4: "10.0.0.1"}}
	err := c.Validate()
	checkErr(t, err, []string{`--region "X"`, `--log-level "loud"`, "limits.tags", `instances[0].zone "nowhere"`})
	if n := strings.Count(err.Error(), "\n") + 1; n != 4 {
		t.Errorf("got %d problems, want 4:\n%v", n, err)
	}
	var zero Config
	if err := zero.Validate(); err == nil {
		t.Error("zero Config validated")
	}
}

func TestReadFileStandalone(t *testing.T) {
	// ReadFile cannot know the zones, so it accepts any zone name...
	path := writeFile(t, "elbd.yaml", "instances: [{id: i-1, zone: mars-1a, ipv4: 10.0.0.1}]\n")
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if f.Instances[0].Zone != "mars-1a" {
		t.Errorf("got %+v", f.Instances)
	}
	// ...while CheckFile and Reload check it against the configuration.
	c := Default()
	checkErr(t, c.CheckFile(f), []string{`instances[0].zone "mars-1a"`})
	c.ConfigFile = path
	_, err = c.Reload()
	checkErr(t, err, []string{`instances[0].zone "mars-1a"`})
	c.Zones = []string{"mars-1a"}
	f2, err := c.Reload()
	if err != nil || len(f2.Instances) != 1 {
		t.Fatalf("Reload() = %+v, %v", f2, err)
	}
	if _, err := ReadFile(path + ".missing"); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("ReadFile(missing) = %v", err)
	}
	if _, err := Default().Reload(); err == nil {
		t.Error("Reload without a config file succeeded")
	}
	// Per-file validation errors come back from ReadFile too.
	bad := writeFile(t, "bad.yaml", "instances: [{id: x-1, zone: a, ipv4: 10.0.0.1}]\n")
	_, err = ReadFile(bad)
	checkErr(t, err, []string{`instances[0].id "x-1"`})
}

func TestSlogLevel(t *testing.T) {
	for lvl, want := range map[string]string{"debug": "DEBUG", "info": "INFO", "warn": "WARN", "error": "ERROR"} {
		c := Default()
		c.LogLevel = lvl
		if got := c.SlogLevel().String(); got != want {
			t.Errorf("SlogLevel(%s) = %s", lvl, got)
		}
	}
}

func TestStoreBackend(t *testing.T) {
	c := Default()
	c.Store = "etcd:http://10.0.0.1:2379,http://10.0.0.2:2379"
	if s, tg := c.StoreBackend(); s != "etcd" || tg != "http://10.0.0.1:2379,http://10.0.0.2:2379" {
		t.Errorf("StoreBackend() = %q, %q", s, tg)
	}
	c.Store = ""
	c.DataDir = "/srv/elbd"
	if s, tg := c.StoreBackend(); s != "bolt" || tg != "/srv/elbd/elbd.db" {
		t.Errorf("StoreBackend() = %q, %q", s, tg)
	}
}

func TestLoadReportsFileAndCrossChecksTogether(t *testing.T) {
	path := writeFile(t, "elbd.yaml", `limits: {tags: 0}
subnets:
  - {id: subnet-1, zone: us-east-1z, cidr: 10.0.0.1/24}
`)
	_, err := Load(nil, env{"ELBD_CONFIG": path}.get)
	checkErr(t, err, []string{"limits.tags", `subnets[0].zone "us-east-1z"`, `subnets[0].cidr "10.0.0.1/24" has host bits set`})
	if n := strings.Count(err.Error(), "limits.tags"); n != 1 {
		t.Errorf("limits.tags reported %d times:\n%v", n, err)
	}
}
