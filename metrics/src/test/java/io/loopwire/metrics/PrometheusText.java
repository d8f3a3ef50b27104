package io.loopwire.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A strict reader of the Prometheus text exposition format 0.0.4, for tests: it fails on anything the format does not
 * allow or that Prometheus would reject: a bad metric or label name, a label value with an unescaped quote, backslash
 * or newline, a sample before its family's {@code # TYPE}, a family's HELP or TYPE given twice or its samples split,
 * duplicate series, an unparsable value, a histogram whose buckets are not cumulative or whose {@code +Inf} bucket
 * differs from its {@code _count}.
 */
final class PrometheusText {
    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Set<String> TYPES = Set.of("counter", "gauge", "histogram", "summary", "untyped");

    /** One sample: its name, labels (unescaped) and value. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    /** One family: type, help (unescaped) and samples in order. */
    record Family(String name, String type, String help, List<Sample> samples) {
    }

    final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusText() {
    }

    static PrometheusText parse(String text) {
        PrometheusText result = new PrometheusText();
        result.read(text);
        return result;
    }

    /** The value of the one series {@code name{labels}}; fails if absent. */
    double value(String name, Map<String, String> labels) {
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                if (s.name().equals(name) && s.labels().equals(labels)) {
                    return s.value();
                }
            }
        }
        throw new AssertionError("no series " + name + labels + " in the scrape");
    }

    private void read(String text) {
        if (!text.endsWith("\n")) {
            throw new AssertionError("exposition must end with a newline");
        }
        String current = null;
        Set<String> finished = new java.util.HashSet<>();
        Set<String> series = new java.util.HashSet<>();
        Map<String, String> pendingHelp = new TreeMap<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) {
                continue;
            }
            String where = "line " + lineNo + ": " + line;
            if (line.startsWith("# HELP ")) {
                String rest = line.substring(7);
                int sp = rest.indexOf(' ');
                String name = sp < 0 ? rest : rest.substring(0, sp);
                check(METRIC_NAME.matcher(name).matches(), "bad metric name in HELP", where);
                check(!families.containsKey(name) && !pendingHelp.containsKey(name), "second HELP for " + name, where);
                pendingHelp.put(name, unescapeHelp(sp < 0 ? "" : rest.substring(sp + 1), where));
                continue;
            }
            if (line.startsWith("# TYPE ")) {
                String[] parts = line.substring(7).split(" ");
                check(parts.length == 2, "TYPE needs a name and a type", where);
                check(METRIC_NAME.matcher(parts[0]).matches(), "bad metric name in TYPE", where);
                check(TYPES.contains(parts[1]), "unknown type " + parts[1], where);
                check(!families.containsKey(parts[0]), "second TYPE for " + parts[0], where);
                check(pendingHelp.containsKey(parts[0]), "TYPE without a HELP before it for " + parts[0], where);
                if (current != null) {
                    finished.add(current);
                }
                current = parts[0];
                families.put(current, new Family(current, parts[1], pendingHelp.remove(current), new ArrayList<>()));
                continue;
            }
            check(!line.startsWith("#"), "unknown comment form (only HELP and TYPE are used)", where);
            Sample sample = sample(line, where);
            Family family = families.get(current);
            check(family != null, "sample before any TYPE", where);
            check(belongs(family, sample.name()), "sample " + sample.name() + " outside its family " + current, where);
            check(!finished.contains(family.name()), "family split", where);
            check(series.add(sample.name() + new TreeMap<>(sample.labels())), "duplicate series", where);
            family.samples().add(sample);
        }
        check(pendingHelp.isEmpty(), "HELP without TYPE: " + pendingHelp.keySet(), "end");
        for (Family f : families.values()) {
            if (f.type().equals("histogram")) {
                checkHistogram(f);
            }
        }
    }

    private static boolean belongs(Family f, String sampleName) {
        if (f.type().equals("histogram")) {
            return sampleName.equals(f.name() + "_bucket") || sampleName.equals(f.name() + "_count")
                    || sampleName.equals(f.name() + "_sum");
        }
        if (f.type().equals("counter")) {
            return sampleName.equals(f.name()) && f.name().endsWith("_total");
        }
        return sampleName.equals(f.name());
    }

    private static void checkHistogram(Family f) {
        Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
        Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
        for (Sample s : f.samples()) {
            if (s.name().endsWith("_bucket")) {
                Map<String, String> key = new TreeMap<>(s.labels());
                check(key.remove("le") != null, "bucket without le", f.name());
                buckets.computeIfAbsent(key, k -> new ArrayList<>()).add(s);
            } else if (s.name().endsWith("_count")) {
                counts.put(new TreeMap<>(s.labels()), s.value());
            }
        }
        for (Map.Entry<Map<String, String>, List<Sample>> e : buckets.entrySet()) {
            double previousLe = Double.NEGATIVE_INFINITY;
            double previousCount = 0;
            List<Sample> list = e.getValue();
            for (Sample s : list) {
                double le = number(s.labels().get("le"), f.name());
                check(le > previousLe, "le not ascending", f.name() + e.getKey());
                check(s.value() >= previousCount, "buckets not cumulative", f.name() + e.getKey());
                previousLe = le;
                previousCount = s.value();
            }
            check(previousLe == Double.POSITIVE_INFINITY, "no +Inf bucket", f.name() + e.getKey());
            check(Objects.equals(counts.get(e.getKey()), previousCount), "+Inf bucket differs from _count",
                    f.name() + e.getKey());
        }
    }

    private static Sample sample(String line, String where) {
        int i = 0;
        while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') {
            i++;
        }
        String name = line.substring(0, i);
        check(METRIC_NAME.matcher(name).matches(), "bad metric name", where);
        Map<String, String> labels = new LinkedHashMap<>();
        if (i < line.length() && line.charAt(i) == '{') {
            i++;
            while (line.charAt(i) != '}') {
                int eq = line.indexOf('=', i);
                check(eq > i, "label without '='", where);
                String label = line.substring(i, eq);
                check(LABEL_NAME.matcher(label).matches() && !label.startsWith("__"), "bad label name " + label,
                        where);
                check(line.charAt(eq + 1) == '"', "label value must be quoted", where);
                StringBuilder value = new StringBuilder();
                int j = eq + 2;
                for (;; j++) {
                    check(j < line.length(), "unterminated label value", where);
                    char c = line.charAt(j);
                    if (c == '"') {
                        break;
                    }
                    if (c == '\\') {
                        char n = line.charAt(++j);
                        check(n == '\\' || n == '"' || n == 'n', "bad escape \\" + n, where);
                        value.append(n == 'n' ? '\n' : n);
                    } else {
                        value.append(c);
                    }
                }
                check(labels.put(label, value.toString()) == null, "label " + label + " twice", where);
                i = j + 1;
                if (line.charAt(i) == ',') {
                    i++;
                } else {
                    check(line.charAt(i) == '}', "expected ',' or '}'", where);
                }
            }
            i++;
        }
        check(i < line.length() && line.charAt(i) == ' ', "expected a space before the value", where);
        String[] rest = line.substring(i + 1).split(" ");
        check(rest.length == 1 || rest.length == 2, "expected a value and an optional timestamp", where);
        return new Sample(name, labels, number(rest[0], where));
    }

    private static double number(String s, String where) {
        switch (s) {
            case "+Inf":
                return Double.POSITIVE_INFINITY;
            case "-Inf":
                return Double.NEGATIVE_INFINITY;
            case "NaN":
                return Double.NaN;
            default:
                try {
                    return Double.parseDouble(s);
                } catch (NumberFormatException e) {
                    throw new AssertionError("bad number '" + s + "' at " + where);
                }
        }
    }

    private static String unescapeHelp(String s, String where) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                check(i + 1 < s.length(), "dangling backslash in HELP", where);
                char n = s.charAt(++i);
                check(n == '\\' || n == 'n', "bad escape in HELP \\" + n, where);
                sb.append(n == 'n' ? '\n' : '\\');
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static void check(boolean ok, String what, String where) {
        if (!ok) {
            throw new AssertionError(what + " (" + where + ")");
        }
    }
}
