package io.loopwire.tls;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * The client side of {@link TlsIdleMemoryTest}, run in its own JVM so that its sockets do not count in the server's
 * heap: {@code IdleTlsClients PORT COUNT CA_FILE|plain} opens COUNT connections (TLS, handshake done, or plaintext),
 * prints {@code ready}, and holds them idle until stdin ends.
 */
public final class IdleTlsClients {
    private IdleTlsClients() {
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        SSLContext context = args[2].equals("plain") ? null : PemFiles.clientContext(Path.of(args[2]));
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            if (context == null) {
                sockets.add(new Socket("127.0.0.1", port));
            } else {
                SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("localhost", port);
                s.startHandshake();
                sockets.add(s);
            }
        }
        System.out.println("ready " + sockets.size());
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
