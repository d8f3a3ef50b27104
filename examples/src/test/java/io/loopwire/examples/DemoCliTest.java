package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.loopwire.Poll;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code demo} as a process: its first line says what it shows and where the page is (before any log line), the page
 * answers there, {@code --seconds 0} runs past the longest story until Ctrl-C and then stops cleanly with its summary,
 * and an out-of-range {@code --seconds} is a usage error.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DemoCliTest {
    private static final Pattern PAGE = Pattern.compile("live page at (http://127\\.0\\.0\\.1:\\d+/)");

    @Test
    void untilCtrlCWithTheFirstLineNamingThePage() throws Exception {
        try (JarProcess demo = JarProcess.start("demo", "--seconds", "0")) {
            String first = demo.awaitLine("the first line", line -> true);
            assertThat(demo.stderr()).as("no log line before the first line").isEmpty();
            assertThat(first).startsWith("loopwire demo: a chat server").contains("until Ctrl-C");
            Matcher page = PAGE.matcher(first);
            assertThat(page.find()).as(first).isTrue();
            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    page.group(1))).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(answer.body()).contains("data-target=");

            // The shortest story is 5 s and its chat script ends by then: still running after 8 s, still chatting.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            Poll.until(Duration.ofSeconds(20), () -> System.nanoTime() - deadline > 0 || !demo.isAlive(),
                    "8 s to pass");
            assertThat(demo.isAlive()).as(demo.describe()).isTrue();
            assertThat(demo.stdout()).as("no summary before Ctrl-C").noneMatch(line -> line.contains("summary: "));

            demo.signal("INT");
            assertThat(demo.awaitExit()).as(demo.describe()).isZero();
            assertThat(demo.stdout()).anyMatch(line -> line.contains("summary: "));
            List<String> story = demo.stdout().subList(0, indexOf(demo.stdout(), "summary: "));
            assertThat(story).as("the story, carol's datagrams included: one line each, no empty ones")
                    .noneMatch(String::isEmpty).anyMatch(line -> line.contains("carol <- [127.0.0.1:"));
            assertThat(demo.stderr()).as(demo.describe()).isEmpty();
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        throw new AssertionError("no line with '" + part + "' in " + lines);
    }

    @Test
    void secondsOutOfRangeIsAUsageError() throws Exception {
        for (String bad : new String[] {"4", "-1", "3601"}) {
            try (JarProcess demo = JarProcess.start("demo", "--seconds", bad)) {
                assertThat(demo.awaitExit()).as(demo.describe()).isEqualTo(2);
                assertThat(demo.stderr()).as(demo.describe()).first().asString()
                        .isEqualTo("demo: --seconds must be 0 (until Ctrl-C) or in 5..3600, was " + bad);
            }
        }
    }
}
