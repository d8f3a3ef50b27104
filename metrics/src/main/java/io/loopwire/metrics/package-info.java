/**
 * Micrometer {@code MeterBinder}s over loopwire's own counters, named {@code loopwire.*} ({@code loopwire_*} in
 * Prometheus), plus the prober under smokeping_prober's names. Values are copied on the loop, in one task per scrape
 * ({@link io.loopwire.metrics.LoopSampler}), never read racily from another thread. Depends on loopwire-core and
 * micrometer-core only.
 */
package io.loopwire.metrics;
