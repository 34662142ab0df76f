package dev.weft.controlplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

    @Test
    void readsSamplesLabelsAndSpecialValuesSkippingComments() {
        // given: Prometheus text 0.0.4 as a proxy writes it, with escapes, a timestamp and OpenMetrics' # EOF
        String text = """
                # HELP weft_requests_total Requests.
                # TYPE weft_requests_total counter
                weft_requests_total{reporter="source",route="a\\"b\\\\c\\nd",response_code="200"} 12
                weft_request_duration_milliseconds_bucket{le="+Inf"} 3 1700000000000
                up 1e3
                weft_x{} NaN
                weft_y -Inf\r
                # EOF
                """;

        // when
        List<PrometheusText.Sample> samples = PrometheusText.parse(text);

        // then
        assertThat(samples).hasSize(5);
        assertThat(samples.get(0).name()).isEqualTo("weft_requests_total");
        assertThat(samples.get(0).labels()).isEqualTo(Map.of("reporter", "source", "route", "a\"b\\c\nd",
                "response_code", "200"));
        assertThat(samples.get(0).value()).isEqualTo(12);
        assertThat(samples.get(1).label("le")).isEqualTo("+Inf");
        assertThat(samples.get(1).value()).isEqualTo(3);
        assertThat(samples.get(2).value()).isEqualTo(1000);
        assertThat(samples.get(3).labels()).isEmpty();
        assertThat(samples.get(3).value()).isNaN();
        assertThat(samples.get(4).value()).isEqualTo(Double.NEGATIVE_INFINITY);
        assertThat(samples.get(4).label("missing")).isEmpty();
    }

    @Test
    void aBrokenLineIsRefusedWithItsNumber() {
        assertThatThrownBy(() -> PrometheusText.parse("ok 1\nbad{a=\"x} 1\n"))
                .hasMessageStartingWith("line 2: unterminated value of label a");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=\"1\"} one"))
                .hasMessageStartingWith("line 1: value 'one' is not a number");
        assertThatThrownBy(() -> PrometheusText.parse("a{b=1} 2")).hasMessageContaining("expected '\"'");
        assertThatThrownBy(() -> PrometheusText.parse("{b=\"1\"} 2")).hasMessageContaining("expected a metric name");
    }
}
