package desync

import "testing"

// TestDifferentialNetHTTP builds heads from the corners of the grammar
// (targets, versions, framing and other fields) and applies the fuzz test's
// differential check to every one Classify finds Compliant: random
// mutation rarely reaches these combinations.
func TestDifferentialNetHTTP(t *testing.T) {
	methods := []string{"GET", "POST", "OPTIONS", "CONNECT", "M-SEARCH", "get"}
	targets := []string{
		"/", "/a/b?c=d&e", "/?", "/a?%zz", "/%41%2F", "//a", "/a:b", "/#frag", "/a|b{c}\\d^`", "/\xff",
		"*", "a:443", "[::1]:443", "[::ffff:1.2.3.4]:8443",
		"http://a", "http://a/", "HTTP://A:80/x", "http://a:/", "http://a?b", "https://a.b-c_d~e/",
		"http://a!$&'()*+,;=b/", "http://[2001:db8::1]/", "http://[1:2:3:4:5:6:7::]:1/",
		"h+1.-x://a/", "foo://", "foo:///x", "foo:bar", "urn:a:b", "x:", "mailto:a@b",
	}
	versions := []string{"HTTP/1.1", "HTTP/1.0"}
	fields := []string{
		"",
		"Host: a\r\n",
		"Content-Length: 0\r\n",
		"Content-Length: 12\r\n",
		"Content-Length:\t00012 \r\n",
		"Transfer-Encoding: chunked\r\n",
		"Transfer-Encoding: CHUNKED\r\n",
		"Transfer-Encoding: gzip, chunked\r\n",
		"Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n",
		"X-A:\r\nx-b: \t\r\n",
		"X-Obs: \x80\xff \t x\r\n",
		"Content-Type: text/plain\r\nCookie: a=b; c=d\r\n",
		"!#$%&'*+-.^_`|~09az: v\r\n",
	}
	n, compliant := 0, 0
	for _, m := range methods {
		for _, tg := range targets {
			for _, ver := range versions {
				for _, f := range fields {
					head := []byte(m + " " + tg + " " + ver + "\r\n" + f + "\r\n")
					var p parser
					p.run(head)
					n++
					if p.v.Class == Compliant {
						compliant++
						checkCompliant(t, head, &p)
					}
				}
			}
		}
	}
	t.Logf("%d heads, %d compliant", n, compliant)
}
