// Package model owns elbd's desired-state types — load balancers, listeners,
// health checks, attributes, policies, tags, instances and certificates — and
// their validation. It has no I/O and no knowledge of the wire protocol:
// validation returns *Error values whose Kind the API layer maps to AWS
// error codes.
package model
