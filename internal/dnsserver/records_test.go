package dnsserver

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestNewRecordsNormalises(t *testing.T) {
	in := []Entry{{
		Name: "My-LB-1.US-East-1.ELB.internal",
		IPv4: addrs("10.0.0.2", "10.0.0.1", "10.0.0.2", "::ffff:10.0.0.3"),
		IPv6: addrs("2001:db8::2", "2001:db8::1", "2001:db8::2"),
	}}
	orig := slices.Clone(in[0].IPv4)
	r, err := NewRecords("ELB.Internal.", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in[0].IPv4, orig) {
		t.Error("NewRecords modified its input")
	}
	if r.Zone() != "elb.internal." || r.Len() != 1 {
		t.Errorf("Zone %q Len %d", r.Zone(), r.Len())
	}
	v4 := addrs("10.0.0.1", "10.0.0.2", "10.0.0.3")
	v6 := addrs("2001:db8::1", "2001:db8::2")
	name := "my-lb-1.us-east-1.elb.internal."
	for n, want := range map[string]owner{
		name:                   {v4: v4},
		PrefixIPv6 + name:      {v6: v6},
		PrefixDualstack + name: {v4: v4, v6: v6},
	} {
		got, ok := r.owners[n]
		if !ok || !slices.Equal(got.v4, want.v4) || !slices.Equal(got.v6, want.v6) {
			t.Errorf("owner %s = %v, want %v", n, got, want)
		}
	}
	if len(r.owners) != 3 {
		t.Errorf("%d owners, want 3", len(r.owners))
	}
	if _, ok := r.ents["us-east-1.elb.internal."]; !ok || len(r.ents) != 1 {
		t.Errorf("empty non-terminals %v", r.ents)
	}
}

func TestNewRecordsRejects(t *testing.T) {
	long := strings.Repeat("a", 63)
	tooLong := long + "." + long + "." + long + "." + strings.Repeat("b", 40) + ".elb.internal" // 245 chars: fine alone, too long with dualstack.
	entries := []Entry{
		{Name: "ok-1.r.elb.internal", IPv4: addrs("10.0.0.1")},
		{Name: "a.example.com", IPv4: addrs("10.0.0.1")},
		{Name: "elb.internal", IPv4: addrs("10.0.0.1")},
		{Name: "x.xelb.internal"},
		{Name: "a_b.elb.internal"},
		{Name: "-a.elb.internal"},
		{Name: "a-.elb.internal"},
		{Name: ""},
		{Name: "a..elb.internal"},
		{Name: strings.Repeat("c", 64) + ".elb.internal"},
		{Name: tooLong},
		{Name: "OK-1.r.elb.internal.", IPv4: addrs("10.0.0.9")},     // duplicate of the first
		{Name: "ipv6.ok-1.r.elb.internal", IPv4: addrs("10.0.0.9")}, // collides with a derived name
		{Name: "ok-2.r.elb.internal", IPv4: addrs("2001:db8::1", "10.0.0.2"), IPv6: addrs("10.0.0.3", "::ffff:10.0.0.4", "fe80::1%eth0", "2001:db8::2", "fe80::2")},
		{Name: "ok-3.r.elb.internal", IPv4: []netip.Addr{{}}},
	}
	r, err := NewRecords("elb.internal", entries)
	if r == nil || err == nil {
		t.Fatalf("NewRecords = %v, %v", r, err)
	}
	if r.Len() != 3 {
		t.Errorf("accepted %d entries, want 3 (ok-1, ok-2, ok-3)", r.Len())
	}
	errs := err.(interface{ Unwrap() []error }).Unwrap()
	var names []string
	for _, e := range errs {
		var ee *EntryError
		if !errors.As(e, &ee) {
			t.Fatalf("%T is not an *EntryError: %v", e, e)
		}
		names = append(names, ee.Name)
		if !strings.Contains(ee.Error(), ee.Name) {
			t.Errorf("message %q does not name the entry", ee.Error())
		}
	}
	wantNames := []string{
		"a.example.com", "elb.internal", "x.xelb.internal", "a_b.elb.internal", "-a.elb.internal", "a-.elb.internal",
		"", "a..elb.internal", strings.Repeat("c", 64) + ".elb.internal", tooLong,
		"OK-1.r.elb.internal.", "ipv6.ok-1.r.elb.internal",
		"ok-2.r.elb.internal", "ok-2.r.elb.internal", "ok-2.r.elb.internal", "ok-2.r.elb.internal",
		"ok-3.r.elb.internal",
	}
	if !slices.Equal(names, wantNames) {
		t.Errorf("rejected\n %q\nwant\n %q", names, wantNames)
	}
	// The first definition wins; bad addresses are dropped, good ones kept.
	if got := r.owners["ok-1.r.elb.internal."].v4; !slices.Equal(got, addrs("10.0.0.1")) {
		t.Errorf("ok-1 = %v", got)
	}
	o := r.owners["dualstack.ok-2.r.elb.internal."]
	if !slices.Equal(o.v4, addrs("10.0.0.2")) || !slices.Equal(o.v6, addrs("2001:db8::2", "fe80::2")) {
		t.Errorf("ok-2 = %v", o)
	}
	if o := r.owners["ok-3.r.elb.internal."]; len(o.v4) != 0 {
		t.Errorf("ok-3 = %v", o)
	}
	if _, ok := r.owners["ipv6.ipv6.ok-1.r.elb.internal."]; ok {
		t.Error("colliding entry partly installed")
	}
}

func TestNewRecordsBadZone(t *testing.T) {
	for _, z := range []string{"", ".", "a..b", "a b", strings.Repeat("x", 64) + ".com"} {
		if r, err := NewRecords(z, nil); r != nil || err == nil {
			t.Errorf("NewRecords(%q) = %v, %v", z, r, err)
		}
	}
}

func TestNewRecordsNonTerminals(t *testing.T) {
	r := mustRecords(t, []Entry{
		{Name: "b.a.elb.internal"},
		{Name: "a.elb.internal"},
		{Name: "d.c.b.elb.internal"},
	})
	var ents []string
	for n := range r.ents {
		ents = append(ents, n)
	}
	slices.Sort(ents)
	// "a." is an owner itself; ipv6.a. and dualstack.a. are not
	// ancestors of anything.
	want := []string{"b.elb.internal.", "c.b.elb.internal."}
	if !slices.Equal(ents, want) {
		t.Errorf("empty non-terminals %q, want %q", ents, want)
	}
}

func TestSortAddrsEmpty(t *testing.T) {
	if got := sortAddrs([]netip.Addr{}); got != nil {
		t.Errorf("sortAddrs(empty) = %v, want nil", got)
	}
}
