package policy

import "strings"

// AttachableToListener reports whether a policy of type typeName may be set
// on a listener whose front-end protocol is listenerProtocol
// (SetLoadBalancerPoliciesOfListener). The protocol is compared
// case-insensitively.
//
//   - App/LB cookie stickiness: HTTP and HTTPS listeners only.
//   - SSLNegotiationPolicyType: HTTPS and SSL listeners only.
//   - Every other type (ProxyProtocol, BackendServerAuthentication,
//     PublicKey) and unknown types: never.
func AttachableToListener(typeName, listenerProtocol string) bool {
	p := strings.ToUpper(listenerProtocol)
	switch {
	case IsCookieStickiness(typeName):
		return p == "HTTP" || p == "HTTPS"
	case typeName == SSLNegotiationType:
		return p == "HTTPS" || p == "SSL"
	}
	return false
}

// AttachableToBackend reports whether a policy of type typeName may be set on
// an instance port (SetLoadBalancerPoliciesForBackendServer), given the
// InstanceProtocol of every listener forwarding to that port (compared
// case-insensitively).
//
//   - ProxyProtocolPolicyType: always. AWS documents proxy protocol for
//     TCP/SSL back ends, but we accept it on any instance port, including
//     ports without listeners yet and HTTP/HTTPS back ends, because the
//     policy is set per instance port independently of listeners; the data
//     plane only emits the header where it proxies raw TCP/SSL.
//   - BackendServerAuthenticationPolicyType: only if at least one listener
//     forwards to the port and all of them use HTTPS or SSL to the instance
//     (with no listener the back-end protocol is unknown, so it is refused).
//   - PublicKey, the stickiness types, SSLNegotiation and unknown types:
//     never.
func AttachableToBackend(typeName string, instanceProtocols []string) bool {
	switch typeName {
	case ProxyProtocolType:
		return true
	case BackendServerAuthenticationType:
		if len(instanceProtocols) == 0 {
			return false
		}
		for _, p := range instanceProtocols {
			if p = strings.ToUpper(p); p != "HTTPS" && p != "SSL" {
				return false
			}
		}
		return true
	}
	return false
}
