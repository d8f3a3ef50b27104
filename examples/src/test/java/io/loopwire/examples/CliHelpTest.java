package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * What a newcomer reads: {@code --help} of every command labels each value in capitals (never a Java field name
 * such as {@code <bind>}) and defines DURATION and SIZE; a usage error is one line naming the problem, then where to
 * read more (as processes: exit 2, at most 2 lines).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CliHelpTest {
    private static final List<String> COMMANDS = List.of("server", "monitor", "demo", "tcp-client", "udp-client");
    /** picocli's default label after an option: the field's name in angle brackets ({@code --bind=<bind>}). */
    private static final Pattern JAVA_NAME_LABEL = Pattern.compile("--[a-z-]+[= ]<[a-z][A-Za-z0-9]*>");

    @Test
    void everyHelpLabelsValuesInCapitalsAndDefinesTheUnits() {
        for (String command : COMMANDS) {
            String help = help(command);
            Matcher m = JAVA_NAME_LABEL.matcher(help);
            assertThat(m.find()).as("%s --help shows a Java field name: %s", command, m.hitEnd() ? "" : m.group())
                    .isFalse();
            assertThat(help).as(command).contains("DURATION is a number and a unit")
                    .contains("SIZE is bytes, or a number with");
        }
        assertThat(help("server")).contains("--loops=N|auto", "--max-frame=SIZE", "--bind=HOST",
                "--tcp-port=PORT|off", "--udp-idle-timeout=DURATION", "--cluster=nats://HOST:PORT");
        assertThat(help("monitor")).contains("--target=URL", "--interval=DURATION", "--http-port=PORT");
        assertThat(help("tcp-client")).contains("--host=HOST", "--port=PORT");
    }

    @Test
    void aUsageErrorIsOneLineThenWhereToReadMore() throws Exception {
        for (String command : COMMANDS) {
            // The monitor's one required option given, so the unknown one is the problem named.
            String[] args = command.equals("monitor") ? new String[] {command, "--target", "127.0.0.1:9",
                "--no-such-option"} : new String[] {command, "--no-such-option"};
            try (JarProcess p = JarProcess.start(args)) {
                assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
                assertThat(p.stderr()).as(p.describe()).hasSizeLessThanOrEqualTo(2)
                        .containsExactly(command + ": Unknown option: '--no-such-option'",
                                "try 'loopwire.jar " + command + " --help'");
                assertThat(p.stdout()).isEmpty();
            }
        }
        try (JarProcess p = JarProcess.start("server", "--max-frame", "12x")) {
            assertThat(p.awaitExit()).as(p.describe()).isEqualTo(2);
            assertThat(p.stderr()).as(p.describe()).hasSize(2);
            assertThat(p.stderr().get(0)).startsWith("server: ").contains("--max-frame", "12x");
        }
    }

    private static String help(String command) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(command, "--help")).isZero();
        return out.toString();
    }
}
