// Package tlspolicy turns a Classic ELB SSLNegotiationPolicyType policy — its
// attribute list as elbd stores it — into what Go's crypto/tls can serve:
// a protocol version range, the TLS 1.0–1.2 cipher suites, and the lists of
// enabled attributes that cannot be honoured. It also names negotiated
// protocols and cipher suites the way ELB access logs write them.
//
// # From a policy to crypto/tls
//
// [Resolve] reads the Protocol-*, Server-Defined-Cipher-Order and cipher
// flags and returns a [Result]; [Result.Config] applies it to a
// *tls.Config. The rules, also described for operators in docs/tls.md:
//
//   - Protocols. Protocol-TLSv1, -TLSv1.1 and -TLSv1.2 map to TLS 1.0, 1.1
//     and 1.2. Protocol-SSLv2 and -SSLv3 cannot be served (crypto/tls has
//     neither) and are listed in [Result.Unservable]. MinVersion is always
//     set explicitly, because crypto/tls servers refuse TLS 1.0 and 1.1
//     unless MinVersion asks for them. MaxVersion is TLS 1.2 — Classic ELB
//     never negotiates TLS 1.3 — unless [Options.TLS13] is set and the policy
//     enables TLS 1.2, in which case TLS 1.3 is served as well.
//   - A protocol gap (TLS 1.0 and 1.2 enabled, TLS 1.1 not) is honoured
//     exactly: crypto/tls only knows a min..max range, so [Result.Config]
//     installs a GetConfigForClient hook that, for a client whose best
//     version would be a disabled one, lowers MaxVersion for that handshake
//     to the best enabled version below it (the client then speaks TLS 1.0,
//     as with an OpenSSL-based server such as ELB).
//   - Ciphers. The 88 cipher attributes use OpenSSL names; the 19 that
//     crypto/tls implements map to its suite IDs, in the policy's attribute
//     order. Every other enabled cipher (DHE-*, EDH-*, ADH-*, CAMELLIA*,
//     SEED, IDEA, PSK, KRB5, EXP-*, *-MD5, and the three SHA-384/SHA-256 CBC
//     suites ECDHE-ECDSA-AES256-SHA384, ECDHE-RSA-AES256-SHA384 and
//     AES256-SHA256) is listed in [Result.Unservable].
//   - Insecure suites are served when the policy enables them. RSA key
//     exchange, 3DES, RC4 and the CBC-SHA256 suites are in
//     tls.InsecureCipherSuites and absent from Go's defaults, but an
//     explicit Config.CipherSuites enables them (the tlsrsakex and tls3des
//     GODEBUG settings only affect the defaults). Being faithful to the
//     policy is the point: a listener on ELBSecurityPolicy-2014-10 accepts
//     RC4-SHA as ELB does; choose a newer policy to refuse it.
//   - Server-Defined-Cipher-Order. crypto/tls always picks the suite by its
//     own fixed preference order (ECDHE AEADs first, then ECDHE CBC, RSA key
//     exchange, 3DES, CBC-SHA256, RC4), neither the client's order nor the
//     policy's. "true" is treated as honoured — the server decides, if not
//     in exactly the policy's order — while "false" (or an absent
//     attribute), which asks ELB to follow the client's preference, cannot
//     be and is listed in [Result.Ignored] as
//     "Server-Defined-Cipher-Order=false".
//   - TLS 1.3 suites are not configurable in crypto/tls: when TLS 1.3 is
//     served, its suites are Go's (AES-128-GCM, AES-256-GCM,
//     ChaCha20-Poly1305) whatever the policy says.
//   - Key exchange groups (CurvePreferences) are left to crypto/tls's
//     defaults: ELB policies have no attribute for them, and Go's defaults
//     (X25519, P-256, P-384, P-521, and hybrid post-quantum groups for TLS
//     1.3) cover every client ELB serves.
//
// # Nothing servable
//
// [Resolve] fails with a *model.Error of kind KindInvalidConfiguration
// (InvalidConfigurationRequest on the wire) when no handshake could ever
// succeed: no protocol crypto/tls can serve, or no enabled cipher that
// crypto/tls implements and that one of the enabled protocols can use (the
// GCM and SHA-256 suites need TLS 1.2). TLS 1.3 does not count: it is an
// elbd option, not part of the policy, so a policy is valid or invalid
// regardless of it. internal/policy calls Resolve when it normalises a new
// SSLNegotiationPolicyType policy, so CreateLoadBalancerPolicy refuses such
// a policy and a stored policy always resolves.
//
// # Dependency direction
//
// internal/policy imports this package, not the other way round: policy
// owns the catalogue of what the ELB API accepts (names, predefined
// policies, normalisation) and asks tlspolicy, the one place that knows
// crypto/tls, whether Go can serve a policy. tlspolicy therefore depends
// only on internal/model and the standard library, and knows attribute
// names by their shape (Protocol-*, the two special attributes, anything
// else is a cipher) plus its table of the ciphers Go implements; its tests
// check that table against internal/policy's 88 cipher names and
// predefined policies. One consequence: a Reference-Security-Policy is not
// expanded here. policy.Normalize stores a referencing policy as the
// reference followed by every flag of the referenced predefined policy
// (with explicit overrides applied), so stored policies always carry their
// flags and Resolve takes them as given; a list holding the reference and
// no flags at all is refused with an error saying it was not normalised.
//
// # Names
//
// [CipherName] and [ProtocolName] give the ssl_cipher and ssl_protocol
// access-log fields: OpenSSL names such as ECDHE-RSA-AES128-GCM-SHA256 and
// TLSv1.2, and the RFC 8446 names (TLS_AES_128_GCM_SHA256) for TLS 1.3
// suites.
package tlspolicy
