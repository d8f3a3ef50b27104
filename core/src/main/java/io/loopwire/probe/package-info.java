/**
 * The nonblocking latency prober: probe packets, per-target statistics and link-state classification.
 * Uses {@code io.loopwire} and {@code udp}. {@link io.loopwire.probe.ProbePacket}, {@link io.loopwire.probe.ProbeStats}
 * and {@link io.loopwire.probe.Classifier} are pure (no I/O, no clock of their own, nothing allocated per probe), so
 * the prober composes them and tests can drive them with made-up nanos.
 */
package io.loopwire.probe;
