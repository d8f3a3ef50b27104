/**
 * Alerting on link-state changes: the policy that decides when to alert and the sinks that deliver alerts (log,
 * e-mail, Alertmanager's API v2, Alertmanager-shaped webhooks), each slow sink through a bounded retrying queue on a
 * thread of its own. E-mail uses simple-java-mail, the HTTP sinks the JDK's {@code java.net.http}.
 * Uses: {@code io.loopwire}, {@code probe}.
 */
package io.loopwire.alert;
