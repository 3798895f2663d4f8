// Package certs owns the validation of IAM server-certificate uploads
// (UploadServerCertificate, IAM Query API 2010-05-08): the PEM certificate
// body, the optional certificate chain and the private key must parse and
// belong together. It also derives the metadata IAM reports (expiration,
// key algorithm) and rebuilds a crypto/tls.Certificate from stored PEM for
// the data plane. It has no storage and does no I/O.
//
// All failures are *model.Error values:
//
//   - KindInvalidInput for parameters that are too long (certificateBody and
//     privateKey at most 16384 characters, certificateChain at most 2097152)
//     or contain characters outside IAM's pattern
//     [\u0009\u000A\u000D\u0020-\u00FF], and for certificates whose public
//     key is of an unsupported type or size;
//   - KindMalformedCertificate for a body, chain or private key that is not
//     PEM or does not parse (IAM reports bad private keys with this code
//     too), including encrypted private keys, which are rejected;
//   - KindKeyPairMismatch when the private key does not belong to the
//     certificate.
//
// Policy choices:
//
//   - Supported keys are those Classic ELB can serve: RSA from 1024 to 4096
//     bits, and ECDSA on P-256 (prime256v1), P-384 (secp384r1) and P-521
//     (secp521r1). Ed25519, DSA, X25519 and other curves are rejected with
//     KindInvalidInput naming the supported types. The key policy is applied
//     to the certificate's public key, before the private key is looked at.
//   - Already-expired and not-yet-valid certificates are accepted, as IAM
//     accepts them; NotAfter is reported as IAM's Expiration.
//   - The chain is parsed but not verified: every block must be a
//     parseable CERTIFICATE, but it need not sign the leaf, be in order or
//     consist of CAs. Its order is preserved as uploaded. This is more
//     lenient than IAM, which checks the chain order.
//   - Line endings (CRLF, CR) and indentation are normalised before the PEM
//     is decoded; text outside PEM blocks (such as OpenSSL's "Bag
//     Attributes" preamble) is ignored. The body must hold exactly one PEM
//     block. The private key may be preceded by an "EC PARAMETERS" block as
//     written by "openssl ecparam -genkey", but must otherwise be one block.
//   - Certificates and the key are re-encoded canonically: the leaf and the
//     chain as CERTIFICATE blocks, the key as a PKCS#8 "PRIVATE KEY" block.
package certs
