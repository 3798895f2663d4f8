package sigv4

import "sync"

// maxCachedKeys bounds the signing-key cache; scopes change daily and
// regions are client-chosen, so the cache is simply emptied when full.
const maxCachedKeys = 256

var keyCache = struct {
	sync.Mutex
	m map[string][]byte
}{m: map[string][]byte{}}

// signingKey derives the SigV4 signing key: HMAC chain "AWS4"+secret ->
// date -> region -> service -> "aws4_request". Keys are cached per secret
// and scope because the chain costs four HMACs per request and clients reuse
// one scope for a whole day.
func signingKey(secret, date, region, service string) []byte {
	id := secret + "\x00" + date + "\x00" + region + "\x00" + service
	keyCache.Lock()
	k, ok := keyCache.m[id]
	keyCache.Unlock()
	if ok {
		return k
	}
	k = deriveKey(secret, date, region, service)
	keyCache.Lock()
	if len(keyCache.m) >= maxCachedKeys {
		clear(keyCache.m)
	}
	keyCache.m[id] = k
	keyCache.Unlock()
	return k
}

func deriveKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, terminal)
}
