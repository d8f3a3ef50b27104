/**
 * Load generators ({@link io.loopwire.bench.RelayLoad}, {@link io.loopwire.bench.UdpPingLoad}) and their helpers,
 * used by {@code benchmarks/run.sh} to put loopwire side by side with the peers in {@code io.loopwire.bench.peers}.
 * Depends on HdrHistogram and the JDK only; never on loopwire internals.
 */
package io.loopwire.bench;
