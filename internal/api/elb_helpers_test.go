package api_test

// Shared helpers of the ELB end-to-end tests: every test starts a real elbd
// on loopback (elbdtest.Start) and drives it with the aws-sdk-go-v2 ELB and
// IAM clients.

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/elbd/elbd/internal/auth"
	"github.com/elbd/elbd/internal/elbdtest"
)

// Names used throughout.
const (
	elbHostedZoneID     = "Z35SXDOTRQ7X7K"
	elbDefaultSSLPolicy = "ELBSecurityPolicy-2016-08"
	elbDesyncKey        = "elb.http.desyncmitigationmode"
	elbDesyncAliasKey   = "elasticloadbalancing.http.desyncmitigationmode"
	usEast1a            = "us-east-1a"
	usEast1b            = "us-east-1b"
	usEast1c            = "us-east-1c"
)

// elbFixture is a running elbd with an admin ELB client.
type elbFixture struct {
	t   *testing.T
	env *elbdtest.Env
	elb *elbsdk.Client
	ctx context.Context
}

// startELB runs elbd with the test topology plus extraYAML.
func startELB(t *testing.T, extraYAML string) *elbFixture {
	t.Helper()
	env := elbdtest.Start(t, extraYAML)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	f := &elbFixture{t: t, env: env, ctx: ctx}
	f.elb = f.client(elbdtest.Admin)
	return f
}

// client returns an ELB client signed with key.
func (f *elbFixture) client(key auth.Key) *elbsdk.Client { return f.env.ELB(key) }

// iam returns an IAM client signed with key.
func (f *elbFixture) iam(key auth.Key) *iam.Client { return f.env.IAM(key) }

// elbListener builds a elbListener; instProto "" leaves InstanceProtocol unset.
func elbListener(proto string, lbPort int32, instProto string, instPort int32) types.Listener {
	l := types.Listener{Protocol: aws.String(proto), LoadBalancerPort: lbPort, InstancePort: aws.Int32(instPort)}
	if instProto != "" {
		l.InstanceProtocol = aws.String(instProto)
	}
	return l
}

// elbSecureListener is elbListener with a certificate.
func elbSecureListener(proto string, lbPort int32, instProto string, instPort int32, arn string) types.Listener {
	l := elbListener(proto, lbPort, instProto, instPort)
	l.SSLCertificateId = aws.String(arn)
	return l
}

// createClassic creates an EC2-Classic-style load balancer with one
// HTTP 80 -> 8080 elbListener (unless listeners are given) in zones.
func (f *elbFixture) createClassic(name string, zones []string, ls ...types.Listener) string {
	f.t.Helper()
	if len(ls) == 0 {
		ls = []types.Listener{elbListener("HTTP", 80, "HTTP", 8080)}
	}
	out, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String(name), Listeners: ls, AvailabilityZones: zones})
	if err != nil {
		f.t.Fatalf("CreateLoadBalancer(%s) = %v", name, err)
	}
	return aws.ToString(out.DNSName)
}

// createVPC creates a VPC load balancer in subnets with one HTTP 80 -> 8080
// elbListener (unless listeners are given).
func (f *elbFixture) createVPC(name string, subnets []string, ls ...types.Listener) string {
	f.t.Helper()
	if len(ls) == 0 {
		ls = []types.Listener{elbListener("HTTP", 80, "HTTP", 8080)}
	}
	out, err := f.elb.CreateLoadBalancer(f.ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName: aws.String(name), Listeners: ls, Subnets: subnets})
	if err != nil {
		f.t.Fatalf("CreateLoadBalancer(%s) = %v", name, err)
	}
	return aws.ToString(out.DNSName)
}

