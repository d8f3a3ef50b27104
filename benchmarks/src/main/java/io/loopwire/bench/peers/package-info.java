/**
 * Reference servers with the same wire behaviour as loopwire's chat server (line relay, join/leave notices,
 * UDP {@code ping} and LWP1 probe echo), for side-by-side runs: an expert Netty 4.2 relay on one event loop,
 * the original thread-per-client design, and a minimal blocking UDP echo (the JVM floor for echo RTT).
 * Each main prints {@code ready tcp=<ip>:<port> udp=<ip>:<port>} once bound. Depends on Netty and the JDK.
 */
package io.loopwire.bench.peers;
