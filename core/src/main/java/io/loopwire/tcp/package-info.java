/**
 * TCP server and connections driven by a {@link io.loopwire.Reactor}: framed reads, queued coalesced writes,
 * per-connection outbound limits. Uses {@code io.loopwire} and {@code io.loopwire.codec}.
 */
package io.loopwire.tcp;
