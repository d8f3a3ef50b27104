package io.loopwire.examples.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The token file is trimmed like Prometheus's credentials_file; only the exact token under the Bearer scheme passes. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class BearerTokenTest {
    @TempDir
    Path dir;

    @Test
    void theFileIsTrimmedAndOnlyTheExactTokenPasses() throws Exception {
        BearerToken token = BearerToken.read(Files.writeString(dir.resolve("t"), "\t abc.DEF-123 \r\n"));
        assertThat(token.accepts("Bearer abc.DEF-123")).isTrue();
        assertThat(token.accepts("bearer abc.DEF-123")).isTrue(); // the scheme is case-insensitive (RFC 7235)
        assertThat(token.accepts("Bearer abc.DEF-12")).isFalse();
        assertThat(token.accepts("Bearer abc.DEF-1234")).isFalse();
        assertThat(token.accepts("Bearer abc.def-123")).isFalse();
        assertThat(token.accepts("Basic abc.DEF-123")).isFalse();
        assertThat(token.accepts("abc.DEF-123")).isFalse();
        assertThat(token.accepts("Bearer ")).isFalse();
        assertThat(token.accepts(null)).isFalse();
        assertThat(token.toString()).doesNotContain("abc");
    }

    @Test
    void anEmptyOrOversizedFileIsRefusedWithItsName() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty"), " \n ");
        assertThatThrownBy(() -> BearerToken.read(empty)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty").hasMessageContaining(empty.toString());
        Path big = Files.write(dir.resolve("big"), new byte[BearerToken.MAX_FILE_BYTES + 1]);
        assertThatThrownBy(() -> BearerToken.read(big)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at most " + BearerToken.MAX_FILE_BYTES);
    }
}
