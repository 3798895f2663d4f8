package model

import (
	"net/netip"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Defaults and limits that are not configurable.
const (
	MaxNameLength          = 32
	DefaultInterval        = 30
	DefaultTimeout         = 5
	DefaultUnhealthy       = 2
	DefaultHealthy         = 10
	DefaultDrainingTimeout = 300
	DefaultIdleTimeout     = 60
	// MaxIdleTimeout follows the user guide and Terraform (4000), not the
	// API model (3600), so that Terraform users are not refused by us only.
	MaxIdleTimeout      = 4000
	DefaultEmitInterval = 60
	DesyncMonitor       = "monitor"
	DesyncDefensive     = "defensive"
	DesyncStrictest     = "strictest"
	// DesyncKey is the AdditionalAttributes key for the desync mode;
	// DesyncAliasKey is the spelling one Terraform provider release used.
	DesyncKey      = "elb.http.desyncmitigationmode"
	DesyncAliasKey = "elasticloadbalancing.http.desyncmitigationmode"

	// elbd's own AdditionalAttributes: TLS features beyond Classic ELB,
	// each "true" or "false" (the default). See docs/tls.md.
	TLS13Key          = "elbd.tls.tls13.enabled"
	SNIKey            = "elbd.tls.sni.enabled"
	SessionTicketsKey = "elbd.tls.sessiontickets.enabled"
	HTTP2Key          = "elbd.https.http2.enabled"
	MaxTagKey         = 128
	MaxTagValue       = 256
)

// DefaultAttributes returns the attributes of a new load balancer.
func DefaultAttributes() Attributes {
	return Attributes{
		AccessLog:       AccessLog{EmitInterval: DefaultEmitInterval},
		DrainingTimeout: DefaultDrainingTimeout,
		IdleTimeout:     DefaultIdleTimeout,
		DesyncMode:      DesyncDefensive,
	}
}

// DefaultHealthCheck is the check a new load balancer gets: a TCP connect
// to the first listener's instance port. The user guide says TCP:80; users
// report the first listener's port, which is also what makes a fresh load
// balancer with an 80→8080 listener actually check the right port.
func DefaultHealthCheck(ls []Listener) HealthCheck {
	port := 80
	if len(ls) > 0 {
		port = ls[0].InstancePort
	}
	return HealthCheck{
		Target:             "TCP:" + strconv.Itoa(port),
		Interval:           DefaultInterval,
		Timeout:            DefaultTimeout,
		UnhealthyThreshold: DefaultUnhealthy,
		HealthyThreshold:   DefaultHealthy,
	}
}

// ValidateName checks a load balancer name.
func ValidateName(name string) error {
	if name == "" || len(name) > MaxNameLength {
		return Errorf(KindValidation, "LoadBalancerName must be between 1 and %d characters long", MaxNameLength)
	}
	if name[0] == '-' || name[len(name)-1] == '-' {
		return Errorf(KindValidation, "LoadBalancerName '%s' must not begin or end with a hyphen", name)
	}
	for _, r := range name {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return Errorf(KindValidation, "LoadBalancerName '%s' may contain only alphanumeric characters and hyphens", name)
		}
	}
	return nil
}

// ValidatePolicyName checks a policy name: alphanumerics and hyphens.
func ValidatePolicyName(name string) error {
	if name == "" || len(name) > 255 {
		return Errorf(KindValidation, "PolicyName must be between 1 and 255 characters long")
	}
	for _, r := range name {
		if !(r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return Errorf(KindValidation, "PolicyName '%s' may contain only alphanumeric characters and hyphens", name)
		}
	}
	return nil
}

// NormalizeProtocol upper-cases a listener protocol and checks it.
func NormalizeProtocol(field, p string) (string, error) {
	u := strings.ToUpper(strings.TrimSpace(p))
	switch u {
	case "HTTP", "HTTPS", "TCP", "SSL":
		return u, nil
	}
	return "", Errorf(KindUnsupportedProtocol, "%s '%s' is not supported; use HTTP, HTTPS, TCP or SSL", field, p)
}

func layer(p string) int {
	if p == "HTTP" || p == "HTTPS" {
		return 7
	}
	return 4
}

// classicPort reports whether port is allowed on an EC2-Classic-style load
// balancer.
func classicPort(port int) bool {
	switch port {
	case 25, 80, 443, 465, 587:
		return true
	}
	return port >= 1024 && port <= 65535
}

