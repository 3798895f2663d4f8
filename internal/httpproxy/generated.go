package httpproxy

import "strconv"

// generated is a response the proxy writes itself, prebuilt in two forms:
// one that keeps the connection and one with Connection: close. head ends
// with the empty line; body follows it except for HEAD requests.
type generated struct {
	keep, close []byte // head
	body        []byte
}

var generatedResponses = map[int]*generated{}

func init() {
	for _, r := range []struct {
		code int
		text string
	}{
		{400, "Bad Request"},
		{405, "Method Not Allowed"},
		{408, "Request Timeout"},
		{502, "Bad Gateway"},
		{503, "Service Unavailable"},
		{504, "Gateway Timeout"},
	} {
		status := strconv.Itoa(r.code) + " " + r.text
		body := "<html>\r\n<head><title>" + status + "</title></head>\r\n<body>\r\n<center><h1>" +
			status + "</h1></center>\r\n</body>\r\n</html>\r\n"
		head := "HTTP/1.1 " + status + "\r\nServer: elbd\r\nContent-Type: text/html\r\nContent-Length: " +
			strconv.Itoa(len(body)) + "\r\n"
		generatedResponses[r.code] = &generated{
			keep:  []byte(head + "\r\n"),
			close: []byte(head + "Connection: close\r\n\r\n"),
			body:  []byte(body),
		}
	}
}

// continue100 answers Expect: 100-continue.
var continue100 = []byte("HTTP/1.1 100 Continue\r\n\r\n")
