/**
 * loopwire's latency prober and its alerting: probes many UDP targets (LWP1 or the seed's text {@code ping}) and TCP
 * targets (connect time) from one loop thread, classifies each link, and alerts by log, e-mail, Alertmanager or a
 * webhook without ever blocking the loop. Built on {@code io.loopwire}'s public API only.
 */
@SuppressWarnings("requires-automatic") // simple-java-mail ships automatic modules only
module io.loopwire.prober {
    requires transitive io.loopwire;
    requires org.slf4j;
    requires java.net.http; // Alertmanager and webhook alerts (the JDK's HttpClient)
    requires org.simplejavamail;
    requires org.simplejavamail.core;
    requires jakarta.mail; // the session's properties, for a connect timeout distinct from the read timeout

    exports io.loopwire.probe;
    exports io.loopwire.alert;
}
