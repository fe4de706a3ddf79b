#pragma once

// pm.max_requests with jitter (PHP-FPM bug 68824; uWSGI's max-requests-delta, gunicorn's
// max_requests_jitter). With pm = static and pm.max_requests, every worker starts at the
// same moment, serves about the same number of requests and is recycled at the same
// moment: the pool restarts as one and stalls. Giving each worker lifetime its own limit
// spreads the restarts.
//
// Proposed directive: pm.max_requests_jitter (pool), a number of requests; the default is
// defaultMaxRequestsJitter(pm.max_requests), i.e. 10%. The limit only ever goes down, so
// pm.max_requests stays the hard bound the admin sized against memory growth; limits
// below 10 get no jitter by default, so small test values keep PHP-FPM's exact counts.

#include <cstdint>

namespace fpmd::master::pm {

/// The limit for one worker lifetime: max_requests minus an offset in [0, jitter] derived
/// from `seed` (pass something that differs per spawn, e.g. the child's pid: a per-slot
/// value would give a slot the same limit forever). 0 (unlimited) stays 0, and the result
/// is never 0 otherwise.
unsigned long maxRequestsFor(unsigned long max_requests, unsigned long jitter, uint64_t seed);

/// pm.max_requests_jitter when the pool does not set it: a tenth of pm.max_requests.
unsigned long defaultMaxRequestsJitter(unsigned long max_requests);

/// The jitter for the first life of workers started together with the pool (start-up,
/// reload): they would all reach their limit together, and a tenth of a lifetime is too
/// little to part them (measured: the first wave stays within ~150 ms for 2-s lives), so
/// their limits spread over the upper half, [max_requests/2, max_requests]. Replacements
/// are born apart already and keep `jitter`. A jitter of 0 (PHP-FPM's exact counts) stays 0.
unsigned long firstLifeJitter(unsigned long max_requests, unsigned long jitter);

}  // namespace fpmd::master::pm
