#pragma once

// What PHP adds to every answer (expose_php, default_charset, default_mimetype), read
// from the engine, as the status pages' answer options: the worker's pages and the
// master's status socket answer with the same headers PHP would.

#include "status/page.h"

namespace fpmd::worker {

status::AnswerOptions phpAnswerDefaults();

}  // namespace fpmd::worker
