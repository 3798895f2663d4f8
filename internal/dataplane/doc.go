// Package dataplane owns the running listeners: it takes immutable Config
// snapshots, binds one socket per (node address, listener port), and hands
// each accepted connection to the TCP or HTTP proxy with the route that is
// current at that moment. Reconfiguration swaps routes atomically; only
// listeners whose address or port appear or disappear are bound or
// closed, so established connections and untouched listeners are never
// disturbed.
//
// The data plane never imports the API, the store or the elb service: the
// controller translates desired state into a Config.
package dataplane
