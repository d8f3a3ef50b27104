/**
 * The loop itself: {@link io.loopwire.Reactor}, its timers and counters. Knows nothing of TCP, chat or
 * probes; hands the transports its plumbing through the non-exported {@code loop} package. Uses: {@code loop}.
 */
package io.loopwire;
