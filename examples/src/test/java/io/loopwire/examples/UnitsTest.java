package io.loopwire.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class UnitsTest {

    @Test
    void parsesDurations() {
        assertThat(Units.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Units.parseDuration("2s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(Units.parseDuration("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Units.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Units.parseDuration("0s")).isZero();
    }

    @Test
    void rejectsBadDurationsNamingTheValue() {
        for (String bad : new String[] {"soon", "10", "2 s", "-1s", "1.5s", "", "s", "10x"}) {
            assertThatThrownBy(() -> Units.parseDuration(bad)).as(bad)
                    .isInstanceOf(TypeConversionException.class)
                    .hasMessageContaining("'" + bad + "'")
                    .hasMessageContaining("duration");
        }
    }

    @Test
    void parsesSizes() {
        assertThat(Units.parseSize("65536")).isEqualTo(65536);
        assertThat(Units.parseSize("64KiB")).isEqualTo(64 * 1024);
        assertThat(Units.parseSize("1MiB")).isEqualTo(1024 * 1024);
        assertThat(Units.parseSize("512B")).isEqualTo(512);
    }

    @Test
    void rejectsBadSizesNamingTheValue() {
        for (String bad : new String[] {"12x", "MiB", "-1", "1.5MiB", "", "1 MiB"}) {
            assertThatThrownBy(() -> Units.parseSize(bad)).as(bad)
                    .isInstanceOf(TypeConversionException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> Units.parseSize("99999999999999GiB")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Units.parseDuration("99999999999999999999ms"))
                .isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Units.parseDuration("9999999999999999h")).isInstanceOf(TypeConversionException.class);
        assertThatThrownBy(() -> Units.parseSize("99999999999999999999")).isInstanceOf(TypeConversionException.class);
    }

    @Test
    void formatsDurationsTheWayTheyAreParsed() {
        for (String text : new String[] {"500ms", "2s", "10m", "1h", "1500ms"}) {
            assertThat(Units.format(Units.parseDuration(text))).isEqualTo(text);
        }
    }
}
