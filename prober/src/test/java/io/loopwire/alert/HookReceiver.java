package io.loopwire.alert;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A webhook receiver for tests: the JDK's HTTP server on a free loopback port that records every POST body and
 * answers as told: 200, 500, or never (it holds the request until closed).
 *
 * @implNote Thread-safe: requests run on the server's own threads; {@link #bodies()} copies under a lock.
 */
final class HookReceiver implements AutoCloseable {
    enum Mode { OK, FAIL_500, HANG }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "test-hook-receiver");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch released = new CountDownLatch(1);
    private final List<String> bodies = new ArrayList<>();
    private volatile Mode mode;

    HookReceiver(Mode mode) throws IOException {
        this.mode = mode;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.createContext("/", this::handle);
        server.setExecutor(threads);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            synchronized (bodies) {
                bodies.add(body);
                bodies.notifyAll();
            }
            Mode m = mode;
            if (m == Mode.HANG) {
                try {
                    released.await(60, TimeUnit.SECONDS); // held until close: the client must give up first
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return;
            }
            byte[] answer = (m == Mode.OK ? "ok" : "broken on purpose").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(m == Mode.OK ? 200 : 500, answer.length);
            exchange.getResponseBody().write(answer);
        }
    }

    void mode(Mode m) {
        this.mode = m;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    List<String> bodies() {
        synchronized (bodies) {
            return new ArrayList<>(bodies);
        }
    }

    @Override
    public void close() {
        released.countDown();
        server.stop(0);
        threads.shutdownNow();
    }
}
