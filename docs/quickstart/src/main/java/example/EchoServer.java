package example;

import io.loopwire.Reactor;
import io.loopwire.tcp.TcpServer;
import io.loopwire.wire.PeerName;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/** Echoes every line back to its sender, on one loop thread. */
public final class EchoServer {

    public static void main(String[] args) throws Exception {
        Reactor reactor = new Reactor();
        TcpServer server = TcpServer.builder(reactor)
                .bind(new InetSocketAddress("127.0.0.1", 7007))
                .handler((connection, line) -> {             // one call per line, without "\n"
                    ByteBuffer reply = ByteBuffer.allocate(line.remaining() + 1);
                    reply.put(line).put((byte) '\n').flip(); // the line is only valid during the call
                    connection.send(reply);                  // queued, flushed once at the end of the loop turn
                })
                .start();
        System.out.println("echo on " + PeerName.of(server.localAddress()));
        reactor.run();                                       // this thread is the loop; Ctrl-C to stop
    }
}
