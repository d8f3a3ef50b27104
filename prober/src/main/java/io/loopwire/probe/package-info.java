/**
 * The nonblocking latency prober (UDP echo, TCP connect and TLS handshake probes, targets files re-read while
 * running): per-target statistics and link-state classification, in the module
 * {@code io.loopwire.prober}, on core's public API only. {@link io.loopwire.probe.ProbeStats} and
 * {@link io.loopwire.probe.Classifier} are pure (no I/O, no clock of their own, nothing allocated per probe), so the
 * prober composes them and tests can drive them with made-up nanos. Uses: {@code io.loopwire}, {@code tcp},
 * {@code tls}, {@code udp}, {@code wire}.
 */
package io.loopwire.probe;
