// Package health owns active health checking: parsing a HealthCheck
// target, probing instances, the rise/fall state machine of each (load
// balancer, instance) pair, scheduling the checks with jitter, and
// reporting states with DescribeInstanceHealth's exact strings (the
// constants in internal/model). It is not wired into elbd yet: a caller
// gives a [Checker] the full set of pairs to check with [Checker.Set],
// learns of transitions through [Options.OnChange] (to flip
// balance.Backend.SetHealthy, for instance) and answers
// DescribeInstanceHealth with [Checker.State].
//
// # Checks
//
// [ParseTarget] accepts exactly the grammar model.ValidateHealthCheck
// enforces: TCP:port, SSL:port, HTTP:port/path and HTTPS:port/path. The
// [Prober] interface runs one check; [NetProber] is the real one: TCP
// passes on connect, SSL on a completed TLS handshake (certificate not
// verified, as ELB without back-end authentication; a VerifyConnection
// hook for key pinning), HTTP and HTTPS on a complete 200 response within
// Timeout to "GET <path> HTTP/1.1" sent with User-Agent
// ELB-HealthChecker/1.0 and Connection: close. Its HTTP client is a small
// hand-rolled one (no pool, no goroutines, pooled buffers, bounded head
// and body reads); see NetProber for the framing rules.
//
// # State machine
//
// Each pair is in one of four states:
//
//	OutOfService  ELB       Instance registration is still in progress.
//	InService     N/A       N/A
//	OutOfService  Instance  Instance has failed at least the UnhealthyThreshold number of health checks consecutively.
//	OutOfService  Instance  Instance has not passed the configured HealthyThreshold number of health checks consecutively.
//
// A new pair starts registering. Its first passing check makes it
// InService at once ("a newly registered instance is considered healthy
// after it passes the first health check"); this holds for as long as no
// check of the pair has ever passed, so an instance that failed while it
// booted (and went to the failed state after UnhealthyThreshold failures)
// is InService at its first pass too. An InService pair goes to the
// failed state after UnhealthyThreshold consecutive failures. A pair that
// has been InService and failed needs HealthyThreshold consecutive passes
// to return: from its first pass it reports the "has not passed the
// configured HealthyThreshold" description, and UnhealthyThreshold
// consecutive failures take it back to the failed description. A pass
// resets the failure count and a failure the pass count. OnChange is
// called on transitions only.
//
// The other DescribeInstanceHealth answers (not registered, deregistration
// in progress, zone not enabled, instance stopped) depend on registration,
// draining, zones and inventory, which the caller knows; it answers those
// itself and asks the checker only about pairs it checks.
//
// # Scheduling
//
// Each pair is checked every Interval. Its first check comes at a random
// offset in [0, Interval), so that instances added together (a new load
// balancer, elbd starting) are not checked together; each later check is
// planned Interval ± Jitter×Interval (uniform; default 10 %, as HAProxy's
// spread-checks) after the previous one was planned, so that lateness
// does not accumulate. A check never lasts longer than Timeout (its
// context carries the deadline, and a pass reported later counts as a
// failure), and two checks of one pair never overlap: the next check is
// planned only once the previous one has ended, and starts at once if
// its planned time has passed.
//
// Time is the real time package: there is no clock interface. Tests run
// the checker inside testing/synctest bubbles, where the same code sees a
// fake clock, so a 30 s interval costs nothing and every timing is exact.
// Spec durations are not limited to ELB's ranges, so an integration test
// through a real elbd can also use millisecond intervals.
//
// # Why it scales
//
// An idle pair costs a small struct and one runtime timer (time.AfterFunc)
// and no goroutine: the Go runtime keeps timers in per-P heaps and runs a
// timer's function on a fresh goroutine only when it fires. That
// goroutine takes one of MaxConcurrent probe slots (default 256) and runs
// the probe itself; if every slot is busy it queues the pair in a FIFO and
// exits, and a goroutine whose probe ends takes the next queued pair
// before giving up its slot. So goroutines exist only for probes in
// flight, at most MaxConcurrent of them, and a single scheduler goroutine
// with its own heap would add nothing the runtime's timers do not already
// do.
//
// What dominates the CPU cost of spread-out checks is not the checks but
// waking the process for each of them: an idle Go process woken by a
// timer spends more CPU on the wake-up (futex, scheduler, netpoll) than a
// loopback TCP check costs. Check start times are therefore rounded up to
// a 100 ms grid (Interval/32 for intervals shorter than 3.2 s), so checks
// coming due within the same 100 ms share one wake-up; at ELB's minimum
// interval of 5 s that is 2 % of the interval and invisible next to the
// jitter. BenchmarkCheckCost measures the result on a 2-core machine:
// 2,000 instances checked every 5 s (400 checks a second) cost this
// process 1.4–2 CPU-seconds per minute for TCP checks (2–3 % of one
// core; 60–70 µs a check, close to what back-to-back checks cost) and
// 1.9–2.6 for HTTP; without the grid the same load cost three to four
// times as much. 1,000 instances at the default interval of 30 s cost
// about 0.4 CPU-seconds per minute (under 1 % of one core).
package health
