/**
 * The loop itself: {@link io.loopwire.Reactor}, its timers and counters. Depends on nothing but the JDK and
 * slf4j; knows nothing of TCP, chat or probes.
 */
package io.loopwire;
