/**
 * The chat relay: a room of TCP and UDP members, message formatting and the {@code ping} echo. Built on the public
 * API only. Uses: {@code io.loopwire}, {@code tcp}, {@code udp}, {@code codec}, {@code wire}, {@code tls}.
 */
package io.loopwire.relay;
