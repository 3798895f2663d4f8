// Package sticky owns the cookies of Classic ELB's sticky sessions: the
// AWSELB cookie that names the instance a client is stuck to, how its value
// is made, and how the data plane reads cookies from requests and
// Set-Cookie fields from responses.
//
// # Tokens
//
// An AWSELB value must name a back end without letting a client choose
// one: a guessable value (an instance id, an address, an index) would let
// anyone aim traffic at a particular instance, bypass the balancer's
// choice, or probe which instances exist. [Token] is therefore an HMAC
// (SHA-256, truncated to 16 bytes, 32 upper-case hex digits, like the
// values AWS sends) of the back end's identity under a secret key. The data
// plane computes it once per back end and stores it in balance.Backend.Token;
// the request path maps a cookie value back to the back end with one map
// lookup (balance.Set.ByToken) and never computes an HMAC. A forged or
// stale value simply finds nothing.
//
// # Why it is written by hand
//
// net/http has cookie parsers, but they cannot sit on the request path:
// http.Request.Cookie and http.ParseCookie build a []*http.Cookie with a
// string per name and value for every request, and http.ParseSetCookie
// allocates the cookie, its strings and (through time.Parse) the Expires
// value. The proxy keeps heads as byte slices of its read buffer and
// forwards a keep-alive request without allocating; [CookieValue] and
// [ParseSetCookie] work on those slices and return sub-slices, and the
// appenders write into a caller's buffer, so stickiness adds no
// allocation either. They also implement ELB's own rules, which no library
// has: an application Set-Cookie with a trailing ";" is ignored, the LB
// cookie's attributes are spelt as ELB spells them (AWSELB=...;PATH=/;
// MAX-AGE=n), and the AWSELB cookie of the application-cookie policy
// follows the application cookie's lifetime and Secure/HttpOnly flags.
//
// The package uses only the standard library and no other elbd package.
package sticky
