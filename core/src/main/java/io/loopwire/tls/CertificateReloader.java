package io.loopwire.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link SSLContext} re-read when its files change, for certificates that rotate every 60 to 90 days: a daemon
 * thread compares the files' modification times and sizes every {@code checkEvery}, and when one changed loads the
 * context again. New connections get the new context ({@link #get}); established ones keep their engine and are not
 * dropped. A load that fails (a half-written file, a key not matching its certificate) is logged and the previous
 * context stays; the next change is tried again.
 *
 * <pre>{@code
 * CertificateReloader certs = CertificateReloader.start(() -> PemFiles.serverContext(cert, key),
 *         Duration.ofSeconds(5), cert, key);
 * TcpServer.builder(reactor).tls(TlsConfig.server(certs).build())...
 * }</pre>
 *
 * @implNote Thread-safe: {@link #get} reads a volatile field and may be called on the loop.
 */
public final class CertificateReloader implements Supplier<SSLContext>, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateReloader.class);

    private final Callable<SSLContext> loader;
    private final List<Path> files;
    private final ScheduledExecutorService checker;
    private volatile SSLContext current;
    private volatile long reloads;
    private List<String> stamps;

    private CertificateReloader(Callable<SSLContext> loader, List<Path> files, SSLContext first, List<String> stamps) {
        this.loader = loader;
        this.files = files;
        this.current = first;
        this.stamps = stamps;
        this.checker = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread t = new Thread(task, "loopwire-tls-reload");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Loads the context once (failing here if it cannot), then checks {@code files} every {@code checkEvery}.
     *
     * @throws IOException if the first load fails
     */
    public static CertificateReloader start(Callable<SSLContext> loader, Duration checkEvery, Path... files)
            throws IOException {
        Objects.requireNonNull(loader, "loader");
        if (checkEvery.isNegative() || checkEvery.isZero()) {
            throw new IllegalArgumentException("checkEvery must be positive, was " + checkEvery);
        }
        List<Path> watched = List.of(files);
        List<String> stamps = stamps(watched);
        SSLContext first = load(loader);
        CertificateReloader reloader = new CertificateReloader(loader, watched, first, stamps);
        long millis = Math.max(1, checkEvery.toMillis());
        reloader.checker.scheduleWithFixedDelay(reloader::check, millis, millis, TimeUnit.MILLISECONDS);
        return reloader;
    }

    /** The context new connections use now. */
    @Override
    public SSLContext get() {
        return current;
    }

    /** How many times the files changed and loaded again since start. */
    public long reloads() {
        return reloads;
    }

    private void check() {
        List<String> now;
        try {
            now = stamps(files);
        } catch (IOException e) {
            log.warn("certificate files not readable ({}); serving the previous ones", e.getMessage());
            return;
        }
        if (now.equals(stamps)) {
            return;
        }
        stamps = now;
        try {
            current = load(loader);
            reloads++;
            log.info("certificates reloaded from {}", files);
        } catch (IOException e) {
            log.warn("certificates changed but could not be loaded ({}); serving the previous ones", e.getMessage());
        }
    }

    private static SSLContext load(Callable<SSLContext> loader) throws IOException {
        try {
            return Objects.requireNonNull(loader.call(), "the loader returned null");
        } catch (IOException | RuntimeException e) {
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        } catch (Exception e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static List<String> stamps(List<Path> files) throws IOException {
        List<String> stamps = new ArrayList<>(files.size());
        for (Path file : files) {
            FileTime modified = Files.getLastModifiedTime(file);
            stamps.add(modified.toMillis() + ":" + Files.size(file) + ":" + Files.readAttributes(file,
                    java.nio.file.attribute.BasicFileAttributes.class).fileKey());
        }
        return stamps;
    }

    /** Stops checking; the current context stays usable. */
    @Override
    public void close() {
        checker.shutdownNow();
    }
}
