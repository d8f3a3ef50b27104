/**
 * JMH benchmarks of loopwire's hot paths (framing, broadcast, UDP echo), each meant to be run with {@code -prof gc}
 * for bytes allocated per operation, plus the fixtures they share with the allocation mains in
 * {@code io.loopwire.bench}. Uses loopwire's public API only.
 */
package io.loopwire.bench.jmh;
