package io.loopwire.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The strict reader the scrape tests rely on does reject what Prometheus would: otherwise those tests prove nothing. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class PrometheusTextRejectsBadExpositionTest {
    private static final String GOOD = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"q\\\"b\\\\n\\n\"} 1.0\n";

    @Test
    void acceptsAWellFormedFamilyAndUnescapesLabels() {
        assertThat(PrometheusText.parse(GOOD).value("a_total", Rig.labels("x", "q\"b\\n\n"))).isEqualTo(1.0);
    }

    @Test
    void rejectsWhatPrometheusWouldReject() {
        String[] bad = {
            "# TYPE a_total counter\na_total 1\n", // no HELP
            "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"a\"b\"} 1\n", // unescaped quote
            "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"\\t\"} 1\n", // bad escape
            "# HELP a_total A.\n# TYPE a_total counter\na_total{1x=\"a\"} 1\n", // bad label name
            "# HELP a-b A.\n# TYPE a-b gauge\na-b 1\n", // bad metric name
            "# HELP a_total A.\n# TYPE a_total counter\na_total one\n", // bad value
            "# HELP a_total A.\n# TYPE a_total counter\na_total 1\na_total 2\n", // duplicate series
            "# HELP a A.\n# TYPE a counter\na 1\n", // counter family without _total
            "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 1\n",
            "# HELP h A.\n# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 3\nh_sum 1\n",
            GOOD.substring(0, GOOD.length() - 1), // no final newline
        };
        for (String text : bad) {
            assertThatThrownBy(() -> PrometheusText.parse(text)).as(text).isInstanceOf(AssertionError.class);
        }
    }
}
