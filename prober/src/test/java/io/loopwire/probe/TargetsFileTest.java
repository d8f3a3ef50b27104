package io.loopwire.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The targets file's grammar, and what it does with hostile input: every bad line named, nothing unbounded. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class TargetsFileTest {

    @Test
    void urlsNamesLabelsAndComments() throws Exception {
        List<TargetSpec> specs = TargetsFile.parse("t", List.of(
                "  # a comment", "", "127.0.0.1:7", "udp://127.0.0.1:8 name=echo site=paris # trailing comment",
                "TCP://[::1]:5432\tname=db  team=core env=prod"));
        assertThat(specs).hasSize(3);
        assertThat(specs.get(0)).isEqualTo(new TargetSpec("127.0.0.1:7", ProbeKind.UDP,
                new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), 7)));
        assertThat(specs.get(1).name()).isEqualTo("echo");
        assertThat(specs.get(1).labels()).isEqualTo(Map.of("site", "paris"));
        assertThat(specs.get(2).kind()).isEqualTo(ProbeKind.TCP);
        assertThat(specs.get(2).url()).isEqualTo("tcp://[0:0:0:0:0:0:0:1]:5432");
        assertThat(specs.get(2).labels().keySet()).containsExactly("env", "team"); // sorted
    }

    @Test
    void everyBadLineIsReportedWithItsNumber() {
        List<String> lines = List.of(
                "tcp://127.0.0.1:80 name=a",
                "icmp://127.0.0.1:1",
                "tcp://127.0.0.1",
                "tcp://127.0.0.1:70000",
                "tcp://127.0.0.1:x",
                "tcp://::1:80",
                "tcp://127.0.0.1:81 name=a",
                "tcp://127.0.0.1:80 name=b",
                "tcp://127.0.0.1:82 9bad=x",
                "tcp://127.0.0.1:83 lonely",
                "tcp://no-such-host.invalid:80");
        assertThatThrownBy(() -> TargetsFile.parse("f", lines))
                .isInstanceOfSatisfying(TargetsFile.BadTargetsException.class, e -> assertThat(e.problems())
                        .hasSize(10)
                        .satisfies(p -> assertThat(p.get(0)).startsWith("line 2: unknown kind 'icmp'"))
                        .satisfies(p -> assertThat(p.get(1)).startsWith("line 3: ").contains("not host:port"))
                        .satisfies(p -> assertThat(p.get(2)).startsWith("line 4: ").contains("1-65535"))
                        .satisfies(p -> assertThat(p.get(3)).startsWith("line 5: ").contains("not a number"))
                        .satisfies(p -> assertThat(p.get(4)).startsWith("line 6: ").contains("brackets"))
                        .satisfies(p -> assertThat(p.get(5)).startsWith("line 7: name a given twice"))
                        .satisfies(p -> assertThat(p.get(6)).startsWith("line 8: tcp://127.0.0.1:80 given twice"))
                        .satisfies(p -> assertThat(p.get(7)).startsWith("line 9: ").contains("label name '9bad'"))
                        .satisfies(p -> assertThat(p.get(8)).startsWith("line 10: 'lonely' is not key=value"))
                        .satisfies(p -> assertThat(p.get(9)).startsWith("line 11: ").contains("unknown host")));
    }

    @Test
    void hostileFilesAreRefusedWithBoundedWork(@TempDir Path dir) throws Exception {
        // One enormous line: refused by its length, not parsed word by word.
        String huge = "tcp://127.0.0.1:80 " + "a=b ".repeat(10_000);
        assertThatThrownBy(() -> TargetsFile.parse("f", List.of(huge)))
                .hasMessageContaining("line 1: longer than " + TargetsFile.MAX_LINE_CHARS);
        // A file of garbage: at most 20 problems listed, then it stops looking.
        List<String> garbage = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            garbage.add("\u0000\u00ff garbage " + i);
        }
        assertThatThrownBy(() -> TargetsFile.parse("f", garbage))
                .isInstanceOfSatisfying(TargetsFile.BadTargetsException.class,
                        e -> assertThat(e.problems()).hasSize(21).last().isEqualTo("(further lines not checked)"));
        // A file over the size bound is refused before it is read.
        Path big = dir.resolve("big");
        Files.write(big, new byte[TargetsFile.MAX_TARGETS * 256 + 1]);
        assertThatThrownBy(() -> TargetsFile.read(big)).hasMessageContaining("file larger than");
        // Not UTF-8: an error, not a crash of the watcher's thread.
        Path latin = dir.resolve("latin");
        Files.write(latin, "127.0.0.1:7 name=caf\u00e9".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> TargetsFile.read(latin)).isInstanceOf(java.io.IOException.class);
    }
}
