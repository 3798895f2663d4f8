// Package api owns elbd's HTTP front door: it decodes Query requests,
// authenticates them with SigV4 against the keyring, dispatches on Version
// (2012-06-01 → ELB, 2010-05-08 → IAM) and Action, translates parameters
// into calls on the elb service, renders results as AWS XML, and maps every
// domain error kind to its AWS code and HTTP status (errors.go, the one
// place that mapping lives). It also serves the JSON admin API for the
// instance inventory under /admin/.
package api
