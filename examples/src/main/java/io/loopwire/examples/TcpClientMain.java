package io.loopwire.examples;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

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

    @Override
    public Integer call() throws Exception {
        InetSocketAddress server = address.resolve();
        Socket socket = new Socket();
        try {
            socket.connect(server, 5000);
        } catch (IOException e) {
            System.err.println("tcp-client: cannot connect to " + address + ": " + e.getMessage());
            return 1;
        }
        socket.setTcpNoDelay(true);
        Thread printer = new Thread(() -> printIncoming(socket), "tcp-client-reader");
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
            socket.shutdownOutput(); // the server flushes what it holds for us, then closes
        } catch (IOException e) {
            System.err.println("tcp-client: connection lost: " + e.getMessage());
        }
        printer.join(5000);
        socket.close();
        return 0;
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
