// Package testpki makes certificates for tests: a root and an intermediate
// CA, and leaf certificates (ECDSA P-256 or RSA 2048) with what TLS
// servers, clients and elbd's IAM API need of them, plus the TLS
// configurations the proxy tests share. It is imported only by tests.
package testpki
