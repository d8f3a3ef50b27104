/**
 * The nonblocking latency prober: per-target statistics and link-state classification.
 * Module {@code io.loopwire.prober}, on core's public API only: uses {@code io.loopwire}, {@code udp} and {@code wire}
 * (the probe packet). {@link io.loopwire.probe.ProbeStats}
 * and {@link io.loopwire.probe.Classifier} are pure (no I/O, no clock of their own, nothing allocated per probe), so
 * the prober composes them and tests can drive them with made-up nanos.
 */
package io.loopwire.probe;
