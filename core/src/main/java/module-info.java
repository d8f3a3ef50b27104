/**
 * loopwire: small, fast network services on one NIO selector loop. Exports the API packages only; slf4j-api is the
 * one dependency. The latency prober and its alerting live in their own module, {@code io.loopwire.prober}.
 */
module io.loopwire {
    requires org.slf4j;

    exports io.loopwire;
    exports io.loopwire.tcp;
    exports io.loopwire.tls;
    exports io.loopwire.udp;
    exports io.loopwire.codec;
    exports io.loopwire.wire;
    exports io.loopwire.relay;
}
