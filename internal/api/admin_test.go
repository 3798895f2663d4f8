package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"

	"github.com/elbd/elbd/internal/api"
	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/elbdtest"
)

// adminReq sends an admin API request signed with the SDK signer for
// service "elbd" (key nil: unsigned).
func adminReq(t testing.TB, env *elbdtest.Env, key *auth.Key, method, path, body string) rawResponse {
	t.Helper()
	return adminReqScoped(t, env, key, api.AdminService, elbdtest.Region, method, path, body)
}

func adminReqScoped(t testing.TB, env *elbdtest.Env, key *auth.Key, service, region, method, path, body string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(method, env.Endpoint+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	} else {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != nil {
		signSDK(t, req, []byte(body), *key, "", service, region, time.Now())
	}
	return send(t, req)
}

// adminErr decodes a JSON admin error and checks status and code.
func adminErr(t testing.TB, r rawResponse, status int, code string) string {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e struct{ Code, Message string }
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		t.Fatalf("error body is not {code, message} JSON: %v: %s", err, r.Body)
	}
	if e.Code != code || e.Message == "" {
		t.Errorf("error %+v, want code %s with a message", e, code)
	}
	return e.Message
}

func adminList(t testing.TB, env *elbdtest.Env) map[string]api.AdminInstance {
	t.Helper()
	r := adminReq(t, env, &elbdtest.Admin, http.MethodGet, "/admin/v1/instances", "")
	if r.Status != http.StatusOK {
		t.Fatalf("list: %s", r)
	}
	var out struct {
		Instances []api.AdminInstance `json:"instances"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatalf("list body: %v: %s", err, r.Body)
	}
	m := map[string]api.AdminInstance{}
	for _, in := range out.Instances {
		if _, dup := m[in.ID]; dup {
			t.Errorf("instance %s listed twice", in.ID)
		}
		m[in.ID] = in
	}
	return m
}

// TestAdminInstances covers list, PUT, GET, DELETE and their interplay
// with RegisterInstancesWithLoadBalancer and DescribeInstanceHealth.
func TestAdminInstances(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	elb := env.ELB(elbdtest.Admin)

	list := adminList(t, env)
	for _, id := range []string{elbdtest.InstanceA, elbdtest.InstanceB, elbdtest.InstanceC, elbdtest.InstanceStopped,
		elbdtest.InstanceGone, elbdtest.InstanceOther} {
		in, ok := list[id]
		if !ok || in.Source != "config" {
			t.Errorf("config instance %s: %+v (present %v), want source config", id, in, ok)
		}
	}
	if len(list) != 6 {
		t.Errorf("%d instances listed, want the 6 of the config file", len(list))
	}
	if a := list[elbdtest.InstanceA]; a.Zone != "us-east-1a" || a.IPv4 != "127.0.1.1" || a.State != "running" {
		t.Errorf("InstanceA %+v", a)
	}
	if o := list[elbdtest.InstanceOther]; o.Account != elbdtest.OtherAccount {
		t.Errorf("InstanceOther account %q", o.Account)
	}
	if s := list[elbdtest.InstanceStopped]; s.State != "stopped" {
		t.Errorf("InstanceStopped state %q", s.State)
	}

	// A new instance cannot be registered before it exists.
	if _, err := elb.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("adm"),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}},
		AvailabilityZones: []string{"us-east-1a", "us-east-1b"}}); err != nil {
		t.Fatal(err)
	}
	const id = "i-0123456789abcdef0"
	register := func() error {
		_, err := elb.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("adm"), Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
		return err
	}
	wantAPIError(t, register(), "InvalidInstance", 400)

	// PUT creates it (state defaults to running, source api).
	r := adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/"+id, `{"zone":"us-east-1b","ipv4":"127.0.2.1"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("PUT: %s", r)
	}
	var put api.AdminInstance
	if err := json.Unmarshal(r.Body, &put); err != nil {
		t.Fatal(err)
	}
	want := api.AdminInstance{ID: id, Zone: "us-east-1b", IPv4: "127.0.2.1", State: "running", Source: "api"}
	if put != want {
		t.Errorf("PUT returned %+v, want %+v", put, want)
	}
	r = adminReq(t, env, &elbdtest.Admin, http.MethodGet, "/admin/v1/instances/"+id, "")
	var got api.AdminInstance
	if r.Status != http.StatusOK || json.Unmarshal(r.Body, &got) != nil || got != want {
		t.Errorf("GET: %s, want %+v", r, want)
	}
	if l := adminList(t, env); l[id] != want || len(l) != 7 {
		t.Errorf("list after PUT: %+v (%d instances)", l[id], len(l))
	}

	// Now it registers and reports health.
	if err := register(); err != nil {
		t.Fatalf("register after PUT: %v", err)
	}
	health := func() elbtypes.InstanceState {
		t.Helper()
		out, err := elb.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String("adm"),
			Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.InstanceStates) != 1 {
			t.Fatalf("%d states", len(out.InstanceStates))
		}
		return out.InstanceStates[0]
	}
	if s := health(); aws.ToString(s.InstanceId) != id || aws.ToString(s.Description) == "Instance is in terminated state." {
		t.Errorf("health after register: %+v", s)
	}

	// PUT replaces (here: stopped).
	r = adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/"+id, `{"id":"`+id+`","zone":"us-east-1b","ipv4":"127.0.2.1","state":"stopped"}`)
	if r.Status != http.StatusOK {
		t.Fatalf("PUT replace: %s", r)
	}
	if s := health(); aws.ToString(s.State) != "OutOfService" || aws.ToString(s.Description) != "Instance is in stopped state." {
		t.Errorf("health of stopped instance: %+v", s)
	}

	// DELETE: 204, then the registration remains and reports terminated
	// when asked for explicitly; the instance is gone from the admin API.
	r = adminReq(t, env, &elbdtest.Admin, http.MethodDelete, "/admin/v1/instances/"+id, "")
	if r.Status != http.StatusNoContent || len(r.Body) != 0 {
		t.Fatalf("DELETE: %d %q, want 204 and no body", r.Status, r.Body)
	}
	s := health()
	if aws.ToString(s.State) != "OutOfService" || aws.ToString(s.ReasonCode) != "Instance" || aws.ToString(s.Description) != "Instance is in terminated state." {
		t.Errorf("health after DELETE: state %q reason %q description %q", aws.ToString(s.State), aws.ToString(s.ReasonCode), aws.ToString(s.Description))
	}
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodGet, "/admin/v1/instances/"+id, ""), 404, "InvalidInstance")
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodDelete, "/admin/v1/instances/"+id, ""), 404, "InvalidInstance")
	if _, ok := adminList(t, env)[id]; ok {
		t.Error("deleted instance still listed")
	}
	wantAPIError(t, register(), "InvalidInstance", 400)
	// Config-file instances cannot be deleted through the API: 409, as PUT.
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodDelete, "/admin/v1/instances/"+elbdtest.InstanceA, ""), 409, "InvalidConfigurationRequest")
	if _, ok := adminList(t, env)[elbdtest.InstanceA]; !ok {
		t.Error("config instance gone after DELETE")
	}
	if r := adminReq(t, env, &elbdtest.Admin, http.MethodGet, "/admin/v1/instances/"+elbdtest.InstanceA, ""); r.Status != http.StatusOK {
		t.Errorf("GET config instance: %s", r)
	}
}