// describe returns the one named load balancer.
func (f *elbFixture) describe(name string) types.LoadBalancerDescription {
	f.t.Helper()
	out, err := f.elb.DescribeLoadBalancers(f.ctx, &elbsdk.DescribeLoadBalancersInput{LoadBalancerNames: []string{name}})
	if err != nil {
		f.t.Fatalf("DescribeLoadBalancers(%s) = %v", name, err)
	}
	if len(out.LoadBalancerDescriptions) != 1 {
		f.t.Fatalf("DescribeLoadBalancers(%s) returned %d descriptions, want 1", name, len(out.LoadBalancerDescriptions))
	}
	return out.LoadBalancerDescriptions[0]
}

// attributes returns the named load balancer's attributes.
func (f *elbFixture) attributes(name string) *types.LoadBalancerAttributes {
	f.t.Helper()
	out, err := f.elb.DescribeLoadBalancerAttributes(f.ctx, &elbsdk.DescribeLoadBalancerAttributesInput{LoadBalancerName: aws.String(name)})
	if err != nil {
		f.t.Fatalf("DescribeLoadBalancerAttributes(%s) = %v", name, err)
	}
	if out.LoadBalancerAttributes == nil {
		f.t.Fatalf("DescribeLoadBalancerAttributes(%s).LoadBalancerAttributes = nil", name)
	}
	return out.LoadBalancerAttributes
}

// policies returns DescribeLoadBalancerPolicies for lb ("" = predefined).
func (f *elbFixture) policies(lb string, names ...string) []types.PolicyDescription {
	f.t.Helper()
	in := &elbsdk.DescribeLoadBalancerPoliciesInput{PolicyNames: names}
	if lb != "" {
		in.LoadBalancerName = aws.String(lb)
	}
	out, err := f.elb.DescribeLoadBalancerPolicies(f.ctx, in)
	if err != nil {
		f.t.Fatalf("DescribeLoadBalancerPolicies(%q, %v) = %v", lb, names, err)
	}
	return out.PolicyDescriptions
}

// elbOK fails the test at once when err is not nil.
func elbOK(t *testing.T, call string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s = %v, want success", call, err)
	}
}

// elbSameStrings compares string lists, nil equal to empty.
func elbSameStrings(got, want []string) bool {
	return len(got) == 0 && len(want) == 0 || slices.Equal(got, want)
}

// elbCheckStrings reports a field whose list differs.
func elbCheckStrings(t *testing.T, field string, got, want []string) {
	t.Helper()
	if !elbSameStrings(got, want) {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

func elbCheckString(t *testing.T, field string, got *string, want string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %q", field, want)
	} else if *got != want {
		t.Errorf("%s = %q, want %q", field, *got, want)
	}
}

func elbCheckNil(t *testing.T, field string, got *string) {
	t.Helper()
	if got != nil {
		t.Errorf("%s = %q, want nil (omitted)", field, *got)
	}
}

func elbCheckInt32(t *testing.T, field string, got *int32, want int32) {
	t.Helper()
	if got == nil {
		t.Errorf("%s = nil, want %d", field, want)
	} else if *got != want {
		t.Errorf("%s = %d, want %d", field, *got, want)
	}
}

// elbListenerString renders a elbListener description compactly for comparison:
// "PROTO:lbport->INSTPROTO:instport cert=... policies=[...]".
func elbListenerString(d types.ListenerDescription) string {
	if d.Listener == nil {
		return "<nil listener>"
	}
	l := d.Listener
	return fmt.Sprintf("%s:%d->%s:%d cert=%s policies=%v", aws.ToString(l.Protocol), l.LoadBalancerPort,
		aws.ToString(l.InstanceProtocol), aws.ToInt32(l.InstancePort), aws.ToString(l.SSLCertificateId), elbNonNil(d.PolicyNames))
}

func elbListenerStrings(ds []types.ListenerDescription) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = elbListenerString(d)
	}
	return out
}

func elbNonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func elbInstanceIDs(in []types.Instance) []string {
	out := make([]string, len(in))
	for i, x := range in {
		out[i] = aws.ToString(x.InstanceId)
	}
	return out
}

