#include "scoreboard/scoreboard.h"

#include <sched.h>
#include <sys/mman.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>
#include <stdexcept>

#include "os/clock.h"
#include "scoreboard/shared_atomic.h"

namespace fpmd::scoreboard {
namespace {

template <size_t N>
void copyText(char (&dest)[N], std::string_view text) {
  size_t n = std::min(text.size(), N - 1);
  std::memcpy(dest, text.data(), n);
  dest[n] = '\0';
}

}  // namespace

int64_t nowMicros() {
  return os::monotonicMicros();
}

Scoreboard::Scoreboard(size_t slot_count, std::string_view pool, uint8_t pm)
    : slot_count_(slot_count) {
  mapping_size_ = sizeof(Header) + slot_count * sizeof(Slot);
  mapping_ =
      ::mmap(nullptr, mapping_size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mapping_ == MAP_FAILED) throw std::bad_alloc();
  // Anonymous mappings are zero-filled: every slot starts free.
  header_ = static_cast<Header*>(mapping_);
  slots_ = reinterpret_cast<Slot*>(static_cast<char*>(mapping_) + sizeof(Header));
  header_->started_us = nowMicros();
  header_->slot_count = static_cast<uint32_t>(slot_count);
  header_->pm = pm;
  copyText(header_->pool, pool);
  prepareLatencyWindows(header_->latency, header_->started_us);
}

void Scoreboard::setListenQueue(uint64_t depth, uint64_t limit) {
  atomic(header_->listen_queue).store(depth);
  atomic(header_->listen_queue_len).store(limit);
  if (depth > atomic(header_->max_listen_queue).load()) {
    atomic(header_->max_listen_queue).store(depth);
  }
}

void Scoreboard::addDispatchQueued(int64_t delta) {
  atomic(header_->dispatch_queued).fetch_add(delta);
}

void Scoreboard::setQueuedInMaster(int64_t count) {
  atomic(header_->queued_in_master).store(count);
}

void Scoreboard::countQueueTimeout() {
  atomic(header_->queue_timeouts).fetch_add(1);
}

bool Scoreboard::dispatchMayHold() const {
  return atomic(header_->dispatch_queued).load() > 0;
}

void Scoreboard::noteActive(uint64_t active) {
  if (active > atomic(header_->max_active).load()) atomic(header_->max_active).store(active);
}

void Scoreboard::setMemory(int index, uint64_t rss, uint64_t pss) {
  atomic(slot(index).memory_rss).store(rss);
  atomic(slot(index).memory_pss).store(pss);
}

void Scoreboard::setRssAfterRequest(int index, uint64_t rss, uint64_t peak) {
  atomic(slot(index).rss_peak).store(peak);
  atomic(slot(index).rss_after_request).store(rss);
}

void Scoreboard::setExitReason(int index, ExitReason reason) {
  atomic(slot(index).exit_reason).store(static_cast<uint8_t>(reason));
}

void Scoreboard::prepareLatency(int64_t now_us) {
  prepareLatencyWindows(header_->latency, now_us);
}

Scoreboard::~Scoreboard() {
  ::munmap(mapping_, mapping_size_);
}

int Scoreboard::claimSlot(pid_t placeholder) {
  for (size_t i = 0; i < slot_count_; ++i) {
    if (atomic(slots_[i].pid).load() == 0) {
      std::memset(&slots_[i], 0, sizeof(Slot));
      slots_[i].started_us = nowMicros();
      atomic(slots_[i].pid).store(placeholder);
      return static_cast<int>(i);
    }
  }
  return -1;
}

void Scoreboard::setSlotPid(int index, pid_t pid) {
  atomic(slot(index).pid).store(pid);
}

void Scoreboard::releaseSlot(int index) {
  atomic(slot(index).pid).store(0);
}

void Scoreboard::setStage(int index, cgi::Stage stage) {
  atomic(slot(index).stage).store(static_cast<uint8_t>(stage));
}

cgi::Stage Scoreboard::stage(int index) const {
  return static_cast<cgi::Stage>(atomic(const_cast<Slot&>(slot(index)).stage).load());
}

void Scoreboard::beginRequest(int index, int64_t now_us, std::string_view method,
                              std::string_view uri, std::string_view query,
                              uint64_t content_length) {
  Slot& s = slot(index);
  atomic(s.seq).fetch_add(1);
  copyText(s.method, method);
  copyText(s.uri, uri);
  copyText(s.query, query);
  s.script[0] = '\0';
  s.user[0] = '\0';
  s.content_length = content_length;
  s.request_started_us = now_us;
  s.request_ended_us = 0;
  s.requests += 1;  // PHP-FPM counts a request when it is accepted
  atomic(s.seq).fetch_add(1);
  atomic(s.stage).store(static_cast<uint8_t>(cgi::Stage::ReadingHeaders));
  atomic(header_->accepted_conn).fetch_add(1);
}

void Scoreboard::setScript(int index, std::string_view script, std::string_view user) {
  Slot& s = slot(index);
  atomic(s.seq).fetch_add(1);
  copyText(s.script, script);
  copyText(s.user, user);
  atomic(s.seq).fetch_add(1);
}

void Scoreboard::endRequest(int index, int64_t now_us, uint64_t memory_peak, uint64_t cpu_us) {
  Slot& s = slot(index);
  atomic(s.seq).fetch_add(1);
  s.request_ended_us = now_us;
  s.last_memory = memory_peak;
  s.last_cpu_us = cpu_us;
  atomic(s.seq).fetch_add(1);
  atomic(s.stage).store(static_cast<uint8_t>(cgi::Stage::Idle));
  recordLatency(header_->latency, now_us,
                static_cast<uint64_t>(std::max<int64_t>(0, now_us - s.request_started_us)));
}

Slot Scoreboard::readSlot(int index) const {
  Slot copy;
  Slot& live = const_cast<Slot&>(slot(index));
  // Retry while a writer is mid-update. A writer that keeps moving seq is alive and will
  // finish: keep trying (a worker rewrites its slot once or twice per request, so this
  // ends at once in practice). An odd seq that stays still is a writer descheduled
  // mid-write, or one that died there: yield so it can finish, and after kStillMicros
  // (far longer than a scheduler lets a runnable thread wait) take what is there.
  constexpr int kMaxAttempts = 100000;
  constexpr int64_t kStillMicros = 50000;
  int64_t still_since = 0;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    uint32_t before = atomic(live.seq).load();
    std::memcpy(&copy, &live, sizeof(Slot));
    std::atomic_thread_fence(std::memory_order_acquire);
    uint32_t after = atomic(live.seq).load();
    if (before != after) {
      still_since = 0;
      continue;
    }
    if ((before & 1U) == 0) break;
    int64_t now = nowMicros();
    if (still_since == 0) still_since = now;
    if (now - still_since >= kStillMicros) break;
    sched_yield();
  }
  // The slot is shared memory a worker writes: whatever it left there (a torn write, code
  // that scribbled on it), readers get strings that end inside their arrays.
  copy.method[kMethodSize - 1] = '\0';
  copy.uri[kUriSize - 1] = '\0';
  copy.query[kQuerySize - 1] = '\0';
  copy.script[kScriptSize - 1] = '\0';
  copy.user[kUserSize - 1] = '\0';
  return copy;
}

Snapshot Scoreboard::snapshot() const {
  Snapshot snap;
  std::memcpy(&snap.header, header_, sizeof(Header));
  snap.header.pool[kPoolNameSize - 1] = '\0';
  for (size_t i = 0; i < slot_count_; ++i) {
    Slot copy = readSlot(static_cast<int>(i));
    if (copy.pid != 0) snap.slots.push_back(copy);
  }
  return snap;
}

}  // namespace fpmd::scoreboard
