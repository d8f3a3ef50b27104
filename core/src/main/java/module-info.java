/**
 * loopwire: small, fast network services on one NIO selector loop. Exports the API packages only; slf4j-api is the
 * one required dependency, simple-java-mail is needed only by {@code EmailAlertSink} and so is {@code requires static}.
 */
@SuppressWarnings("requires-automatic") // simple-java-mail ships automatic modules only
module io.loopwire {
    requires org.slf4j;
    requires static org.simplejavamail;
    requires static org.simplejavamail.core;
    requires static jakarta.mail; // the session's properties, for a connect timeout distinct from the read timeout

    exports io.loopwire;
    exports io.loopwire.tcp;
    exports io.loopwire.tls;
    exports io.loopwire.udp;
    exports io.loopwire.codec;
    exports io.loopwire.wire;
    exports io.loopwire.relay;
    exports io.loopwire.probe;
    exports io.loopwire.alert;
}