// TestAdminRejections covers invalid PUTs, conflicts with the config file,
// and authentication/authorisation of the admin API.
func TestAdminRejections(t *testing.T) {
	env := elbdtest.Start(t, "")
	path := "/admin/v1/instances/i-0aaaa00000000bad1"
	for _, tc := range []struct {
		name, body string
	}{
		{"bad zone", `{"zone":"us-west-2a","ipv4":"127.0.2.9"}`},
		{"bad IPv4", `{"zone":"us-east-1a","ipv4":"999.1.1.1"}`},
		{"IPv6 in ipv4", `{"zone":"us-east-1a","ipv4":"::1"}`},
		{"bad IPv6", `{"zone":"us-east-1a","ipv6":"fd00::zz"}`},
		{"no address", `{"zone":"us-east-1a"}`},
		{"bad state", `{"zone":"us-east-1a","ipv4":"127.0.2.9","state":"exploded"}`},
		{"unknown JSON field", `{"zone":"us-east-1a","ipv4":"127.0.2.9","colour":"blue"}`},
		{"not JSON", `zone=us-east-1a`},
		{"data after the object", `{"zone":"us-east-1a","ipv4":"127.0.2.9"} {"zone":"us-east-1b"}`},
		{"empty body", ``},
		{"malformed account", `{"zone":"us-east-1a","ipv4":"127.0.2.9","account":"abc"}`},
		{"unknown account", `{"zone":"us-east-1a","ipv4":"127.0.2.9","account":"999999999999"}`},
		{"id mismatch", `{"id":"i-0other","zone":"us-east-1a","ipv4":"127.0.2.9"}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodPut, path, tc.body), 400, "ValidationError")
		})
	}
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/not-an-id", `{"zone":"us-east-1a","ipv4":"127.0.2.9"}`), 400, "ValidationError")
	if _, ok := adminList(t, env)["i-0aaaa00000000bad1"]; ok {
		t.Error("a rejected PUT stored the instance")
	}

	// Config-file ids belong to the file.
	msg := adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/"+elbdtest.InstanceA,
		`{"zone":"us-east-1a","ipv4":"127.0.2.9"}`), 409, "InvalidConfigurationRequest")
	if !strings.Contains(msg, "config") {
		t.Errorf("409 message %q does not point at the config file", msg)
	}
	if a := adminList(t, env)[elbdtest.InstanceA]; a.IPv4 != "127.0.1.1" || a.Source != "config" {
		t.Errorf("config instance changed: %+v", a)
	}

	// Only the administrator key, and only signed for service elbd.
	adminErr(t, adminReq(t, env, &elbdtest.Other, http.MethodGet, "/admin/v1/instances", ""), 403, "AccessDenied")
	adminErr(t, adminReq(t, env, &elbdtest.Other, http.MethodPut, path, `{"zone":"us-east-1a","ipv4":"127.0.2.9"}`), 403, "AccessDenied")
	adminErr(t, adminReq(t, env, nil, http.MethodGet, "/admin/v1/instances", ""), 403, "MissingAuthenticationToken")
	adminErr(t, adminReq(t, env, nil, http.MethodPut, path, `{"zone":"us-east-1a","ipv4":"127.0.2.9"}`), 403, "MissingAuthenticationToken")
	wrong := elbdtest.Admin
	wrong.SecretAccessKey = "nope"
	adminErr(t, adminReq(t, env, &wrong, http.MethodGet, "/admin/v1/instances", ""), 403, "SignatureDoesNotMatch")
	adminErr(t, adminReqScoped(t, env, &elbdtest.Admin, elbService, elbdtest.Region, http.MethodGet, "/admin/v1/instances", ""), 403, "SignatureDoesNotMatch")
	adminErr(t, adminReqScoped(t, env, &elbdtest.Admin, api.AdminService, "us-west-2", http.MethodGet, "/admin/v1/instances", ""), 403, "SignatureDoesNotMatch")
	if _, ok := adminList(t, env)["i-0aaaa00000000bad1"]; ok {
		t.Error("a rejected PUT stored the instance")
	}

	// Unknown paths and methods.
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodGet, "/admin/v1/nothing", ""), 404, "NotFound")
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodPost, "/admin/v1/instances", "{}"), 405, "MethodNotAllowed")
}

// TestAdminConfigReload rewrites the config file and waits (bounded) for
// the watcher to pick up a new instance.
func TestAdminConfigReload(t *testing.T) {
	env := elbdtest.Start(t, "")
	ctx := context.Background()
	elb := env.ELB(elbdtest.Admin)
	if _, err := elb.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{LoadBalancerName: aws.String("reload"),
		Listeners:         []elbtypes.Listener{{Protocol: aws.String("HTTP"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}},
		AvailabilityZones: []string{"us-east-1c"}}); err != nil {
		t.Fatal(err)
	}
	const id = "i-0123450000000c0f1"
	register := func() error {
		_, err := elb.RegisterInstancesWithLoadBalancer(ctx, &elbsdk.RegisterInstancesWithLoadBalancerInput{
			LoadBalancerName: aws.String("reload"), Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
		return err
	}
	wantAPIError(t, register(), "InvalidInstance", 400)

	old, err := os.ReadFile(env.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimRight(string(old), "\n"), "}") || !strings.Contains(string(old), "\ninstances:\n") {
		t.Fatal("the config file no longer ends with the instances list; adjust this test")
	}
	added := string(old) + "  - {id: " + id + ", zone: us-east-1c, ipv4: 127.0.1.9}\n"
	if err := os.WriteFile(env.ConfigPath, []byte(added), 0o600); err != nil {
		t.Fatal(err)
	}

	deadline := time.Now().Add(20 * time.Second)
	for {
		in, ok := adminList(t, env)[id]
		if ok {
			if in.Source != "config" || in.Zone != "us-east-1c" || in.IPv4 != "127.0.1.9" {
				t.Errorf("reloaded instance %+v", in)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the config watcher did not pick up the new instance within 20s")
		}
		// The watcher polls every 2 s; check again shortly.
		<-time.After(100 * time.Millisecond)
	}
	if err := register(); err != nil {
		t.Fatalf("register reloaded instance: %v", err)
	}
	// The reloaded id is now the file's: the admin API may not take it.
	adminErr(t, adminReq(t, env, &elbdtest.Admin, http.MethodPut, "/admin/v1/instances/"+id, `{"zone":"us-east-1c","ipv4":"127.0.1.9"}`), 409, "InvalidConfigurationRequest")

	// Removing it again: the registration stays and reports terminated.
	if err := os.WriteFile(env.ConfigPath, old, 0o600); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for {
		if _, ok := adminList(t, env)[id]; !ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the config watcher did not drop the instance within 20s")
		}
		<-time.After(100 * time.Millisecond)
	}
	out, err := elb.DescribeInstanceHealth(ctx, &elbsdk.DescribeInstanceHealthInput{LoadBalancerName: aws.String("reload"),
		Instances: []elbtypes.Instance{{InstanceId: aws.String(id)}}})
	if err != nil {
		t.Fatal(err)
	}
	if d := aws.ToString(out.InstanceStates[0].Description); d != "Instance is in terminated state." {
		t.Errorf("health after removal from the file: %q", d)
	}
}
