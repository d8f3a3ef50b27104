/**
 * A datagram endpoint driven by a {@link io.loopwire.Reactor}: batched receives and a bounded send queue.
 * Uses: {@code io.loopwire}, {@code loop}.
 */
package io.loopwire.udp;
