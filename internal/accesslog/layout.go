package accesslog

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"time"
)

// layout names a Sink's files.
type layout struct {
	dir    string // <root>/<bucket>[/<prefix>]/AWSLogs/<account>/elasticloadbalancing/<region>
	head   string // <account>_elasticloadbalancing_<region>_<lb-name>_
	node   string // _<node-ip>_
	random func() string
}

func newLayout(c *Config) (*layout, error) {
	if c.Root == "" {
		return nil, errors.New("accesslog: no root directory")
	}
	for _, el := range []struct{ what, v string }{
		{"bucket", c.Bucket},
		{"account id", c.AccountID},
		{"region", c.Region},
		{"load balancer name", c.LoadBalancer},
	} {
		if err := checkElement(el.what, el.v); err != nil {
			return nil, err
		}
	}
	if !c.NodeIP.IsValid() {
		return nil, errors.New("accesslog: no node IP")
	}
	prefix, err := checkPrefix(c.Prefix)
	if err != nil {
		return nil, err
	}
	rel := filepath.Join(c.Bucket, filepath.FromSlash(prefix), "AWSLogs", c.AccountID, "elasticloadbalancing", c.Region)
	if !filepath.IsLocal(rel) {
		// Unreachable after the checks above; kept as the last line of
		// defence against writing outside the root.
		return nil, fmt.Errorf("accesslog: %q is not below the root", rel)
	}
	return &layout{
		dir:    filepath.Join(c.Root, rel),
		head:   c.AccountID + "_elasticloadbalancing_" + c.Region + "_" + c.LoadBalancer + "_",
		node:   "_" + c.NodeIP.Unmap().WithZone("").String() + "_",
		random: randomName,
	}, nil
}

// checkElement checks that s can be used as one path element: it cannot
// be empty, hold a separator or NUL, or name the directory itself or its
// parent.
func checkElement(what, s string) error {
	switch {
	case s == "":
		return fmt.Errorf("accesslog: empty %s", what)
	case s == "." || s == "..":
		return fmt.Errorf("accesslog: %s %q is not allowed", what, s)
	case strings.ContainsAny(s, "/\x00") || strings.ContainsRune(s, filepath.Separator):
		return fmt.Errorf("accesslog: %s %q contains a path separator or NUL", what, s)
	case !filepath.IsLocal(s):
		return fmt.Errorf("accesslog: %s %q is not a valid file name", what, s)
	}
	return nil
}

// checkPrefix checks an S3 key prefix, which may hold slashes, and returns
// it without trailing slashes.
func checkPrefix(p string) (string, error) {
	if strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("accesslog: prefix %q is absolute", p)
	}
	p = strings.TrimRight(p, "/")
	if p == "" {
		return "", nil
	}
	for el := range strings.SplitSeq(p, "/") {
		if err := checkElement("prefix element", el); err != nil {
			return "", fmt.Errorf("%w in prefix %q", err, p)
		}
	}
	return p, nil
}

// path returns the name of a new file for the interval ending at end.
func (l *layout) path(end time.Time) string {
	end = end.UTC()
	return filepath.Join(l.dir, end.Format("2006"), end.Format("01"), end.Format("02"),
		l.head+end.Format("20060102T1504Z")+l.node+l.random()+".log")
}

// randomName returns 8 characters of [0-9a-z], like ELB's file names end in.
func randomName() string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	var b [8]byte
	for i := range b {
		b[i] = alphabet[rand.IntN(len(alphabet))]
	}
	return string(b[:])
}

// intervalEnd returns the end of the clock-aligned interval holding t, in
// Unix seconds. An instant on a boundary starts the next interval.
func intervalEnd(t time.Time, interval time.Duration) int64 {
	return t.Truncate(interval).Add(interval).Unix()
}