func elbInstances(ids ...string) []types.Instance {
	out := make([]types.Instance, len(ids))
	for i, id := range ids {
		out[i] = types.Instance{InstanceId: aws.String(id)}
	}
	return out
}

func elbTagStrings(ts []types.Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = aws.ToString(t.Key) + "=" + aws.ToString(t.Value)
	}
	return out
}

func elbTags(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func elbPolicyAttrs(kv ...string) []types.PolicyAttribute {
	var out []types.PolicyAttribute
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.PolicyAttribute{AttributeName: aws.String(kv[i]), AttributeValue: aws.String(kv[i+1])})
	}
	return out
}

// elbAttrMap flattens policy attribute descriptions (last value wins).
func elbAttrMap(ds []types.PolicyAttributeDescription) map[string]string {
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[aws.ToString(d.AttributeName)] = aws.ToString(d.AttributeValue)
	}
	return m
}

func elbAdditional(as []types.AdditionalAttribute) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = aws.ToString(a.Key) + "=" + aws.ToString(a.Value)
	}
	return out
}

// ---- certificates -------------------------------------------------------

// elbSelfSignedCert returns a fresh self-signed ECDSA P-256 certificate and its
// PKCS#8 key, both PEM.
func elbSelfSignedCert(t *testing.T, cn string) (certPEM, keyPEM string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn},
		DNSNames:     []string{cn},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
}

// uploadCert uploads a fresh self-signed certificate through IAM and
// returns its ARN.
func (f *elbFixture) uploadCert(name string) string {
	f.t.Helper()
	certPEM, keyPEM := elbSelfSignedCert(f.t, name+".example.test")
	out, err := f.iam(elbdtest.Admin).UploadServerCertificate(f.ctx, &iam.UploadServerCertificateInput{
		ServerCertificateName: aws.String(name), CertificateBody: aws.String(certPEM), PrivateKey: aws.String(keyPEM)})
	if err != nil {
		f.t.Fatalf("UploadServerCertificate(%s) = %v", name, err)
	}
	arn := aws.ToString(out.ServerCertificateMetadata.Arn)
	if want := "arn:aws:iam::" + elbdtest.AdminAccount + ":server-certificate/" + name; arn != want {
		f.t.Fatalf("UploadServerCertificate(%s).Arn = %q, want %q", name, arn, want)
	}
	return arn
}

