package io.loopwire.alert;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonWriterTest {
    @Test
    void escapesQuotesControlCharactersAndMarkup() {
        String json = new JsonWriter(64).beginObject().name("name").value("a\"b\\c\n<script>&\u0001\u2028")
                .name("nan").value(Double.NaN).name("n").value(1.5).name("none").value((String) null).endObject()
                .toString();
        assertThat(json).isEqualTo("{\"name\":\"a\\\"b\\\\c\\n\\u003cscript\\u003e\\u0026\\u0001\\u2028\","
                + "\"nan\":null,\"n\":1.500,\"none\":null}");
    }

    @Test
    void arraysOfObjectsAreCommaSeparated() {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("alertname", "LoopwireTargetDown");
        labels.put("target", "tcp://127.0.0.1:1");
        String json = new JsonWriter(64).beginArray().object(labels).value(7).beginArray().endArray().endArray()
                .toString();
        assertThat(json).isEqualTo("[{\"alertname\":\"LoopwireTargetDown\",\"target\":\"tcp://127.0.0.1:1\"},7,[]]");
    }
}
