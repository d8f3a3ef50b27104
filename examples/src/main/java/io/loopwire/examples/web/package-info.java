/**
 * The examples' HTTP side, off the loop on the JDK's {@code HttpServer}: {@code /metrics} and {@code /healthz} for
 * every command, and the monitor's live page ({@code /}, {@code /api/targets}, {@code /api/alerts}) with its bounded
 * probe history. Uses loopwire-core's public API, loopwire-metrics and Micrometer's Prometheus registry.
 */
package io.loopwire.examples.web;
