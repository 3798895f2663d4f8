// Command tlsbench holds the TLS helpers of bench/run.sh:
//
//	tlsbench cert -type ecdsa|rsa -out PREFIX
//	        write a self-signed leaf (ECDSA P-256 or RSA 2048) and its key:
//	        PREFIX.crt, PREFIX.key (PKCS#8) and PREFIX.pem (both, for haproxy)
//	tlsbench load -addr HOST:PORT [-conns N] [-duration D] [-curves LIST]
//	        full-handshake load: each of -conns workers, until -duration is
//	        over, opens a new TCP connection, runs a full TLS 1.2 handshake
//	        (no client session cache, so no session ID or ticket is ever
//	        offered and nothing can be resumed), sends one GET with
//	        "Connection: close", reads the response to the end and closes.
//	        Prints one tab-separated line: handshakes (completed, 200
//	        responses), errors, resumed handshakes, seconds, p50 and p99 of
//	        the whole exchange in µs, and what was negotiated.
//	tlsbench server ADDR CERT KEY [ADDR CERT KEY ...]
//	        a minimal crypto/tls HTTP/1.1 server that answers every request
//	        itself with "hello, world\n": the floor under any Go TLS
//	        terminator (crypto/tls and a goroutine per connection, no
//	        proxying), to measure beside the proxies.
//	tlsbench micro [-n N]
//	        CPU time of the server-side public-key operations of one full
//	        handshake in Go's crypto (ECDSA P-256 and RSA 2048 signatures,
//	        X25519 and P-256 key agreement), to compare with `openssl speed`.
//
// It is a helper of bench/run.sh, not part of elbd.
package main

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"os/signal"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tlsbench cert|load|server|micro [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "cert":
		err = certCmd(os.Args[2:])
	case "load":
		err = loadCmd(os.Args[2:])
	case "server":
		err = serverCmd(os.Args[2:])
	case "micro":
		err = microCmd(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsbench:", err)
		os.Exit(1)
	}
}

// --- cert ---------------------------------------------------------------

func certCmd(args []string) error {
	fs := flag.NewFlagSet("cert", flag.ExitOnError)
	typ := fs.String("type", "ecdsa", "key type: ecdsa (P-256) or rsa (2048 bits)")
	out := fs.String("out", "", "output prefix")
	name := fs.String("name", "bench.elbd.test", "DNS name of the certificate")
	fs.Parse(args)
	if *out == "" {
		return errors.New("cert: -out is required")
	}
	var key crypto.Signer
	var err error
	switch *typ {
	case "ecdsa":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "rsa":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return fmt.Errorf("cert: unknown -type %q", *typ)
	}
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: *name, Organization: []string{"elbd bench"}},
		DNSNames:     []string{*name},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	crt := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	k := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
	for _, f := range []struct {
		suffix string
		data   []byte
	}{{".crt", crt}, {".key", k}, {".pem", append(slices.Clone(crt), k...)}} {
		if err := os.WriteFile(*out+f.suffix, f.data, 0o600); err != nil {
			return err
		}
	}
	return nil
}

// --- load ---------------------------------------------------------------

type worker struct {
	ok, errs, resumed int
	lat               []time.Duration
	negotiated        map[string]int
	firstErr          error
}