// NormalizeListener validates l and fills in InstanceProtocol. classic is
// true for load balancers without subnets.
func NormalizeListener(l Listener, classic bool) (Listener, error) {
	var err error
	if l.Protocol, err = NormalizeProtocol("Protocol", l.Protocol); err != nil {
		return l, err
	}
	if l.InstanceProtocol == "" {
		// Not documented by AWS; the older model text and moto use the
		// front-end protocol.
		l.InstanceProtocol = l.Protocol
	} else if l.InstanceProtocol, err = NormalizeProtocol("InstanceProtocol", l.InstanceProtocol); err != nil {
		return l, err
	}
	if l.LoadBalancerPort < 1 || l.LoadBalancerPort > 65535 {
		return l, Errorf(KindValidation, "LoadBalancerPort %d must be between 1 and 65535", l.LoadBalancerPort)
	}
	if classic && !classicPort(l.LoadBalancerPort) {
		return l, Errorf(KindValidation, "EC2-Classic load balancer port must be either 25, 80, 443, 465, 587 or 1024~65535 inclusive")
	}
	if l.InstancePort < 1 || l.InstancePort > 65535 {
		return l, Errorf(KindValidation, "InstancePort %d must be between 1 and 65535", l.InstancePort)
	}
	if layer(l.Protocol) != layer(l.InstanceProtocol) {
		return l, Errorf(KindValidation, "Listener protocol %s cannot forward to instance protocol %s: HTTP/HTTPS front ends need HTTP/HTTPS instances and TCP/SSL front ends TCP/SSL instances", l.Protocol, l.InstanceProtocol)
	}
	if l.Secure() && l.SSLCertificateID == "" {
		return l, Errorf(KindValidation, "Secure Listeners need to specify a SSLCertificateId")
	}
	if !l.Secure() && l.SSLCertificateID != "" {
		return l, Errorf(KindValidation, "SSLCertificateId may only be given for HTTPS and SSL listeners")
	}
	return l, nil
}

// SameListener reports whether two listeners have the same definition
// (protocols compared after normalisation), ignoring policies.
func SameListener(a, b Listener) bool {
	return a.Protocol == b.Protocol && a.LoadBalancerPort == b.LoadBalancerPort &&
		a.InstanceProtocol == b.InstanceProtocol && a.InstancePort == b.InstancePort &&
		a.SSLCertificateID == b.SSLCertificateID
}

// CheckInstancePortProtocols enforces that listeners sharing an instance
// port agree on whether it is secure (HTTPS/SSL) or not (HTTP/TCP).
func CheckInstancePortProtocols(ls []Listener) error {
	secure := map[int]bool{}
	seen := map[int]bool{}
	for _, l := range ls {
		s := l.InstanceProtocol == "HTTPS" || l.InstanceProtocol == "SSL"
		if seen[l.InstancePort] && secure[l.InstancePort] != s {
			return Errorf(KindInvalidConfiguration, "Listeners forwarding to instance port %d must all use secure (HTTPS/SSL) or all use plain (HTTP/TCP) instance protocols", l.InstancePort)
		}
		seen[l.InstancePort], secure[l.InstancePort] = true, s
	}
	return nil
}

// ValidateHealthCheck checks ranges and the target syntax and returns the
// check with the target's protocol upper-cased.
func ValidateHealthCheck(h HealthCheck) (HealthCheck, error) {
	proto, rest, ok := strings.Cut(h.Target, ":")
	if !ok {
		return h, Errorf(KindValidation, "HealthCheck Target '%s' must be PROTOCOL:PORT or PROTOCOL:PORT/PATH", h.Target)
	}
	proto = strings.ToUpper(proto)
	portStr, path := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		portStr, path = rest[:i], rest[i:]
	}
	port, err := strconv.Atoi(portStr)
	if err != nil || port < 1 || port > 65535 || strings.HasPrefix(portStr, "+") {
		return h, Errorf(KindValidation, "HealthCheck Target port '%s' must be between 1 and 65535", portStr)
	}
	switch proto {
	case "TCP", "SSL":
		if path != "" {
			return h, Errorf(KindValidation, "HealthCheck Target '%s': %s targets take no path", h.Target, proto)
		}
	case "HTTP", "HTTPS":
		if path == "" {
			return h, Errorf(KindValidation, "HealthCheck Target '%s': %s targets need a path starting with /", h.Target, proto)
		}
	default:
		return h, Errorf(KindValidation, "HealthCheck Target must begin with one of HTTP, TCP, HTTPS, SSL")
	}
	if utf16Len(h.Target) > 1024 {
		return h, Errorf(KindValidation, "HealthCheck Target must be at most 1024 characters long")
	}
	for _, r := range path {
		if r < 0x21 || r == 0x7f {
			return h, Errorf(KindValidation, "HealthCheck Target path must not contain spaces or control characters")
		}
	}
	h.Target = proto + ":" + strconv.Itoa(port) + path
	switch {
	case h.Interval < 5 || h.Interval > 300:
		return h, Errorf(KindValidation, "HealthCheck Interval %d must be between 5 and 300", h.Interval)
	case h.Timeout < 2 || h.Timeout > 60:
		return h, Errorf(KindValidation, "HealthCheck Timeout %d must be between 2 and 60", h.Timeout)
	case h.Timeout >= h.Interval:
		return h, Errorf(KindValidation, "Health check interval must be greater than the timeout.")
	case h.UnhealthyThreshold < 2 || h.UnhealthyThreshold > 10:
		return h, Errorf(KindValidation, "HealthCheck UnhealthyThreshold %d must be between 2 and 10", h.UnhealthyThreshold)
	case h.HealthyThreshold < 2 || h.HealthyThreshold > 10:
		return h, Errorf(KindValidation, "HealthCheck HealthyThreshold %d must be between 2 and 10", h.HealthyThreshold)
	}
	return h, nil
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// ValidateTag checks one tag against the model's length and pattern.
func ValidateTag(t Tag) error {
	if t.Key == "" || utf8.RuneCountInString(t.Key) > MaxTagKey {
		return Errorf(KindValidation, "Tag key must be between 1 and %d characters long", MaxTagKey)
	}
	if utf8.RuneCountInString(t.Value) > MaxTagValue {
		return Errorf(KindValidation, "Tag value for key '%s' must be at most %d characters long", t.Key, MaxTagValue)
	}
	if !tagChars(t.Key) || !tagChars(t.Value) {
		return Errorf(KindValidation, "Tag '%s' may contain only letters, numbers, spaces and _.:/=+-@", t.Key)
	}
	if strings.HasPrefix(strings.ToLower(t.Key), "aws:") {
		return Errorf(KindValidation, "Tag keys starting with 'aws:' are reserved")
	}
	return nil
}

