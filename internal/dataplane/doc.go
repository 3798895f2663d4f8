// Package dataplane owns the running listeners: it takes immutable Config
// snapshots, binds one socket per (node address, listener port), and hands
// each accepted connection to the TCP or HTTP proxy with the route that is
// current at that moment. Reconfiguration swaps routes atomically; only
// listeners whose address or port appear or disappear are bound or
// closed, so established connections and untouched listeners are never
// disturbed.
//
// Around the proxies it runs what ELB does to instances: the active health
// checks (internal/health) whose verdicts flip flags on the shared
// backends, passive ejection of an instance that fails live traffic (at
// most half of a zone, readmitted by its next passing check), connection
// draining (an instance that stops serving keeps its connections until
// they finish or the drain times out, and is then retired, which closes
// them), sticky-session tokens, and one access-log sink per node address.
//
// The data plane never imports the API, the store or the elb service: the
// controller translates desired state into a Config.
package dataplane
