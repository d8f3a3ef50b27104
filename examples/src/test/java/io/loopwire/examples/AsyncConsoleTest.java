package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A console that stops reading must not block the thread that prints (the reactor, in the monitor). */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class AsyncConsoleTest {

    @Test
    void aStalledConsoleNeitherBlocksThePrinterNorLosesTheCount() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        OutputStream stalled = new OutputStream() {
            @Override
            public void write(int b) {
                try {
                    release.await(); // a terminal nobody reads: every write blocks until released
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                synchronized (written) {
                    written.write(b);
                }
            }
        };
        PrintStream out = AsyncConsole.over(new PrintStream(stalled, true, StandardCharsets.UTF_8));
        long start = System.nanoTime();
        for (int i = 0; i < 30_000; i++) {
            out.println("round " + i);
        }
        long printMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(printMillis).as("30,000 lines printed without waiting for the console").isLessThan(5_000);

        release.countDown();
        out.close();
        String text;
        synchronized (written) {
            text = written.toString(StandardCharsets.UTF_8);
        }
        assertThat(text).startsWith("round 0\n").contains("lines dropped: the console was not reading");
        assertThat(text.lines().filter(l -> l.startsWith("round ")).count()).isLessThan(30_000).isGreaterThan(9_000);
    }
}
