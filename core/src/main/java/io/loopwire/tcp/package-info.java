/**
 * TCP server and connections driven by a {@link io.loopwire.Reactor}: framed reads, queued coalesced writes,
 * per-connection outbound limits. Uses: {@code io.loopwire}, {@code loop}, {@code codec},
 * {@code wire}, {@code tls}.
 */
package io.loopwire.tcp;