func loadCmd(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	addr := fs.String("addr", "", "HOST:PORT of the TLS listener")
	sni := fs.String("sni", "bench.elbd.test", "server name sent in the client hello")
	conns := fs.Int("conns", 32, "parallel workers (connections in flight)")
	duration := fs.Duration("duration", 10*time.Second, "how long to start new connections")
	timeout := fs.Duration("timeout", 5*time.Second, "deadline of one connection")
	path := fs.String("path", "/", "request path")
	curves := fs.String("curves", "", "key-exchange groups the client offers, comma-separated (X25519, P-256, P-384, P-521); empty: Go's defaults")
	fs.Parse(args)
	if *addr == "" {
		return errors.New("load: -addr is required")
	}
	cfg := &tls.Config{
		ServerName: *sni,
		// The servers' certificates are self-signed; the handshake
		// still verifies the server's signature over its key share.
		InsecureSkipVerify: true, //nolint:gosec // benchmark client
		// The servers stop at TLS 1.2 (as Classic ELB does); capping
		// the client too saves it generating TLS 1.3 key shares that
		// would be thrown away.
		MaxVersion: tls.VersionTLS12,
		// No ClientSessionCache: every handshake is a full one.
	}
	for _, c := range strings.FieldsFunc(*curves, func(r rune) bool { return r == ',' || r == ' ' }) {
		id, ok := map[string]tls.CurveID{"X25519": tls.X25519, "P-256": tls.CurveP256, "P-384": tls.CurveP384, "P-521": tls.CurveP521}[c]
		if !ok {
			return fmt.Errorf("load: unknown curve %q", c)
		}
		cfg.CurvePreferences = append(cfg.CurvePreferences, id)
	}
	req := []byte("GET " + *path + " HTTP/1.1\r\nHost: " + *sni + "\r\nUser-Agent: tlsbench\r\nConnection: close\r\n\r\n")
	ws := make([]*worker, *conns)
	start := time.Now()
	stop := start.Add(*duration)
	var wg sync.WaitGroup
	for i := range ws {
		w := &worker{negotiated: map[string]int{}}
		ws[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 16<<10)
			for time.Now().Before(stop) {
				t0 := time.Now()
				st, err := exchange(*addr, cfg, req, buf, *timeout)
				if err != nil {
					w.errs++
					if w.firstErr == nil {
						w.firstErr = err
					}
					// Do not spin on a refusing listener.
					time.Sleep(time.Millisecond)
					continue
				}
				w.ok++
				w.lat = append(w.lat, time.Since(t0))
				if st.DidResume {
					w.resumed++
				}
				w.negotiated[tls.VersionName(st.Version)+" "+tls.CipherSuiteName(st.CipherSuite)+" "+st.CurveID.String()]++
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	var ok, errs, resumed int
	var lat []time.Duration
	neg := map[string]int{}
	for _, w := range ws {
		ok += w.ok
		errs += w.errs
		resumed += w.resumed
		lat = append(lat, w.lat...)
		for k, v := range w.negotiated {
			neg[k] += v
		}
		if w.firstErr != nil {
			fmt.Fprintln(os.Stderr, "tlsbench load: error:", w.firstErr)
		}
	}
	slices.Sort(lat)
	fmt.Printf("%d\t%d\t%d\t%.3f\t%.1f\t%.1f\t%s\n", ok, errs, resumed, secs, pct(lat, 50), pct(lat, 99), negotiated(neg))
	return nil
}

// exchange runs one connection: dial, full handshake, one request with
// Connection: close, the whole response (to the server's close).
func exchange(addr string, cfg *tls.Config, req, buf []byte, timeout time.Duration) (tls.ConnectionState, error) {
	d := net.Dialer{Timeout: timeout}
	raw, err := d.Dial("tcp", addr)
	if err != nil {
		return tls.ConnectionState{}, err
	}
	defer raw.Close()
	raw.SetDeadline(time.Now().Add(timeout))
	c := tls.Client(raw, cfg)
	if err := c.Handshake(); err != nil {
		return tls.ConnectionState{}, fmt.Errorf("handshake: %w", err)
	}
	st := c.ConnectionState()
	if _, err := c.Write(req); err != nil {
		return st, fmt.Errorf("write: %w", err)
	}
	n := 0
	for {
		if n == len(buf) {
			return st, errors.New("response larger than the buffer")
		}
		m, err := c.Read(buf[n:])
		n += m
		if err != nil {
			// The server closes after the response; with or without a
			// close_notify, what counts is a complete 200 response.
			if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !complete(buf[:n]) {
				return st, fmt.Errorf("read: %w", err)
			}
			break
		}
	}
	if !bytes.HasPrefix(buf[:n], []byte("HTTP/1.1 200 ")) {
		line, _, _ := bytes.Cut(buf[:n], []byte("\r\n"))
		return st, fmt.Errorf("response %q", line)
	}
	if !complete(buf[:n]) {
		return st, errors.New("truncated response")
	}
	return st, nil
}

// complete reports whether resp holds a whole response with a
// Content-Length body.
func complete(resp []byte) bool {
	head, body, ok := bytes.Cut(resp, []byte("\r\n\r\n"))
	if !ok {
		return false
	}
	for _, l := range strings.Split(string(head), "\r\n")[1:] {
		k, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(strings.TrimSpace(k), "content-length") {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			return err == nil && len(body) >= n
		}
	}
	return false
}

func pct(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted))*p/100+0.5) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / float64(time.Microsecond)
}

// negotiated names what the handshakes negotiated, most frequent first.
func negotiated(m map[string]int) string {
	if len(m) == 0 {
		return "-"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] })
	if len(keys) == 1 {
		return keys[0]
	}
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, m[k]))
	}
	return strings.Join(parts, "; ")
}

