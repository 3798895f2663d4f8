// Package balance owns backend selection for the data plane: which registered
// instance receives the next HTTP request or TCP connection.
//
// Three pieces fit together:
//
//   - A [Backend] is one instance as the data plane sees it. Besides its
//     identity it carries live state that the rest of the node updates: the
//     number of outstanding requests or connections ([Backend.Acquire],
//     [Backend.Release]), the verdict of the active health checker
//     ([Backend.SetHealthy]) and the passive ejection flag ([Set.TryEject],
//     [Backend.Readmit]). Backends are long-lived: whoever builds sets keeps
//     one *Backend per instance and reuses the pointer in every new set, so
//     the counters survive reconfiguration.
//   - A [Set] is an immutable snapshot of one load balancer's backends grouped
//     by zone. Candidate slices for every zone (cross-zone off) and for all
//     zones (cross-zone on) are computed once in [NewSet]. A [Holder] publishes
//     the current set behind an atomic pointer, so the request path loads a
//     snapshot without locks and a reconfiguration is one pointer store.
//     Health changes do not rebuild sets: they flip flags on the shared
//     backends, which pickers read atomically.
//   - Pickers choose from a candidate slice: [RoundRobin] for TCP and SSL
//     listeners, [LeastOutstanding] (power of two choices over outstanding
//     counts) for HTTP and HTTPS listeners.
//
// # Usability and fail-open
//
// Pickers rank every candidate and choose only among the best rank present:
//
//  1. healthy and not ejected (the normal case);
//  2. healthy but ejected by passive health: only when every healthy
//     candidate is ejected;
//  3. unhealthy by active checks, not ejected: fail-open;
//  4. unhealthy and ejected: fail-open of last resort.
//
// So when no candidate is healthy, traffic is spread over all of them instead
// of being refused, as ELB's DNS does when every node reports unhealthy (and
// as Envoy's panic mode does): a health check that is wrong for every
// instance at once is more likely than every instance being down. Pick
// returns nil only when the candidate slice is empty. A caller that prefers
// to refuse rather than fail open checks [Backend.Healthy] on the result.
//
// # Cost
//
// The per-request path allocates nothing and takes no locks: [Holder.Load]
// is an atomic load, [Set.Candidates] a map lookup returning a precomputed
// slice, [RoundRobin.Pick] an atomic add plus a scan that stops at the first
// usable backend, and [LeastOutstanding.Pick] one random number and a few
// atomic loads when both sampled backends are usable. Tests pin these
// properties with testing.AllocsPerRun.
//
// The package performs no I/O and imports no other elbd package.
package balance
