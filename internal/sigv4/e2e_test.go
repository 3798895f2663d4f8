package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
)

// verifyingServer is a real HTTP server that checks every request exactly
// as elbd would, so the request seen is what Go's server produces (Host
// moved to r.Host, Content-Length in the header, unsigned transport headers).
type verifyingServer struct {
	*httptest.Server
	mu   sync.Mutex
	errs []error
	auth []*Auth
}

func newVerifyingServer(t *testing.T) *verifyingServer {
	s := &verifyingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		a, err := Parse(r)
		if err == nil {
			err = a.CheckScope(elbService)
		}
		if err == nil {
			err = a.CheckTime(time.Now())
		}
		if err == nil {
			err = Verify(r, body, a, testSecret)
		}
		s.mu.Lock()
		s.errs = append(s.errs, err)
		s.auth = append(s.auth, a)
		s.mu.Unlock()
		var e *Error
		if errors.As(err, &e) {
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(e.Status)
			io.WriteString(w, `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"><Error><Type>Sender</Type><Code>`+
				e.Code+`</Code><Message>x</Message></Error><RequestId>r</RequestId></ErrorResponse>`)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		io.WriteString(w, `<DescribeLoadBalancersResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/">`+
			`<DescribeLoadBalancersResult><LoadBalancerDescriptions/></DescribeLoadBalancersResult>`+
			`<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeLoadBalancersResponse>`)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *verifyingServer) last(t *testing.T) (*Auth, error) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) == 0 {
		t.Fatal("server saw no request")
	}
	return s.auth[len(s.auth)-1], s.errs[len(s.errs)-1]
}

// TestEndToEndELBClient drives the real aws-sdk-go-v2 ELB client against a
// verifying server.
func TestEndToEndELBClient(t *testing.T) {
	for _, token := range []string{"", testToken} {
		name := map[bool]string{true: "static keys", false: "session token"}[token == ""]
		t.Run(name, func(t *testing.T) {
			s := newVerifyingServer(t)
			c := elb.New(elb.Options{
				Region:           "us-east-1",
				Credentials:      credentials.NewStaticCredentialsProvider(testAK, testSecret, token),
				BaseEndpoint:     aws.String(s.URL),
				HTTPClient:       s.Client(),
				RetryMaxAttempts: 1,
			})
			_, err := c.DescribeLoadBalancers(context.Background(), &elb.DescribeLoadBalancersInput{
				LoadBalancerNames: []string{"my-lb", "other lb/with+odd~chars"},
			})
			if err != nil {
				t.Fatalf("DescribeLoadBalancers: %v", err)
			}
			a, verr := s.last(t)
			if verr != nil {
				t.Fatalf("server: %v", verr)
			}
			if a.SecurityToken != token {
				t.Errorf("SecurityToken = %q, want %q", a.SecurityToken, token)
			}
			t.Logf("SDK client signed %v", a.SignedHeaders)
		})
	}
	t.Run("wrong secret is rejected", func(t *testing.T) {
		s := newVerifyingServer(t)
		c := elb.New(elb.Options{
			Region:           "us-east-1",
			Credentials:      credentials.NewStaticCredentialsProvider(testAK, "wrong", ""),
			BaseEndpoint:     aws.String(s.URL),
			HTTPClient:       s.Client(),
			RetryMaxAttempts: 1,
		})
		if _, err := c.DescribeLoadBalancers(context.Background(), &elb.DescribeLoadBalancersInput{}); err == nil {
			t.Fatal("call with wrong secret succeeded")
		}
		_, verr := s.last(t)
		var e *Error
		if !errors.As(verr, &e) || e.Code != CodeSignatureDoesNotMatch {
			t.Fatalf("server error = %v", verr)
		}
	})
}

// TestEndToEndRawRequests signs requests with the SDK signer on the client
// side and sends them over the wire, including escaped paths and presigned
// URLs.
func TestEndToEndRawRequests(t *testing.T) {
	s := newVerifyingServer(t)
	creds := aws.Credentials{AccessKeyID: testAK, SecretAccessKey: testSecret}
	signer := v4.NewSigner()
	tests := []struct {
		name, method, path, body string
	}{
		{"form POST", http.MethodPost, "/", formBody},
		{"GET query", http.MethodGet, "/?Action=DescribeLoadBalancers&Version=2012-06-01&X=a%20b+c", ""},
		{"libcloud path", http.MethodGet, "/2012-06-01/?Action=DescribeLoadBalancers&Version=2012-06-01", ""},
		{"path with escaped space", http.MethodGet, "/a%20b/?Action=DescribeLoadBalancers", ""},
		{"path with escaped percent and slash", http.MethodGet, "/a%25b/c%2Fd?Action=DescribeLoadBalancers", ""},
		{"path with unicode", http.MethodGet, "/caf%C3%A9?Action=DescribeLoadBalancers", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, s.URL+tc.path, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			if tc.body != "" {
				req.Header.Set("Content-Type", formType)
			}
			if err := signer.SignHTTP(context.Background(), creds, req, hashHex(tc.body), elbService, "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if _, verr := s.last(t); verr != nil || resp.StatusCode != 200 {
				t.Fatalf("status %d, server: %v", resp.StatusCode, verr)
			}
		})
	}
	t.Run("presigned URL", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/?Action=DescribeLoadBalancers&Version=2012-06-01&X-Amz-Expires=300", nil)
		u, hdr, err := signer.PresignHTTP(context.Background(), creds, req, hashHex(""), elbService, "us-east-1", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(hdr) != 1 || hdr.Get("Host") == "" {
			t.Fatalf("presign needs extra headers: %v", hdr)
		}
		resp, err := s.Client().Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		a, verr := s.last(t)
		if verr != nil || resp.StatusCode != 200 || !a.Presigned || a.Expires != 5*time.Minute {
			t.Fatalf("status %d, server: %v, auth %+v", resp.StatusCode, verr, a)
		}
	})
}
