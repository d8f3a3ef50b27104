package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/**
 * The README's table of commands tells the truth: every command it lists exists, and every flag it names for a command
 * is in that command's {@code --help}. And every command of the jar is in the table.
 */
@Timeout(30)
class CommandsTableTest {
    private static final Pattern ROW = Pattern.compile("^\\| `([a-z-]+)` \\| [^|]+ \\| (.+) \\|$", Pattern.MULTILINE);
    private static final Pattern FLAG = Pattern.compile("`(--[a-z-]+)");

    @Test
    void everyCommandAndFlagInTheReadmeTableIsInHelp() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"), StandardCharsets.UTF_8);
        CommandLine jar = Main.commandLine();
        Matcher row = ROW.matcher(readme);
        int rows = 0;
        while (row.find()) {
            String command = row.group(1);
            CommandLine sub = jar.getSubcommands().get(command);
            assertThat(sub).as("README lists command %s", command).isNotNull();
            String help = sub.getUsageMessage();
            Matcher flag = FLAG.matcher(row.group(2));
            while (flag.find()) {
                assertThat(help).as("%s --help shows %s", command, flag.group(1)).contains(flag.group(1));
            }
            rows++;
        }
        assertThat(rows).as("rows in the README's command table").isEqualTo(jar.getSubcommands().size());
    }
}
