package elb_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/elbd/elbd/loadbalancer/elb"
)

// request is one request the fixture server received.
type request struct {
	Method string
	Path   string
	Action string
	Params url.Values
	// Body is the raw form body, to check encodings url.Values hides
	// (e.g. "PolicyNames=" for an empty list).
	Body string
	Auth string
}

// reply is what the fixture server answers: a file in testdata or a
// literal body, with an HTTP status.
type reply struct {
	Status int
	File   string
	Body   string
}

// fixtureServer serves recorded AWS XML, routing on the Action parameter,
// and records every request.
type fixtureServer struct {
	t      *testing.T
	srv    *httptest.Server
	mu     sync.Mutex
	reqs   []request
	routes map[string]func(url.Values) reply
}

const elbNS = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"

// emptyResult is the AWS envelope of an action with an empty result.
func emptyResult(action string) reply {
	return reply{Status: 200, Body: fmt.Sprintf(`<%[1]sResponse xmlns="%[2]s"><%[1]sResult/><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></%[1]sResponse>`, action, elbNS)}
}

// errorReply is an ErrorResponse with the given code and status.
func errorReply(status int, code, msg string) reply {
	return reply{Status: status, Body: fmt.Sprintf(`<ErrorResponse xmlns="%s"><Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error><RequestId>req-e</RequestId></ErrorResponse>`, elbNS, code, msg)}
}

func file(name string) func(url.Values) reply {
	return func(url.Values) reply { return reply{Status: 200, File: name} }
}

func newFixtureServer(t *testing.T, routes map[string]func(url.Values) reply) *fixtureServer {
	t.Helper()
	f := &fixtureServer{t: t, routes: routes}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fixtureServer) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	params, err := url.ParseQuery(string(body))
	if err != nil {
		f.t.Errorf("bad form body %q: %v", body, err)
	}
	for k, v := range r.URL.Query() {
		params[k] = append(params[k], v...)
	}
	req := request{Method: r.Method, Path: r.URL.Path, Action: params.Get("Action"), Params: params, Body: string(body), Auth: r.Header.Get("Authorization")}
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	route := f.routes[req.Action]
	f.mu.Unlock()
	rep := emptyResult(req.Action)
	if route != nil {
		rep = route(params)
	}
	data := []byte(rep.Body)
	if rep.File != "" {
		data, err = os.ReadFile(filepath.Join("testdata", rep.File))
		if err != nil {
			f.t.Errorf("fixture: %v", err)
		}
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(rep.Status)
	w.Write(data)
}

// requests returns the recorded requests.
func (f *fixtureServer) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// actions returns the recorded actions in order.
func (f *fixtureServer) actions() []string {
	var out []string
	for _, r := range f.requests() {
		out = append(out, r.Action)
	}
	return out
}

// last returns the last request with action, failing if there is none.
func (f *fixtureServer) last(action string) request {
	f.t.Helper()
	rs := f.requests()
	for i := len(rs) - 1; i >= 0; i-- {
		if rs[i].Action == action {
			return rs[i]
		}
	}
	f.t.Fatalf("no %s request; got %v", action, f.actions())
	return request{}
}

// driver returns a driver aimed at the fixture server with retries off.
func (f *fixtureServer) driver() *elb.Driver {
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		Retryer:     func() aws.Retryer { return aws.NopRetryer{} },
	}
	return elb.NewFromConfig(cfg, f.srv.URL)
}

// wantParams checks that each key of want was sent with that value
// ("" means sent with an empty value).
func wantParams(t *testing.T, r request, want map[string]string) {
	t.Helper()
	for k, v := range want {
		got, ok := r.Params[k]
		if !ok {
			t.Errorf("%s: parameter %s not sent; sent %v", r.Action, k, r.Params)
			continue
		}
		if len(got) != 1 || got[0] != v {
			t.Errorf("%s: %s = %q, want %q", r.Action, k, got, v)
		}
	}
}

// noParamsWithPrefix checks that no parameter starts with prefix.
func noParamsWithPrefix(t *testing.T, r request, prefix string) {
	t.Helper()
	for k := range r.Params {
		if strings.HasPrefix(k, prefix) {
			t.Errorf("%s: unexpected parameter %s=%q", r.Action, k, r.Params[k])
		}
	}
}

var bg = context.Background()

func awsConfigForTest() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "")}
}
