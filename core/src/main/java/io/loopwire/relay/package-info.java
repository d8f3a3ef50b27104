/**
 * The chat relay: a room of TCP and UDP members, message formatting and the {@code ping} echo.
 * Uses {@code tcp}, {@code udp} and {@code codec}.
 */
package io.loopwire.relay;
