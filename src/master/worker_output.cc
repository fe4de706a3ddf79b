#include "master/worker_output.h"

#include <fmt/format.h>

#include "worker/output_marker.h"

namespace fpmd::master {
namespace {

using worker::kEndOfRequestMarker;

// What ends a line: a newline, or a NUL that may begin the end-of-request marker.
constexpr std::string_view kLineEnds{"\n\0", 2};
constexpr std::string_view kPipeClosed = ", pipe is closed";

std::string_view pipeName(OutputPipe pipe) {
  return pipe == OutputPipe::Stdout ? "stdout" : "stderr";
}

}  // namespace

WorkerOutput::WorkerOutput(WorkerOutputSettings settings, LineStart line_start, Write write)
    : settings_(std::move(settings)),
      line_start_(std::move(line_start)),
      write_(std::move(write)) {}

void WorkerOutput::relay(OutputPipe pipe, std::string_view data, bool ended) {
  bool first = !started_;
  started_ = true;
  if (pipe != pipe_) {
    releaseHeldMarker();
    endLine();
    pipe_ = pipe;
  }
  scan(data);
  // The one case where PHP-FPM marks the end of the pipe on the line: the child's first
  // output and the end of its pipe came in one wake-up (it died before the master read).
  if (ended && first) {
    releaseHeldMarker();
    endLine(kPipeClosed);
  }
  // Unbuffered, what one wake-up brought goes out at once, in one write().
  if (!settings_.buffered) flush();
}

void WorkerOutput::finish() {
  releaseHeldMarker();
  endLine();
  flush();
}

void WorkerOutput::scan(std::string_view data) {
  if (held_marker_ > 0) {
    std::string_view rest = kEndOfRequestMarker.substr(held_marker_);
    if (data.starts_with(rest)) {
      held_marker_ = 0;
      endLine();
      data.remove_prefix(rest.size());
    } else if (rest.starts_with(data)) {
      held_marker_ += data.size();
      return;
    } else {
      releaseHeldMarker();
    }
  }
  size_t start = 0;
  size_t pos = 0;
  while ((pos = data.find_first_of(kLineEnds, pos)) != std::string_view::npos) {
    std::string_view tail = data.substr(pos);
    size_t skip = 0;
    if (data[pos] == '\n') {
      skip = 1;
    } else if (tail.starts_with(kEndOfRequestMarker)) {
      skip = kEndOfRequestMarker.size();
    } else if (kEndOfRequestMarker.starts_with(tail)) {
      // Perhaps the marker, cut by the read: decided by the next bytes.
      append(data.substr(start, pos - start));
      held_marker_ = tail.size();
      return;
    } else {
      ++pos;  // a NUL of the text, written as it is
      continue;
    }
    append(data.substr(start, pos - start));
    endLine();
    pos += skip;
    start = pos;
  }
  append(data.substr(start));
}

void WorkerOutput::releaseHeldMarker() {
  if (held_marker_ == 0) return;
  std::string_view held = kEndOfRequestMarker.substr(0, held_marker_);
  held_marker_ = 0;
  append(held);
}

void WorkerOutput::append(std::string_view text) {
  while (!text.empty()) {
    if (!open_) openLine(true);
    // The closing quote must fit too: with its newline a line stays within log_limit.
    size_t reserved = line_size_ + quoteSize();
    if (reserved + text.size() < settings_.limit) {
      pending_ += text;
      line_size_ += text.size();
      break;
    }
    // At least a byte a line, so that even a prefix longer than log_limit cannot stall.
    size_t room = settings_.limit > reserved + 1 ? settings_.limit - reserved - 1 : 1;
    pending_ += text.substr(0, room);
    line_size_ += room;
    text.remove_prefix(room);
    endLine();
  }
}

void WorkerOutput::openLine(bool quote) {
  size_t before = pending_.size();
  if (settings_.decorate) {
    std::string start = line_start_();
    // Above WARNING, PHP-FPM's stream drops the whole prefix: pool, child and quote too.
    if (!start.empty()) {
      pending_ += start;
      pending_ += fmt::format("[pool {}] child {} said into {}: ", settings_.pool, settings_.pid,
                              pipeName(pipe_));
      if (quote) pending_ += '"';
    }
  }
  line_size_ = pending_.size() - before;
  open_ = true;
}

void WorkerOutput::endLine(std::string_view suffix) {
  if (!open_) return;
  if (settings_.decorate) {
    pending_ += '"';
    ++line_size_;
    appendSuffix(suffix);
  }
  pending_ += '\n';
  open_ = false;
  line_size_ = 0;
  // Buffered, each line is one write(), so that lines never interleave.
  if (settings_.buffered) flush();
}

// A suffix that does not fit ends its line with what fits and goes on under the prefix
// without the quote, as PHP-FPM's zlog does (which also writes two empty lines there).
void WorkerOutput::appendSuffix(std::string_view suffix) {
  if (line_size_ + suffix.size() < settings_.limit) {
    pending_ += suffix;
    line_size_ += suffix.size();
    return;
  }
  size_t fits = settings_.limit > line_size_ + 1 ? settings_.limit - line_size_ - 1 : 0;
  pending_ += suffix.substr(0, fits);
  pending_ += '\n';
  if (settings_.buffered) flush();
  openLine(false);
  pending_ += suffix.substr(fits);
  line_size_ += suffix.size() - fits;
}

void WorkerOutput::flush() {
  if (pending_.empty()) return;
  write_(pending_);
  pending_.clear();
}

}  // namespace fpmd::master
