package io.loopwire.probe;

import java.net.InetSocketAddress;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * What a target is before a prober measures it: its name, kind, resolved address and labels. Two specs are equal when
 * all four are; a prober given a new set of specs ({@link LatencyProber#replaceTargets}) keeps the history of the
 * targets whose spec did not change.
 *
 * @param name how the target is named in output, metrics and alerts; unique within a prober
 * @param kind how it is probed
 * @param address where, resolved, port 1-65535
 * @param labels extra labels for its alerts and metrics (Prometheus label names), sorted; may be empty
 * @implNote Immutable.
 */
public record TargetSpec(String name, ProbeKind kind, InetSocketAddress address, Map<String, String> labels) {
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    public TargetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(address, "address");
        if (name.isBlank()) {
            throw new IllegalArgumentException("target name must not be blank");
        }
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("target " + address + " is not resolved");
        }
        if (address.getPort() == 0) {
            throw new IllegalArgumentException("target " + name + ": port 0 cannot be probed");
        }
        for (String label : labels.keySet()) {
            if (!LABEL_NAME.matcher(label).matches()) {
                throw new IllegalArgumentException("target " + name + ": label name '" + label
                        + "' is not [a-zA-Z_][a-zA-Z0-9_]*");
            }
        }
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
    }

    /** {@code kind://ip:port} (an IPv6 address in brackets), e.g. {@code tcp://10.0.0.5:5432}. */
    public String url() {
        String ip = address.getAddress().getHostAddress();
        return kind.scheme() + "://" + (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
    }

    /** A target without labels. */
    public TargetSpec(String name, ProbeKind kind, InetSocketAddress address) {
        this(name, kind, address, Map.of());
    }
}
