// Command tcpbench is the TCP bulk-throughput source and sink of
// bench/run.sh. It keeps its own CPU cost low so that the proxy under test,
// not the load generator, is what the benchmark measures:
//
//	tcpbench serve ADDR...     on each connection, read a line "N\n", send N
//	                           bytes with sendfile(2) from an in-memory file,
//	                           then half-close and wait for the peer's close
//	tcpbench load -addr A ...  open -conns connections to A, ask each for
//	                           -bytes/-conns bytes and discard them with
//	                           recv(MSG_TRUNC) (no copy to user space); print
//	                           "BYTES SECONDS" on stdout
//
// It is a helper of bench/run.sh, not part of elbd.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: tcpbench serve ADDR... | tcpbench load -addr HOST:PORT [-conns N] [-bytes N]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "load":
		err = load(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcpbench:", err)
		os.Exit(1)
	}
}

// fileSize is the size of the in-memory file that serve sends from.
const fileSize = 16 << 20

func serve(addrs []string) error {
	if len(addrs) == 0 {
		return errors.New("serve: no address")
	}
	fd, err := unix.MemfdCreate("tcpbench", 0)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "tcpbench-memfd")
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(i*7 + i>>8)
	}
	for off := 0; off < fileSize; off += len(block) {
		if _, err := f.Write(block); err != nil {
			return err
		}
	}
	// Each connection opens its own description of the file, with its
	// own offset, so that connections do not share a file position.
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	var lns []net.Listener
	for _, a := range addrs {
		ln, err := net.Listen("tcp", a)
		if err != nil {
			return err
		}
		lns = append(lns, ln)
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go handle(c.(*net.TCPConn), path)
			}
		}()
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	for _, ln := range lns {
		ln.Close()
	}
	return nil
}

func handle(c *net.TCPConn, path string) {
	defer c.Close()
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcpbench:", err)
		return
	}
	defer f.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReaderSize(c, 64).ReadString('\n')
	if err != nil {
		return
	}
	n, err := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
	if err != nil || n < 0 {
		return
	}
	c.SetReadDeadline(time.Time{})
	for n > 0 {
		chunk := min(n, fileSize)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return
		}
		// *net.TCPConn.ReadFrom with an *io.LimitedReader over an
		// *os.File uses sendfile(2): the file's pages go to the socket
		// without a copy through user space.
		w, err := c.ReadFrom(&io.LimitedReader{R: f, N: chunk})
		if err != nil || w == 0 {
			return
		}
		n -= w
	}
	c.CloseWrite()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	io.Copy(io.Discard, c)
}

func load(args []string) error {
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	addr := fs.String("addr", "", "proxy address HOST:PORT")
	conns := fs.Int("conns", 4, "parallel connections")
	total := fs.Int64("bytes", 8<<30, "bytes to move in total")
	timeout := fs.Duration("timeout", 120*time.Second, "deadline for the whole transfer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *addr == "" || *conns < 1 {
		return errors.New("load: -addr and -conns >= 1 are required")
	}
	per := *total / int64(*conns)
	deadline := time.Now().Add(*timeout)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		got   int64
		first error
	)
	start := time.Now()
	for range *conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := fetch(*addr, per, deadline)
			mu.Lock()
			defer mu.Unlock()
			got += n
			if err == nil && n != per {
				err = fmt.Errorf("received %d bytes, want %d", n, per)
			}
			if err != nil && first == nil {
				first = err
			}
		}()
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	fmt.Printf("%d %.6f\n", got, secs)
	return first
}

// fetch asks for n bytes on a new connection and discards them in the
// kernel with recv(MSG_TRUNC).
func fetch(addr string, n int64, deadline time.Time) (int64, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(deadline)
	if _, err := fmt.Fprintf(c, "%d\n", n); err != nil {
		return 0, err
	}
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		return 0, err
	}
	// With MSG_TRUNC, TCP discards up to len(buf) bytes without
	// writing them to buf (tcp(7)), so buf is never touched.
	buf := make([]byte, 4<<20)
	var got int64
	for {
		var m int
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			m, _, rerr = unix.Recvfrom(int(fd), buf, unix.MSG_TRUNC|unix.MSG_DONTWAIT)
			return rerr != unix.EAGAIN
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			return got, err
		}
		if m == 0 {
			return got, nil
		}
		got += int64(m)
	}
}
