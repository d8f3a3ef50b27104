package io.loopwire.examples;

import io.loopwire.tls.PemFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code tcp-client}: a line chat client. Sends each stdin line, prints what the server relays, and ends on EOF,
 * {@code /quit}, {@code /sair}, SIGINT or SIGTERM (exit 0, after the server has closed its side, so nothing relayed to
 * us is lost); when the server closes first, says so at once and exits 1.
 *
 * <p>A client has one connection and nothing to multiplex, so it uses a plain blocking socket and a reader thread.
 */
@Command(name = "tcp-client", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chat over TCP: stdin lines go to the server, relayed lines go to stdout.")
final class TcpClientMain implements Callable<Integer> {
    @Mixin
    ServerAddress address;
    @Option(names = "--tls", description = "Speak TLS (1.3 or 1.2); the server's certificate must name --host.")
    boolean tls;
    @Option(names = "--tls-ca", paramLabel = "FILE",
            description = "Trust the CAs in this PEM file (default: the JDK's trusted CAs).")
    Path tlsCa;
    @Option(names = "--tls-insecure", description = "Trust any certificate and name (tests only: no protection"
            + " against a man in the middle).")
    boolean tlsInsecure;

    @Override
    public Integer call() throws Exception {
        Args.check(tls || (tlsCa == null && !tlsInsecure), "--tls-ca and --tls-insecure need --tls");
        Args.check(tlsCa == null || !tlsInsecure, "--tls-ca and --tls-insecure exclude each other");
        InetSocketAddress server = address.resolve();
        Socket socket = new Socket();
        try {
            socket.connect(server, 5000);
        } catch (IOException e) {
            System.err.println("tcp-client: cannot connect to " + address + ": " + e.getMessage());
            return 1;
        }
        socket.setTcpNoDelay(true);
        if (tls) {
            try {
                socket = handshake(socket);
            } catch (IOException e) {
                System.err.println("tcp-client: TLS with " + address + " failed: " + e.getMessage());
                socket.close();
                return 1; // nothing was sent
            }
        }
        final Socket connected = socket;
        // Whichever comes first ends the session: stdin ends (or /quit), SIGINT/SIGTERM, or the server closes.
        // "leaving" is set before we end it, so the reader can tell the server's close from the answer to ours.
        CountDownLatch end = new CountDownLatch(1);
        AtomicBoolean leaving = new AtomicBoolean();
        AtomicBoolean serverEnded = new AtomicBoolean();
        StopSignals.onStop(() -> {
            leaving.set(true);
            end.countDown();
        });
        Thread printer = new Thread(() -> {
            serverEnded.set(!printIncoming(connected, leaving));
            end.countDown();
        }, "tcp-client-reader");
        printer.start();
        OutputStream out = socket.getOutputStream();
        Thread sender = new Thread(() -> {
            if (!sendStdin(out, leaving)) {
                serverEnded.set(true);
            }
            end.countDown();
        }, "tcp-client-stdin");
        sender.setDaemon(true); // a read of stdin cannot be interrupted: it must not hold the JVM
        sender.start();
        end.await();
        if (serverEnded.get()) {
            socket.close();
            return 1;
        }
        leaving.set(true);
        try {
            synchronized (out) {
                socket.shutdownOutput(); // (TLS: close_notify first) the server flushes what it holds, then closes
            }
        } catch (IOException e) {
            // The server may have closed in answer to our /quit already, and the reader closed the socket on seeing
            // it ("Socket is closed"): a clean end, unless the reader found the close unasked for.
            boolean closedByReader = socket.isClosed();
            printer.join(5000);
            socket.close();
            if (serverEnded.get()) {
                return 1; // the reader has said so
            }
            if (!closedByReader) {
                System.err.println("tcp-client: connection lost: " + e.getMessage());
                return 1;
            }
            return 0;
        }
        printer.join(5000);
        socket.close();
        return 0;
    }

    /**
     * Sends each stdin line until EOF or {@code /quit} (then sets {@code leaving}); false, said on stderr, when a write
     * fails.
     */
    private static boolean sendStdin(OutputStream out, AtomicBoolean leaving) {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while ((line = stdin.readLine()) != null) {
                boolean quit = line.equals("/quit") || line.equals("/sair");
                if (quit) {
                    leaving.set(true); // the server closes in answer: not a loss
                }
                synchronized (out) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                if (quit) {
                    return true;
                }
            }
            leaving.set(true);
            return true;
        } catch (IOException e) {
            if (leaving.get()) {
                return true;
            }
            System.err.println("tcp-client: connection lost: " + e.getMessage());
            return false;
        }
    }

    /** The TLS handshake over {@code socket}, verifying that the certificate names {@code --host}. */
    private SSLSocket handshake(Socket socket) throws IOException {
        SSLContext context = tlsCa != null ? PemFiles.clientContext(tlsCa) : tlsInsecure ? trustingAnyone() : null;
        if (context == null) {
            try {
                context = SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IOException("no default TLS context", e);
            }
        }
        SSLSocket tlsSocket = (SSLSocket) context.getSocketFactory().createSocket(socket, address.host, address.port,
                true);
        SSLParameters parameters = tlsSocket.getSSLParameters();
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        if (!tlsInsecure) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        if (!address.host.matches("[0-9.]+|.*:.*")) {
            parameters.setServerNames(List.of(new SNIHostName(address.host)));
        }
        tlsSocket.setSSLParameters(parameters);
        tlsSocket.startHandshake();
        return tlsSocket;
    }

    private static SSLContext trustingAnyone() {
        X509TrustManager anyone = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                // trusts anyone: --tls-insecure
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                // trusts anyone: --tls-insecure
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {anyone}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Prints each line from the server until it closes. False when the server ended the session (its close, or a
     * lost connection) while we were not {@code leaving}: said on stderr at once.
     */
    private static boolean printIncoming(Socket socket, AtomicBoolean leaving) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                System.out.println(line);
            }
            System.out.flush();
            if (!leaving.get()) {
                System.err.println("tcp-client: the server closed the connection");
                return false;
            }
            return true;
        } catch (IOException e) {
            System.out.flush();
            if (leaving.get() || socket.isClosed()) {
                return true;
            }
            System.err.println("tcp-client: connection lost: " + e.getMessage());
            return false;
        }
    }
}