func tagChars(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Z, r) || strings.ContainsRune("_.:/=+-@", r) {
			continue
		}
		return false
	}
	return true
}

// ValidateAttributes checks attribute values after a modification.
func ValidateAttributes(a Attributes) error {
	if a.DrainingTimeout < 1 || a.DrainingTimeout > 3600 {
		return Errorf(KindValidation, "ConnectionDraining Timeout %d must be between 1 and 3600", a.DrainingTimeout)
	}
	if a.IdleTimeout < 1 || a.IdleTimeout > MaxIdleTimeout {
		return Errorf(KindValidation, "ConnectionSettings IdleTimeout %d must be between 1 and %d", a.IdleTimeout, MaxIdleTimeout)
	}
	if a.AccessLog.EmitInterval != 5 && a.AccessLog.EmitInterval != 60 {
		return Errorf(KindValidation, "AccessLog EmitInterval %d must be 5 or 60", a.AccessLog.EmitInterval)
	}
	if strings.Contains(a.AccessLog.S3BucketPrefix, "AWSLogs") {
		return Errorf(KindInvalidConfiguration, "AccessLog S3BucketPrefix must not contain 'AWSLogs'")
	}
	if a.AccessLog.Enabled && a.AccessLog.S3BucketName == "" {
		return Errorf(KindInvalidConfiguration, "AccessLog S3BucketName is required when access logs are enabled")
	}
	if err := validBucket(a.AccessLog.S3BucketName); err != nil {
		return err
	}
	for _, seg := range strings.Split(a.AccessLog.S3BucketPrefix, "/") {
		if seg == ".." || seg == "." {
			return Errorf(KindValidation, "AccessLog S3BucketPrefix must not contain '.' or '..' segments")
		}
	}
	switch a.DesyncMode {
	case DesyncMonitor, DesyncDefensive, DesyncStrictest:
	default:
		return Errorf(KindValidation, "%s must be monitor, defensive or strictest, not '%s'", DesyncKey, a.DesyncMode)
	}
	return nil
}

// validBucket applies S3's bucket naming rules, which also keep the name
// safe as a directory name for local access logs.
func validBucket(b string) error {
	if b == "" {
		return nil
	}
	if len(b) < 3 || len(b) > 63 {
		return Errorf(KindValidation, "AccessLog S3BucketName '%s' must be 3 to 63 characters long", b)
	}
	for _, r := range b {
		if !(r == '-' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z') {
			return Errorf(KindValidation, "AccessLog S3BucketName '%s' may contain only lower-case letters, digits, '.' and '-'", b)
		}
	}
	// S3: begins and ends with a letter or digit, no "..", not an IPv4
	// address.
	first, last := b[0], b[len(b)-1]
	if strings.Contains(b, "..") || first == '.' || first == '-' || last == '.' || last == '-' {
		return Errorf(KindValidation, "AccessLog S3BucketName '%s' is not a valid bucket name", b)
	}
	if ip, err := netip.ParseAddr(b); err == nil && ip.Is4() {
		return Errorf(KindValidation, "AccessLog S3BucketName '%s' must not be formatted as an IP address", b)
	}
	return nil
}
