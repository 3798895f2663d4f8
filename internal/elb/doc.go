// Package elb owns elbd's desired state and every change to it: the
// semantics of the ELB and IAM actions (validation against the current
// state, defaults, idempotency, limits, account isolation), durable commit
// through a store.Store, and publication of each new state as an immutable
// snapshot to subscribers such as the data-plane controller.
//
// It speaks in domain terms (model types and *model.Error); the API layer
// translates the wire protocol to and from these calls.
package elb
