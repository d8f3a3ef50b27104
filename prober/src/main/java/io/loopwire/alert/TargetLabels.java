package io.loopwire.alert;

import java.util.Map;

/**
 * Extra labels for a target's alerts in Alertmanager and webhooks, looked up by the target's name: its address as
 * {@code target}, and whatever labels the user gave it. Names must be Prometheus label names
 * ({@code [a-zA-Z_][a-zA-Z0-9_]*}); others are dropped. The labels the sinks set themselves ({@code alertname},
 * {@code name}, {@code state}, {@code severity}) win over these.
 *
 * @implNote Called on the thread that hands alerts to the sink (the reactor); return quickly, never block.
 */
@FunctionalInterface
public interface TargetLabels {

    /** No extra labels: {@code target} is then the target's name. */
    TargetLabels NONE = name -> Map.of();

    /** The labels of the target called {@code name}; never null. */
    Map<String, String> labels(String name);
}
