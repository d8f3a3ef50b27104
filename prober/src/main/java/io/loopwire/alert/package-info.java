/**
 * Alerting on link-state changes: the policy that decides when to alert and the sinks that deliver alerts
 * (log, e-mail). Uses {@code probe} for {@link io.loopwire.probe.LinkState} and core's {@code io.loopwire}; e-mail uses
 * simple-java-mail, the prober module's one library.
 */
package io.loopwire.alert;
