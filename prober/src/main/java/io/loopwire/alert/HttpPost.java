package io.loopwire.alert;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Posts a JSON document with the JDK's {@link HttpClient} and sorts the outcome: 2xx is accepted; a connection
 * failure, a timeout, 408, 429 and 5xx may pass (retried); any other status cannot (a wrong URL or a refused payload:
 * not retried). Every attempt ends within the request timeout plus the connect timeout, even if the endpoint sends
 * its headers and then stalls the body, and at most {@link #MAX_BODY_BYTES} of a response are kept (for the log).
 *
 * <p><b>Threading.</b> {@link #post} blocks and is called by one {@link RetryingAlertQueue} thread at a time; the
 * client's own threads are daemons.
 */
final class HttpPost {
    /** How much of a response body is kept to explain a refusal. */
    static final int MAX_BODY_BYTES = 512;

    private final URI uri;
    private final Duration requestTimeout;
    private final long attemptMillis;
    private final HttpClient client;

    HttpPost(URI uri, HttpAlertConfig config) {
        this.uri = uri;
        this.requestTimeout = config.requestTimeout();
        this.attemptMillis = config.requestTimeout().plus(config.connectTimeout()).toMillis();
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // no h2c upgrade dance with plain-HTTP receivers
                .connectTimeout(config.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    URI uri() {
        return uri;
    }

    /** Posts {@code json}; returns once the endpoint answered 2xx. */
    void post(String json) throws AlertDelivery.Failure {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "loopwire-monitor")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8))
                .build();
        CompletableFuture<HttpResponse<String>> future = client.sendAsync(request, info -> new BoundedBody());
        HttpResponse<String> response;
        try {
            response = future.get(attemptMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            future.cancel(true);
            throw new AlertDelivery.Failure(null, "no complete answer within " + attemptMillis + " ms", e);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new AlertDelivery.Failure(null, "interrupted", e);
        } catch (ExecutionException e) {
            throw new AlertDelivery.Failure(null, reason(e.getCause()), e.getCause());
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return;
        }
        String why = "HTTP " + status + excerpt(response.body());
        if (status == 408 || status == 429 || status >= 500) {
            throw new AlertDelivery.Failure(null, why, null);
        }
        throw new AlertDelivery.Failure(status >= 300 && status < 400 ? "redirected (give the final URL)"
                : "the endpoint refused the request", why, null);
    }

    private static String reason(Throwable t) {
        if (t instanceof HttpTimeoutException) {
            return "timed out: " + t.getMessage();
        }
        if (t instanceof ConnectException) {
            return "cannot connect" + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
        if (t instanceof IOException) {
            return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
        }
        return String.valueOf(t);
    }

    private static String excerpt(String body) {
        String s = body.strip().replace('\n', ' ').replace('\r', ' ');
        return s.isEmpty() ? "" : ": " + s;
    }

    /** Keeps the first {@link #MAX_BODY_BYTES} of a response and discards the rest, so a huge answer costs nothing. */
    private static final class BoundedBody implements HttpResponse.BodySubscriber<String> {
        private final CompletableFuture<String> result = new CompletableFuture<>();
        private final byte[] kept = new byte[MAX_BODY_BYTES];
        private int length;

        @Override
        public CompletionStage<String> getBody() {
            return result;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            subscription.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            for (ByteBuffer b : items) {
                int n = Math.min(b.remaining(), kept.length - length);
                b.get(kept, length, n);
                length += n;
            }
        }

        @Override
        public void onError(Throwable throwable) {
            result.completeExceptionally(throwable);
        }

        @Override
        public void onComplete() {
            result.complete(new String(kept, 0, length, StandardCharsets.UTF_8));
        }
    }
}
