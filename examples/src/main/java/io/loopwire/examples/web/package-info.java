/**
 * The examples' HTTP side, off the loop on the JDK's {@code HttpServer}: {@code /metrics} and {@code /healthz} for
 * every command, and the monitor's live page ({@code /}, {@code /api/targets}, {@code /api/alerts}) with its bounded
 * probe history; the limits that keep slow or greedy clients from blinding it, the loops' health measured from
 * outside, the bearer token. Uses loopwire-core's public API, loopwire-metrics and Micrometer's Prometheus registry.
 */
package io.loopwire.examples.web;
