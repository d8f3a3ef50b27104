/**
 * The nonblocking latency prober: probe packets, per-target statistics and link-state classification.
 * Uses {@code io.loopwire} and {@code udp}.
 */
package io.loopwire.probe;
