#pragma once

// The scoreboard lives in memory shared between processes: plain fields that are read and
// written as atomics where it matters, through std::atomic_ref.

#include <atomic>

namespace fpmd::scoreboard {

template <typename T>
std::atomic_ref<T> atomic(T& value) {
  return std::atomic_ref<T>(value);
}

/// A relaxed read of a field another process may be writing (statistics, not decisions).
template <typename T>
T relaxedLoad(const T& value) {
  return std::atomic_ref<T>(const_cast<T&>(value)).load(std::memory_order_relaxed);
}

}  // namespace fpmd::scoreboard
