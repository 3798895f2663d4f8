package elbctl

import (
	"fmt"
	"strconv"
	"strings"
)

// listenerSpec is a parsed --listener value.
type listenerSpec struct {
	Protocol         string
	Port             int
	InstanceProtocol string
	InstancePort     int
	CertificateID    string
}

// listenerSyntax is shown in flag help and errors.
const listenerSyntax = "PROTOCOL:PORT[:INSTANCE_PROTOCOL]:INSTANCE_PORT[:CERTIFICATE_ARN]"

var protocols = map[string]bool{"http": true, "https": true, "tcp": true, "ssl": true}

// parseListener parses PROTOCOL:PORT[:INSTANCE_PROTOCOL]:INSTANCE_PORT[:ARN],
// e.g. http:80:8080, https:443:http:8080:arn:aws:iam::123456789012:server-certificate/web.
// The certificate ARN, which has colons of its own, is everything after
// the instance port. Protocols are case-insensitive and returned upper
// case as the ELB API spells them.
func parseListener(s string) (listenerSpec, error) {
	bad := func(why string) (listenerSpec, error) {
		return listenerSpec{}, usageErrorf("invalid listener %q: %s (want %s, e.g. http:80:8080)", s, why, listenerSyntax)
	}
	parts := strings.Split(s, ":")
	if len(parts) < 3 {
		return bad("too few fields")
	}
	var l listenerSpec
	l.Protocol = strings.ToLower(parts[0])
	if !protocols[l.Protocol] {
		return bad("protocol must be http, https, tcp or ssl")
	}
	var err error
	if l.Port, err = parsePort(parts[1]); err != nil {
		return bad("port: " + err.Error())
	}
	rest := parts[2:]
	if p := strings.ToLower(rest[0]); protocols[p] {
		l.InstanceProtocol = p
		rest = rest[1:]
		if len(rest) == 0 {
			return bad("missing instance port")
		}
	}
	if l.InstancePort, err = parsePort(rest[0]); err != nil {
		return bad("instance port: " + err.Error())
	}
	l.CertificateID = strings.Join(rest[1:], ":")
	if (l.Protocol == "https" || l.Protocol == "ssl") && l.CertificateID == "" {
		return bad(l.Protocol + " listeners need a certificate ARN")
	}
	if l.CertificateID != "" && !strings.HasPrefix(l.CertificateID, "arn:") {
		return bad("certificate must be an ARN (see 'elbctl certificates list')")
	}
	l.Protocol = strings.ToUpper(l.Protocol)
	l.InstanceProtocol = strings.ToUpper(l.InstanceProtocol)
	return l, nil
}

// String formats the spec back into the --listener syntax.
func (l listenerSpec) String() string {
	s := strings.ToLower(l.Protocol) + ":" + strconv.Itoa(l.Port) + ":"
	if l.InstanceProtocol != "" {
		s += strings.ToLower(l.InstanceProtocol) + ":"
	}
	s += strconv.Itoa(l.InstancePort)
	if l.CertificateID != "" {
		s += ":" + l.CertificateID
	}
	return s
}

// parsePort parses a TCP port, 1-65535.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return n, nil
}

// parsePortArg parses a positional PORT argument as a usage error on
// failure.
func parsePortArg(name, s string) (int, error) {
	n, err := parsePort(s)
	if err != nil {
		return 0, usageErrorf("invalid %s: %v", name, err)
	}
	return n, nil
}

// parsePorts parses positional PORT arguments.
func parsePorts(args []string) ([]int, error) {
	ports := make([]int, 0, len(args))
	for _, a := range args {
		p, err := parsePortArg("port", a)
		if err != nil {
			return nil, err
		}
		ports = append(ports, p)
	}
	return ports, nil
}

// keyValue is one KEY=VALUE argument, in command-line order.
type keyValue struct {
	Key   string
	Value string
}

// parseKeyValues parses KEY=VALUE strings. With valueOptional a bare KEY
// has an empty value (tags may have no value).
func parseKeyValues(what string, items []string, valueOptional bool) ([]keyValue, error) {
	out := make([]keyValue, 0, len(items))
	for _, it := range items {
		k, v, ok := strings.Cut(it, "=")
		if k == "" || (!ok && !valueOptional) {
			return nil, usageErrorf("invalid %s %q: want KEY=VALUE", what, it)
		}
		out = append(out, keyValue{k, v})
	}
	return out, nil
}

// splitList splits comma-separated flag values and drops empties, so both
// "--zones a,b" and "--zones a --zones b" work.
func splitList(vals []string) []string {
	var out []string
	for _, v := range vals {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}
