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
 * {@code /quit} or {@code /sair} (after the server has closed its side, so nothing relayed to us is lost).
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
        Thread printer = new Thread(() -> printIncoming(connected), "tcp-client-reader");
        printer.start();
        OutputStream out = socket.getOutputStream();
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try {
            String line;
            while (printer.isAlive() && (line = stdin.readLine()) != null) {
                out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                if (line.equals("/quit") || line.equals("/sair")) {
                    break;
                }
            }
            socket.shutdownOutput(); // (TLS: close_notify first) the server flushes what it holds for us, then closes
        } catch (IOException e) {
            System.err.println("tcp-client: connection lost: " + e.getMessage());
        }
        printer.join(5000);
        socket.close();
        return 0;
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

    private static void printIncoming(Socket socket) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                System.out.println(line);
            }
            System.out.flush();
        } catch (IOException e) {
            if (!socket.isClosed()) {
                System.err.println("tcp-client: connection lost: " + e.getMessage());
            }
        }
    }
}