// elbPublicKey returns a base64 DER SubjectPublicKeyInfo, the form
// PublicKeyPolicyType's PublicKey attribute takes.
func elbPublicKey(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

// ---- errors ---------------------------------------------------------------

// elbStatusOf is the HTTP status of each ELB error code: 409 for
// InvalidConfigurationRequest, 400 for everything else (§1.4).
func elbStatusOf(code string) int {
	if code == "InvalidConfigurationRequest" {
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func elbIsA[T error](err error) bool {
	var target T
	return errors.As(err, &target)
}

// elbTypedErrors maps each wire code to a check for the SDK's typed
// exception. Shape names differ from codes (LoadBalancerNotFound is
// AccessPointNotFoundException, which Terraform relies on).
var elbTypedErrors = map[string]func(error) bool{
	"CertificateNotFound":           elbIsA[*types.CertificateNotFoundException],
	"DependencyThrottle":            elbIsA[*types.DependencyThrottleException],
	"DuplicateListener":             elbIsA[*types.DuplicateListenerException],
	"DuplicateLoadBalancerName":     elbIsA[*types.DuplicateAccessPointNameException],
	"DuplicatePolicyName":           elbIsA[*types.DuplicatePolicyNameException],
	"DuplicateTagKeys":              elbIsA[*types.DuplicateTagKeysException],
	"InvalidConfigurationRequest":   elbIsA[*types.InvalidConfigurationRequestException],
	"InvalidInstance":               elbIsA[*types.InvalidEndPointException],
	"InvalidScheme":                 elbIsA[*types.InvalidSchemeException],
	"InvalidSecurityGroup":          elbIsA[*types.InvalidSecurityGroupException],
	"InvalidSubnet":                 elbIsA[*types.InvalidSubnetException],
	"ListenerNotFound":              elbIsA[*types.ListenerNotFoundException],
	"LoadBalancerAttributeNotFound": elbIsA[*types.LoadBalancerAttributeNotFoundException],
	"LoadBalancerNotFound":          elbIsA[*types.AccessPointNotFoundException],
	"OperationNotPermitted":         elbIsA[*types.OperationNotPermittedException],
	"PolicyNotFound":                elbIsA[*types.PolicyNotFoundException],
	"PolicyTypeNotFound":            elbIsA[*types.PolicyTypeNotFoundException],
	"SubnetNotFound":                elbIsA[*types.SubnetNotFoundException],
	"TooManyLoadBalancers":          elbIsA[*types.TooManyAccessPointsException],
	"TooManyPolicies":               elbIsA[*types.TooManyPoliciesException],
	"TooManyTags":                   elbIsA[*types.TooManyTagsException],
	"UnsupportedProtocol":           elbIsA[*types.UnsupportedProtocolException],
}

// elbModeledErrors lists, per operation, the error codes the API model declares
// (§1.1). For those the SDK must return its typed exception; any other code
// comes back as a smithy.GenericAPIError.
var elbModeledErrors = map[string][]string{
	"AddTags":                                 {"LoadBalancerNotFound", "TooManyTags", "DuplicateTagKeys"},
	"ApplySecurityGroupsToLoadBalancer":       {"LoadBalancerNotFound", "InvalidConfigurationRequest", "InvalidSecurityGroup"},
	"AttachLoadBalancerToSubnets":             {"LoadBalancerNotFound", "InvalidConfigurationRequest", "SubnetNotFound", "InvalidSubnet"},
	"ConfigureHealthCheck":                    {"LoadBalancerNotFound"},
	"CreateAppCookieStickinessPolicy":         {"LoadBalancerNotFound", "DuplicatePolicyName", "TooManyPolicies", "InvalidConfigurationRequest"},
	"CreateLBCookieStickinessPolicy":          {"LoadBalancerNotFound", "DuplicatePolicyName", "TooManyPolicies", "InvalidConfigurationRequest"},
	"CreateLoadBalancer":                      {"DuplicateLoadBalancerName", "TooManyLoadBalancers", "CertificateNotFound", "InvalidConfigurationRequest", "SubnetNotFound", "InvalidSubnet", "InvalidSecurityGroup", "InvalidScheme", "TooManyTags", "DuplicateTagKeys", "UnsupportedProtocol", "OperationNotPermitted"},
	"CreateLoadBalancerListeners":             {"LoadBalancerNotFound", "DuplicateListener", "CertificateNotFound", "InvalidConfigurationRequest", "UnsupportedProtocol"},
	"CreateLoadBalancerPolicy":                {"LoadBalancerNotFound", "PolicyTypeNotFound", "DuplicatePolicyName", "TooManyPolicies", "InvalidConfigurationRequest"},
	"DeleteLoadBalancer":                      {},
	"DeleteLoadBalancerListeners":             {"LoadBalancerNotFound"},
	"DeleteLoadBalancerPolicy":                {"LoadBalancerNotFound", "InvalidConfigurationRequest"},
	"DeregisterInstancesFromLoadBalancer":     {"LoadBalancerNotFound", "InvalidInstance"},
	"DescribeAccountLimits":                   {},
	"DescribeInstanceHealth":                  {"LoadBalancerNotFound", "InvalidInstance"},
	"DescribeLoadBalancerAttributes":          {"LoadBalancerNotFound", "LoadBalancerAttributeNotFound"},
	"DescribeLoadBalancerPolicies":            {"LoadBalancerNotFound", "PolicyNotFound"},
	"DescribeLoadBalancerPolicyTypes":         {"PolicyTypeNotFound"},
	"DescribeLoadBalancers":                   {"LoadBalancerNotFound", "DependencyThrottle"},
	"DescribeTags":                            {"LoadBalancerNotFound"},
	"DetachLoadBalancerFromSubnets":           {"LoadBalancerNotFound", "InvalidConfigurationRequest"},
	"DisableAvailabilityZonesForLoadBalancer": {"LoadBalancerNotFound", "InvalidConfigurationRequest"},
	"EnableAvailabilityZonesForLoadBalancer":  {"LoadBalancerNotFound"},
	"ModifyLoadBalancerAttributes":            {"LoadBalancerNotFound", "LoadBalancerAttributeNotFound", "InvalidConfigurationRequest"},
	"RegisterInstancesWithLoadBalancer":       {"LoadBalancerNotFound", "InvalidInstance"},
	"RemoveTags":                              {"LoadBalancerNotFound"},
	"SetLoadBalancerListenerSSLCertificate":   {"CertificateNotFound", "LoadBalancerNotFound", "ListenerNotFound", "InvalidConfigurationRequest", "UnsupportedProtocol"},
	"SetLoadBalancerPoliciesForBackendServer": {"LoadBalancerNotFound", "PolicyNotFound", "InvalidConfigurationRequest"},
	"SetLoadBalancerPoliciesOfListener":       {"LoadBalancerNotFound", "PolicyNotFound", "ListenerNotFound", "InvalidConfigurationRequest"},
}

// TestELBOperationTable keeps elbModeledErrors in step with the SDK: one
// entry per ELB operation, 29 in all, each a method of the client.
func TestELBOperationTable(t *testing.T) {
	ct := reflect.TypeFor[*elbsdk.Client]()
	ops := 0
	for m := range ct.Methods() {
		if m.Type.NumIn() == 4 && m.Type.In(2).Kind() == reflect.Pointer && strings.HasSuffix(m.Type.In(2).Elem().Name(), "Input") {
			ops++
			if _, ok := elbModeledErrors[m.Name]; !ok {
				t.Errorf("elbModeledErrors lacks operation %s", m.Name)
			}
		}
	}
	for op := range elbModeledErrors {
		if _, ok := ct.MethodByName(op); !ok {
			t.Errorf("elbModeledErrors names %s, which the SDK client does not have", op)
		}
	}
	if ops != 29 || len(elbModeledErrors) != 29 {
		t.Errorf("SDK operations = %d, table entries = %d, want 29 and 29", ops, len(elbModeledErrors))
	}
}

// wantELBErr asserts that err, returned by operation op, carries the wire code
// code with its HTTP status, and — where the model declares the code for
// op — that the SDK mapped it to its typed exception.
func wantELBErr(t *testing.T, op string, err error, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s(...) = success, want %s (HTTP %d)", op, code, elbStatusOf(code))
		return
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s(...) = %v, want API error %s", op, err, code)
		return
	}
	if ae.ErrorCode() != code {
		t.Errorf("%s(...) code = %s (%q), want %s", op, ae.ErrorCode(), ae.ErrorMessage(), code)
	}
	if ae.ErrorMessage() == "" {
		t.Errorf("%s(...) message = empty, want a message", op)
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		t.Errorf("%s(...) = %v, want an *awshttp.ResponseError", op, err)
	} else if got, want := re.HTTPStatusCode(), elbStatusOf(code); got != want {
		t.Errorf("%s(...) HTTP status = %d, want %d (code %s)", op, got, want, code)
	}
	if ae.ErrorCode() == code && slices.Contains(elbModeledErrors[op], code) {
		if check, ok := elbTypedErrors[code]; ok && !check(err) {
			t.Errorf("%s(...) = %T, want the SDK's typed exception for %s", op, ae, code)
		}
	}
	if _, ok := elbModeledErrors[op]; !ok {
		t.Errorf("wantErr: unknown operation %q (test bug)", op)
	}
}
