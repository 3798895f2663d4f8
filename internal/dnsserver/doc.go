// Package dnsserver is elbd's authoritative DNS server for the load
// balancer zone (the --dns-domain apex, served on --dns-listen over UDP and
// TCP on the same address).
//
// The package owns the DNS protocol side only:
//
//   - Records, an immutable, validated set of names and addresses for one
//     zone. Each Entry (a load balancer's DNS name) yields three owner
//     names: the name itself (A records), "ipv6." + name (AAAA records) and
//     "dualstack." + name (A and AAAA records), as ELB publishes them.
//   - Server, which answers queries from the most recent Records handed to
//     Set, swapped atomically, together with the zone's SOA and NS records.
//   - the sockets and goroutines needed to serve them (Start / Shutdown).
//
// It knows nothing about load balancers, listeners, health or the store.
// A controller decides which addresses are up and working, builds a new
// Records with NewRecords and installs it with Set; withdrawing an address
// is simply leaving it out of the next Records (a name whose addresses are
// all withdrawn answers NOERROR with no data, not NXDOMAIN).
//
// Answers are authoritative (AA set, RA clear, RD copied), carry TTL 60 by
// default (§4.8 of the ELB reference) and list every address of the owner
// name in ascending address order, so that identical record sets give
// identical answers. Unknown names inside the zone get NXDOMAIN, empty
// non-terminals (for example "us-east-1.<zone>" above an entry) get
// NOERROR/NODATA, both with the zone's SOA in the authority section;
// names outside the zone are REFUSED. See Server.ServeDNS for the complete
// set of rules.
package dnsserver
