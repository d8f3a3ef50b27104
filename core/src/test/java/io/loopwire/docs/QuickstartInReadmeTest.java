package io.loopwire.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The README prints the quickstart's files whole, as shipped in {@code docs/quickstart} (which CI builds offline
 * against the installed artifacts and runs, {@code .ci/quickstart}): what a newcomer copies is what we build.
 */
@Timeout(30)
class QuickstartInReadmeTest {
    private static final Path ROOT = Path.of("..");
    private static final Pattern FENCED = Pattern.compile("```[a-z]*\\n(.*?)```", Pattern.DOTALL);

    @Test
    void theReadmePrintsThePomAndTheClassAsShipped() throws IOException {
        List<String> blocks = new ArrayList<>();
        Matcher m = FENCED.matcher(Files.readString(ROOT.resolve("README.md"), StandardCharsets.UTF_8));
        while (m.find()) {
            blocks.add(m.group(1));
        }
        for (String file : List.of("docs/quickstart/pom.xml",
                "docs/quickstart/src/main/java/example/EchoServer.java")) {
            assertThat(blocks).as("a README block equal to %s", file)
                    .contains(Files.readString(ROOT.resolve(file), StandardCharsets.UTF_8));
        }
    }
}
