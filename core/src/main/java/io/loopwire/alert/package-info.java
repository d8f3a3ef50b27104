/**
 * Alerting on link-state changes: the policy that decides when to alert and the sinks that deliver alerts
 * (log, e-mail). Uses {@code probe} for {@link io.loopwire.probe.LinkState}; e-mail needs the optional
 * simple-java-mail dependency.
 */
package io.loopwire.alert;
