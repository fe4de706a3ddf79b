#include "worker/php_answer_defaults.h"

#include "php/engine.h"

namespace fpmd::worker {

status::AnswerOptions phpAnswerDefaults() {
  php::ResponseDefaults defaults = php::responseDefaults();
  status::AnswerOptions options;
  options.powered_by = defaults.powered_by;
  options.default_charset = defaults.default_charset;
  options.default_mimetype = defaults.default_mimetype;
  return options;
}

}  // namespace fpmd::worker