// --- server -------------------------------------------------------------

func serverCmd(args []string) error {
	if len(args) == 0 || len(args)%3 != 0 {
		return errors.New("server: want ADDR CERT KEY triples")
	}
	var lns []net.Listener
	for i := 0; i < len(args); i += 3 {
		cert, err := tls.LoadX509KeyPair(args[i+1], args[i+2])
		if err != nil {
			return err
		}
		cfg := &tls.Config{
			Certificates:           []tls.Certificate{cert},
			MinVersion:             tls.VersionTLS10,
			MaxVersion:             tls.VersionTLS12,
			SessionTicketsDisabled: true,
		}
		ln, err := net.Listen("tcp", args[i])
		if err != nil {
			return err
		}
		lns = append(lns, tls.NewListener(ln, cfg))
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n")
	respClose := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nhello, world\n")
	errc := make(chan error, len(lns))
	for _, ln := range lns {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					errc <- err
					return
				}
				go serveConn(c.(*tls.Conn), resp, respClose)
			}
		}()
	}
	select {
	case <-ch:
		return nil
	case err := <-errc:
		return err
	}
}

// serveConn answers GET requests without bodies, keep-alive unless the
// client asks to close.
func serveConn(c *tls.Conn, resp, respClose []byte) {
	defer c.Close()
	if err := c.Handshake(); err != nil {
		return
	}
	r := bufio.NewReaderSize(c, 4096)
	for {
		closing := false
		for first := true; ; first = false {
			line, err := r.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(bytes.TrimSpace(line)) == 0 {
				if first {
					continue
				}
				break
			}
			if k, v, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("connection")) &&
				bytes.EqualFold(bytes.TrimSpace(v), []byte("close")) {
				closing = true
			}
		}
		if closing {
			c.Write(respClose)
			return
		}
		if _, err := c.Write(resp); err != nil {
			return
		}
	}
}

// --- micro --------------------------------------------------------------

func microCmd(args []string) error {
	fs := flag.NewFlagSet("micro", flag.ExitOnError)
	n := fs.Int("n", 2000, "operations per measurement (RSA: n/10)")
	fs.Parse(args)
	digest := sha256.Sum256([]byte("elbd bench"))
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	peerX, _ := ecdh.X25519().GenerateKey(rand.Reader)
	peerP, _ := ecdh.P256().GenerateKey(rand.Reader)
	ownX, _ := ecdh.X25519().GenerateKey(rand.Reader)
	ownP, _ := ecdh.P256().GenerateKey(rand.Reader)
	ops := []struct {
		name string
		n    int
		f    func() error
	}{
		{"ECDSA P-256 sign (SHA-256)", *n, func() error { _, err := ek.Sign(rand.Reader, digest[:], crypto.SHA256); return err }},
		{"RSA 2048 sign, PSS (SHA-256)", *n / 10, func() error {
			_, err := rk.Sign(rand.Reader, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256})
			return err
		}},
		{"RSA 2048 sign, PKCS#1 v1.5 (SHA-256)", *n / 10, func() error { _, err := rk.Sign(rand.Reader, digest[:], crypto.SHA256); return err }},
		{"X25519 key generation + shared secret", *n, func() error { return agree(ecdh.X25519(), peerX.PublicKey()) }},
		{"X25519 shared secret only", *n, func() error { _, err := ownX.ECDH(peerX.PublicKey()); return err }},
		{"P-256 ECDH key generation + shared secret", *n, func() error { return agree(ecdh.P256(), peerP.PublicKey()) }},
		{"P-256 ECDH shared secret only", *n, func() error { _, err := ownP.ECDH(peerP.PublicKey()); return err }},
	}
	fmt.Println("| operation (Go crypto, one goroutine) | CPU µs/op | ops/s |")
	fmt.Println("|---|---:|---:|")
	for _, op := range ops {
		for range max(1, op.n/10) { // warm up
			if err := op.f(); err != nil {
				return err
			}
		}
		c0 := cpuTime()
		for range op.n {
			if err := op.f(); err != nil {
				return err
			}
		}
		per := (cpuTime() - c0).Seconds() / float64(op.n) * 1e6
		fmt.Printf("| %s | %.1f | %.0f |\n", op.name, per, 1e6/per)
	}
	return nil
}

func agree(curve ecdh.Curve, peer *ecdh.PublicKey) error {
	k, err := curve.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	_, err = k.ECDH(peer)
	return err
}

// cpuTime is the process's user + system CPU time.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
