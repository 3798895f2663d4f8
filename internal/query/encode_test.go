package query_test

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/elbd/elbd/internal/query"
)

const ns = "http://elasticloadbalancing.amazonaws.com/doc/2012-06-01/"

type dnsResult struct {
	DNSName string
}

type listResult struct {
	Names struct {
		Member []string `xml:"member"`
	}
}

// envelope is the generic success envelope, decoded without knowing the
// action's name.
type envelope struct {
	XMLName xml.Name
	Result  []struct {
		XMLName xml.Name
		Inner   string `xml:",innerxml"`
	} `xml:",any"`
}

func TestResponseEnvelope(t *testing.T) {
	var nilPtr *dnsResult
	var nilSlice []string
	tests := []struct {
		name      string
		action    string
		result    any
		wantInner string
	}{
		{name: "nil result", action: "AddTags", result: nil, wantInner: ""},
		{name: "typed nil pointer", action: "RemoveTags", result: nilPtr, wantInner: ""},
		{name: "nil slice", action: "DeleteLoadBalancer", result: nilSlice, wantInner: ""},
		{name: "empty struct", action: "DeleteLoadBalancerPolicy", result: struct{}{}, wantInner: ""},
		{name: "struct", action: "CreateLoadBalancer", result: dnsResult{DNSName: "lb-1.us-east-1.elb.test"},
			wantInner: "<DNSName>lb-1.us-east-1.elb.test</DNSName>"},
		{name: "pointer to struct", action: "CreateLoadBalancer", result: &dnsResult{DNSName: "a<&>b"},
			wantInner: "<DNSName>a&lt;&amp;&gt;b</DNSName>"},
		{name: "empty list", action: "DescribeX", result: listResult{}, wantInner: "<Names></Names>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body, err := query.Response(ns, tt.action, "req-1", tt.result)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(body, []byte(`<?xml version="1.0" encoding="UTF-8"?>`)) {
				t.Fatalf("no XML declaration: %s", body)
			}
			var env envelope
			if err := xml.Unmarshal(body, &env); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, body)
			}
			if env.XMLName.Local != tt.action+"Response" || env.XMLName.Space != ns {
				t.Fatalf("root = %v, want {%s}%sResponse", env.XMLName, ns, tt.action)
			}
			var sawResult, sawMeta bool
			for _, c := range env.Result {
				switch c.XMLName.Local {
				case tt.action + "Result":
					sawResult = true
					if c.Inner != tt.wantInner {
						t.Errorf("Result inner = %q, want %q", c.Inner, tt.wantInner)
					}
				case "ResponseMetadata":
					sawMeta = true
					if c.Inner != "<RequestId>req-1</RequestId>" {
						t.Errorf("ResponseMetadata = %q", c.Inner)
					}
				default:
					t.Errorf("unexpected element %s", c.XMLName.Local)
				}
			}
			if !sawResult || !sawMeta {
				t.Fatalf("Result present %v, ResponseMetadata present %v:\n%s", sawResult, sawMeta, body)
			}
		})
	}
}

func TestResponseNilResultIsSelfClosing(t *testing.T) {
	body, err := query.Response(ns, "AddTags", "id", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(body, []byte("<AddTagsResult/>")) {
		t.Fatalf("want <AddTagsResult/>: %s", body)
	}
}

func TestResponseEscapesRequestID(t *testing.T) {
	body, err := query.Response(ns, "A", "<&>", nil)
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		RequestID string `xml:"ResponseMetadata>RequestId"`
	}
	if err := xml.Unmarshal(body, &r); err != nil || r.RequestID != "<&>" {
		t.Fatalf("RequestId = %q, %v", r.RequestID, err)
	}
}

func TestResponseEncodeError(t *testing.T) {
	if _, err := query.Response(ns, "A", "id", map[string]string{"k": "v"}); err == nil {
		t.Fatal("a map cannot be encoded as XML; want an error")
	}
}

type errorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string    `xml:"RequestId"`
	Metadata  *struct{} `xml:"ResponseMetadata"`
}

func TestErrorBody(t *testing.T) {
	tests := []struct {
		status   int
		wantType string
	}{
		{400, "Sender"}, {403, "Sender"}, {404, "Sender"}, {409, "Sender"}, {413, "Sender"},
		{499, "Sender"}, {500, "Receiver"}, {503, "Receiver"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			e := &query.Error{Code: "LoadBalancerNotFound", Status: tt.status, Message: "There is no ACTIVE Load Balancer named 'x'"}
			if e.Type() != tt.wantType {
				t.Fatalf("Type() = %s, want %s", e.Type(), tt.wantType)
			}
			body := query.ErrorBody(ns, "rid-1", e)
			var r errorResponse
			if err := xml.Unmarshal(body, &r); err != nil {
				t.Fatalf("not well-formed: %v\n%s", err, body)
			}
			if r.XMLName.Space != ns {
				t.Errorf("namespace = %q", r.XMLName.Space)
			}
			if r.Error.Type != tt.wantType || r.Error.Code != e.Code || r.Error.Message != e.Message {
				t.Errorf("Error = %+v", r.Error)
			}
			if r.RequestID != "rid-1" || r.Metadata != nil {
				t.Errorf("RequestId must be a sibling of Error, not inside ResponseMetadata: %s", body)
			}
		})
	}
}

func TestErrorBodyEscapes(t *testing.T) {
	for _, msg := range []string{
		"Value '<script>&amp;</script>' at 'A' failed",
		`quotes " and ' and ]]> and & alone`,
		"newline\nand\ttab and \r carriage return",
		"control \x01 and NUL \x00 and invalid UTF-8 \xff",
		"",
	} {
		e := &query.Error{Code: "ValidationError", Status: 400, Message: msg}
		body := query.ErrorBody(ns, "<id&>", e)
		if bytes.Contains(body, []byte("<script>")) {
			t.Fatalf("unescaped markup in %s", body)
		}
		var r errorResponse
		if err := xml.Unmarshal(body, &r); err != nil {
			t.Fatalf("message %q: not well-formed: %v\n%s", msg, err, body)
		}
		if r.RequestID != "<id&>" {
			t.Errorf("RequestId = %q", r.RequestID)
		}
		if strings.ContainsAny(msg, "\x00\x01\xff") {
			continue // replaced by U+FFFD: XML cannot carry them
		}
		if r.Error.Message != msg {
			t.Errorf("Message = %q, want %q", r.Error.Message, msg)
		}
	}
}

func TestErrorString(t *testing.T) {
	e := &query.Error{Code: "MissingAction", Status: 400, Message: "m"}
	if e.Error() != "MissingAction: m" {
		t.Fatalf("Error() = %q", e.Error())
	}
}

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	body := query.ErrorBody(ns, "rid", &query.Error{Code: "InvalidConfigurationRequest", Status: 409, Message: "m"})
	query.Write(rec, http.StatusConflict, "rid", body)
	if rec.Code != 409 {
		t.Fatalf("status = %d", rec.Code)
	}
	h := rec.Header()
	if h.Get("Content-Type") != "text/xml" || h.Get(query.RequestIDHeader) != "rid" || h.Get("Content-Length") != strconv.Itoa(len(body)) {
		t.Fatalf("headers = %v", h)
	}
	if !bytes.Equal(rec.Body.Bytes(), body) {
		t.Fatal("body differs")
	}
}
