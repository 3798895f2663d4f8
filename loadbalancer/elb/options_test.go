package elb_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/elbd/elbd/loadbalancer"
	"github.com/elbd/elbd/loadbalancer/elb"
)

// isolateAWSEnv points the shared config files at an empty directory and
// clears the AWS_* variables the default chain reads.
func isolateAWSEnv(t *testing.T) string {
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return dir
}

func TestNewOptions(t *testing.T) {
	dir := isolateAWSEnv(t)
	if _, err := elb.New(bg, elb.Options{Region: "us-east-1"}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("no credentials: %v", err)
	}
	if _, err := elb.New(bg, elb.Options{AccessKeyID: "AK", SecretAccessKey: "S"}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("no region: %v", err)
	}
	if _, err := elb.New(bg, elb.Options{AccessKeyID: "AK", Region: "us-east-1"}); !errors.Is(err, loadbalancer.ErrInvalidInput) {
		t.Errorf("no secret: %v", err)
	}
	d, err := elb.New(bg, elb.Options{AccessKeyID: "AK", SecretAccessKey: "S", Region: "eu-west-1", Endpoint: "http://127.0.0.1:9900/"})
	if err != nil || d.Region() != "eu-west-1" || d.Endpoint() != "http://127.0.0.1:9900" || d.ELB() == nil || d.IAM() == nil {
		t.Errorf("static = %v, %v", d, err)
	}

	// Environment variables.
	t.Setenv("AWS_ACCESS_KEY_ID", "AKENV")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "SENV")
	t.Setenv("AWS_REGION", "ap-south-1")
	d, err = elb.New(bg, elb.Options{UseDefaultCredentials: true})
	if err != nil || d.Region() != "ap-south-1" {
		t.Fatalf("env = %v, %v", d, err)
	}
	creds, err := d.ELB().Options().Credentials.Retrieve(bg)
	if err != nil || creds.AccessKeyID != "AKENV" {
		t.Errorf("env credentials = %+v, %v", creds, err)
	}

	// A shared profile.
	os.Unsetenv("AWS_ACCESS_KEY_ID")
	os.Unsetenv("AWS_SECRET_ACCESS_KEY")
	os.Unsetenv("AWS_REGION")
	os.WriteFile(filepath.Join(dir, "config"), []byte("[profile lab]\nregion = us-west-2\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "credentials"), []byte("[lab]\naws_access_key_id = AKPROF\naws_secret_access_key = SPROF\n"), 0o600)
	d, err = elb.New(bg, elb.Options{Profile: "lab"})
	if err != nil || d.Region() != "us-west-2" {
		t.Fatalf("profile = %v, %v", d, err)
	}
	creds, err = d.ELB().Options().Credentials.Retrieve(bg)
	if err != nil || creds.AccessKeyID != "AKPROF" {
		t.Errorf("profile credentials = %+v, %v", creds, err)
	}
	// Static keys and region override the profile.
	d, err = elb.New(bg, elb.Options{Profile: "lab", AccessKeyID: "AKX", SecretAccessKey: "SX", Region: "us-east-2"})
	if err != nil || d.Region() != "us-east-2" {
		t.Fatalf("override = %v, %v", d, err)
	}
	if creds, _ = d.ELB().Options().Credentials.Retrieve(bg); creds.AccessKeyID != "AKX" {
		t.Errorf("override credentials = %+v", creds)
	}
	if _, err := elb.New(bg, elb.Options{Profile: "nope"}); err == nil {
		t.Error("unknown profile accepted")
	}
}
