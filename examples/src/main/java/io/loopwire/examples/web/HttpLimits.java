package io.loopwire.examples.web;

/**
 * The JDK {@code HttpServer}'s own limits, set as the system properties it reads (implementation properties of the
 * {@code jdk.httpserver} module; JDK 17.0.15 reads all of them, checked in its classes and by the tests):
 * <ul>
 *   <li>{@code sun.net.httpserver.maxReqTime} {@value #MAX_REQUEST_SECONDS} s: a request whose line and headers are not
 *       all in by then is closed (also a connection that sends nothing), and its blocked thread freed;</li>
 *   <li>{@code sun.net.httpserver.maxRspTime} {@value #MAX_RESPONSE_SECONDS} s: a response the client does not read in
 *       that time is closed;</li>
 *   <li>{@code jdk.httpserver.maxConnections} {@value #MAX_CONNECTIONS}: connections beyond are closed at accept;</li>
 *   <li>{@code sun.net.httpserver.idleInterval} {@value #IDLE_SECONDS} s for idle keep-alive connections;</li>
 *   <li>{@code sun.net.httpserver.nodelay} true: no Nagle delay between a response's headers and body;</li>
 *   <li>{@code sun.net.httpserver.timerMillis} and {@code clockTick} {@value #TIMER_MILLIS} ms: how often the two limit
 *       timers look (their defaults, 1 s and 10 s, would let an idle or silent connection live 10 s too long).</li>
 * </ul>
 * The JDK reads them once, when the first {@code HttpServer} of the process is created; {@link #apply} runs before
 * ours. A value given on the command line ({@code -Dsun.net.httpserver.maxReqTime=...}) is left as it is.
 *
 * @implNote Thread-safe (idempotent).
 */
final class HttpLimits {
    /** Seconds a request may take to arrive. */
    static final int MAX_REQUEST_SECONDS = 10;
    /** Seconds a response may take to be read. */
    static final int MAX_RESPONSE_SECONDS = 10;
    /** Open connections per server. */
    static final int MAX_CONNECTIONS = 100;
    /** Seconds an idle keep-alive connection is kept. */
    static final int IDLE_SECONDS = 30;
    /** Period of the JDK's limit timers. */
    static final int TIMER_MILLIS = 500;

    private HttpLimits() {
    }

    /** Sets each property not already set; call before the first {@code HttpServer.create} in the process. */
    static synchronized void apply() {
        setIfAbsent("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
        setIfAbsent("sun.net.httpserver.maxRspTime", MAX_RESPONSE_SECONDS);
        setIfAbsent("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
        setIfAbsent("sun.net.httpserver.idleInterval", IDLE_SECONDS);
        setIfAbsent("sun.net.httpserver.timerMillis", TIMER_MILLIS);
        setIfAbsent("sun.net.httpserver.clockTick", TIMER_MILLIS);
        // Headers and body go out in two writes: with Nagle on, a keep-alive client's delayed ACK adds ~40 ms.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    /** The connection limit in force (the property, possibly given by the user). */
    static int maxConnections() {
        return Integer.getInteger("jdk.httpserver.maxConnections", MAX_CONNECTIONS);
    }

    private static void setIfAbsent(String name, int value) {
        if (System.getProperty(name) == null) {
            System.setProperty(name, Integer.toString(value));
        }
    }
}
