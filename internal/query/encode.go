package query

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"reflect"
	"strconv"
)

// RequestIDHeader carries the request ID on every response; aws-sdk-go-v2
// reads it from there, botocore from the body.
const RequestIDHeader = "X-Amzn-RequestId"

// Response renders the success envelope
//
//	<ActionResponse xmlns=ns><ActionResult>result</ActionResult>
//	<ResponseMetadata><RequestId>id</RequestId></ResponseMetadata></ActionResponse>
//
// The Result element is always present, even when result is nil: botocore
// and aws-sdk-go-v2 both fail without it.
func Response(ns, action, requestID string, result any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString("<" + action + `Response xmlns="` + ns + `">`)
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{Name: xml.Name{Local: action + "Result"}}
	if isNil(result) {
		// A typed nil pointer would make the encoder write nothing at all.
		buf.WriteString("<" + action + "Result/>")
	} else if err := enc.EncodeElement(result, start); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	buf.WriteString("<ResponseMetadata><RequestId>")
	xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ResponseMetadata></" + action + "Response>\n")
	return buf.Bytes(), nil
}

func isNil(v any) bool {
	if v == nil {
		return true
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
		return rv.IsNil()
	}
	return false
}

// ErrorBody renders the ErrorResponse envelope. RequestId is a sibling of
// Error, not inside ResponseMetadata, as AWS sends it.
func ErrorBody(ns, requestID string, e *Error) []byte {
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	buf.WriteString(`<ErrorResponse xmlns="` + ns + `"><Error><Type>` + e.Type() + "</Type><Code>")
	xml.EscapeText(&buf, []byte(e.Code))
	buf.WriteString("</Code><Message>")
	xml.EscapeText(&buf, []byte(e.Message))
	buf.WriteString("</Message></Error><RequestId>")
	xml.EscapeText(&buf, []byte(requestID))
	buf.WriteString("</RequestId></ErrorResponse>\n")
	return buf.Bytes()
}

// Write sends body with the given status and the Query protocol's headers.
func Write(w http.ResponseWriter, status int, requestID string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml")
	h.Set(RequestIDHeader, requestID)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}
