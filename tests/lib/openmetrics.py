"""A strict line check of an OpenMetrics text exposition (stdlib only).

Every line must be a `# TYPE`, `# HELP` or `# UNIT` line, or a sample of the family whose
metadata came last; a family's lines are contiguous (a family never reappears); label
values are quoted with only \\\\, \\" and \\n escapes; the exposition ends with `# EOF` and
nothing after it. A counter's samples end in `_total` — except, with php_fpm_names=True,
PHP-FPM's own `phpfpm_*` counters, which PHP-FPM names like gauges on its page.

Returns {family: {"type": ..., "help": ..., "samples": [(name, labels, value)]}}.
"""

import re

NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"'
META = re.compile(rf"# (TYPE|HELP|UNIT) ({NAME})(?: (.*))?")
SAMPLE = re.compile(rf"({NAME})(?:\{{({LABEL}(?:,{LABEL})*)\}})? (-?[0-9]+(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)")
LABEL_PAIR = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"')
TYPES = {"counter", "gauge", "summary", "histogram", "stateset", "info", "gaugehistogram",
         "unknown"}


class OpenMetricsError(AssertionError):
    pass


def parse(text, php_fpm_names=False):
    if not text.endswith("# EOF\n"):
        raise OpenMetricsError("does not end with '# EOF'")
    families = {}
    current = None
    lines = text[:-len("# EOF\n")].split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    for number, line in enumerate(lines, 1):
        meta = META.fullmatch(line)
        if meta:
            kind, name, rest = meta.groups()
            if name != current:
                if name in families:
                    raise OpenMetricsError(f"line {number}: family {name} appears twice")
                families[name] = {"type": None, "help": None, "samples": []}
                current = name
            family = families[name]
            if family["samples"]:
                raise OpenMetricsError(f"line {number}: metadata after samples of {name}")
            if kind == "TYPE":
                if rest not in TYPES:
                    raise OpenMetricsError(f"line {number}: unknown type {rest!r}")
                family["type"] = rest
            elif kind == "HELP":
                family["help"] = rest or ""
            continue
        sample = SAMPLE.fullmatch(line)
        if not sample:
            raise OpenMetricsError(f"line {number}: not OpenMetrics: {line!r}")
        name, labels, value = sample.groups()
        if current is None:
            raise OpenMetricsError(f"line {number}: sample before any family")
        family = families[current]
        base = name
        if family["type"] == "counter":
            if name.endswith("_total"):
                base = name[:-len("_total")]
            elif not (php_fpm_names and name.startswith("phpfpm_")):
                raise OpenMetricsError(f"line {number}: counter sample without _total: {name}")
        if base != current:
            raise OpenMetricsError(f"line {number}: sample {name} outside its family {current}")
        pairs = dict(LABEL_PAIR.findall(labels or ""))
        family["samples"].append((name, pairs, float(value)))
    return families


def value(families, family, **labels):
    """The one sample of `family` whose labels include `labels`."""
    found = [v for _, l, v in families[family]["samples"]
             if all(l.get(k) == str(want) for k, want in labels.items())]
    if len(found) != 1:
        raise KeyError(f"{family} {labels}: {len(found)} samples")
    return found[0]
