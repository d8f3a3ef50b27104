/**
 * Alerting on link-state changes: the policy that decides when to alert and the sinks that deliver alerts (log,
 * e-mail, Alertmanager's API v2, Alertmanager-shaped webhooks), each slow sink through a bounded retrying queue on a
 * thread of its own. Uses {@code probe} for {@link io.loopwire.probe.LinkState}; e-mail needs the optional
 * simple-java-mail dependency, the HTTP sinks only the JDK's {@code java.net.http}.
 */
package io.loopwire.alert;
