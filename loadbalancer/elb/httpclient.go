package elb

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
)

// NewHTTPClient returns the driver's default HTTP client, for other
// aws-sdk-go-v2 clients aimed at elbd too. It works around a
// client-side race in smithy-go (aws/aws-sdk-go-v2#2737) that shows up
// against a fast endpoint such as a local elbd: the SDK closes the request
// body as soon as response headers arrive, after which its body wrapper's
// WriteTo returns io.EOF; net/http's write loop makes one more io.Copy of
// the body, gets that error and closes the connection while the response
// is still being read ("use of closed network connection"). Hiding WriteTo
// makes io.Copy use Read, whose io.EOF after Close ends the copy normally.
func NewHTTPClient() aws.HTTPClient { return plainBodyClient{awshttp.NewBuildableClient()} }

type plainBodyClient struct{ c *awshttp.BuildableClient }

func (p plainBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = struct {
			io.Reader
			io.Closer
		}{r.Body, r.Body}
	}
	return p.c.Do(r)
}

// wrapHTTPClient applies the workaround to the SDK's own client (as built
// by aws-sdk-go-v2/config, possibly with a custom CA bundle), or builds one.
func wrapHTTPClient(c aws.HTTPClient) aws.HTTPClient {
	switch bc := c.(type) {
	case nil:
		return NewHTTPClient()
	case *awshttp.BuildableClient:
		return plainBodyClient{bc}
	}
	return c
}
