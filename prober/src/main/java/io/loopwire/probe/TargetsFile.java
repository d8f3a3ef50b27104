package io.loopwire.probe;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads targets: one a line, {@code URL [name=NAME] [label=value ...]}, blank lines and {@code #} comments skipped.
 * A URL is {@code udp://host:port}, {@code tcp://host:port}, {@code tls://host:port} or a bare {@code host:port}
 * (UDP); IPv6 hosts in brackets. A target is named by its URL as written unless {@code name=} says otherwise; other {@code key=value}
 * words are labels (Prometheus label names). Host names are resolved here, so call it off the loop.
 *
 * <pre>
 * # kind://host:port   name=...   labels
 * tcp://db.example:5432 name=db team=core
 * udp://10.0.0.7:7        site=paris
 * </pre>
 *
 * @implNote Stateless; any thread (it blocks on DNS and file reads: never on a reactor thread).
 */
public final class TargetsFile {
    /** Lines longer than this are refused (a file of garbage must not cost unbounded memory per line). */
    public static final int MAX_LINE_CHARS = 4096;
    /** Targets in one file at most. */
    public static final int MAX_TARGETS = 100_000;

    private TargetsFile() {
    }

    /** One or more lines could not be used; {@link #getMessage()} lists each with its line number. */
    public static final class BadTargetsException extends Exception {
        private static final long serialVersionUID = 1L;
        private final List<String> problems;

        BadTargetsException(String source, List<String> problems) {
            super(source + ": " + String.join("; ", problems));
            this.problems = List.copyOf(problems);
        }

        /** Each problem, as {@code line N: what}. */
        public List<String> problems() {
            return problems;
        }
    }

    /** Reads and parses {@code file} (UTF-8). */
    public static List<TargetSpec> read(Path file) throws IOException, BadTargetsException {
        if (Files.size(file) > (long) MAX_TARGETS * 256) {
            throw new BadTargetsException(file.toString(), List.of("file larger than " + MAX_TARGETS * 256 + " bytes"));
        }
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** Parses {@code lines}; every bad line is reported (with its 1-based number), not just the first. */
    public static List<TargetSpec> parse(String source, List<String> lines) throws BadTargetsException {
        List<TargetSpec> specs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> urls = new HashSet<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (text.isEmpty()) {
                continue;
            }
            try {
                if (line.length() > MAX_LINE_CHARS) {
                    throw new IllegalArgumentException("longer than " + MAX_LINE_CHARS + " characters");
                }
                TargetSpec spec = parseLine(text);
                if (!names.add(spec.name())) {
                    throw new IllegalArgumentException("name " + spec.name() + " given twice");
                }
                if (!urls.add(spec.url())) {
                    throw new IllegalArgumentException(spec.url() + " given twice");
                }
                if (specs.size() == MAX_TARGETS) {
                    throw new IllegalArgumentException("more than " + MAX_TARGETS + " targets");
                }
                specs.add(spec);
            } catch (IllegalArgumentException e) {
                problems.add("line " + (i + 1) + ": " + e.getMessage());
                if (problems.size() == 20) {
                    problems.add("(further lines not checked)");
                    break;
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new BadTargetsException(source, problems);
        }
        return specs;
    }

    /** One line without its comment: a URL, then {@code key=value} words. */
    static TargetSpec parseLine(String text) {
        String[] words = text.split("\\s+");
        String url = words[0];
        String name = url;
        Map<String, String> labels = new LinkedHashMap<>();
        for (int w = 1; w < words.length; w++) {
            int eq = words[w].indexOf('=');
            if (eq <= 0 || eq == words[w].length() - 1) {
                throw new IllegalArgumentException("'" + words[w] + "' is not key=value");
            }
            String key = words[w].substring(0, eq);
            String value = words[w].substring(eq + 1);
            if (key.equals("name")) {
                name = value;
            } else if (labels.put(key, value) != null) {
                throw new IllegalArgumentException("label " + key + " given twice");
            }
        }
        return target(url, name, labels);
    }

    /** A target from its URL ({@code tcp://host:port}, {@code udp://host:port} or {@code host:port}), resolved. */
    public static TargetSpec target(String url, String name, Map<String, String> labels) {
        ProbeKind kind = ProbeKind.UDP;
        String hostPort = url;
        int scheme = url.indexOf("://");
        if (scheme >= 0) {
            String s = url.substring(0, scheme).toLowerCase(Locale.ROOT);
            kind = switch (s) {
                case "udp" -> ProbeKind.UDP;
                case "tcp" -> ProbeKind.TCP;
                case "tls" -> ProbeKind.TLS;
                default -> throw new IllegalArgumentException("unknown kind '" + s + "' in " + url
                        + " (udp://, tcp://, tls://)");
            };
            hostPort = url.substring(scheme + 3);
        }
        return new TargetSpec(name, kind, resolve(url, hostPort), labels);
    }

    private static InetSocketAddress resolve(String url, String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("'" + url + "' is not host:port");
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("'" + url + "': put an IPv6 address in brackets");
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + url + "': port is not a number");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("'" + url + "': port must be 1-65535, was " + port);
        }
        if (host.isEmpty() || host.contains("/")) {
            throw new IllegalArgumentException("'" + url + "' has no host");
        }
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + url + "': unknown host " + host);
        }
    }
}
