/**
 * Micrometer {@code MeterBinder}s over loopwire's own counters, named {@code loopwire.*} ({@code loopwire_*} in
 * Prometheus), plus the prober under smokeping_prober's names. Values are copied on the loop, in one task per scrape
 * ({@link io.loopwire.metrics.LoopSampler}), never read racily from another thread; {@link
 * io.loopwire.metrics.ScrapeCache} renders once per copy and answers that a stuck loop is stuck rather than serve its
 * old numbers. Depends on loopwire-core and micrometer-core only.
 */
package io.loopwire.metrics;
