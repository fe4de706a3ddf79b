#pragma once

// When a worker reads its own RSS after a request (one pread of /proc/self/statm). The
// reading serves pm.max_memory, the status page's "rss after request" and the memory
// governor's footprint; getrusage() already gives the peak (ru_maxrss) for free. RSS is
// never above that peak, so while the peak stands still and is within pm.max_memory the
// reading can tell nothing new about the limit, and the footprint (the larger of both)
// does not change: a worker then reads again only every kEveryRequests requests, to keep
// the status page fresh.

#include <cstdint>

namespace fpmd::worker {

class RssReading {
 public:
  static constexpr unsigned kEveryRequests = 32;

  /// After a request whose process peak is `peak` bytes: whether to read RSS now. A true
  /// answer counts as a reading.
  bool due(uint64_t peak, uint64_t max_memory) {
    bool due =
        peak != last_peak_ || ++since_ >= kEveryRequests || (max_memory != 0 && peak > max_memory);
    if (due) {
      last_peak_ = peak;
      since_ = 0;
    }
    return due;
  }

 private:
  uint64_t last_peak_ = 0;
  unsigned since_ = 0;
};

}  // namespace fpmd::worker
