#pragma once

// The status page's field names, PHP-FPM's byte for byte: the JSON keys (also the HTML
// headers, and dashed the XML elements) that the renderers write and that `fpmd status`
// and the dashboard read back. One spelling, so a renamed field cannot break a reader.

namespace fpmd::status::field {

inline constexpr const char kPool[] = "pool";
inline constexpr const char kProcessManager[] = "process manager";
inline constexpr const char kStartTime[] = "start time";
inline constexpr const char kStartSince[] = "start since";
inline constexpr const char kAcceptedConn[] = "accepted conn";
inline constexpr const char kListenQueue[] = "listen queue";
inline constexpr const char kMaxListenQueue[] = "max listen queue";
inline constexpr const char kListenQueueLen[] = "listen queue len";
inline constexpr const char kIdleProcesses[] = "idle processes";
inline constexpr const char kActiveProcesses[] = "active processes";
inline constexpr const char kTotalProcesses[] = "total processes";
inline constexpr const char kMaxActiveProcesses[] = "max active processes";
inline constexpr const char kMaxChildrenReached[] = "max children reached";
inline constexpr const char kSlowRequests[] = "slow requests";
inline constexpr const char kRequestDurationP50[] = "request duration p50";
inline constexpr const char kRequestDurationP95[] = "request duration p95";
inline constexpr const char kRequestDurationP99[] = "request duration p99";
inline constexpr const char kMemoryRSS[] = "memory rss";
inline constexpr const char kMemoryPSS[] = "memory pss";
// The memory governor's (docs/memory.md).
inline constexpr const char kMaxChildren[] = "max children";
inline constexpr const char kMaxChildrenAuto[] = "max children auto";
inline constexpr const char kMemoryBudget[] = "memory budget";
inline constexpr const char kMemoryReserve[] = "memory reserve";
inline constexpr const char kMemoryLimit[] = "memory limit";
inline constexpr const char kMemoryAvailable[] = "memory available";
inline constexpr const char kWorkerFootprint[] = "worker footprint";
inline constexpr const char kMemoryGuard[] = "memory guard";
inline constexpr const char kRecycledForMemory[] = "recycled for memory";
// request_queue_timeout's 503s.
inline constexpr const char kQueueTimeouts[] = "queue timeouts";
inline constexpr const char kProcesses[] = "processes";
/// fpmd's `?all` document: every pool of the master.
inline constexpr const char kPools[] = "pools";
inline constexpr const char kPid[] = "pid";
inline constexpr const char kState[] = "state";
inline constexpr const char kRequests[] = "requests";
inline constexpr const char kRequestDuration[] = "request duration";
inline constexpr const char kRequestMethod[] = "request method";
inline constexpr const char kRequestURI[] = "request uri";
inline constexpr const char kContentLength[] = "content length";
inline constexpr const char kUser[] = "user";
inline constexpr const char kScript[] = "script";
inline constexpr const char kLastRequestCPU[] = "last request cpu";
inline constexpr const char kLastRequestMemory[] = "last request memory";
inline constexpr const char kRssAfterRequest[] = "rss after request";

/// The text format's one label that differs from its key.
inline constexpr const char kRequestURILabel[] = "request URI";

}  // namespace fpmd::status::field
